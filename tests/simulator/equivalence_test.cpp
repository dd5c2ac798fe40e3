// Randomized equivalence: the optimized levels (packed-order LRU/FIFO up to 16 ways, stamps up to
// 32, linked lists above; batched serving; the intrusive 3C shadow) against a deliberately naive
// reference written here from the DineroIV rules in set_assoc_cache.hpp's contract:
//   read hit: promote (LRU only). read miss: fill (a line read below), evicting the set's
//   LRU/oldest line if the set is full; a dirty victim then goes below as a line write (after
//   the fill, as DineroIV pops its pending references).
//   write hit/allocated miss: write-back marks dirty; otherwise the write itself goes below.
//   3C: a miss is compulsory if the line was never referenced, capacity if a fully associative
//   LRU of the same size also misses, conflict otherwise.
// Every request sent below and every counter must match exactly.
#include <gtest/gtest.h>

#include <algorithm>
#include <list>
#include <map>
#include <random>
#include <set>
#include <unordered_map>
#include <vector>

#include "simulator/cache_level.hpp"
#include "simulator/hierarchy.hpp"
#include "tests/simulator/test_helpers.hpp"

namespace erg::simulator {
namespace {

struct RefLine {
  std::uint64_t line;
  bool dirty;
};

class ReferenceLevel {
 public:
  explicit ReferenceLevel(const CacheConfig& c)
      : c_(c), sets_(c.sets()), ways_(c.ways()), lines_(c.lines()), set_(sets_) {}

  // Serves one request; appends what goes below.
  void serve(const LineRequest& r, std::vector<LineRequest>& out) {
    const std::uint64_t line = r.address / c_.line_bytes;
    auto& set = set_[line % sets_];  // front = most recent (LRU) / newest fill (FIFO)
    auto it =
        std::find_if(set.begin(), set.end(), [&](const RefLine& l) { return l.line == line; });
    const bool hit = it != set.end();
    const bool write = r.op == AccessOp::kWrite;
    LevelCounts& k = counts(r.component);
    if (c_.classify_misses) classify(line, hit, !write || c_.write_allocate, k);
    (write ? k.write_count : k.read_count)++;
    if (hit) {
      (write ? k.write_hit_count : k.read_hit_count)++;
      if (c_.replacement == ReplacementKind::kLru) set.splice(set.begin(), set, it);
      it = set.begin();
      if (c_.replacement != ReplacementKind::kLru)
        it = std::find_if(set.begin(), set.end(), [&](const RefLine& l) { return l.line == line; });
    } else {
      (write ? k.write_miss_count : k.read_miss_count)++;
      if (!write || c_.write_allocate) {
        out.push_back({line * c_.line_bytes, static_cast<std::uint32_t>(c_.line_bytes),
                       AccessOp::kRead, r.component});
        ++k.fill_count;
        k.bytes_in += c_.line_bytes;
        if (set.size() == ways_) {
          const RefLine victim = set.back();
          set.pop_back();
          if (victim.dirty) {
            out.push_back({victim.line * c_.line_bytes, static_cast<std::uint32_t>(c_.line_bytes),
                           AccessOp::kWrite, r.component});
            ++k.writeback_count;
            k.bytes_out += c_.line_bytes;
          }
        }
        set.push_front({line, false});
        it = set.begin();
      }
    }
    if (!write) return;
    if (it != set.end() && c_.write_back) {
      it->dirty = true;
      return;
    }
    ++k.write_through_count;
    k.bytes_out += r.bytes;
    out.push_back(r);
  }

  void invalidate(std::uint64_t address, ComponentId component) {
    const std::uint64_t line = address / c_.line_bytes;
    auto& set = set_[line % sets_];
    auto it =
        std::find_if(set.begin(), set.end(), [&](const RefLine& l) { return l.line == line; });
    if (it == set.end()) return;
    set.erase(it);
    ++counts(component).back_invalidation_count;
  }

  std::vector<std::uint64_t> resident() const {
    std::vector<std::uint64_t> v;
    for (const auto& s : set_)
      for (const auto& l : s)
        v.push_back(l.line * c_.line_bytes);
    std::sort(v.begin(), v.end());
    return v;
  }
  LevelCounts& counts(ComponentId component) { return counts_[component_slot(component)]; }
  const std::map<std::uint32_t, LevelCounts>& all_counts() const { return counts_; }

