#include "simulator/analytic_model.hpp"

#include <algorithm>
#include <bit>
#include <unordered_map>

#include "core/error.hpp"
#include "simulator/dram_model.hpp"
#include "simulator/line_request.hpp"
#include "simulator/scratchpad.hpp"

namespace erg::simulator {
namespace {

// A use of a contiguous range of one tensor, as seen by one level.
struct RangeUse {
  TensorId tensor = kNoTensor;
  AccessOp op = AccessOp::kRead;
  std::uint64_t address = 0;
  std::uint64_t bytes = 0;
  ComponentId component = kNoComponent;
};

class Fenwick {
 public:
  explicit Fenwick(std::size_t n) : tree_(n + 1, 0) {}
  void add(std::size_t i, std::int64_t v) {
    for (++i; i < tree_.size(); i += i & (~i + 1))
      tree_[i] += v;
  }
  // Sum over [0, i).
  std::int64_t prefix(std::size_t i) const {
    std::int64_t s = 0;
    for (; i > 0; i -= i & (~i + 1))
      s += tree_[i];
    return s;
  }

 private:
  std::vector<std::int64_t> tree_;
};

struct TensorState {
  std::int64_t last_time = -1;
  std::uint64_t lines = 0;  // lines referenced by the last allocating use
  std::uint64_t base = 0;   // address of the first of them
  std::uint64_t dirty_lines = 0;
  std::uint64_t seen_lines = 0;  // most lines ever referenced (compulsory misses beyond it)
  ComponentId component = kNoComponent;
};

// One cache level as an LRU stack of tensors.
class StackLevel {
 public:
  StackLevel(const CacheConfig& config, std::size_t uses)
      : config_(config),
        line_shift_(std::countr_zero(config.line_bytes)),
        capacity_lines_(config.lines()),
        fenwick_(uses + 1) {}

  std::vector<LevelCounts> run(const std::vector<RangeUse>& in, std::vector<RangeUse>& out) {
    std::int64_t now = 0;
    for (const RangeUse& u : in)
      serve(u, now++, out);
    // Dirty lines pushed out after their tensor's last use: line i of an m-line use sits at
    // stack position m - 1 - i + D, so the oldest max(0, m + D - C) lines are gone.
    for (auto& [id, st] : state_) {
      if (st.dirty_lines == 0 || st.last_time < 0) continue;
      const auto d = static_cast<std::uint64_t>(fenwick_.prefix(static_cast<std::size_t>(now)) -
                                                fenwick_.prefix(st.last_time + 1));
      const std::uint64_t total = st.lines + d;
      const std::uint64_t evicted = total > capacity_lines_ ? total - capacity_lines_ : 0;
      writeback(id, st, std::min(st.dirty_lines, evicted), st.component, out);
    }
    return std::move(counts_);
  }

 private:
  LevelCounts& counts(ComponentId component) {
    const std::uint32_t slot = component_slot(component);
    if (counts_.size() <= slot) counts_.resize(slot + std::size_t{1});
    return counts_[slot];
  }

  void writeback(TensorId id, TensorState& st, std::uint64_t lines, ComponentId component,
                 std::vector<RangeUse>& out) {
    if (lines == 0) return;
    const std::uint64_t bytes = lines << line_shift_;
    out.push_back({id, AccessOp::kWrite, st.base, bytes, component});
    LevelCounts& c = counts(component);
    c.writeback_count += lines;
    c.bytes_out += bytes;
    st.dirty_lines -= lines;
  }

