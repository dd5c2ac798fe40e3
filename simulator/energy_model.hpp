#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "core/component_registry.hpp"
#include "simulator/energy_table.hpp"
#include "simulator/hierarchy_stats.hpp"

namespace erg::simulator {

struct LevelEnergyReport {
  std::string name;
  double dynamic_energy_pj = 0.0;
  double static_energy_pj = 0.0;
};

struct DramEnergyReport {
  double read_energy_pj = 0.0;
  double write_energy_pj = 0.0;
  double activation_energy_pj = 0.0;
  double io_energy_pj = 0.0;
  double background_energy_pj = 0.0;
  double refresh_energy_pj = 0.0;

  double dynamic_energy_pj() const {
    return read_energy_pj + write_energy_pj + activation_energy_pj + io_energy_pj;
  }
  double static_energy_pj() const { return background_energy_pj + refresh_energy_pj; }
};

// One row of the component x level breakdown. Static and background energy belong to no
// component and are reported per level only.
struct ComponentEnergyReport {
  ComponentId component = kNoComponent;
  std::string name;                     // "unattributed" for events without a component
  std::vector<double> level_energy_pj;  // parallel to the cache levels
  double scratchpad_energy_pj = 0.0;
  double dram_energy_pj = 0.0;  // reads, writes, activations and I/O it caused
  double mac_energy_pj = 0.0;
  double total_energy_pj = 0.0;
};

struct EnergyReport {
  double time_s = 0.0;
  bool time_given = false;  // false: from the roofline
  std::vector<LevelEnergyReport> levels;
  LevelEnergyReport scratchpad;
  DramEnergyReport dram;
  std::array<double, kPrecisionCount> mac_energy_pj{};
  double total_mac_energy_pj = 0.0;
  double dynamic_energy_pj = 0.0;
  double static_energy_pj = 0.0;
  double total_energy_pj = 0.0;
  std::vector<ComponentEnergyReport> components;  // only components with any energy or event
};

// Cache level dynamic energy = reads x E_read + writes x E_write + fills x E_write +
// writebacks x E_read; scratchpad = words x E_word; DRAM = bits x E_bit (+ I/O) + ACTs x E_act;
// MACs x E_mac(precision); static = power x time. `time_s` overrides the roofline time.
EnergyReport compute_energy(const EnergyTable& table, const HierarchyStats& stats,
                            std::optional<double> time_s = std::nullopt,
                            const ComponentRegistry& registry = ComponentRegistry::global());

}  // namespace erg::simulator
