#include "engine/yaml_document.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace keyward::engine {
namespace {

using ::testing::HasSubstr;

std::string Errors(const Diagnostics& diagnostics) {
  std::string out;
  for (const auto& d : diagnostics.items()) out += d.ToString() + "\n";
  return out;
}

// The one error ParseYamlDocuments reports for `text`, or "" (and the documents must be empty
// whenever there is an error).
std::string OnlyError(const std::string& text) {
  Diagnostics d;
  auto docs = ParseYamlDocuments(text, "t.yaml", &d);
  if (d.empty()) return "";
  EXPECT_TRUE(docs.empty()) << "a text with errors gave documents";
  EXPECT_EQ(d.items().size(), 1u) << Errors(d);
  return d.items()[0].ToString();
}

Json ParseOne(const std::string& text, Diagnostics* d) {
  auto docs = ParseYamlDocuments(text, "t.yaml", d);
  return docs.empty() ? Json() : docs[0].value;
}

TEST(YamlToJsonTest, PlainScalarsFollowTheYaml12CoreSchema) {
  Diagnostics d;
  Json v = ParseOne(
      "t1: true\nt2: True\nf1: FALSE\ny: yes\nn: no\non: on\nnull1: ~\nnull2:\nnull3: null\n"
      "i: 42\nneg: -7\nhex: 0x1F\noct: 0o17\nlead: 007\nf: 1.5\nexp: 1e3\ninf: .inf\nver: 1.2.3\n"
      "date: 2024-11-01\nq: '42'\ndq: \"true\"\nblock: |\n  true\nstr: !!str 12\nint: !!int '12'\n",
      &d);
  ASSERT_FALSE(d.HasErrors());
  EXPECT_EQ(v["t1"], true);
  EXPECT_EQ(v["t2"], true);
  EXPECT_EQ(v["f1"], false);
  EXPECT_EQ(v["y"], "yes");
  EXPECT_EQ(v["n"], "no");
  EXPECT_EQ(v["on"], "on");
  EXPECT_TRUE(v["null1"].is_null());
  EXPECT_TRUE(v["null2"].is_null());
  EXPECT_TRUE(v["null3"].is_null());
  EXPECT_EQ(v["i"], 42);
  EXPECT_TRUE(v["i"].is_number_integer());
  EXPECT_EQ(v["neg"], -7);
  EXPECT_EQ(v["hex"], 31);
  EXPECT_EQ(v["oct"], 15);
  EXPECT_EQ(v["lead"], 7);
  EXPECT_TRUE(v["f"].is_number_float());
  EXPECT_EQ(v["exp"], 1000.0);
  EXPECT_EQ(v["inf"], ".inf");
  EXPECT_EQ(v["ver"], "1.2.3");
  EXPECT_EQ(v["date"], "2024-11-01");
  EXPECT_EQ(v["q"], "42");
  EXPECT_EQ(v["dq"], "true");
  EXPECT_EQ(v["block"], "true\n");
  EXPECT_EQ(v["str"], "12");
  EXPECT_EQ(v["int"], 12);
}

TEST(YamlToJsonTest, RecordsLocationsForKeysValuesAndListItems) {
  Diagnostics d;
  auto docs = ParseYamlDocuments(
      "spec:\n  acls:\n    ipRules:\n      - value: 1.2.3.4\n  \"odd.key\": x\n", "t.yaml", &d);
  ASSERT_EQ(docs.size(), 1u);
  const SourceMap& s = docs[0].source;
  EXPECT_EQ(s.ValueAt("spec.acls.ipRules[0].value").ToString(), "t.yaml:4:16");
  EXPECT_EQ(s.KeyAt("spec.acls.ipRules[0].value").ToString(), "t.yaml:4:9");
  EXPECT_EQ(s.ValueAt("spec.acls.ipRules[0]").ToString(), "t.yaml:4:9");
  EXPECT_EQ(s.KeyAt("spec.acls").ToString(), "t.yaml:2:3");
  EXPECT_EQ(s.ValueAt("spec[\"odd.key\"]").ToString(), "t.yaml:5:14");
  // Unrecorded paths fall back to the document start.
  EXPECT_EQ(s.ValueAt("spec.nope").ToString(), "t.yaml:1:1");
}

TEST(YamlToJsonTest, DuplicateKeysUnknownTagsAndOverflowAreErrors) {
  Diagnostics d;
  ParseYamlDocuments("a: 1\nb: 2\na: 3\n", "t.yaml", &d);
  ParseYamlDocuments("ref: !Ref x\n", "u.yaml", &d);
  ParseYamlDocuments("big: 99999999999999999999999\n", "v.yaml", &d);
  ParseYamlDocuments("? [a]\n: b\n", "w.yaml", &d);
  std::string errors = Errors(d);
  EXPECT_THAT(errors, HasSubstr("t.yaml:3:1: error: duplicate key 'a' (first written at line 1)"));
  EXPECT_THAT(errors, HasSubstr("u.yaml:1:6: error: unsupported YAML tag '!Ref'"));
  EXPECT_THAT(errors,
              HasSubstr("v.yaml:1:6: error: integer 99999999999999999999999 is out of range"));
  EXPECT_THAT(errors, HasSubstr("w.yaml:1:3: error: mapping keys must be plain strings"));
}

TEST(YamlToJsonTest, AliasBombsAndSelfReferencesDoNotCrash) {
  Diagnostics d;
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'h'; ++c, ++prev) {
    bomb += std::string(1, c) + ": &" + c + " [*" + prev + ", *" + prev + ", *" + prev + ", *" +
            prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev +
            ", *" + prev + "]\n";
  }
  EXPECT_TRUE(ParseYamlDocuments(bomb, "bomb.yaml", &d).empty());
  EXPECT_THAT(Errors(d), HasSubstr("more than 100000 nodes"));
  Diagnostics d2;
  ParseYamlDocuments("a: &x [*x]\n", "self.yaml", &d2);  // must simply not crash or hang
  SUCCEED();
}

