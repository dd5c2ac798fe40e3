// DineroIV equivalence of whole hierarchies fed din traces. DineroIV (d4-7 ref.c, d4ref) queues a
// level's references to the level below on a stack, then pops them: for a miss it pushes the
// dirty victim's writeback, then a forwarded write, then the demand fetch, so the level below sees
// the fetch first and the writeback after it. That order decides the lower levels' LRU/FIFO
// state. The cases below are derived by hand from those rules; the random test compares every
// counter with a small recursive model written from the same rules.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <list>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include "simulator/hierarchy.hpp"
#include "simulator/trace_reader.hpp"
#include "simulator/trace_replay.hpp"
#include "tests/simulator/test_helpers.hpp"

namespace erg::simulator {
namespace {

CacheConfig level(std::string name, std::uint64_t size_bytes, std::uint64_t line_bytes,
                  std::uint32_t assoc, ReplacementKind kind, bool write_back = true,
                  bool write_allocate = true) {
  CacheConfig c = testing::cache(std::move(name), size_bytes / line_bytes, assoc, kind, line_bytes);
  c.write_back = write_back;
  c.write_allocate = write_allocate;
  return c;
}

// Replays din text through a hierarchy of `levels` over the 64 B-burst test DRAM.
HierarchyStats replay_din(const std::vector<CacheConfig>& levels, const std::string& din) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("erg_sim_dinero_" + std::to_string(::getpid()) + ".din");
  {
    std::ofstream out(path, std::ios::binary);
    out << din;
  }
  HierarchyConfig config;
  config.levels = levels;
  config.dram = testing::tiny_dram();
  Hierarchy h(config);
  TraceReader reader(path);
  replay_trace(reader, h);
  std::filesystem::remove(path);
  return h.stats();
}

struct Expected {
  std::uint64_t reads, writes, read_misses, write_misses, fills, writebacks;
};

void expect_level(const HierarchyStats& s, std::size_t l, const Expected& e) {
  SCOPED_TRACE("level " + s.level_names[l]);
  const LevelCounts c = s.level_total(l);
  EXPECT_EQ(c.read_count, e.reads);
  EXPECT_EQ(c.write_count, e.writes);
  EXPECT_EQ(c.read_miss_count, e.read_misses);
  EXPECT_EQ(c.write_miss_count, e.write_misses);
  EXPECT_EQ(c.fill_count, e.fills);
  EXPECT_EQ(c.writeback_count, e.writebacks);
}

// L1: 64 B lines, direct-mapped, 128 B (2 sets; 0x0, 0x80 and 0x100 all map to set 0).
// L2: 128 B lines, 2-way LRU, 256 B (1 set): blocks A = 0x0, B = 0x80, C = 0x100. WB/WA.
//   1 0     L1 miss; fetch 0x0 -> L2 miss A. L2 [A]. L1 holds 0x0 dirty.
//   0 80    L1 miss, victim 0x0 dirty. Fetch 0x80 -> L2 miss B, [B A]; then the writeback
//           0x0 -> L2 write hit A, [A B], A dirty.
//   0 100   L1 miss, victim 0x80 clean. Fetch 0x100 -> L2 miss C, LRU victim B (clean): [C A].
//   0 0     L1 miss, victim 0x100 clean. Fetch 0x0 -> L2 hit A.
// L2: 4 reads (3 misses), 1 write (hit), 3 fills, no writeback; DRAM: 3 x 128 B read, nothing
// written. The old order (writeback first) left [B A] after line 2, evicted the dirty A for C
// and missed A again: 4 misses and a 128 B DRAM write.
TEST(DineroEquivalence, DirtyVictimGoesBelowAfterTheFetch) {
  const auto s = replay_din({level("l1", 128, 64, 1, ReplacementKind::kLru),
                             level("l2", 256, 128, 2, ReplacementKind::kLru)},
                            "1 0\n0 80\n0 100\n0 0\n");
  expect_level(s, 0, {3, 1, 3, 1, 4, 1});
  expect_level(s, 1, {4, 1, 3, 0, 3, 0});
  EXPECT_EQ(s.dram_total().read_bytes, 3u * 128);
  EXPECT_EQ(s.dram_total().write_bytes, 0u);
}

// Three levels, FIFO in the middle, the writeback and the fetch both missing in it.
// L1: 32 B lines, direct-mapped, 64 B (set = address / 32 % 2). L2: 64 B lines, 2-way FIFO,
// 128 B (1 set). L3: 128 B lines, 2-way LRU, 1 KiB (4 sets; lines 0-2 below fall in sets 0-2,
// so L3 only misses compulsorily). WB/WA everywhere. L2 blocks: A 0x0, B 0x40, C 0x80, D 0xc0,
// E 0x100; FIFO order newest first.
//   1 0     L1 s0 miss; fetch 0x0 -> L2 miss A [A] -> L3 miss (line 0).
//   0 60    L1 s1 miss; fetch 0x60 -> L2 miss B [B A] -> L3 hit (line 0).
//   0 a0    L1 s1 miss, victim 0x60 clean; fetch 0xa0 -> L2 miss C, victim A (clean) [C B]
//           -> L3 miss (line 1).
//   0 c0    L1 s0 miss, victim 0x0 dirty. Fetch 0xc0 -> L2 miss D, victim B [D C] -> L3 hit
//           (line 1); then the writeback 0x0 -> L2 write miss A, allocated: victim C, [A D],
//           A dirty; its fetch 0x0 -> L3 hit (line 0).
//   0 100   L1 s0 miss, victim 0xc0 clean; fetch 0x100 -> L2 miss E, victim D (clean) [E A]
//           -> L3 miss (line 2).
//   0 0     L1 s0 miss; fetch 0x0 -> L2 hit A.
// L1: 5 reads, 1 write, all missing, 6 fills, 1 writeback. L2: 6 reads (5 misses), 1 write (a
// miss), 6 fills, no writeback. L3: 6 reads, 3 misses. DRAM: 3 x 128 B read.
// The old order made line 4 [D A(dirty)] instead, so line 5 evicted the dirty A (an L2
// writeback, an L3 write) and line 6 missed again: L2 6 read misses, 7 fills, 1 writeback.
TEST(DineroEquivalence, ThreeLevelsFifoOverLru) {
  const auto s = replay_din({level("l1", 64, 32, 1, ReplacementKind::kLru),
                             level("l2", 128, 64, 2, ReplacementKind::kFifo),
                             level("l3", 1024, 128, 2, ReplacementKind::kLru)},
                            "1 0\n0 60\n0 a0\n0 c0\n0 100\n0 0\n");
  expect_level(s, 0, {5, 1, 5, 1, 6, 1});
  expect_level(s, 1, {6, 1, 5, 1, 6, 0});
  expect_level(s, 2, {6, 0, 3, 0, 3, 0});
  EXPECT_EQ(s.dram_total().read_bytes, 3u * 128);
  EXPECT_EQ(s.dram_total().write_bytes, 0u);
}

// The order seen two levels down. L1: 32 B lines, 1 line. L2: 64 B lines, 2-way FIFO, 1 set.
// L3: 128 B lines, 2-way LRU, 1 set (X 0x0, Y 0x80, Z 0x100, W 0x180). WB/WA. L2 blocks A 0x0,
// B 0x80, C 0x100, D 0x180.
//   1 0     L1 miss; L2 miss A [A]; L3 miss X [X].
//   0 80    L1 miss, victim 0x0 dirty. Fetch 0x80: L2 miss B [B A], L3 miss Y [Y X]. Then the
//           writeback 0x0: L2 write hit A (dirty).
//   0 100   L1 miss. L2 miss C, victim A dirty [C B]. Fetch 0x100 first: L3 miss Z, LRU victim
//           X (clean) [Z Y]; then A's writeback: L3 write miss X, allocated (fetched), LRU
//           victim Y (clean) [X(dirty) Z].
//   0 180   L1 miss. L2 miss D, victim B clean [D C]. L3 miss W, victim Z (clean) [W X].
//   0 0     L1 miss. L2 miss A, victim C clean [A D]. L3 hit X.
// L2: 5 reads, all missing, 1 write hit, 5 fills, 1 writeback. L3: 5 reads (4 misses), 1 write
// (a miss), 5 fills, no writeback. DRAM: 5 x 128 B read, nothing written. The old order wrote A
// back before fetching Z: X hit, then Z evicted Y, W evicted the dirty X (a DRAM write) and the
// last read missed X: L3 5 read misses, 0 write misses, 1 writeback.
TEST(DineroEquivalence, WritebackOrderTwoLevelsDown) {
  const auto s = replay_din({level("l1", 32, 32, 1, ReplacementKind::kLru),
                             level("l2", 128, 64, 2, ReplacementKind::kFifo),
                             level("l3", 256, 128, 2, ReplacementKind::kLru)},
                            "1 0\n0 80\n0 100\n0 180\n0 0\n");
  expect_level(s, 0, {4, 1, 4, 1, 5, 1});
  expect_level(s, 1, {5, 1, 5, 0, 5, 1});
  expect_level(s, 2, {5, 1, 4, 1, 5, 0});
  EXPECT_EQ(s.dram_total().read_bytes, 5u * 128);
  EXPECT_EQ(s.dram_total().write_bytes, 0u);
}

// A small recursive model of d4ref (no prefetch, no subblocks, no 3C). Per level: find the
// block; unless this is a no-allocate write miss, update the stack (LRU moves a hit to the top,
// a miss takes the top and pushes out the bottom valid block of a full set) and mark a
// write-back write dirty; then push, in this order, the dirty victim's writeback, the write
// itself (write-through or not allocated) and the fetch of a missed block (a write fetches only
// when it does not cover the block), and serve them from the top of the stack, each one wholly
// (recursively) before the next.
class D4Model {
 public:
  explicit D4Model(const std::vector<CacheConfig>& levels)
      : levels_(levels), stacks_(levels.size()), counts_(levels.size()) {
    for (std::size_t l = 0; l < levels.size(); ++l)
      stacks_[l].resize(levels[l].sets());
  }

