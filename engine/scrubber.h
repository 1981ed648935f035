// The last line of defence against leaks (docs/security.md). keyward never prints a sensitive
// value on purpose: plans mask them, logs never hold bodies, errors name sources instead of values.
// The scrubber catches what those rules miss (an Azure error message that quotes the value, a
// third-party exception text, a git error that echoes a token): every sensitive value of the run
// — secret values, the fingerprint and plan-signing keys, the client secret, access tokens,
// webhook secrets, credentials in URLs (engine/url.h) — is registered the moment it is read, and
// everything keyward writes for people or programs passes through Scrub: stdout and stderr (so
// every error, log line and rendered plan), the daemon's status file, /status and /metrics.
//
// Matching is byte-exact. Besides each value, its JSON-escaped form, its percent-encoded form,
// the value without trailing whitespace and every line of a multi-line value are registered, since
// that is how values come back quoted in JSON bodies, URLs and per-line output. Fragments shorter
// than the scrubber's minimum length are ignored: masking "true" or "1234" everywhere would
// corrupt JSON plans while protecting nothing a short value still needs.
//
// Thread-safe. Process() is one per process and never destroyed: stdio is flushed through it
// after static destructors have run.
#pragma once

#include <cstddef>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace keyward::engine {

// What a scrubbed value is replaced with (the same words plans use for sensitive values).
inline constexpr char kScrubbed[] = "(sensitive value)";

class Scrubber {
 public:
  static constexpr size_t kDefaultMinLength = 8;

  explicit Scrubber(size_t min_length = kDefaultMinLength);
  ~Scrubber();  // cleanses the registered values
  Scrubber(const Scrubber&) = delete;
  Scrubber& operator=(const Scrubber&) = delete;

  // The scrubber of this process: what reads a sensitive value registers it here.
  static Scrubber& Process();

  // Registers `value` (and its encodings, see above).
  void Add(std::string_view value);
  bool empty() const;

  // `text` with every registered fragment replaced by kScrubbed; longest match first.
  std::string Scrub(std::string_view text) const;

  // Scrubs text[0, cut) onto `out`. A match that starts before `cut` is replaced whole even when
  // it ends after it; returns where scrubbing stopped (>= cut).
  size_t ScrubInto(std::string_view text, size_t cut, std::string* out) const;

  // How many bytes at the end of `text` (after its last newline) could be the start of a
  // registered fragment: a stream holds them back until the next chunk shows whether they are.
  size_t HoldBack(std::string_view text) const;

 private:
  void AddFragment(std::string fragment);
  size_t Bucket(std::string_view text, size_t at) const;

  const size_t min_length_;
  mutable std::shared_mutex mu_;
  std::vector<std::string> fragments_;
  std::unordered_set<std::string> known_;
  // Hash of a fragment's first min_length_ bytes -> indexes into fragments_, longest first.
  std::unordered_map<size_t, std::vector<size_t>> by_prefix_;
  // Every prefix shorter than min_length_ of every fragment (for HoldBack).
  std::unordered_set<std::string> short_prefixes_;
  size_t longest_ = 0;
};

// Scrubs a byte stream written in arbitrary chunks (stdio buffers split lines anywhere): holds
// back a tail that may be the first part of a value until the rest arrives.
class ScrubbingStream {
 public:
  explicit ScrubbingStream(const Scrubber& scrubber) : scrubber_(scrubber) {}
  ~ScrubbingStream();

  // What may be written now.
  std::string Write(std::string_view chunk);
  // The held-back tail, unscrubbed (it is not a whole value): for the end of the stream.
  std::string Finish();

 private:
  const Scrubber& scrubber_;
  std::string pending_;
};

}  // namespace keyward::engine
