#include <gtest/gtest.h>

#include <map>

#include "core/error.hpp"

#include "simulator/cache_level.hpp"
#include "test_helpers.hpp"

namespace erg::simulator {
namespace {

using testing::cache;
using testing::hit_pattern;

// Line numbers a..g used in the hand traces below.
constexpr std::uint64_t a = 0, b = 1, c = 2, d = 3, e = 4, f = 5, g = 6;

TEST(ReplacementPolicy, ParsesNames) {
  EXPECT_EQ(parse_replacement("lru"), ReplacementKind::kLru);
  EXPECT_EQ(parse_replacement("fifo"), ReplacementKind::kFifo);
  EXPECT_EQ(parse_replacement("random"), ReplacementKind::kRandom);
  EXPECT_EQ(parse_replacement("plru"), ReplacementKind::kTreePlru);
  EXPECT_EQ(parse_replacement("srrip"), ReplacementKind::kSrrip);
  EXPECT_FALSE(parse_replacement("mru").has_value());
  for (auto k : {ReplacementKind::kLru, ReplacementKind::kFifo, ReplacementKind::kRandom,
                 ReplacementKind::kTreePlru, ReplacementKind::kSrrip})
    EXPECT_EQ(parse_replacement(to_string(k)), k);
}

// 2 sets x 2 ways, set = line % 2. Hand trace (MRU first per set):
// 0 M {0}; 2 M {2,0}; 0 H {0,2}; 4 M evicts 2 {4,0}; 2 M evicts 0 {2,4}; 0 M evicts 4 {0,2};
// 1 M {1}; 3 M {3,1}; 5 M evicts 1 {5,3}; 1 M evicts 3.
TEST(ReplacementPolicy, LruTwoSetTwoWay) {
  auto level = make_cache_level(cache("l1", 4, 2, ReplacementKind::kLru));
  EXPECT_EQ(hit_pattern(*level, {0, 2, 0, 4, 2, 0, 1, 3, 5, 1}), "MMHMMMMMMM");
  EXPECT_TRUE(level->contains(0 * 64));
  EXPECT_TRUE(level->contains(2 * 64));
  EXPECT_TRUE(level->contains(5 * 64));
  EXPECT_TRUE(level->contains(1 * 64));
  EXPECT_FALSE(level->contains(4 * 64));
}

// Same trace under FIFO (oldest fill first, hits do not reorder):
// 0 M [0]; 2 M [0,2]; 0 H; 4 M evicts 0 [2,4]; 2 H; 0 M evicts 2 [4,0]; 1 M; 3 M; 5 M evicts 1;
// 1 M evicts 3.
TEST(ReplacementPolicy, FifoTwoSetTwoWay) {
  auto level = make_cache_level(cache("l1", 4, 2, ReplacementKind::kFifo));
  EXPECT_EQ(hit_pattern(*level, {0, 2, 0, 4, 2, 0, 1, 3, 5, 1}), "MMHMHMMMMM");
}

// One set of 4 ways, tree nodes 1 (root), 2 (ways 0-1), 3 (ways 2-3); a bit names the victim
// side (0 left, 1 right), a touch points the path away. Free ways fill 0,1,2,3.
// a,b,c,d fill ways 0-3 leaving bits n1=0 n2=0 n3=0; a hit: n2=1 n1=1;
// e: n1=1 -> n3=0 -> way 2 (c) evicted [LRU would evict b]; touch 2: n3=1 n1=0;
// b hit: n2=0 n1=1; c: n1=1 -> n3=1 -> way 3 (d); touch 3: n3=0 n1=0;
// d: n1=0 -> n2=0 -> way 0 (a).
TEST(ReplacementPolicy, TreePlruFourWay) {
  auto level = make_cache_level(cache("l1", 4, 4, ReplacementKind::kTreePlru));
  EXPECT_EQ(hit_pattern(*level, {a, b, c, d, a, e, b, c, d}), "MMMMHMHMM");
  for (auto line : {d, b, e, c})
    EXPECT_TRUE(level->contains(line * 64)) << line;
  EXPECT_FALSE(level->contains(a * 64));
  auto lru = make_cache_level(cache("l1", 4, 4, ReplacementKind::kLru));
  EXPECT_EQ(hit_pattern(*lru, {a, b, c, d, a, e, b, c, d}), "MMMMHMMMM");
}

// SRRIP, one set of 4 ways, RRPV: fill 2, hit 0, victim = lowest way at 3 after aging.
// a b fill ways 0,1 [2,2,-,-]; a, b hit [0,0]; c, d fill free ways [0,0,2,2];
// e: age +1 [1,1,3,3] -> way 2 (c) [1,1,2,3]; f: way 3 (d) [1,1,2,2];
// g: age +1 [2,2,3,3] -> way 2 (e) [2,2,2,3]; a hit; b hit.
// LRU on the same scan loses a and b: stack after c,d is d c b a, e evicts a, f b, g c.
TEST(ReplacementPolicy, SrripResistsScans) {
  const std::vector<std::uint64_t> trace{a, b, a, b, c, d, e, f, g, a, b};
  auto srrip = make_cache_level(cache("l1", 4, 4, ReplacementKind::kSrrip));
  EXPECT_EQ(hit_pattern(*srrip, trace), "MMHHMMMMMHH");
  auto lru = make_cache_level(cache("l1", 4, 4, ReplacementKind::kLru));
  EXPECT_EQ(hit_pattern(*lru, trace), "MMHHMMMMMMM");
}

// SRRIP aging when nothing is distant: a b c d fill [2,2,2,2]; a hit [0,2,2,2];
// e: age +1 [1,3,3,3] -> way 1 (b) [1,2,3,3]; b: way 2 (c) [1,2,2,3]; a hit [0,2,2,3];
// c: way 3 (d) [0,2,2,2]; d: age +1 [1,3,3,3] -> way 1 (e); e: way 2 (b).
TEST(ReplacementPolicy, SrripAging) {
  auto level = make_cache_level(cache("l1", 4, 4, ReplacementKind::kSrrip));
  EXPECT_EQ(hit_pattern(*level, {a, b, c, d, a, e, b, a, c, d, e}), "MMMMHMMHMMM");
}

// Random: a full 2-way set evicts exactly one of its two lines; the same seed replays the same
// choices; over many seeds every way of an 8-way set is chosen about equally often.
TEST(ReplacementPolicy, RandomIsSeededAndUniform) {
  auto config = cache("l1", 2, 2, ReplacementKind::kRandom);
  auto level = make_cache_level(config);
  EXPECT_EQ(hit_pattern(*level, {a, b, a, b, c}), "MMHHM");
  EXPECT_TRUE(level->contains(c * 64));
  EXPECT_NE(level->contains(a * 64), level->contains(b * 64));

  std::vector<std::uint64_t> trace;
  for (int i = 0; i < 2000; ++i)
    trace.push_back(static_cast<std::uint64_t>((i * 7919) % 13));
  auto r1 = make_cache_level(cache("l1", 8, 4, ReplacementKind::kRandom));
  auto r2 = make_cache_level(cache("l1", 8, 4, ReplacementKind::kRandom));
  EXPECT_EQ(hit_pattern(*r1, trace), hit_pattern(*r2, trace));

  std::map<std::uint64_t, int> evicted;
  for (std::uint64_t seed = 1; seed <= 800; ++seed) {
    auto cfg = cache("l1", 8, 8, ReplacementKind::kRandom);
    cfg.seed = seed;
    auto one = make_cache_level(cfg);
    hit_pattern(*one, {0, 1, 2, 3, 4, 5, 6, 7, 8});
    for (std::uint64_t line = 0; line < 8; ++line)
      if (!one->contains(line * 64)) ++evicted[line];
  }
  ASSERT_EQ(evicted.size(), 8u);
  for (const auto& [line, count] : evicted) {
    EXPECT_GT(count, 50) << line;  // expectation 100 each
    EXPECT_LT(count, 160) << line;
  }
}

// Fully associative caches with many ways use the hash-map lookup; LRU there must behave like
// LRU: a cyclic sweep over capacity + 1 lines misses every time, over capacity lines hits after
// the first pass.
TEST(ReplacementPolicy, FullyAssociativeLruLarge) {
  auto level = make_cache_level(cache("fa", 256, 0, ReplacementKind::kLru));
  std::vector<std::uint64_t> fits, spills;
  for (int pass = 0; pass < 3; ++pass)
    for (std::uint64_t i = 0; i < 256; ++i)
      fits.push_back(i);
  for (int pass = 0; pass < 3; ++pass)
    for (std::uint64_t i = 1000; i < 1257; ++i)
      spills.push_back(i);
  const std::string p1 = hit_pattern(*level, fits);
  EXPECT_EQ(p1, std::string(256, 'M') + std::string(512, 'H'));
  const std::string p2 = hit_pattern(*level, spills);
  EXPECT_EQ(p2, std::string(spills.size(), 'M'));
}

TEST(ReplacementPolicy, TreePlruNeedsPowerOfTwoWays) {
  EXPECT_THROW(make_cache_level(cache("l1", 6, 3, ReplacementKind::kTreePlru)), Error);
}

}  // namespace
}  // namespace erg::simulator
