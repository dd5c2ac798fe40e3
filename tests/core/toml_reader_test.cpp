#include "core/toml_reader.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "core/error.hpp"

namespace erg {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(TomlReader, ReadsTypedValuesWithDefaults) {
  const auto doc = TomlReader::parse_text(
      "a = 3\nb = 2.5\nc = 'x'\nd = true\ne = [1, 2.5]\n"
      "f = ['p', 'q']\n[t]\ng = 7\n",
      "spec.toml");
  TomlReader r("spec.toml");
  EXPECT_DOUBLE_EQ(r.number(doc, "", "a"), 3.0);  // integers are numbers
  EXPECT_DOUBLE_EQ(r.number(doc, "", "b"), 2.5);
  EXPECT_EQ(r.integer(doc, "", "a"), 3);
  EXPECT_EQ(r.string(doc, "", "c"), "x");
  EXPECT_TRUE(r.boolean(doc, "", "d"));
  EXPECT_EQ(r.numbers(doc, "", "e"), (std::vector<double>{1.0, 2.5}));
  EXPECT_EQ(r.numbers(doc, "", "a"), (std::vector<double>{3.0}));
  EXPECT_EQ(r.strings(doc, "", "f"), (std::vector<std::string>{"p", "q"}));
  EXPECT_EQ(r.string(doc, "", "missing", std::string("dflt")), "dflt");
  const auto* t = r.table(doc, "", "t", true);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(r.integer(*t, "t", "g"), 7);
  EXPECT_EQ(r.table(doc, "", "nope", false), nullptr);
}

TEST(TomlReader, ErrorsNameFileLineKeyAndExpectedType) {
  const auto doc = TomlReader::parse_text("[dram]\ne_act_pj = 'big'\nbits = 2.5\n", "p.toml");
  TomlReader r("p.toml");
  const auto* dram = r.table(doc, "", "dram", true);
  EXPECT_EQ(error_of([&] { r.number(*dram, "dram", "e_act_pj"); }),
            "key 'dram.e_act_pj' must be a number, got a string: p.toml:2:12");
  EXPECT_EQ(error_of([&] { r.integer(*dram, "dram", "bits"); }),
            "key 'dram.bits' must be an integer, got a float: p.toml:3:8");
  EXPECT_NE(error_of([&] {
              r.number(*dram, "dram", "e_rd_pj");
            }).find("key 'dram.e_rd_pj' is missing (expected a number): p.toml"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              r.reject_unknown(*dram, "dram", {"e_act_pj"});
            }).find("key 'dram.bits' is not a known key (expected one of: e_act_pj)"),
            std::string::npos);
}

TEST(TomlReader, RangeAndSyntaxErrors) {
  const auto doc = TomlReader::parse_text("ratio = 1.5\n", "s.toml");
  TomlReader r("s.toml");
  EXPECT_EQ(error_of([&] { r.number(doc, "", "ratio", std::nullopt, 0.0, 1.0); }),
            "key 'ratio' is 1.5, outside [0, 1]: s.toml:1:9");
  EXPECT_NE(error_of([] { TomlReader::parse_text("a = = 1\n", "bad.toml"); }).find("invalid TOML"),
            std::string::npos);
  EXPECT_NE(
      error_of([] { TomlReader::parse_file("/nonexistent/x.toml"); }).find("/nonexistent/x.toml"),
      std::string::npos);
}

}  // namespace
}  // namespace erg
