#include "simulator/stats_json.hpp"

#include <cstdio>
#include <sstream>

#include "core/units.hpp"

namespace erg::simulator {
namespace {

constexpr const char* kPrecisionNames[kPrecisionCount] = {"fp32", "fp16", "int8", "int4"};

nlohmann::json level_json(const LevelCounts& c) {
  return {
      {"read_count", c.read_count},
      {"write_count", c.write_count},
      {"hit_count", c.hit_count()},
      {"miss_count", c.miss_count()},
      {"read_hit_count", c.read_hit_count},
      {"write_hit_count", c.write_hit_count},
      {"read_miss_count", c.read_miss_count},
      {"write_miss_count", c.write_miss_count},
      {"compulsory_miss_count", c.compulsory_miss_count},
      {"capacity_miss_count", c.capacity_miss_count},
      {"conflict_miss_count", c.conflict_miss_count},
      {"fill_count", c.fill_count},
      {"writeback_count", c.writeback_count},
      {"write_through_count", c.write_through_count},
      {"back_invalidation_count", c.back_invalidation_count},
      {"bytes_in_bytes", c.bytes_in},
      {"bytes_out_bytes", c.bytes_out},
      {"miss_ratio", c.access_count() == 0 ? 0.0
                                           : static_cast<double>(c.miss_count()) /
                                                 static_cast<double>(c.access_count())},
  };
}

}  // namespace

nlohmann::json stats_to_json(const HierarchyStats& stats, const EnergyReport& energy) {
  nlohmann::json out;
  out["time_s"] = energy.time_s;
  out["time_source"] = energy.time_given ? "given" : "roofline";
  out["access_count"] = stats.access_count;
  out["read_bytes"] = stats.read_bytes;
  out["write_bytes"] = stats.write_bytes;
  out["line_access_count"] = stats.line_access_count;
  out["untracked_access_count"] = stats.untracked_access_count;

  nlohmann::json levels = nlohmann::json::array();
  for (std::size_t i = 0; i < energy.levels.size(); ++i) {
    nlohmann::json l = level_json(stats.level_total(i));
    l["name"] = energy.levels[i].name;
    l["dynamic_energy_pj"] = energy.levels[i].dynamic_energy_pj;
    l["static_energy_pj"] = energy.levels[i].static_energy_pj;
    levels.push_back(std::move(l));
  }
  out["levels"] = std::move(levels);

  const ScratchpadCounts sp = stats.scratchpad_total();
  out["scratchpad"] = {{"read_word_count", sp.read_word_count},
                       {"write_word_count", sp.write_word_count},
                       {"read_bytes", sp.read_bytes},
                       {"write_bytes", sp.write_bytes},
                       {"dynamic_energy_pj", energy.scratchpad.dynamic_energy_pj},
                       {"static_energy_pj", energy.scratchpad.static_energy_pj}};

  const DramCounts d = stats.dram_total();
  out["dram"] = {{"row_hit_count", d.row_hit_count},
                 {"row_miss_count", d.row_miss_count},
                 {"row_conflict_count", d.row_conflict_count},
                 {"activation_count", d.activation_count},
                 {"precharge_count", d.precharge_count},
                 {"read_burst_count", d.read_burst_count},
                 {"write_burst_count", d.write_burst_count},
                 {"read_bytes", d.read_bytes},
                 {"write_bytes", d.write_bytes},
                 {"read_energy_pj", energy.dram.read_energy_pj},
                 {"write_energy_pj", energy.dram.write_energy_pj},
                 {"activation_energy_pj", energy.dram.activation_energy_pj},
                 {"io_energy_pj", energy.dram.io_energy_pj},
                 {"background_energy_pj", energy.dram.background_energy_pj},
                 {"refresh_energy_pj", energy.dram.refresh_energy_pj}};

  nlohmann::json macs;
  const auto mac_counts = stats.macs_total();
  for (std::size_t p = 0; p < kPrecisionCount; ++p) {
    macs[std::string(kPrecisionNames[p]) + "_mac_count"] = mac_counts[p];
    macs[std::string(kPrecisionNames[p]) + "_energy_pj"] = energy.mac_energy_pj[p];
  }
  out["macs"] = std::move(macs);

  out["energy"] = {
      {"total_energy_pj", energy.total_energy_pj},
      {"total_energy_uj", units::pj_to_uj(energy.total_energy_pj)},
      {"dynamic_energy_pj", energy.dynamic_energy_pj},
      {"static_energy_pj", energy.static_energy_pj},
      {"mac_energy_pj", energy.total_mac_energy_pj},
      {"average_power_w",
       energy.time_s > 0.0 ? units::pj_to_j(energy.total_energy_pj) / energy.time_s : 0.0}};

  nlohmann::json components = nlohmann::json::array();
  for (const auto& c : energy.components) {
    nlohmann::json by_level;
    for (std::size_t i = 0; i < c.level_energy_pj.size(); ++i)
      by_level[energy.levels[i].name + "_energy_pj"] = c.level_energy_pj[i];
    by_level["scratchpad_energy_pj"] = c.scratchpad_energy_pj;
    by_level["dram_energy_pj"] = c.dram_energy_pj;
    const std::uint32_t slot = component_slot(c.component);
    std::uint64_t mac_count = 0;
    if (slot < stats.macs.size())
      for (const auto m : stats.macs[slot])
        mac_count += m;
    components.push_back(
        {{"name", c.name},
         {"invocation_count", slot < stats.invocations.size() ? stats.invocations[slot] : 0},
         {"mac_count", mac_count},
         {"energy_by_level", std::move(by_level)},
         {"mac_energy_pj", c.mac_energy_pj},
         {"total_energy_pj", c.total_energy_pj}});
  }
  out["components"] = std::move(components);
  return out;
}

std::string stats_to_text(const HierarchyStats& stats, const EnergyReport& energy) {
  std::ostringstream os;
  char buf[256];
  os << "accesses " << stats.access_count << " (" << units::format_bytes(stats.read_bytes)
     << " read, " << units::format_bytes(stats.write_bytes) << " written), line accesses "
     << stats.line_access_count << "\n";
  os << "time " << units::format_time(energy.time_s) << " ("
     << (energy.time_given ? "given" : "roofline") << ")\n\n";
  std::snprintf(buf, sizeof(buf), "%-10s %12s %12s %8s %10s %10s %10s %11s %12s %12s\n", "level",
                "accesses", "misses", "miss%", "compuls.", "capacity", "conflict", "writebacks",
                "dynamic", "static");
  os << buf;
  for (std::size_t i = 0; i < energy.levels.size(); ++i) {
    const LevelCounts c = stats.level_total(i);
    const double ratio = c.access_count() == 0 ? 0.0
                                               : 100.0 * static_cast<double>(c.miss_count()) /
                                                     static_cast<double>(c.access_count());
    std::snprintf(buf, sizeof(buf),
                  "%-10s %12llu %12llu %7.2f%% %10llu %10llu %10llu %11llu %12s %12s\n",
                  energy.levels[i].name.c_str(), static_cast<unsigned long long>(c.access_count()),
                  static_cast<unsigned long long>(c.miss_count()), ratio,
                  static_cast<unsigned long long>(c.compulsory_miss_count),
                  static_cast<unsigned long long>(c.capacity_miss_count),
                  static_cast<unsigned long long>(c.conflict_miss_count),
                  static_cast<unsigned long long>(c.writeback_count),
                  units::format_energy(units::pj_to_j(energy.levels[i].dynamic_energy_pj)).c_str(),
                  units::format_energy(units::pj_to_j(energy.levels[i].static_energy_pj)).c_str());
    os << buf;
  }
  const ScratchpadCounts sp = stats.scratchpad_total();
  if (sp.read_word_count + sp.write_word_count > 0)
    os << "scratchpad: " << sp.read_word_count << " word reads, " << sp.write_word_count
       << " word writes, "
       << units::format_energy(units::pj_to_j(energy.scratchpad.dynamic_energy_pj)) << "\n";
  const DramCounts d = stats.dram_total();
  os << "\ndram: " << d.read_burst_count << " read bursts, " << d.write_burst_count
     << " write bursts; rows: " << d.row_hit_count << " hits, " << d.row_miss_count << " misses, "
     << d.row_conflict_count << " conflicts (" << d.activation_count << " ACT)\n";
  os << "      rd " << units::format_energy(units::pj_to_j(energy.dram.read_energy_pj)) << ", wr "
     << units::format_energy(units::pj_to_j(energy.dram.write_energy_pj)) << ", act "
     << units::format_energy(units::pj_to_j(energy.dram.activation_energy_pj)) << ", io "
     << units::format_energy(units::pj_to_j(energy.dram.io_energy_pj)) << ", background "
     << units::format_energy(units::pj_to_j(energy.dram.background_energy_pj)) << ", refresh "
     << units::format_energy(units::pj_to_j(energy.dram.refresh_energy_pj)) << "\n";
  os << "macs: " << units::format_energy(units::pj_to_j(energy.total_mac_energy_pj)) << "\n\n";
  os << "total " << units::format_energy(units::pj_to_j(energy.total_energy_pj)) << " (dynamic "
     << units::format_energy(units::pj_to_j(energy.dynamic_energy_pj)) << ", static "
     << units::format_energy(units::pj_to_j(energy.static_energy_pj)) << ")\n";
  if (energy.components.size() > 1 ||
      (energy.components.size() == 1 && energy.components[0].component != kNoComponent)) {
    os << "\nby component:\n";
    for (const auto& c : energy.components)
      os << "  " << c.name << ": " << units::format_energy(units::pj_to_j(c.total_energy_pj))
         << " (dram " << units::format_energy(units::pj_to_j(c.dram_energy_pj)) << ", macs "
         << units::format_energy(units::pj_to_j(c.mac_energy_pj)) << ")\n";
  }
  return os.str();
}

}  // namespace erg::simulator
