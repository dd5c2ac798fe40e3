#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/access_event.hpp"
#include "simulator/dram_model.hpp"
#include "simulator/level_counts.hpp"
#include "simulator/scratchpad.hpp"

namespace erg::simulator {

// Everything a run counted, per component slot (see component_slot()); the trace-driven
// Hierarchy and the analytic model both produce it, and energy_model.hpp prices it.
struct HierarchyStats {
  std::vector<std::string> level_names;
  std::vector<std::vector<LevelCounts>> level_counts;            // [level][slot]
  std::vector<ScratchpadCounts> scratchpad_counts;               // [slot]
  std::vector<DramCounts> dram_counts;                           // [slot]
  std::vector<std::array<std::uint64_t, kPrecisionCount>> macs;  // [slot][precision]
  std::vector<std::uint64_t> invocations;                        // [slot]
  std::uint64_t access_count = 0;  // processor-side accesses (events or trace records)
  std::uint64_t read_bytes = 0;
  std::uint64_t write_bytes = 0;
  std::uint64_t line_access_count = 0;       // line requests into the first cache level
  std::uint64_t untracked_access_count = 0;  // analytic mode: uses of undeclared tensors, skipped
  double roofline_time_s = 0.0;

  std::size_t slot_count() const;
  LevelCounts level_total(std::size_t level) const;
  ScratchpadCounts scratchpad_total() const;
  DramCounts dram_total() const;
  std::array<std::uint64_t, kPrecisionCount> macs_total() const;
};

}  // namespace erg::simulator
