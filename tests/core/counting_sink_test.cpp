#include "core/counting_sink.hpp"

#include <gtest/gtest.h>

#include "core/access_sink.hpp"
#include "core/address_space.hpp"
#include "core/error.hpp"

namespace erg {
namespace {

TEST(CountingSink, CountsPerComponentAndRollsUpByPrefix) {
  auto& reg = ComponentRegistry::global();
  const auto l0 = reg.intern("test_cs.encoder.layer.0");
  const auto l1 = reg.intern("test_cs.encoder.layer.1");
  const auto joiner = reg.intern("test_cs.joiner");
  CountingSink sink;
  sink.on_invocation(l0);
  sink.on_invocation(l1);
  sink.on_invocation(joiner);
  sink.on_invocation(joiner);
  sink.on_access({0x1000, 256, AccessOp::kRead, l0, 1});
  sink.on_access({0x2000, 64, AccessOp::kWrite, l1, 2});
  sink.on_access({0x3000, 1024, AccessOp::kRead, joiner, 3});
  sink.on_compute({100, Precision::kFp32, l0});
  sink.on_compute({50, Precision::kInt8, l1});

  EXPECT_EQ(sink.of(joiner).invocations, 2u);
  EXPECT_EQ(sink.of(joiner).bytes_read, 1024u);
  const auto encoder = sink.rolled_up("test_cs.encoder");
  EXPECT_EQ(encoder.invocations, 2u);
  EXPECT_EQ(encoder.bytes_read, 256u);
  EXPECT_EQ(encoder.bytes_written, 64u);
  EXPECT_EQ(encoder.accesses, 2u);
  EXPECT_EQ(encoder.macs[static_cast<int>(Precision::kFp32)], 100u);
  EXPECT_EQ(encoder.macs[static_cast<int>(Precision::kInt8)], 50u);
  EXPECT_EQ(encoder.total_macs(), 150u);
  EXPECT_EQ(sink.rolled_up("test_cs").invocations, 4u);
}

TEST(CountingSink, RecordsTensorUseOrderOnlyWhenAsked) {
  CountingSink quiet;
  CountingSink recording(true);
  TeeSink tee({&quiet, &recording});
  tee.on_tensor({7, "w", kNoComponent, 0x100, 64, true});
  tee.on_access({0x100, 64, AccessOp::kRead, kNoComponent, 7});
  tee.on_access({0x200, 8, AccessOp::kWrite, kNoComponent, 9});
  EXPECT_TRUE(quiet.uses().empty());
  ASSERT_EQ(recording.uses().size(), 2u);
  EXPECT_EQ(recording.uses()[0].tensor, 7u);
  EXPECT_EQ(recording.uses()[1].op, AccessOp::kWrite);
  EXPECT_EQ(recording.uses()[1].bytes, 8u);
  ASSERT_EQ(recording.tensors().count(7), 1u);
  EXPECT_TRUE(recording.tensors().at(7).pinned);
}

TEST(AddressSpace, AllocationsAreAlignedAndDisjoint) {
  AddressSpace space(0x1001);
  const auto a = space.allocate(100);
  const auto b = space.allocate(1, 4096);
  const auto c = space.allocate(0);
  const auto d = space.allocate(8);
  EXPECT_EQ(a, 0x1040u);  // 0x1001 rounded up to 64
  EXPECT_EQ(b, 0x2000u);
  EXPECT_EQ(c, 0x2040u);
  EXPECT_EQ(d, 0x2080u);  // the empty tensor still owns 0x2040
  EXPECT_THROW(space.allocate(8, 48), Error);
}

TEST(Precision, ParsesAndReportsBits) {
  EXPECT_EQ(parse_precision("int4"), Precision::kInt4);
  EXPECT_FALSE(parse_precision("int3").has_value());
  EXPECT_EQ(bits_of(Precision::kFp16), 16);
  EXPECT_EQ(to_string(Precision::kInt8), "int8");
  EXPECT_EQ(to_string(AccessOp::kWrite), "write");
}

}  // namespace
}  // namespace erg