// ---------------------------------------------------------------------------------------------
// Strictness: what yaml-cpp lets through and keyward must not

TEST(YamlStrictnessTest, InvalidUtf8IsAnErrorAtItsLineAndColumnNotAReplacement) {
  EXPECT_EQ(OnlyError("a: ok\nname: ab\xff"
                      "cd\n"),
            "t.yaml:2:9: error: not valid UTF-8 (byte 0xFF); keyward reads manifests as UTF-8 "
            "only and never rewrites a string");
  // A truncated character, an overlong form, an encoded surrogate.
  EXPECT_THAT(OnlyError("a: \xc3\n"), HasSubstr("t.yaml:1:4: error: not valid UTF-8 (byte 0xC3)"));
  EXPECT_THAT(OnlyError("a: \xc0\xaf\n"), HasSubstr("not valid UTF-8 (byte 0xC0)"));
  EXPECT_THAT(OnlyError("a: \xed\xa0\x80\n"), HasSubstr("not valid UTF-8 (byte 0xED)"));
  EXPECT_THAT(OnlyError(std::string("\xff\xfe"
                                    "a\0:\0 \0b\0",
                                    10)),
              HasSubstr("t.yaml:1:1: error: not valid UTF-8 (byte 0xFF): this looks like UTF-16"));
}

TEST(YamlStrictnessTest, ValidUtf8AndABomAreKeptByteForByte) {
  Diagnostics d;
  auto docs =
      ParseYamlDocuments("\xef\xbb\xbfname: \"caf\xc3\xa9 \xf0\x9f\x94\x91\"\n", "t.yaml", &d);
  ASSERT_EQ(docs.size(), 1u) << Errors(d);
  EXPECT_EQ(docs[0].value["name"], "caf\xc3\xa9 \xf0\x9f\x94\x91");
  EXPECT_EQ(docs[0].source.ValueAt("name").ToString(), "t.yaml:1:7");
}

