#include "models/runtime/invocation_scope.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "core/access_sink.hpp"
#include "tests/models/invocation_pairing_sink.hpp"

namespace erg::models::runtime {
namespace {

using testing::InvocationPairingSink;

// Begin on entry, end on every exit (normal or by exception), innermost first; a null sink
// gets nothing and costs nothing.
TEST(InvocationScope, PairsBeginAndEndOnEveryExit) {
  InvocationPairingSink sink;
  const ComponentId outer = 7, inner = 9;
  {
    const InvocationScope a(&sink, outer);
    EXPECT_EQ(sink.open(), 1u);
    {
      const InvocationScope b(&sink, inner);
      EXPECT_EQ(sink.open(), 2u);
    }
    EXPECT_EQ(sink.ends[inner], 1u);
    EXPECT_EQ(sink.ends[outer], 0u);
  }
  EXPECT_EQ(sink.ends[outer], 1u);
  try {
    const InvocationScope a(&sink, outer);
    throw std::runtime_error("kernel failed");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(sink.begins[outer], 2u);
  EXPECT_EQ(sink.ends[outer], 2u);
  EXPECT_EQ(sink.open(), 0u);
  EXPECT_EQ(sink.mismatched_ends, 0u);
  EXPECT_EQ(sink.max_depth, 2u);
  { const InvocationScope none(nullptr, outer); }
  EXPECT_EQ(sink.begins[outer], 2u);
}

// A TeeSink forwards ends to every sink, as it forwards begins.
TEST(InvocationScope, TeeSinkForwardsEnds) {
  InvocationPairingSink a, b;
  TeeSink tee({&a, &b});
  { const InvocationScope s(&tee, 3); }
  EXPECT_EQ(a.ends[3], 1u);
  EXPECT_EQ(b.ends[3], 1u);
}

}  // namespace
}  // namespace erg::models::runtime
