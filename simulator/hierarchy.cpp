#include "simulator/hierarchy.hpp"

#include <algorithm>
#include <bit>

#include "core/error.hpp"

namespace erg::simulator {

Hierarchy::Hierarchy(const HierarchyConfig& config)
    : config_(config), scratchpad_(config.scratchpad), dram_(config.dram) {
  for (std::size_t i = 0; i < config_.levels.size(); ++i) {
    const auto& level = config_.levels[i];
    const std::string where = "level[" + std::to_string(i) + "]";
    if (i > 0 && level.line_bytes < config_.levels[i - 1].line_bytes)
      throw Error("cache line_bytes must not shrink going down the hierarchy (level '" +
                      level.name + "' has " + std::to_string(level.line_bytes) + " B below " +
                      std::to_string(config_.levels[i - 1].line_bytes) + " B)",
                  where + ".line_bytes");
    levels_.push_back(make_cache_level(level, where));
    levels_.back()->set_track_evictions(config_.inclusive);
  }
  outputs_.resize(levels_.size());
  for (auto& o : outputs_)
    o.reserve(3 * kBatchLines);
  run_outputs_.resize(levels_.size());
  first_line_bytes_ = levels_.empty() ? config_.dram.burst_bytes : config_.levels[0].line_bytes;
  first_line_shift_ = std::countr_zero(first_line_bytes_);
  single_line_fast_ = !levels_.empty();
  grow_slots(1);
}

void Hierarchy::grow_slots(std::size_t slots) {
  slots_ = std::max(slots_, slots);
  for (auto& l : levels_)
    l->ensure_slots(slots_);
  scratchpad_.ensure_slots(slots_);
  dram_.ensure_slots(slots_);
  if (macs_.size() < slots_) macs_.resize(slots_);
  if (invocations_.size() < slots_) invocations_.resize(slots_);
}

void Hierarchy::on_tensor(const TensorInfo& tensor) {
  if (tensor.pinned) pin(tensor.address, tensor.bytes, "tensor '" + tensor.name + "'");
}

void Hierarchy::pin(std::uint64_t address, std::uint64_t bytes, const std::string& what) {
  drain();
  scratchpad_.pin(address, bytes, what);
  single_line_fast_ = !levels_.empty() && scratchpad_.empty();
}

void Hierarchy::on_invocation(ComponentId component) {
  ensure_slot(component);
  ++invocations_[component_slot(component)];
  close_kernel();
}

void Hierarchy::on_compute(const ComputeEvent& event) {
  ensure_slot(event.component);
  const auto p = static_cast<std::size_t>(event.precision);
  macs_[component_slot(event.component)][p] += event.macs;
  kernel_macs_[p] += event.macs;
}

void Hierarchy::close_kernel() {
  drain();
  double compute_s = 0.0;
  for (std::size_t p = 0; p < kernel_macs_.size(); ++p) {
    const double peak = config_.roofline.peak_macs_per_s[p];
    if (peak > 0.0) compute_s += static_cast<double>(kernel_macs_[p]) / peak;
  }
  double memory_s = 0.0;
  if (config_.roofline.dram_bandwidth_bytes_per_s > 0.0)
    memory_s = static_cast<double>(dram_.bytes_moved() - kernel_dram_start_bytes_) /
               config_.roofline.dram_bandwidth_bytes_per_s;
  roofline_time_s_ += std::max(compute_s, memory_s);
  kernel_macs_ = {};
  kernel_dram_start_bytes_ = dram_.bytes_moved();
}

void Hierarchy::access_any(std::uint64_t address, std::uint64_t bytes, AccessOp op,
                           ComponentId component) {
  if (bytes == 0) return;
  ensure_slot(component);
  ++access_count_;
  (op == AccessOp::kRead ? read_bytes_ : write_bytes_) += bytes;
  if (scratchpad_.empty()) {
    cache_access(address, bytes, op, component);
    return;
  }
  // Split the access at the edges of pinned ranges.
  while (bytes > 0) {
    const auto span = scratchpad_.classify(address);
    const std::uint64_t n =
        std::min(bytes, span.pinned_bytes > 0 ? span.pinned_bytes : span.unpinned_bytes);
    if (span.pinned_bytes > 0) {
      scratchpad_.access(address, n, op, component);
    } else {
      cache_access(address, n, op, component);
    }
    address += n;
    bytes -= n;
  }
}

void Hierarchy::cache_access(std::uint64_t address, std::uint64_t bytes, AccessOp op,
                             ComponentId component) {
  if (levels_.empty()) {
    dram_.access(address, bytes, op, component);
    return;
  }
  // Inclusive ends throughout: an access may end exactly at 2^64.
  const std::uint64_t last_byte = address + (bytes - 1);
  std::uint64_t line = address >> first_line_shift_;
  const std::uint64_t last = last_byte >> first_line_shift_;
  line_access_count_ += last - line + 1;
  if (line == last) {  // the common case of a trace: one access within one line
    batch_.push(address, static_cast<std::uint32_t>(bytes), 1, op, component);
    if (++batch_lines_ >= kBatchLines) drain();
    return;
  }
  // The last line is whole when the access ends on a line boundary.
  const std::uint64_t last_whole =
      ((last_byte + 1) & (first_line_bytes_ - 1)) == 0 ? last : last - 1;
  while (line <= last) {
    const std::uint64_t line_begin = line << first_line_shift_;
    const std::uint64_t begin = std::max(line_begin, address);
    const std::uint64_t stop = std::min(line_begin + (first_line_bytes_ - 1), last_byte);
    std::uint64_t count = 1;
    if (begin == line_begin && line <= last_whole) {
      // Whole lines from here to the last whole one go as one run (cut at the batch size).
      count = std::min<std::uint64_t>(last_whole - line + 1, kBatchLines - batch_lines_);
    }
    batch_.push(begin, static_cast<std::uint32_t>(stop - begin + 1),
                static_cast<std::uint32_t>(count), op, component);
    batch_lines_ += count;
    line += count;
    if (batch_lines_ >= kBatchLines) drain();
  }
}

void Hierarchy::drain() {
  if (batch_.empty()) return;
  if (config_.inclusive) {
    for (const LineRun& run : batch_)
      for (std::uint32_t k = 0; k < run.count; ++k)
        serve_inclusive(0, run.request(k));
  } else {
    std::span<const LineRun> in(batch_);
    for (std::size_t i = 0; i < levels_.size(); ++i) {
      run_outputs_[i].clear();
      levels_[i]->process_runs(in, run_outputs_[i]);
      in = run_outputs_[i];
    }
    dram_.process_runs(in);
  }
  batch_.clear();
  batch_lines_ = 0;
}

void Hierarchy::serve_inclusive(std::size_t level, const LineRequest& request) {
  if (level == levels_.size()) {
    dram_.access(request.address, request.bytes, request.op, request.component);
    return;
  }
  CacheLevel& cache = *levels_[level];
  RequestBuffer& out = outputs_[level];
  out.clear();
  cache.process(std::span<const LineRequest>(&request, 1), out);
  // Inclusion: a line leaving this level leaves every level above it too. Dirty data found above
  // is newer than this level's copy, so it goes down as a writeback.
  for (const Eviction& e : cache.evictions()) {
    bool dirty_above = false;
    for (std::size_t up = 0; up < level; ++up)
      dirty_above |=
          levels_[up]->invalidate(e.address, cache.config().line_bytes, request.component);
    if (dirty_above && !e.dirty)
      out.push_back({e.address, static_cast<std::uint32_t>(cache.config().line_bytes),
                     AccessOp::kWrite, request.component});
  }
  cache.evictions().clear();
  for (std::size_t i = 0; i < out.size(); ++i)
    serve_inclusive(level + 1, out[i]);
}

void Hierarchy::flush() {
  drain();
  for (std::size_t i = 0; i < levels_.size(); ++i) {
    RequestBuffer dirty;
    levels_[i]->flush(dirty);
    if (config_.inclusive) {
      for (const auto& r : dirty)
        serve_inclusive(i + 1, r);
      continue;
    }
    std::span<const LineRequest> in(dirty);
    RequestBuffer next;
    for (std::size_t j = i + 1; j < levels_.size(); ++j) {
      RequestBuffer out;
      levels_[j]->process(in, out);
      next.swap(out);
      in = next;
    }
    dram_.process(in);
  }
}

void Hierarchy::invalidate_all() {
  drain();
  for (auto& l : levels_)
    l->invalidate_all();
}

HierarchyStats Hierarchy::stats() {
  close_kernel();
  HierarchyStats s;
  for (const auto& l : levels_) {
    s.level_names.push_back(l->config().name);
    s.level_counts.push_back(l->counts_by_slot());
  }
  s.scratchpad_counts = scratchpad_.counts_by_slot();
  s.dram_counts = dram_.counts_by_slot();
  s.macs = macs_;
  s.invocations = invocations_;
  s.access_count = access_count_;
  s.read_bytes = read_bytes_;
  s.write_bytes = write_bytes_;
  s.line_access_count = line_access_count_;
  s.roofline_time_s = roofline_time_s_;
  return s;
}

}  // namespace erg::simulator
