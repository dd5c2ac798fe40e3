#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/access_sink.hpp"
#include "simulator/cache_level.hpp"
#include "simulator/dram_model.hpp"
#include "simulator/hierarchy_config.hpp"
#include "simulator/hierarchy_stats.hpp"
#include "simulator/scratchpad.hpp"

namespace erg::simulator {

// The trace-driven memory hierarchy: a scratchpad for pinned ranges, any number of cache levels
// and DRAM. It is an AccessSink, so an engine can stream into it directly.
//
// An access of N bytes becomes one request per line it overlaps (no per-byte work), the whole
// lines among them one run (line_run.hpp). Requests are batched: the first level serves a batch,
// its output (fills, writebacks, forwarded writes, as runs) is the next level's batch, and so on
// down to DRAM. In a non-inclusive hierarchy each level sees exactly
// the ordered stream it would see line by line, so batching changes no count. An inclusive
// hierarchy serves requests one by one, because an eviction below must invalidate the levels
// above before they serve the next request.
class Hierarchy final : public AccessSink {
 public:
  static constexpr std::size_t kBatchLines = 1024;

  explicit Hierarchy(const HierarchyConfig& config);

  void on_tensor(const TensorInfo& tensor) override;
  void on_invocation(ComponentId component) override;
  void on_access(const AccessEvent& event) override {
    access(event.address, event.bytes, event.op, event.component);
  }
  void on_compute(const ComputeEvent& event) override;

  // [address, address + bytes) must not run past 2^64 (the trace reader rejects such records).
  [[gnu::always_inline]] void access(std::uint64_t address, std::uint64_t bytes, AccessOp op,
                                     ComponentId component = kNoComponent) {
    // The common access of a trace, inline: one line of the first level, no scratchpad.
    if (bytes - 1 < first_line_bytes_ &&
        ((address ^ (address + (bytes - 1))) >> first_line_shift_) == 0 && single_line_fast_ &&
        component_slot(component) < slots_) {
      ++access_count_;
      (op == AccessOp::kRead ? read_bytes_ : write_bytes_) += bytes;
      ++line_access_count_;
      batch_.push(address, static_cast<std::uint32_t>(bytes), 1, op, component);
      if (++batch_lines_ >= kBatchLines) drain();
      return;
    }
    access_any(address, bytes, op, component);
  }
  // Serves [address, address + bytes) from the scratchpad from now on.
  void pin(std::uint64_t address, std::uint64_t bytes, const std::string& what = "pinned range");
  // Writes every dirty line back to the next level, down to DRAM (DineroIV's copy-back record).
  void flush();
  // Drops every cached line without writing back (DineroIV's invalidate record).
  void invalidate_all();
  // Pushes pending requests through every level. Called before any count is read.
  void drain();

  HierarchyStats stats();
  std::size_t level_count() const { return levels_.size(); }
  const CacheLevel& level(std::size_t i) const { return *levels_.at(i); }
  const DramModel& dram() const { return dram_; }
  const Scratchpad& scratchpad() const { return scratchpad_; }
  const HierarchyConfig& config() const { return config_; }

 private:
  void ensure_slot(ComponentId component) {
    if (component_slot(component) >= slots_) grow_slots(component_slot(component) + 1);
  }
  void grow_slots(std::size_t slots);
  void access_any(std::uint64_t address, std::uint64_t bytes, AccessOp op, ComponentId component);
  void cache_access(std::uint64_t address, std::uint64_t bytes, AccessOp op, ComponentId component);
  void serve_inclusive(std::size_t level, const LineRequest& request);
  void close_kernel();

  HierarchyConfig config_;
  std::vector<std::unique_ptr<CacheLevel>> levels_;
  std::vector<RequestBuffer> outputs_;  // one per level (inclusive hierarchies)
  std::vector<RunBuffer> run_outputs_;  // one per level
  RunBuffer batch_;
  std::size_t batch_lines_ = 0;  // requests in batch_
  Scratchpad scratchpad_;
  DramModel dram_;
  std::uint64_t first_line_bytes_ = 0;
  int first_line_shift_ = 0;
  bool single_line_fast_ = false;  // cache levels and nothing pinned: access() may batch inline
  std::size_t slots_ = 1;

  std::vector<std::array<std::uint64_t, kPrecisionCount>> macs_;
  std::vector<std::uint64_t> invocations_;
  std::uint64_t access_count_ = 0;
  std::uint64_t read_bytes_ = 0;
  std::uint64_t write_bytes_ = 0;
  std::uint64_t line_access_count_ = 0;

  // The roofline kernel now open: MACs and DRAM bytes since the last invocation boundary.
  std::array<std::uint64_t, kPrecisionCount> kernel_macs_{};
  std::uint64_t kernel_dram_start_bytes_ = 0;
  double roofline_time_s_ = 0.0;
};

}  // namespace erg::simulator
