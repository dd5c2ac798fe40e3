// The compact LRU/FIFO level (32-bit tags widened to 64 on demand, valid/dirty bitmasks) against
// SetAssocCache<RecencyOrderPolicy>, the general implementation with 64-bit tags that the
// hand-derived tests and the naive reference in equivalence_test.cpp already pin down. Both must
// agree on every counter, every request sent below (in order), the eviction reports, flush order
// and the resident lines, including traces whose tags need more than 32 bits.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "simulator/compact_ordered_cache.hpp"
#include "simulator/lru_policy.hpp"
#include "simulator/set_assoc_cache.hpp"
#include "tests/simulator/test_helpers.hpp"

namespace erg::simulator {
namespace {

bool same(const LineRequest& a, const LineRequest& b) {
  return a.address == b.address && a.bytes == b.bytes && a.op == b.op && a.component == b.component;
}

void expect_same_requests(const RequestBuffer& got, const RequestBuffer& want,
                          const std::string& where) {
  ASSERT_EQ(got.size(), want.size()) << where;
  for (std::size_t i = 0; i < want.size(); ++i)
    ASSERT_TRUE(same(got[i], want[i])) << where << " request " << i;
}

// Line numbers near 2^32 << set bits (tags of 32 bits and just above), near 2^58 (huge tags),
// and a small region, so that tags alias in their low 32 bits.
std::uint64_t random_line(std::mt19937_64& rng, std::uint64_t footprint, std::uint64_t sets,
                          bool high) {
  const std::uint64_t low = rng() % footprint;
  if (!high) return low;
  switch (rng() % 4) {
    case 0:
      return low;
    case 1:
      return low + (std::uint64_t{1} << 32) * sets;  // same low 32 tag bits as `low`
    case 2:
      return low + ((std::uint64_t{1} << 32) - 2) * sets;  // tags just below 2^32
    default:
      return low + (std::uint64_t{1} << 52);
  }
}

template <bool kLru>
void check_against_general(const CacheConfig& config, std::uint64_t seed, bool go_high) {
  using Compact = CompactOrderedCache<kLru>;
  using General = SetAssocCache<RecencyOrderPolicy<kLru>>;
  ASSERT_TRUE(Compact::supports(config));
  Compact compact(config);
  General general(config);
  for (CacheLevel* l : {static_cast<CacheLevel*>(&compact), static_cast<CacheLevel*>(&general)}) {
    l->ensure_slots(4);
    l->set_track_evictions(true);
  }
  std::mt19937_64 rng(seed);
  const std::uint64_t footprint = 4 * config.lines();
  const std::uint64_t line_bytes = config.line_bytes;
  for (int round = 0; round < 150; ++round) {
    const std::string where = "round " + std::to_string(round);
    // From round 100 on, some addresses need tags above 32 bits: the compact level widens.
    const bool high = go_high && round >= 100;
    std::vector<LineRequest> batch(1 + rng() % 48);
    for (auto& r : batch) {
      const std::uint64_t line = random_line(rng, footprint, config.sets(), high);
      const bool write = rng() % 3 == 0;
      const std::uint32_t bytes = write && rng() % 2 ? 8 : static_cast<std::uint32_t>(line_bytes);
      r = {line * line_bytes + (bytes == 8 ? 8 * (rng() % (line_bytes / 8)) : 0), bytes,
           write ? AccessOp::kWrite : AccessOp::kRead, static_cast<ComponentId>(rng() % 4) - 1};
    }
    RequestBuffer got, want;
    compact.process(batch, got);
    general.process(batch, want);
    expect_same_requests(got, want, where);
    ASSERT_EQ(compact.evictions().size(), general.evictions().size()) << where;
    for (std::size_t i = 0; i < general.evictions().size(); ++i) {
      EXPECT_EQ(compact.evictions()[i].address, general.evictions()[i].address) << where;
      EXPECT_EQ(compact.evictions()[i].dirty, general.evictions()[i].dirty) << where;
    }
    compact.evictions().clear();
    general.evictions().clear();
    if (round % 7 == 3) {
      const std::uint64_t line = random_line(rng, footprint, config.sets(), high);
      const std::uint64_t bytes = line_bytes * (1 + rng() % 3);
      EXPECT_EQ(compact.invalidate(line * line_bytes, bytes, 1),
                general.invalidate(line * line_bytes, bytes, 1))
          << where;
    }
    if (round % 31 == 30) {
      RequestBuffer fgot, fwant;
      compact.flush(fgot);
      general.flush(fwant);
      expect_same_requests(fgot, fwant, where + " flush");
    }
    if (round == 60) {
      compact.invalidate_all();
      general.invalidate_all();
    }
    EXPECT_EQ(compact.contains(batch[0].address), general.contains(batch[0].address)) << where;
  }
  EXPECT_EQ(compact.resident_lines(), general.resident_lines());
  EXPECT_EQ(compact.wide_tags(), go_high);
  ASSERT_EQ(compact.counts_by_slot().size(), general.counts_by_slot().size());
  for (std::size_t s = 0; s < general.counts_by_slot().size(); ++s)
    EXPECT_EQ(compact.counts_by_slot()[s], general.counts_by_slot()[s]) << "slot " << s;
}

TEST(CompactCache, MatchesGeneralImplementation) {
  struct Geometry {
    std::uint64_t lines;
    std::uint32_t assoc;
    std::uint64_t line_bytes;
  };
  const std::vector<Geometry> geometries{{8, 1, 64},    {16, 2, 64},  {24, 3, 32},  {32, 4, 64},
                                         {40, 5, 64},   {64, 8, 64},  {64, 8, 128}, {96, 12, 64},
                                         {256, 16, 64}, {16, 16, 64}, {64, 16, 32}};
  std::uint64_t seed = 1;
  for (const auto& g : geometries)
    for (const bool wb : {true, false})
      for (const bool wa : {true, false})
        for (const bool classify : {true, false})
          for (const bool high : {false, true}) {
            CacheConfig config =
                testing::cache("l", g.lines, g.assoc, ReplacementKind::kLru, g.line_bytes);
            config.write_back = wb;
            config.write_allocate = wa;
            config.classify_misses = classify;
            SCOPED_TRACE("lines " + std::to_string(g.lines) + " assoc " + std::to_string(g.assoc) +
                         " line " + std::to_string(g.line_bytes) + " wb " + std::to_string(wb) +
                         " wa " + std::to_string(wa) + " classify " + std::to_string(classify) +
                         " high " + std::to_string(high));
            check_against_general<true>(config, seed, high);
            check_against_general<false>(config, seed, high);
            ++seed;
          }
}

// Hand-derived: one set of 2 ways, 64 B lines. Lines 5 and 5 + 2^32 share their low 32 tag bits;
// a truncating tag would make the second access hit. Exact tags: both miss (compulsory), then
// both hit, and line 7 evicts the LRU one (5, touched before 5 + 2^32).
TEST(CompactCache, TagsAbove32BitsAreExact) {
  CompactOrderedCache<true> level(testing::cache("l", 2, 2));
  const std::uint64_t alias = 5 + (std::uint64_t{1} << 32);
  EXPECT_EQ(testing::hit_pattern(level, {5}), "M");
  EXPECT_FALSE(level.wide_tags());
  EXPECT_EQ(testing::hit_pattern(level, {alias, 5, alias, 7, alias, 5}), "MHHMHM");
  EXPECT_TRUE(level.wide_tags());
  EXPECT_EQ(level.total().compulsory_miss_count, 3u);
  EXPECT_TRUE(level.contains(alias * 64));
  EXPECT_FALSE(level.contains(7 * 64));  // evicted by the last access to 5
}

// A run ending at the very top of the address space (4 lines from 2^64 - 256): its tags need
// 64 bits, so the level widens before serving it; all 4 miss, then all 4 hit (16 sets x 4 ways,
// consecutive lines in distinct sets).
TEST(CompactCache, RunAtTopOfAddressSpace) {
  CompactOrderedCache<true> level(testing::cache("l", 64, 4));
  const LineRun run{~std::uint64_t{0} - 255, 64, 4, AccessOp::kRead, kNoComponent};
  RunBuffer out;
  level.process_runs(std::span<const LineRun>(&run, 1), out);
  EXPECT_TRUE(level.wide_tags());
  EXPECT_EQ(level.total().read_miss_count, 4u);
  level.process_runs(std::span<const LineRun>(&run, 1), out);
  EXPECT_EQ(level.total().read_hit_count, 4u);
  ASSERT_EQ(out.size(), 1u);  // the 4 fills of the first pass, as one run
  EXPECT_EQ(out[0].address, run.address);
  EXPECT_EQ(out[0].count, 4u);
  EXPECT_TRUE(level.contains(~std::uint64_t{0}));
}

}  // namespace
}  // namespace erg::simulator