  void ref(std::size_t l, AccessOp op, std::uint64_t address, std::uint64_t bytes) {
    if (l == levels_.size()) {  // memory: the 64 B bursts the test DRAM would move
      const std::uint64_t bursts = (address + bytes - 1) / 64 - address / 64 + 1;
      (op == AccessOp::kRead ? read_bursts : write_bursts) += bursts;
      return;
    }
    const CacheConfig& c = levels_[l];
    LevelCounts& k = counts_[l];
    const bool write = op == AccessOp::kWrite;
    const std::uint64_t block = address / c.line_bytes;
    auto& stack = stacks_[l][block % c.sets()];
    const auto find = [&] {
      return std::find_if(stack.begin(), stack.end(),
                          [&](const Block& b) { return b.id == block; });
    };
    auto it = find();
    const bool miss = it == stack.end();
    (write ? k.write_count : k.read_count)++;
    if (miss) (write ? k.write_miss_count : k.read_miss_count)++;
    struct Pending {
      AccessOp op;
      std::uint64_t address, bytes;
    };
    std::vector<Pending> pending;
    bool dirty_write = false;
    if (!write || !miss || c.write_allocate) {
      if (!miss) {
        if (c.replacement == ReplacementKind::kLru) stack.splice(stack.begin(), stack, it);
      } else {
        stack.push_front({block, false});
        ++k.fill_count;
        if (stack.size() > c.ways()) {
          if (stack.back().dirty) {
            pending.push_back({AccessOp::kWrite, stack.back().id * c.line_bytes, c.line_bytes});
            ++k.writeback_count;
          }
          stack.pop_back();
        }
      }
      dirty_write = write && c.write_back;
      if (dirty_write) find()->dirty = true;
    }
    if (write && !dirty_write) {
      pending.push_back({op, address, bytes});
      ++k.write_through_count;
    }
    if (miss && (!write || (c.write_allocate && bytes != c.line_bytes)))
      pending.push_back({AccessOp::kRead, block * c.line_bytes, c.line_bytes});
    for (auto p = pending.rbegin(); p != pending.rend(); ++p)
      ref(l + 1, p->op, p->address, p->bytes);
  }