  void serve(const RangeUse& u, std::int64_t now, std::vector<RangeUse>& out) {
    const std::uint64_t line_bytes = config_.line_bytes;
    const std::uint64_t first = u.address >> line_shift_;
    const std::uint64_t n = ((u.address + u.bytes - 1) >> line_shift_) - first + 1;
    const std::uint64_t base = first << line_shift_;
    TensorState& st = state_[u.tensor];
    if (st.component == kNoComponent) st.component = u.component;
    LevelCounts& c = counts(u.component);

    const bool is_write = u.op == AccessOp::kWrite;
    const bool allocate = !is_write || config_.write_allocate;
    std::uint64_t hit_lines = 0;
    if (st.last_time >= 0) {
      const auto d = static_cast<std::uint64_t>(fenwick_.prefix(static_cast<std::size_t>(now)) -
                                                fenwick_.prefix(st.last_time + 1));
      if (st.lines + d <= capacity_lines_) {
        hit_lines = std::min(st.lines, n);
      } else if (allocate) {
        // Re-fetching the lost first lines pushes the rest out: the whole old copy is gone, and
        // its dirty lines were written back before the tensor came back.
        writeback(u.tensor, st, st.dirty_lines, u.component, out);
      } else {
        // A non-allocating write pushes nothing, so the newest lines of the old copy (a suffix)
        // still hit; the lost prefix was written back if dirty.
        const std::uint64_t resident =
            capacity_lines_ > d ? std::min(st.lines, capacity_lines_ - d) : 0;
        const std::uint64_t lost = st.lines - resident;
        writeback(u.tensor, st, std::min(st.dirty_lines, lost), u.component, out);
        hit_lines = n > lost ? std::min(n, st.lines) - lost : 0;
      }
    }

    const std::uint64_t miss_lines = n - hit_lines;
    if (config_.classify_misses && miss_lines > 0) {
      const std::uint64_t known = std::max(st.seen_lines, hit_lines);
      const std::uint64_t compulsory = n > known ? n - known : 0;
      c.compulsory_miss_count += compulsory;
      c.capacity_miss_count += miss_lines - compulsory;
    }
    st.seen_lines = std::max(st.seen_lines, n);
    if (is_write) {
      c.write_count += n;
      c.write_hit_count += hit_lines;
      c.write_miss_count += miss_lines;
    } else {
      c.read_count += n;
      c.read_hit_count += hit_lines;
      c.read_miss_count += miss_lines;
    }
    if (allocate && miss_lines > 0) {
      out.push_back({u.tensor, AccessOp::kRead, base + (hit_lines << line_shift_),
                     miss_lines * line_bytes, u.component});
      c.fill_count += miss_lines;
      c.bytes_in += miss_lines * line_bytes;
    }
    if (is_write) {
      // Lines written in place stay dirty (write-back); the rest of the write goes below.
      const std::uint64_t kept = allocate ? n : hit_lines;
      const std::uint64_t forwarded = config_.write_back ? n - kept : n;
      if (forwarded > 0) {
        const std::uint64_t skip = n - forwarded;  // forwarded lines are the tail of the range
        const std::uint64_t from = std::max(u.address, base + (skip << line_shift_));
        c.write_through_count += forwarded;
        c.bytes_out += u.address + u.bytes - from;
        out.push_back({u.tensor, AccessOp::kWrite, from, u.address + u.bytes - from, u.component});
      }
      if (config_.write_back) st.dirty_lines = std::max(st.dirty_lines, kept);
    }
    if (allocate || hit_lines > 0) {
      const std::uint64_t resident = allocate ? n : hit_lines;
      if (st.last_time >= 0)
        fenwick_.add(static_cast<std::size_t>(st.last_time), -static_cast<std::int64_t>(st.lines));
      fenwick_.add(static_cast<std::size_t>(now), static_cast<std::int64_t>(resident));
      st.last_time = now;
      st.lines = resident;
      st.base = base;
      st.dirty_lines = std::min(st.dirty_lines, resident);
    }
  }

