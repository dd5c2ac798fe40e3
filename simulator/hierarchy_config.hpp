#pragma once

#include <array>
#include <vector>

#include "core/access_event.hpp"
#include "simulator/cache_config.hpp"
#include "simulator/dram_config.hpp"
#include "simulator/scratchpad.hpp"

namespace erg::simulator {

// Peak rates for the per-kernel roofline: a kernel takes the longer of its MACs over the peak
// MAC rate of their precision and its DRAM bytes over the DRAM bandwidth. A zero rate is ignored.
struct RooflineConfig {
  std::array<double, kPrecisionCount> peak_macs_per_s{};  // indexed by Precision
  double dram_bandwidth_bytes_per_s = 0.0;
};

struct HierarchyConfig {
  std::vector<CacheConfig> levels;  // nearest the processor first
  bool inclusive = false;           // inclusive with back-invalidation; default non-inclusive
  ScratchpadConfig scratchpad;
  DramConfig dram;
  RooflineConfig roofline;
};

}  // namespace erg::simulator