  const LevelCounts& counts(std::size_t l) const { return counts_[l]; }
  std::uint64_t read_bursts = 0;
  std::uint64_t write_bursts = 0;

 private:
  struct Block {
    std::uint64_t id;
    bool dirty;
  };
  std::vector<CacheConfig> levels_;
  std::vector<std::vector<std::list<Block>>> stacks_;  // [level][set], front: top (most recent)
  std::vector<LevelCounts> counts_;
};

// Random din traces through three-level hierarchies of LRU and FIFO levels (direct-mapped,
// set-associative with power-of-two and other set counts, fully associative with 24 and 40
// ways, so every LRU/FIFO implementation erg picks is covered), 32/64/128 B lines, write-back
// with write-allocate or write-through without. Reads have any size and alignment (they split
// into lines as DineroIV splits them); writes are the 4 B din default, so none covers a line.
TEST(DineroEquivalence, RandomTracesMatchRecursiveModel) {
  using K = ReplacementKind;
  struct Geometry {
    std::uint64_t size_bytes;
    std::uint32_t assoc;  // 0: fully associative
  };
  const std::vector<std::vector<Geometry>> hierarchies{
      {{128, 1}, {512, 2}, {2048, 4}},   // DM, 4 sets x 2, 4 sets x 4
      {{128, 2}, {384, 2}, {3072, 8}},   // 2 x 2, 3 sets x 2, 3 sets x 8
      {{128, 0}, {1536, 0}, {2048, 2}},  // FA 4, FA 24, 8 sets x 2
      {{64, 1}, {512, 4}, {5120, 0}},    // DM 2, 2 sets x 4, FA 40
  };
  const std::uint64_t line_bytes[] = {32, 64, 128};
  std::mt19937_64 rng(18);
  int config_index = 0;
  for (const auto& geometry : hierarchies)
    for (const K l1_kind : {K::kLru, K::kFifo})
      for (const bool write_back : {true, false}) {
        std::vector<CacheConfig> levels;
        for (std::size_t l = 0; l < 3; ++l) {
          // Alternate the policies down the hierarchy so LRU sits above FIFO and the reverse.
          const K kind = (l % 2 == 0) == (l1_kind == K::kLru) ? K::kLru : K::kFifo;
          const bool wb = l == 1 ? !write_back : write_back;
          levels.push_back(level("l" + std::to_string(l + 1), geometry[l].size_bytes, line_bytes[l],
                                 geometry[l].assoc, kind, wb, wb));
        }
        SCOPED_TRACE("hierarchy " + std::to_string(config_index++));
        D4Model model(levels);
        std::string din;
        for (int i = 0; i < 4000; ++i) {
          const bool write = rng() % 3 == 0;
          const std::uint64_t footprint = 4096;
          const std::uint64_t address =
              write ? (rng() % footprint) & ~std::uint64_t{3} : rng() % footprint;
          const std::uint64_t bytes = write ? 4 : 1 + rng() % 100;
          char line[64];
          if (write) {
            std::snprintf(line, sizeof line, "1 %llx\n", static_cast<unsigned long long>(address));
          } else {
            std::snprintf(line, sizeof line, "%c %llx %llx\n", rng() % 2 ? '0' : '2',
                          static_cast<unsigned long long>(address),
                          static_cast<unsigned long long>(bytes));
          }
          din += line;
          // d4ref splits a reference at L1 block edges and serves the pieces in order.
          const AccessOp op = write ? AccessOp::kWrite : AccessOp::kRead;
          for (std::uint64_t begin = address; begin < address + bytes;) {
            const std::uint64_t end = std::min(address + bytes, (begin / 32 + 1) * 32);
            model.ref(0, op, begin, end - begin);
            begin = end;
          }
        }
        const auto s = replay_din(levels, din);
        for (std::size_t l = 0; l < 3; ++l) {
          SCOPED_TRACE("level " + std::to_string(l));
          const LevelCounts got = s.level_total(l);
          const LevelCounts& want = model.counts(l);
          EXPECT_EQ(got.read_count, want.read_count);
          EXPECT_EQ(got.write_count, want.write_count);
          EXPECT_EQ(got.read_miss_count, want.read_miss_count);
          EXPECT_EQ(got.write_miss_count, want.write_miss_count);
          EXPECT_EQ(got.fill_count, want.fill_count);
          EXPECT_EQ(got.writeback_count, want.writeback_count);
          EXPECT_EQ(got.write_through_count, want.write_through_count);
        }
        EXPECT_EQ(s.dram_total().read_burst_count, model.read_bursts);
        EXPECT_EQ(s.dram_total().write_burst_count, model.write_bursts);
      }
}

}  // namespace
}  // namespace erg::simulator
