#include "engine/scrubber.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>

#include "tests/support/canary_secrets.h"

namespace keyward::engine {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Every sensitive value of a run.
constexpr const char* kSensitiveValues[] = {canary::kSecretValue, canary::kClientSecret,
                                            canary::kAccessToken, canary::kFingerprintKey};

// Every sensitive value of a run, registered as keyward registers them when it reads them.
Scrubber& Registered(Scrubber& scrubber) {
  for (const char* value : kSensitiveValues) scrubber.Add(value);
  return scrubber;
}

TEST(ScrubberTest, EachSensitiveValueIsRemovedFromArmErrorsLogLinesAndExceptionTexts) {
  Scrubber scrubber;
  Registered(scrubber);
  for (const char* value : kSensitiveValues) {
    const std::string arm_error =
        std::string("ARM 400 BadRequest: The value '") + value + "' is not valid";
    const std::string log_line =
        std::string("2024-05-01T10:00:00.000Z warn change address=Secret/kv/db error=") + value;
    std::string exception_text;
    try {
      throw std::runtime_error(std::string("unexpected token ") + value + " at offset 3");
    } catch (const std::exception& e) {
      exception_text = e.what();
    }
    for (const std::string& text : {arm_error, log_line, exception_text}) {
      const std::string scrubbed = scrubber.Scrub(text);
      EXPECT_THAT(scrubbed, Not(HasSubstr(value))) << text;
      EXPECT_THAT(scrubbed, HasSubstr(kScrubbed)) << text;
    }
  }
  EXPECT_EQ(scrubber.Scrub("ARM 400 BadRequest: The value 'x' is not valid"),
            "ARM 400 BadRequest: The value 'x' is not valid")
      << "text without a registered value is untouched";
}

TEST(ScrubberTest, EncodedTrimmedAndPerLineFormsAreRemovedToo) {
  Scrubber scrubber;
  scrubber.Add("pass\"word/with spaces\n");
  scrubber.Add("-----BEGIN KEY-----\nAAAAbbbbCCCCdddd\nEEEEffffGGGGhhhh\n-----END KEY-----\n");
  EXPECT_EQ(scrubber.Scrub("json: \"pass\\\"word/with spaces\\n\""), "json: \"(sensitive value)\"");
  EXPECT_EQ(scrubber.Scrub("form: v=pass%22word%2Fwith%20spaces%0A&x=1"),
            "form: v=(sensitive value)&x=1");
  EXPECT_EQ(scrubber.Scrub("quoted 'pass\"word/with spaces'"), "quoted '(sensitive value)'")
      << "a value read from a file ends with a newline that error messages drop";
  EXPECT_EQ(scrubber.Scrub("line 2 is EEEEffffGGGGhhhh"), "line 2 is (sensitive value)");
}

TEST(ScrubberTest, ShortValuesAreNotRegisteredSoCommonWordsSurvive) {
  Scrubber scrubber;
  scrubber.Add("true");
  scrubber.Add("1234567");
  EXPECT_TRUE(scrubber.empty());
  EXPECT_EQ(scrubber.Scrub("{\"enabled\": true, \"n\": 1234567}"),
            "{\"enabled\": true, \"n\": 1234567}");
}

TEST(ScrubberTest, LongestMatchWinsAndAdjacentValuesAreBothRemoved) {
  Scrubber scrubber;
  scrubber.Add("abcdefgh");
  scrubber.Add("abcdefghijkl");
  EXPECT_EQ(scrubber.Scrub("<abcdefghijkl>"), "<(sensitive value)>");
  EXPECT_EQ(scrubber.Scrub("abcdefghabcdefgh"), "(sensitive value)(sensitive value)");
}

TEST(ScrubberTest, StreamCatchesAValueSplitAcrossChunksAndHoldsBackOnlyWhatCouldBeOne) {
  Scrubber scrubber;
  Registered(scrubber);
  ScrubbingStream stream(scrubber);
  std::string out;
  const std::string text =
      std::string("error: ARM 400: bad value ") + canary::kSecretValue + "\nnext\n";
  // Byte by byte: the worst split a stdio buffer can make.
  for (char c : text) out += stream.Write(std::string_view(&c, 1));
  out += stream.Finish();
  EXPECT_EQ(out, "error: ARM 400: bad value (sensitive value)\nnext\n");

  // A prompt without a newline is written at once unless its end could start a value.
  EXPECT_EQ(stream.Write("Only 'yes' will be accepted: "), "Only 'yes' will be accepted: ");
  EXPECT_EQ(stream.Write("prefix CANARY-sec"), "prefix ");
  EXPECT_EQ(stream.Finish(), "CANARY-sec") << "a tail that never completed a value is written";
}

TEST(ScrubberTest, ProcessScrubberIsOneInstance) {
  EXPECT_EQ(&Scrubber::Process(), &Scrubber::Process());
}

}  // namespace
}  // namespace keyward::engine
