#include "core/error.hpp"

#include <gtest/gtest.h>

namespace erg {
namespace {

TEST(Error, ComposesWhatAndWhere) {
  const Error e("missing key 'dram.e_act_pj' (expected a float)", "presets/x.toml");
  EXPECT_STREQ(e.what(), "missing key 'dram.e_act_pj' (expected a float): presets/x.toml");
  EXPECT_EQ(e.what_text(), "missing key 'dram.e_act_pj' (expected a float)");
  EXPECT_EQ(e.where(), "presets/x.toml");
}

TEST(Error, WithoutWhereHasNoTrailingSeparator) {
  EXPECT_STREQ(Error("bad").what(), "bad");
}

TEST(Error, ContextIsPrependedOutermostFirst) {
  const Error inner("bad number", "trace.din:12");
  const Error outer = inner.with_context("reading trace").with_context("erg simulate");
  EXPECT_STREQ(outer.what(), "erg simulate: reading trace: bad number: trace.din:12");
  EXPECT_EQ(outer.where(), "trace.din:12");
}

TEST(Error, UsageAndUnavailableAreErrors) {
  EXPECT_THROW(throw UsageError("x"), Error);
  EXPECT_THROW(throw UnavailableError("no RAPL"), Error);
}

}  // namespace
}  // namespace erg
