#pragma once

#include "simulator/preset.hpp"

namespace erg::sweep::testing {

// desktop-ddr4 with a 4 KiB 4-way L1, 32 KiB L2 and 256 KiB L3: small buffers keep simulated
// passes cheap and let each measured window hold many passes. A fake meter does not care what
// the host's caches are.
inline simulator::Preset small_calibration_preset() {
  simulator::Preset p = simulator::load_named_preset("desktop-ddr4");
  p.hierarchy.levels[0].size_bytes = 4096;
  p.hierarchy.levels[0].associativity = 4;
  p.hierarchy.levels[1].size_bytes = 32768;
  p.hierarchy.levels[2].size_bytes = 262144;
  return p;
}

}  // namespace erg::sweep::testing
