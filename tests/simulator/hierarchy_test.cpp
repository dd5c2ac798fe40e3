#include <gtest/gtest.h>

#include <random>

#include "core/component_registry.hpp"
#include "core/error.hpp"
#include "simulator/hierarchy.hpp"
#include "test_helpers.hpp"

namespace erg::simulator {
namespace {

using testing::cache;

HierarchyConfig two_level(bool inclusive) {
  HierarchyConfig config;
  config.levels = {cache("l1", 2, 0), cache("l2", 2, 1)};  // L1 FA 2 lines, L2 direct-mapped 2
  config.inclusive = inclusive;
  config.dram = testing::tiny_dram();
  return config;
}

// An access of N bytes is split into the lines it overlaps, nothing per byte.
TEST(Hierarchy, SplitsAccessesIntoLines) {
  HierarchyConfig config;
  config.levels = {cache("l1", 64, 4)};
  config.dram = testing::tiny_dram();
  Hierarchy h(config);
  h.access(60, 8, AccessOp::kRead);          // straddles lines 0 and 1
  h.access(1000, 1, AccessOp::kRead);        // one line
  h.access(4096, 1 << 20, AccessOp::kRead);  // 16384 lines
  const auto s = h.stats();
  EXPECT_EQ(s.line_access_count, 2u + 1u + 16384u);
  EXPECT_EQ(s.level_total(0).read_count, s.line_access_count);
  EXPECT_EQ(s.access_count, 3u);
  EXPECT_EQ(s.read_bytes, 8u + 1u + (1u << 20));
}

// Inclusive: L2 (direct-mapped, set = line % 2) evicting line 0 for line 2 must drop line 0 from
// L1 too; L1's copy was dirty and L2's clean, so the data goes to DRAM as one write burst.
// Non-inclusive: L1 keeps its dirty line 0, nothing is written.
TEST(Hierarchy, InclusiveBackInvalidation) {
  for (const bool inclusive : {true, false}) {
    SCOPED_TRACE(inclusive ? "inclusive" : "non-inclusive");
    Hierarchy h(two_level(inclusive));
    h.access(0, 8, AccessOp::kWrite);
    h.access(2 * 64, 8, AccessOp::kRead);
    const auto s = h.stats();
    EXPECT_EQ(h.level(0).contains(0), !inclusive);
    EXPECT_EQ(s.dram_total().write_burst_count, inclusive ? 1u : 0u);
    EXPECT_EQ(s.level_total(0).back_invalidation_count, inclusive ? 1u : 0u);
    EXPECT_EQ(s.dram_total().read_burst_count, 2u);
  }
}

// The inclusion invariant holds after every access of a random read/write trace; without the
// option it is broken somewhere on the same trace.
TEST(Hierarchy, InclusionInvariant) {
  for (const bool inclusive : {true, false}) {
    HierarchyConfig config;
    config.levels = {cache("l1", 8, 2), cache("l2", 16, 2), cache("l3", 32, 1)};
    config.inclusive = inclusive;
    config.dram = testing::tiny_dram();
    Hierarchy h(config);
    std::mt19937_64 rng(3);
    bool violated = false;
    for (int i = 0; i < 5000; ++i) {
      const std::uint64_t line = rng() % 96;
      h.access(line * 64, 8, rng() % 4 == 0 ? AccessOp::kWrite : AccessOp::kRead);
      h.drain();
      for (std::size_t upper = 0; upper + 1 < h.level_count(); ++upper)
        for (const std::uint64_t address : h.level(upper).resident_lines())
          for (std::size_t lower = upper + 1; lower < h.level_count(); ++lower)
            if (!h.level(lower).contains(address)) violated = true;
      if (inclusive) {
        ASSERT_FALSE(violated) << "access " << i;
      }
    }
    EXPECT_EQ(violated, !inclusive);
  }
}

// Batching must not change any count: serving each access alone (drain after every one) and in
// large batches gives identical statistics.
TEST(Hierarchy, BatchingChangesNothing) {
  HierarchyConfig config;
  config.levels = {cache("l1", 16, 2), cache("l2", 64, 4, ReplacementKind::kSrrip),
                   cache("l3", 256, 8, ReplacementKind::kTreePlru)};
  config.dram = testing::tiny_dram();
  Hierarchy batched(config), single(config);
  std::mt19937_64 rng(11);
  for (int i = 0; i < 20000; ++i) {
    const std::uint64_t address = (rng() % 2048) * 16;
    const std::uint64_t bytes = 1 + rng() % 200;
    const AccessOp op = rng() % 3 == 0 ? AccessOp::kWrite : AccessOp::kRead;
    batched.access(address, bytes, op);
    single.access(address, bytes, op);
    single.drain();
  }
  const auto a = batched.stats(), b = single.stats();
  for (std::size_t l = 0; l < 3; ++l)
    EXPECT_EQ(a.level_total(l), b.level_total(l)) << l;
  EXPECT_EQ(a.dram_total(), b.dram_total());
}

// Pinned tensors are served by the scratchpad: 256 B of 8 B words = 32 word reads, no cache
// line and no DRAM burst. An access straddling the end of the pinned range is split: 64 B
// (8 words) in the scratchpad, the other 64 B as one L1 line.
TEST(Hierarchy, ScratchpadBypassesCachesAndDram) {
  auto& registry = ComponentRegistry::global();
  const ComponentId joiner = registry.intern("test.sim.joiner");
  HierarchyConfig config;
  config.levels = {cache("l1", 64, 4)};
  config.scratchpad = {4096, 8};
  config.dram = testing::tiny_dram();
  Hierarchy h(config);
  TensorInfo t;
  t.id = 1;
  t.name = "joiner.weight";
  t.component = joiner;
  t.address = 0x1000;
  t.bytes = 1024;
  t.pinned = true;
  h.on_tensor(t);
  h.on_access({0x1000, 256, AccessOp::kRead, joiner, 1});
  auto s = h.stats();
  EXPECT_EQ(s.scratchpad_total().read_word_count, 32u);
  EXPECT_EQ(s.scratchpad_counts[component_slot(joiner)].read_word_count, 32u);
  EXPECT_EQ(s.level_total(0).access_count(), 0u);
  EXPECT_EQ(s.dram_total().read_burst_count, 0u);

  h.on_access({0x1000 + 1024 - 64, 128, AccessOp::kWrite, joiner, 1});
  s = h.stats();
  EXPECT_EQ(s.scratchpad_total().write_word_count, 8u);
  EXPECT_EQ(s.level_total(0).write_count, 1u);

  TensorInfo big = t;
  big.id = 2;
  big.name = "encoder.weight";
  big.address = 0x100000;
  big.bytes = 4096;
  try {
    h.on_tensor(big);
    FAIL() << "pinning past the capacity must fail";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("encoder.weight"), std::string::npos);
  }
}

TEST(Hierarchy, AttributesCountsToComponents) {
  auto& registry = ComponentRegistry::global();
  const ComponentId enc = registry.intern("test.sim.encoder");
  const ComponentId pred = registry.intern("test.sim.predictor");
  HierarchyConfig config;
  config.levels = {cache("l1", 64, 4)};
  config.dram = testing::tiny_dram();
  Hierarchy h(config);
  h.on_invocation(enc);
  h.on_access({0, 640, AccessOp::kRead, enc, kNoTensor});  // 10 lines
  h.on_compute({1000, Precision::kInt8, enc});
  h.on_invocation(pred);
  h.on_access({4096, 128, AccessOp::kRead, pred, kNoTensor});  // 2 lines
  const auto s = h.stats();
  EXPECT_EQ(s.level_counts[0][component_slot(enc)].read_count, 10u);
  EXPECT_EQ(s.level_counts[0][component_slot(pred)].read_count, 2u);
  EXPECT_EQ(s.invocations[component_slot(enc)], 1u);
  EXPECT_EQ(s.macs[component_slot(enc)][static_cast<int>(Precision::kInt8)], 1000u);
  EXPECT_EQ(s.dram_counts[component_slot(pred)].read_burst_count, 2u);
}

// Roofline per kernel (invocation to invocation): kernel 1 has 2e6 fp32 MACs at 1e9/s = 2 ms
// and 64 KiB of DRAM reads at 1e9 B/s = 65.536 us -> 2 ms; kernel 2 has no MACs and 1 MiB of
// reads -> 1.048576 ms. Total 3.048576 ms.
TEST(Hierarchy, RooflineTimePerKernel) {
  HierarchyConfig config;
  config.levels = {cache("l1", 64, 4)};
  config.dram = testing::tiny_dram();
  config.roofline.peak_macs_per_s[static_cast<int>(Precision::kFp32)] = 1e9;
  config.roofline.dram_bandwidth_bytes_per_s = 1e9;
  Hierarchy h(config);
  const ComponentId k = ComponentRegistry::global().intern("test.sim.kernel");
  h.on_invocation(k);
  h.on_access({0, 64 * 1024, AccessOp::kRead, k, kNoTensor});
  h.on_compute({2'000'000, Precision::kFp32, k});
  h.on_invocation(k);
  h.on_access({1 << 24, 1 << 20, AccessOp::kRead, k, kNoTensor});
  EXPECT_NEAR(h.stats().roofline_time_s, 2e-3 + 1048576e-9, 1e-12);
}

TEST(Hierarchy, NoCacheLevelsGoesStraightToDram) {
  HierarchyConfig config;
  config.dram = testing::tiny_dram();
  Hierarchy h(config);
  h.access(0, 256, AccessOp::kRead);
  EXPECT_EQ(h.stats().dram_total().read_burst_count, 4u);
}

TEST(Hierarchy, RejectsShrinkingLines) {
  HierarchyConfig config;
  config.levels = {cache("l1", 16, 2, ReplacementKind::kLru, 128), cache("l2", 64, 4)};
  EXPECT_THROW(Hierarchy h(config), Error);
}

// A pinned range is half-open, so its end must stay below 2^64: [2^64 - 256, 2^64) is refused,
// one byte shorter is pinned. A 128 B access at 2^64 - 128 then reads 127 B from the
// scratchpad (16 words of 8 B) and 1 B as the last line: one L1 line access.
TEST(Hierarchy, PinnedRangesEndBelowTheTopOfTheAddressSpace) {
  HierarchyConfig config;
  config.levels = {cache("l1", 16, 4)};
  config.scratchpad = {4096, 8};
  config.dram = testing::tiny_dram();
  Hierarchy h(config);
  EXPECT_THROW(h.pin(0xffffffffffffff00, 0x100), Error);
  h.pin(0xffffffffffffff00, 0xff);
  h.access(0xffffffffffffff80, 128, AccessOp::kRead);
  const auto s = h.stats();
  EXPECT_EQ(s.scratchpad_total().read_word_count, 16u);
  EXPECT_EQ(s.line_access_count, 1u);
}

}  // namespace
}  // namespace erg::simulator
