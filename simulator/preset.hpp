#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "simulator/energy_table.hpp"
#include "simulator/hierarchy_config.hpp"

namespace erg::simulator {

// A technology preset: the hierarchy's organisation plus its energy table (see
// simulator/presets/*.toml and simulator/README.md for the schema). Every number in the file is
// written as { value = ..., source = "..." } so that each constant cites where it came from.
struct Preset {
  std::string name;
  std::string description;
  std::filesystem::path file;
  HierarchyConfig hierarchy;
  EnergyTable energy;
};

// Parses a preset file. A missing or mistyped key throws erg::Error whose what() names the key
// and the expected type, and whose where() is "<file>:<line>:<column>".
Preset load_preset(const std::filesystem::path& file);
// Parses preset text; `origin` stands in for the file name in errors.
Preset parse_preset(std::string_view text, const std::string& origin);
// Resolves a name ("mobile-7nm-lpddr4x") under <data_root>/simulator/presets or takes a path.
Preset load_named_preset(std::string_view name_or_path);

}  // namespace erg::simulator
