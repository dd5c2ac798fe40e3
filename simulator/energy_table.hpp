#pragma once

#include <array>
#include <vector>

#include "core/access_event.hpp"

namespace erg::simulator {

// Per-action energies, Accelergy-style: what one action of each kind costs.
struct CacheEnergy {
  double read_energy_pj = 0.0;   // one read access (or a dirty line read out for writeback)
  double write_energy_pj = 0.0;  // one write access (or a line filled from below)
  double static_power_w = 0.0;
};

struct ScratchpadEnergy {
  double read_energy_pj = 0.0;  // per word
  double write_energy_pj = 0.0;
  double static_power_w = 0.0;
};

// DRAMPower-style decomposition: column energy per bit, ACT+PRE per activation, background and
// refresh power over time, and optional interface (I/O) energy per bit.
struct DramEnergy {
  double read_energy_pj_per_bit = 0.0;
  double write_energy_pj_per_bit = 0.0;
  double activation_energy_pj = 0.0;
  double background_power_w = 0.0;
  double refresh_power_w = 0.0;
  double io_energy_pj_per_bit = 0.0;
};

struct EnergyTable {
  std::vector<CacheEnergy> levels;  // parallel to HierarchyConfig::levels
  ScratchpadEnergy scratchpad;
  DramEnergy dram;
  std::array<double, kPrecisionCount> mac_energy_pj{};  // indexed by Precision
};

}  // namespace erg::simulator
