#include "simulator/energy_model.hpp"

#include "core/error.hpp"
#include "simulator/line_request.hpp"

namespace erg::simulator {
namespace {

double cache_energy_pj(const CacheEnergy& e, const LevelCounts& c) {
  return static_cast<double>(c.read_count + c.writeback_count) * e.read_energy_pj +
         static_cast<double>(c.write_count + c.fill_count) * e.write_energy_pj;
}

double scratchpad_energy_pj(const ScratchpadEnergy& e, const ScratchpadCounts& c) {
  return static_cast<double>(c.read_word_count) * e.read_energy_pj +
         static_cast<double>(c.write_word_count) * e.write_energy_pj;
}

DramEnergyReport dram_dynamic(const DramEnergy& e, const DramCounts& c) {
  DramEnergyReport r;
  const double read_bits = 8.0 * static_cast<double>(c.read_bytes);
  const double write_bits = 8.0 * static_cast<double>(c.write_bytes);
  r.read_energy_pj = read_bits * e.read_energy_pj_per_bit;
  r.write_energy_pj = write_bits * e.write_energy_pj_per_bit;
  r.activation_energy_pj = static_cast<double>(c.activation_count) * e.activation_energy_pj;
  r.io_energy_pj = (read_bits + write_bits) * e.io_energy_pj_per_bit;
  return r;
}

}  // namespace

EnergyReport compute_energy(const EnergyTable& table, const HierarchyStats& stats,
                            std::optional<double> time_s, const ComponentRegistry& registry) {
  if (table.levels.size() != stats.level_counts.size())
    throw Error("energy table has " + std::to_string(table.levels.size()) +
                    " cache levels but the hierarchy has " +
                    std::to_string(stats.level_counts.size()),
                "energy table");
  EnergyReport r;
  r.time_given = time_s.has_value();
  r.time_s = time_s.value_or(stats.roofline_time_s);
  const double pj_per_w_s = 1e12;

  for (std::size_t i = 0; i < table.levels.size(); ++i) {
    LevelEnergyReport l;
    l.name = stats.level_names[i];
    l.dynamic_energy_pj = cache_energy_pj(table.levels[i], stats.level_total(i));
    l.static_energy_pj = table.levels[i].static_power_w * r.time_s * pj_per_w_s;
    r.levels.push_back(l);
  }
  r.scratchpad.name = "scratchpad";
  r.scratchpad.dynamic_energy_pj = scratchpad_energy_pj(table.scratchpad, stats.scratchpad_total());
  r.scratchpad.static_energy_pj = table.scratchpad.static_power_w * r.time_s * pj_per_w_s;
  r.dram = dram_dynamic(table.dram, stats.dram_total());
  r.dram.background_energy_pj = table.dram.background_power_w * r.time_s * pj_per_w_s;
  r.dram.refresh_energy_pj = table.dram.refresh_power_w * r.time_s * pj_per_w_s;

  const auto macs = stats.macs_total();
  for (std::size_t p = 0; p < macs.size(); ++p) {
    r.mac_energy_pj[p] = static_cast<double>(macs[p]) * table.mac_energy_pj[p];
    r.total_mac_energy_pj += r.mac_energy_pj[p];
  }

  r.dynamic_energy_pj =
      r.scratchpad.dynamic_energy_pj + r.dram.dynamic_energy_pj() + r.total_mac_energy_pj;
  r.static_energy_pj = r.scratchpad.static_energy_pj + r.dram.static_energy_pj();
  for (const auto& l : r.levels) {
    r.dynamic_energy_pj += l.dynamic_energy_pj;
    r.static_energy_pj += l.static_energy_pj;
  }
  r.total_energy_pj = r.dynamic_energy_pj + r.static_energy_pj;

  const std::size_t slots = stats.slot_count();
  for (std::size_t slot = 0; slot < slots; ++slot) {
    ComponentEnergyReport c;
    c.component = slot_component(static_cast<std::uint32_t>(slot));
    c.name = slot == 0 ? "unattributed" : registry.name(c.component);
    bool any_event = false;
    for (std::size_t i = 0; i < table.levels.size(); ++i) {
      const auto& counts = stats.level_counts[i];
      const LevelCounts lc = slot < counts.size() ? counts[slot] : LevelCounts{};
      any_event |= lc.access_count() + lc.fill_count + lc.writeback_count > 0;
      c.level_energy_pj.push_back(cache_energy_pj(table.levels[i], lc));
      c.total_energy_pj += c.level_energy_pj.back();
    }
    if (slot < stats.scratchpad_counts.size()) {
      const auto& sc = stats.scratchpad_counts[slot];
      any_event |= sc.read_word_count + sc.write_word_count > 0;
      c.scratchpad_energy_pj = scratchpad_energy_pj(table.scratchpad, sc);
    }
    if (slot < stats.dram_counts.size()) {
      const auto& dc = stats.dram_counts[slot];
      any_event |= dc.read_burst_count + dc.write_burst_count > 0;
      c.dram_energy_pj = dram_dynamic(table.dram, dc).dynamic_energy_pj();
    }
    if (slot < stats.macs.size()) {
      for (std::size_t p = 0; p < kPrecisionCount; ++p) {
        any_event |= stats.macs[slot][p] > 0;
        c.mac_energy_pj += static_cast<double>(stats.macs[slot][p]) * table.mac_energy_pj[p];
      }
    }
    if (slot < stats.invocations.size()) any_event |= stats.invocations[slot] > 0;
    c.total_energy_pj += c.scratchpad_energy_pj + c.dram_energy_pj + c.mac_energy_pj;
    if (any_event) r.components.push_back(std::move(c));
  }
  return r;
}

}  // namespace erg::simulator
