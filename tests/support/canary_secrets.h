// Canary secrets: the values that leak tests hand to keyward as secrets (a Secret's value, a
// client secret, an access token, the fingerprint key) and then look for in everything keyward
// writes. Each holds letters, digits and "-~._" only, so it reads the same in JSON, in a URL and
// in a log line: a plain substring search finds a leak in any of them. Header-only, for unit,
// emulator and end-to-end tests alike.
#pragma once

#include <gmock/gmock.h>

#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace keyward::canary {

inline constexpr char kSecretValue[] = "CANARY-secret-value-4f1e";
inline constexpr char kClientSecret[] = "client~secret.Zq8-v1";
inline constexpr char kAccessToken[] = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJrZXl3YXJkIn0.c2lnbmF0dXJl";
inline constexpr char kFingerprintKey[] = "canary-test-fingerprint-key";

// Matches a text in which none of `values` appears; a mismatch names the value it found.
class HoldsNoneOfMatcher : public ::testing::MatcherInterface<const std::string&> {
 public:
  explicit HoldsNoneOfMatcher(std::vector<std::string> values) : values_(std::move(values)) {}

  bool MatchAndExplain(const std::string& text,
                       ::testing::MatchResultListener* listener) const override {
    for (const std::string& value : values_) {
      if (text.find(value) != std::string::npos) {
        *listener << "which holds \"" << value << "\"";
        return false;
      }
    }
    return true;
  }
  void DescribeTo(std::ostream* os) const override {
    *os << "holds none of " << values_.size() << " secret values";
  }
  void DescribeNegationTo(std::ostream* os) const override {
    *os << "holds one of " << values_.size() << " secret values";
  }

 private:
  std::vector<std::string> values_;
};

inline ::testing::Matcher<const std::string&> HoldsNoneOf(std::vector<std::string> values) {
  return ::testing::MakeMatcher(new HoldsNoneOfMatcher(std::move(values)));
}

}  // namespace keyward::canary
