#pragma once

#include <nlohmann/json.hpp>

#include "simulator/preset.hpp"

namespace erg::bindings {

// A preset as a plain dict, with the TOML schema's keys (simulator/README.md) and bare values:
// {"name", "description", "inclusive", "levels": [{"name", "size_bytes", "line_bytes",
// "associativity", "replacement", "write_policy", "allocate_policy", "seed", "classify_misses",
// "read_energy_pj", "write_energy_pj", "static_power_w"}], "scratchpad": {...}, "dram": {...},
// "mac_energy_pj": {...}, "peak_macs_per_s": {...}}.
nlohmann::json preset_to_json(const simulator::Preset& preset);

// The energy table alone: {"levels": [...], "scratchpad": {...}, "dram": {...},
// "mac_energy_pj": {...}}.
nlohmann::json energy_table_to_json(const simulator::Preset& preset);

// Builds a preset from a dict of the preset_to_json() schema. Keys missing from `spec` are taken
// from `base` (level i from base level i); without a base every key the TOML schema requires
// must be given. Sizes may be integers or strings such as "32KiB". Unknown keys, wrong types and
// invalid organisations throw erg::Error naming the key ("levels[1].line_bytes").
simulator::Preset preset_from_json(const nlohmann::json& spec, const simulator::Preset* base);

}  // namespace erg::bindings
