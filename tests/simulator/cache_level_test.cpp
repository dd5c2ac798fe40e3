#include <gtest/gtest.h>

#include <random>

#include "core/error.hpp"
#include "simulator/cache_level.hpp"
#include "simulator/hierarchy.hpp"
#include "test_helpers.hpp"

namespace erg::simulator {
namespace {

using testing::cache;
using testing::hit_pattern;

// Direct-mapped, 2 sets (set = line % 2), shadow = fully associative LRU of 2 lines.
// 0 M compulsory; 2 M compulsory (evicts 0, shadow {2,0}); 0 M conflict (shadow hit);
// 2 M conflict; 1 M compulsory (shadow evicts 0 -> {1,2}); 3 M compulsory (shadow {3,1});
// 5 M compulsory (shadow {5,3}); 1 M capacity (the shadow lost it too).
TEST(CacheLevel, ThreeCSplit) {
  auto level = make_cache_level(cache("l1", 2, 1));
  EXPECT_EQ(hit_pattern(*level, {0, 2, 0, 2, 1, 3, 5, 1}), "MMMMMMMM");
  const LevelCounts c = level->total();
  EXPECT_EQ(c.compulsory_miss_count, 5u);
  EXPECT_EQ(c.conflict_miss_count, 2u);
  EXPECT_EQ(c.capacity_miss_count, 1u);
  EXPECT_EQ(c.miss_count(), 8u);
}

// A fully associative LRU level is its own shadow: it can have no conflict misses, and its
// compulsory misses are the distinct lines.
TEST(CacheLevel, FullyAssociativeLruHasNoConflictMisses) {
  auto level = make_cache_level(cache("fa", 64, 0));
  std::mt19937_64 rng(7);
  std::vector<std::uint64_t> trace;
  for (int i = 0; i < 20000; ++i)
    trace.push_back(rng() % 200);
  hit_pattern(*level, trace);
  const LevelCounts c = level->total();
  EXPECT_EQ(c.conflict_miss_count, 0u);
  EXPECT_EQ(c.compulsory_miss_count, 200u);
  EXPECT_EQ(c.compulsory_miss_count + c.capacity_miss_count, c.miss_count());
}

TEST(CacheLevel, ClassificationCanBeSwitchedOff) {
  auto config = cache("l1", 2, 1);
  config.classify_misses = false;
  auto level = make_cache_level(config);
  hit_pattern(*level, {0, 2, 0});
  EXPECT_EQ(level->total().miss_count(), 3u);
  EXPECT_EQ(level->total().compulsory_miss_count + level->total().conflict_miss_count, 0u);
}

struct WriteCase {
  bool write_back;
  bool write_allocate;
  std::uint64_t bytes_in;
  std::uint64_t bytes_out;
  std::uint64_t writebacks;
  std::uint64_t write_throughs;
  std::uint64_t dram_read_bursts;
  std::uint64_t dram_write_bursts;
};

// One fully associative LRU level of 4 x 64 B lines over a 64 B-burst DRAM. Trace: write 8 B at
// line 0, write 8 B at line 0 + 8, write 8 B at line 1, then read lines 2, 3, 4, 5.
//  WB+WA: fills 0,1,2,3,4,5 (384 B in); 4 evicts dirty 0, 5 evicts dirty 1 -> 2 writebacks, 128 B.
//  WT+WA: same 6 fills; each of the 3 writes goes below as 8 B -> 24 B out, 3 write bursts.
//  WT+NWA / WB+NWA: writes miss and go below (24 B), only the 4 reads fill (256 B).
TEST(CacheLevel, WriteBackVersusWriteThroughBytes) {
  const std::vector<WriteCase> cases{
      {true, true, 384, 128, 2, 0, 6, 2},
      {false, true, 384, 24, 0, 3, 6, 3},
      {false, false, 256, 24, 0, 3, 4, 3},
      {true, false, 256, 24, 0, 3, 4, 3},
  };
  for (const auto& wc : cases) {
    SCOPED_TRACE(std::string(wc.write_back ? "write-back" : "write-through") + " / " +
                 (wc.write_allocate ? "write-allocate" : "no-write-allocate"));
    HierarchyConfig config;
    auto level = cache("l1", 4, 0);
    level.write_back = wc.write_back;
    level.write_allocate = wc.write_allocate;
    config.levels = {level};
    config.dram = testing::tiny_dram();
    Hierarchy h(config);
    h.access(0, 8, AccessOp::kWrite);
    h.access(8, 8, AccessOp::kWrite);
    h.access(64, 8, AccessOp::kWrite);
    for (std::uint64_t line = 2; line <= 5; ++line)
      h.access(line * 64, 64, AccessOp::kRead);
    const auto stats = h.stats();
    const LevelCounts c = stats.level_total(0);
    EXPECT_EQ(c.bytes_in, wc.bytes_in);
    EXPECT_EQ(c.bytes_out, wc.bytes_out);
    EXPECT_EQ(c.writeback_count, wc.writebacks);
    EXPECT_EQ(c.write_through_count, wc.write_throughs);
    EXPECT_EQ(c.write_count, 3u);
    EXPECT_EQ(c.read_count, 4u);
    EXPECT_EQ(stats.dram_total().read_burst_count, wc.dram_read_bursts);
    EXPECT_EQ(stats.dram_total().write_burst_count, wc.dram_write_bursts);
  }
}

TEST(CacheLevel, FlushWritesBackDirtyLinesOnce) {
  HierarchyConfig config;
  config.levels = {cache("l1", 4, 0)};
  config.dram = testing::tiny_dram();
  Hierarchy h(config);
  h.access(0, 128, AccessOp::kWrite);  // lines 0 and 1 dirty
  h.access(128, 64, AccessOp::kRead);  // line 2 clean
  h.flush();
  EXPECT_EQ(h.stats().dram_total().write_burst_count, 2u);
  h.flush();  // now clean: nothing more
  EXPECT_EQ(h.stats().dram_total().write_burst_count, 2u);
  EXPECT_TRUE(h.level(0).contains(0));
  h.invalidate_all();
  EXPECT_FALSE(h.level(0).contains(0));
}

TEST(CacheLevel, RejectsBadGeometry) {
  auto bad_line = cache("l1", 4, 2);
  bad_line.line_bytes = 48;
  bad_line.size_bytes = 48 * 4;
  try {
    make_cache_level(bad_line, "level[0]");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.where(), "level[0].line_bytes");
  }
  auto bad_assoc = cache("l1", 6, 4);
  EXPECT_THROW(make_cache_level(bad_assoc), Error);
  // Non-power-of-two set counts are allowed (modulo indexing): 3 sets x 2 ways.
  auto three_sets = make_cache_level(cache("l1", 6, 2));
  EXPECT_EQ(hit_pattern(*three_sets, {0, 3, 6, 0, 3}), "MMMMM");  // all map to set 0
  EXPECT_EQ(hit_pattern(*three_sets, {1, 2, 1, 2}), "MMHH");
}

}  // namespace
}  // namespace erg::simulator