 private:
  void classify(std::uint64_t line, bool hit, bool allocate, LevelCounts& k) {
    const bool seen = !seen_.insert(line).second;
    bool shadow_hit = false;
    if (auto f = where_.find(line); f != where_.end()) {
      shadow_hit = true;
      shadow_.splice(shadow_.begin(), shadow_, f->second);
    } else if (allocate) {
      if (shadow_.size() == lines_) {
        where_.erase(shadow_.back());
        shadow_.pop_back();
      }
      shadow_.push_front(line);
      where_[line] = shadow_.begin();
    }
    if (hit) return;
    if (!seen) {
      ++k.compulsory_miss_count;
    } else if (!shadow_hit) {
      ++k.capacity_miss_count;
    } else {
      ++k.conflict_miss_count;
    }
  }

  CacheConfig c_;
  std::uint64_t sets_, ways_, lines_;
  std::vector<std::list<RefLine>> set_;
  std::map<std::uint32_t, LevelCounts> counts_;
  std::set<std::uint64_t> seen_;
  std::list<std::uint64_t> shadow_;
  std::unordered_map<std::uint64_t, std::list<std::uint64_t>::iterator> where_;
};

bool same(const LineRequest& a, const LineRequest& b) {
  return a.address == b.address && a.bytes == b.bytes && a.op == b.op && a.component == b.component;
}

void expect_counts_match(const CacheLevel& level, const ReferenceLevel& ref) {
  const auto& got = level.counts_by_slot();
  for (std::uint32_t slot = 0; slot < got.size(); ++slot) {
    const auto f = ref.all_counts().find(slot);
    const LevelCounts want = f == ref.all_counts().end() ? LevelCounts{} : f->second;
    EXPECT_EQ(got[slot], want) << "slot " << slot << ": reads " << got[slot].read_count << "/"
                               << want.read_count << " hits " << got[slot].hit_count() << "/"
                               << want.hit_count() << " conflict " << got[slot].conflict_miss_count
                               << "/" << want.conflict_miss_count << " capacity "
                               << got[slot].capacity_miss_count << "/" << want.capacity_miss_count;
  }
}

struct LevelCase {
  ReplacementKind replacement;
  std::uint64_t lines;
  std::uint32_t assoc;  // 0: fully associative
  bool write_back;
  bool write_allocate;
};

// One level driven directly: random batches of line reads/writes (some partial writes), with
// back-invalidations between batches; outputs compared request by request.
TEST(Equivalence, SingleLevelMatchesReference) {
  std::vector<LevelCase> cases;
  for (const auto kind : {ReplacementKind::kLru, ReplacementKind::kFifo})
    for (const auto& [lines, assoc] : std::vector<std::pair<std::uint64_t, std::uint32_t>>{{8, 1},
                                                                                           {16, 2},
                                                                                           {24, 3},
                                                                                           {32, 4},
                                                                                           {64, 8},
                                                                                           {64, 16},
                                                                                           {96, 16},
                                                                                           {64, 32},
                                                                                           {48, 24},
                                                                                           {40, 0}})
      for (const bool wb : {true, false})
        for (const bool wa : {true, false})
          cases.push_back({kind, lines, assoc, wb, wa});
  std::mt19937_64 rng(42);
  for (const auto& k : cases) {
    CacheConfig config = testing::cache("l", k.lines, k.assoc, k.replacement);
    config.write_back = k.write_back;
    config.write_allocate = k.write_allocate;
    const std::string what = "lines " + std::to_string(k.lines) + " assoc " +
                             std::to_string(k.assoc) + " wb " + std::to_string(k.write_back) +
                             " wa " + std::to_string(k.write_allocate) + " lru " +
                             std::to_string(k.replacement == ReplacementKind::kLru);
    SCOPED_TRACE(what);
    auto level = make_cache_level(config);
    level->ensure_slots(4);
    ReferenceLevel ref(config);
    // Lines from a footprint a few times the capacity, with a hot subset, so hits, conflicts and
    // capacity misses all occur.
    const std::uint64_t footprint = 4 * k.lines;
    for (int round = 0; round < 200; ++round) {
      std::vector<LineRequest> batch(1 + rng() % 64);
      for (auto& r : batch) {
        const std::uint64_t line = (rng() % 3 == 0) ? rng() % (k.lines / 2 + 1) : rng() % footprint;
        const bool write = rng() % 3 == 0;
        const std::uint32_t bytes = write && rng() % 2 ? 8 : 64;
        r = {line * 64 + (bytes == 8 ? 8 * (rng() % 8) : 0), bytes,
             write ? AccessOp::kWrite : AccessOp::kRead,
             static_cast<ComponentId>(rng() % 4) - 1};  // kNoComponent, 0, 1, 2
      }
      RequestBuffer out;
      level->process(batch, out);
      std::vector<LineRequest> want;
      for (const auto& r : batch)
        ref.serve(r, want);
      ASSERT_EQ(out.size(), want.size()) << "round " << round;
      for (std::size_t i = 0; i < want.size(); ++i)
        ASSERT_TRUE(same(out[i], want[i])) << "round " << round << " request " << i;
      if (round % 5 == 4) {
        const std::uint64_t line = rng() % footprint;
        level->invalidate(line * 64, 64, 0);
        ref.invalidate(line * 64, 0);
      }
    }
    auto resident = level->resident_lines();
    std::sort(resident.begin(), resident.end());
    EXPECT_EQ(resident, ref.resident());
    expect_counts_match(*level, ref);
  }
}

// A whole non-inclusive hierarchy fed multi-line accesses: the batched levels must count exactly
// what the reference counts when every line request is pushed through all levels one by one.
TEST(Equivalence, HierarchyMatchesLineByLineReference) {
  for (const auto kind : {ReplacementKind::kLru, ReplacementKind::kFifo}) {
    HierarchyConfig config;
    config.levels = {testing::cache("l1", 16, 4, kind), testing::cache("l2", 64, 8, kind),
                     testing::cache("l3", 128, 16, kind, 128)};
    config.levels[1].write_back = false;  // a write-through middle level
    config.dram = testing::tiny_dram();
    Hierarchy h(config);
    std::vector<ReferenceLevel> ref;
    for (const auto& c : config.levels)
      ref.emplace_back(c);
    std::uint64_t dram_read_bytes = 0, dram_write_bytes = 0;
    std::mt19937_64 rng(7);
    for (int i = 0; i < 20000; ++i) {
      // Accesses of 1 B to 300 B over 48 KiB: most span one to five 64 B lines.
      const std::uint64_t address = rng() % (48 << 10);
      const std::uint64_t bytes = 1 + rng() % 300;
      const AccessOp op = rng() % 4 == 0 ? AccessOp::kWrite : AccessOp::kRead;
      h.access(address, bytes, op);
      for (std::uint64_t line = address / 64; line <= (address + bytes - 1) / 64; ++line) {
        const std::uint64_t begin = std::max(line * 64, address);
        const std::uint64_t end = std::min(line * 64 + 64, address + bytes);
        std::vector<LineRequest> in{
            {begin, static_cast<std::uint32_t>(end - begin), op, kNoComponent}};
        for (auto& level : ref) {
          std::vector<LineRequest> out;
          for (const auto& r : in)
            level.serve(r, out);
          in.swap(out);
        }
        for (const auto& r : in) {
          // tiny_dram bursts are 64 B; every request below the 128 B level is aligned or partial.
          const std::uint64_t bursts = (r.address + r.bytes - 1) / 64 - r.address / 64 + 1;
          (r.op == AccessOp::kRead ? dram_read_bytes : dram_write_bytes) += 64 * bursts;
        }
      }
    }
    h.drain();
    for (std::size_t l = 0; l < ref.size(); ++l) {
      SCOPED_TRACE("level " + std::to_string(l));
      expect_counts_match(h.level(l), ref[l]);
    }
    EXPECT_EQ(h.dram().total().read_bytes, dram_read_bytes);
    EXPECT_EQ(h.dram().total().write_bytes, dram_write_bytes);
  }
}

}  // namespace
}  // namespace erg::simulator