  CacheConfig config_;
  int line_shift_;
  std::uint64_t capacity_lines_;
  Fenwick fenwick_;
  std::unordered_map<TensorId, TensorState> state_;
  std::vector<LevelCounts> counts_ = std::vector<LevelCounts>(1);
};

}  // namespace

HierarchyStats simulate_analytic(const HierarchyConfig& config,
                                 const std::map<TensorId, TensorInfo>& tensors,
                                 const std::vector<TensorUse>& uses,
                                 const std::vector<ComponentCounts>& component_counts) {
  HierarchyStats stats;
  Scratchpad scratchpad(config.scratchpad);
  for (const auto& [id, t] : tensors)
    if (t.pinned) scratchpad.pin(t.address, t.bytes, "tensor '" + t.name + "'");

  std::size_t slots = component_counts.size() + 1;
  std::vector<RangeUse> stream;
  stream.reserve(uses.size());
  for (const TensorUse& use : uses) {
    const auto it = tensors.find(use.tensor);
    if (it == tensors.end() || use.bytes == 0) {
      ++stats.untracked_access_count;
      continue;
    }
    const TensorInfo& t = it->second;
    slots = std::max<std::size_t>(slots, component_slot(t.component) + std::size_t{1});
    ++stats.access_count;
    (use.op == AccessOp::kRead ? stats.read_bytes : stats.write_bytes) += use.bytes;
    if (t.pinned) {
      scratchpad.ensure_slots(slots);
      scratchpad.access(t.address, use.bytes, use.op, t.component);
      continue;
    }
    stream.push_back({use.tensor, use.op, t.address, use.bytes, t.component});
  }
  scratchpad.ensure_slots(slots);

  if (!config.levels.empty()) {
    const int shift = std::countr_zero(config.levels[0].line_bytes);
    for (const RangeUse& u : stream)
      stats.line_access_count += ((u.address + u.bytes - 1) >> shift) - (u.address >> shift) + 1;
  }
  for (std::size_t i = 0; i < config.levels.size(); ++i) {
    validate(config.levels[i], "level[" + std::to_string(i) + "]");
    StackLevel level(config.levels[i], stream.size());
    std::vector<RangeUse> next;
    next.reserve(stream.size());
    auto counts = level.run(stream, next);
    counts.resize(std::max(counts.size(), slots));
    slots = std::max(slots, counts.size());
    stats.level_names.push_back(config.levels[i].name);
    stats.level_counts.push_back(std::move(counts));
    stream.swap(next);
  }
  for (auto& l : stats.level_counts)
    l.resize(slots);

  DramModel dram(config.dram);
  dram.ensure_slots(slots);
  for (const RangeUse& u : stream)
    dram.access(u.address, u.bytes, u.op, u.component);

  stats.scratchpad_counts = scratchpad.counts_by_slot();
  stats.scratchpad_counts.resize(slots);
  stats.dram_counts = dram.counts_by_slot();
  stats.dram_counts.resize(slots);
  stats.macs.resize(slots);
  stats.invocations.resize(slots);
  for (std::size_t id = 0; id < component_counts.size(); ++id) {
    const std::uint32_t slot = component_slot(static_cast<ComponentId>(id));
    stats.macs[slot] = component_counts[id].macs;
    stats.invocations[slot] = component_counts[id].invocations;
  }

  // Per-component roofline.
  for (std::size_t slot = 0; slot < slots; ++slot) {
    double compute_s = 0.0;
    for (std::size_t p = 0; p < kPrecisionCount; ++p)
      if (config.roofline.peak_macs_per_s[p] > 0.0)
        compute_s += static_cast<double>(stats.macs[slot][p]) / config.roofline.peak_macs_per_s[p];
    double memory_s = 0.0;
    if (config.roofline.dram_bandwidth_bytes_per_s > 0.0)
      memory_s = static_cast<double>(stats.dram_counts[slot].read_bytes +
                                     stats.dram_counts[slot].write_bytes) /
                 config.roofline.dram_bandwidth_bytes_per_s;
    stats.roofline_time_s += std::max(compute_s, memory_s);
  }
  return stats;
}

HierarchyStats simulate_analytic(const HierarchyConfig& config, const CountingSink& sink) {
  return simulate_analytic(config, sink.tensors(), sink.uses(), sink.counts());
}

}  // namespace erg::simulator