TEST(YamlStrictnessTest, NulAndControlCharactersAreErrors) {
  EXPECT_EQ(OnlyError(std::string("a: b\0c\n", 7)),
            "t.yaml:1:5: error: a NUL byte (is this a binary file?) is not allowed in a manifest");
  EXPECT_EQ(OnlyError("a: b\x01"
                      "c\n"),
            "t.yaml:1:5: error: the control character U+0001 is not allowed in a manifest");
  EXPECT_THAT(OnlyError("a: b\x7f\n"), HasSubstr("the control character U+007F"));
  // YAML 1.1 line breaks that YAML 1.2 calls characters: tools would disagree on what they mean.
  EXPECT_THAT(OnlyError("a: b\xc2\x85"
                        "c\n"),
              HasSubstr("t.yaml:1:5: error: the line separator U+0085"));
  EXPECT_THAT(OnlyError("a: b\xe2\x80\xa8"
                        "c\n"),
              HasSubstr("the line separator U+2028"));
  EXPECT_THAT(OnlyError("a: b\xc2\x9b\n"), HasSubstr("the control character U+009B"));
  EXPECT_THAT(OnlyError("a: \xef\xbf\xbf\n"), HasSubstr("the noncharacter U+FFFF"));
  // Tabs and CRLF line ends are ordinary text.
  EXPECT_EQ(OnlyError("a: \"b\tc\"\r\nd: e\r\n"), "");
}

TEST(YamlStrictnessTest, EscapedControlCharactersAreErrorsToo) {
  EXPECT_THAT(OnlyError("a: x\nb: \"nul\\0here\"\n"),
              HasSubstr("t.yaml:2:4: error: this string holds a NUL byte"));
  EXPECT_THAT(OnlyError("a: \"esc\\e[31m\"\n"), HasSubstr("the control character U+001B"));
  EXPECT_THAT(OnlyError("\"key\\x01\": v\n"), HasSubstr("t.yaml:1:1: error: this string holds"));
  // Escapes of ordinary characters are fine.
  EXPECT_EQ(OnlyError("a: \"tab\\there \\u00e9 \\\"q\\\"\"\n"), "");
}

TEST(YamlStrictnessTest, AQuotedScalarLeftOpenAtTheEndOfTheFileIsAnError) {
  // yaml-cpp reads both as the string "abc ".
  EXPECT_EQ(OnlyError("a: 1\nb: \"abc\n"),
            "t.yaml:2:4: error: this quoted string is never closed (the file ends first)");
  EXPECT_EQ(OnlyError("a: 1\nb: 'abc\n\n"),
            "t.yaml:2:4: error: this quoted string is never closed (the file ends first)");
  EXPECT_THAT(OnlyError("\"key: 1\n"), HasSubstr("never closed"));
  // Closed ones, with escaped quotes inside, multi-line ones and quotes inside plain scalars.
  EXPECT_EQ(OnlyError("a: \"say \\\"hi\\\"\"\nb: 'it''s'\nc: \"two\n  lines\"\nd: it\"s\n"), "");
}

TEST(YamlStrictnessTest, ADirectiveAfterContentIsAnError) {
  EXPECT_EQ(OnlyError("a: b\n%TAG ! tag:example.com,2000:\n"),
            "t.yaml:2:1: error: a YAML directive after document content: directives go before "
            "the '---' that starts their document, and a document with content must end with "
            "'...' before the next directive");
  EXPECT_THAT(OnlyError("a: b\n---\n%YAML 1.2\n---\nc: d\n"), HasSubstr("t.yaml:3:1"));
  // Where YAML allows them: at the start, and after a document end marker.
  EXPECT_EQ(OnlyError("%YAML 1.2\n---\na: b\n...\n%YAML 1.2\n---\nc: d\n"), "");
  EXPECT_EQ(OnlyError("# comment\n%YAML 1.2\n---\na: b\n"), "");
  // A line of a multi-line quoted string is content, even when it starts with '%'.
  EXPECT_EQ(OnlyError("a: \"50\n%\"\n"), "");
}

TEST(YamlStrictnessTest, DeepNestingIsAnErrorNotAStackOverflow) {
  EXPECT_THAT(OnlyError("a: " + std::string(100000, '[') + std::string(100000, ']') + "\n"),
              HasSubstr("t.yaml:1:"));
  std::string block;
  for (int i = 0; i < 80; ++i) block += std::string(i, ' ') + "k:\n";
  EXPECT_THAT(OnlyError(block), HasSubstr("nesting deeper than 64 levels"));
}

TEST(YamlStrictnessTest, AnAliasedLongStringCannotExpandWithoutBound) {
  std::string text = "a: &a \"" + std::string(1 << 20, 'x') + "\"\nb: [";
  for (int i = 0; i < 100; ++i) text += "*a, ";
  text += "*a]\n";
  EXPECT_THAT(OnlyError(text), HasSubstr("file expands to more than 64 MiB of text"));
}

}  // namespace
}  // namespace keyward::engine
