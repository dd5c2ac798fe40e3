#include "bindings/preset_dict.hpp"

#include <array>
#include <initializer_list>
#include <optional>
#include <string_view>

#include "core/error.hpp"
#include "core/units.hpp"

namespace erg::bindings {
namespace {

using simulator::Preset;

constexpr std::array<std::string_view, kPrecisionCount> kPrecisions{"fp32", "fp16", "int8", "int4"};
constexpr const char* kOrigin = "preset dict";

[[noreturn]] void fail(const std::string& key, const std::string& what) {
  throw Error(key + " " + what, kOrigin);
}

std::string join(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

void check_keys(const nlohmann::json& t, const std::string& prefix,
                std::initializer_list<std::string_view> allowed) {
  if (!t.is_object()) fail(prefix.empty() ? "the preset" : prefix, "must be a dict");
  for (const auto& [key, value] : t.items()) {
    bool known = false;
    for (auto a : allowed)
      known = known || a == key;
    if (!known) {
      std::string list;
      for (auto a : allowed)
        list += (list.empty() ? "" : ", ") + std::string(a);
      fail(join(prefix, key), "is not a known key (expected one of: " + list + ")");
    }
  }
}

const nlohmann::json* get(const nlohmann::json& t, const std::string& key) {
  const auto it = t.find(key);
  return it == t.end() || it->is_null() ? nullptr : &*it;
}

std::string text(const nlohmann::json& t, const std::string& prefix, const std::string& key,
                 std::optional<std::string> fallback) {
  const auto* v = get(t, key);
  if (!v) {
    if (!fallback) fail(join(prefix, key), "is required (a string)");
    return *fallback;
  }
  if (!v->is_string()) fail(join(prefix, key), "must be a string, got " + v->dump());
  return v->get<std::string>();
}

bool flag(const nlohmann::json& t, const std::string& prefix, const std::string& key,
          bool fallback) {
  const auto* v = get(t, key);
  if (!v) return fallback;
  if (!v->is_boolean()) fail(join(prefix, key), "must be a bool, got " + v->dump());
  return v->get<bool>();
}

double number(const nlohmann::json& t, const std::string& prefix, const std::string& key,
              std::optional<double> fallback) {
  const auto* v = get(t, key);
  if (!v) {
    if (!fallback) fail(join(prefix, key), "is required (a number)");
    return *fallback;
  }
  if (!v->is_number()) fail(join(prefix, key), "must be a number, got " + v->dump());
  const double x = v->get<double>();
  if (!(x >= 0.0)) fail(join(prefix, key), "must be non-negative, got " + v->dump());
  return x;
}

std::uint64_t count(const nlohmann::json& t, const std::string& prefix, const std::string& key,
                    std::optional<std::uint64_t> fallback) {
  const auto* v = get(t, key);
  if (!v) {
    if (!fallback) fail(join(prefix, key), "is required (a non-negative integer)");
    return *fallback;
  }
  if (!v->is_number_unsigned())
    fail(join(prefix, key), "must be a non-negative integer, got " + v->dump());
  return v->get<std::uint64_t>();
}

std::uint64_t bytes(const nlohmann::json& t, const std::string& prefix, const std::string& key,
                    std::optional<std::uint64_t> fallback) {
  const auto* v = get(t, key);
  if (v && v->is_string()) {
    try {
      return units::parse_bytes(v->get<std::string>());
    } catch (const Error& e) {
      fail(join(prefix, key), "must be a byte size: " + e.what_text());
    }
  }
  return count(t, prefix, key, fallback);
}

// Overlays `spec` on `base` key by key; "levels" merges element-wise.
nlohmann::json overlay(nlohmann::json base, const nlohmann::json& spec) {
  if (!spec.is_object() || !base.is_object()) return spec;
  for (const auto& [key, value] : spec.items()) {
    if (key == "levels" && value.is_array() && base.contains("levels") &&
        base["levels"].is_array()) {
      nlohmann::json levels = nlohmann::json::array();
      for (std::size_t i = 0; i < value.size(); ++i)
        levels.push_back(i < base["levels"].size() ? overlay(base["levels"][i], value[i])
                                                   : value[i]);
      base["levels"] = levels;
    } else if (value.is_object() && base.contains(key) && base[key].is_object()) {
      base[key] = overlay(base[key], value);
    } else {
      base[key] = value;
    }
  }
  return base;
}

}  // namespace

nlohmann::json preset_to_json(const Preset& p) {
  const auto& h = p.hierarchy;
  nlohmann::json levels = nlohmann::json::array();
  for (std::size_t i = 0; i < h.levels.size(); ++i) {
    const auto& c = h.levels[i];
    const auto& e = p.energy.levels.at(i);
    levels.push_back(
        {{"name", c.name},
         {"size_bytes", c.size_bytes},
         {"line_bytes", c.line_bytes},
         {"associativity", c.associativity},
         {"replacement", std::string(simulator::to_string(c.replacement))},
         {"write_policy", c.write_back ? "write-back" : "write-through"},
         {"allocate_policy", c.write_allocate ? "write-allocate" : "no-write-allocate"},
         {"seed", c.seed},
         {"classify_misses", c.classify_misses},
         {"read_energy_pj", e.read_energy_pj},
         {"write_energy_pj", e.write_energy_pj},
         {"static_power_w", e.static_power_w}});
  }
  nlohmann::json out{{"name", p.name},
                     {"description", p.description},
                     {"inclusive", h.inclusive},
                     {"levels", levels}};
  if (h.scratchpad.size_bytes > 0)
    out["scratchpad"] = {{"size_bytes", h.scratchpad.size_bytes},
                         {"word_bytes", h.scratchpad.word_bytes},
                         {"read_energy_pj", p.energy.scratchpad.read_energy_pj},
                         {"write_energy_pj", p.energy.scratchpad.write_energy_pj},
                         {"static_power_w", p.energy.scratchpad.static_power_w}};
  const auto& d = h.dram;
  const auto& de = p.energy.dram;
  out["dram"] = {{"channels", d.channels},
                 {"ranks", d.ranks},
                 {"banks", d.banks},
                 {"rows", d.rows},
                 {"row_bytes", d.row_bytes},
                 {"burst_bytes", d.burst_bytes},
                 {"mapping", d.mapping},
                 {"read_energy_pj_per_bit", de.read_energy_pj_per_bit},
                 {"write_energy_pj_per_bit", de.write_energy_pj_per_bit},
                 {"activation_energy_pj", de.activation_energy_pj},
                 {"background_power_w", de.background_power_w},
                 {"refresh_power_w", de.refresh_power_w},
                 {"io_energy_pj_per_bit", de.io_energy_pj_per_bit},
                 {"bandwidth_bytes_per_s", h.roofline.dram_bandwidth_bytes_per_s}};
  nlohmann::json mac = nlohmann::json::object(), peak = nlohmann::json::object();
  for (std::size_t i = 0; i < kPrecisionCount; ++i) {
    mac[std::string(kPrecisions[i])] = p.energy.mac_energy_pj[i];
    peak[std::string(kPrecisions[i])] = h.roofline.peak_macs_per_s[i];
  }
  out["mac_energy_pj"] = mac;
  out["peak_macs_per_s"] = peak;
  return out;
}

nlohmann::json energy_table_to_json(const Preset& p) {
  const auto full = preset_to_json(p);
  nlohmann::json levels = nlohmann::json::array();
  for (const auto& l : full["levels"])
    levels.push_back({{"name", l["name"]},
                      {"read_energy_pj", l["read_energy_pj"]},
                      {"write_energy_pj", l["write_energy_pj"]},
                      {"static_power_w", l["static_power_w"]}});
  const auto& s = p.energy.scratchpad;
  const auto& d = p.energy.dram;
  return {{"levels", levels},
          {"scratchpad",
           {{"read_energy_pj", s.read_energy_pj},
            {"write_energy_pj", s.write_energy_pj},
            {"static_power_w", s.static_power_w}}},
          {"dram",
           {{"read_energy_pj_per_bit", d.read_energy_pj_per_bit},
            {"write_energy_pj_per_bit", d.write_energy_pj_per_bit},
            {"activation_energy_pj", d.activation_energy_pj},
            {"background_power_w", d.background_power_w},
            {"refresh_power_w", d.refresh_power_w},
            {"io_energy_pj_per_bit", d.io_energy_pj_per_bit}}},
          {"mac_energy_pj", full["mac_energy_pj"]}};
}

Preset preset_from_json(const nlohmann::json& spec_in, const Preset* base) {
  if (!spec_in.is_object()) fail("the preset", "must be a dict");
  const nlohmann::json root = base ? overlay(preset_to_json(*base), spec_in) : spec_in;
  check_keys(root, "",
             {"name", "description", "inclusive", "levels", "scratchpad", "dram", "mac_energy_pj",
              "peak_macs_per_s"});
  Preset p;
  p.name = text(root, "", "name", base ? std::optional<std::string>() : std::string("custom"));
  p.description = text(root, "", "description", std::string{});
  p.hierarchy.inclusive = flag(root, "", "inclusive", false);
  if (const auto* levels = get(root, "levels")) {
    if (!levels->is_array()) fail("levels", "must be a list of dicts, got " + levels->dump());
    for (std::size_t i = 0; i < levels->size(); ++i) {
      const auto& t = (*levels)[i];
      const std::string k = "levels[" + std::to_string(i) + "]";
      check_keys(t, k,
                 {"name", "size_bytes", "line_bytes", "associativity", "replacement",
                  "write_policy", "allocate_policy", "seed", "classify_misses", "read_energy_pj",
                  "write_energy_pj", "static_power_w"});
      simulator::CacheConfig c;
      c.name = text(t, k, "name", std::nullopt);
      c.size_bytes = bytes(t, k, "size_bytes", std::nullopt);
      c.line_bytes = bytes(t, k, "line_bytes", std::nullopt);
      c.associativity = static_cast<std::uint32_t>(count(t, k, "associativity", std::nullopt));
      const std::string repl = text(t, k, "replacement", std::string("lru"));
      const auto kind = simulator::parse_replacement(repl);
      if (!kind)
        fail(k + ".replacement", "must be one of " + std::string(simulator::kReplacementNames) +
                                     ", got \"" + repl + "\"");
      c.replacement = *kind;
      const std::string wp = text(t, k, "write_policy", std::string("write-back"));
      if (wp != "write-back" && wp != "write-through")
        fail(k + ".write_policy",
             "must be \"write-back\" or \"write-through\", got \"" + wp + "\"");
      c.write_back = wp == "write-back";
      const std::string ap = text(t, k, "allocate_policy", std::string("write-allocate"));
      if (ap != "write-allocate" && ap != "no-write-allocate")
        fail(k + ".allocate_policy",
             "must be \"write-allocate\" or \"no-write-allocate\", got \"" + ap + "\"");
      c.write_allocate = ap == "write-allocate";
      c.seed = count(t, k, "seed", std::uint64_t{1});
      c.classify_misses = flag(t, k, "classify_misses", true);
      try {
        simulator::validate(c, k);
      } catch (const Error& e) {
        throw Error(e.what_text(), std::string(kOrigin) + ": " + e.where());
      }
      p.hierarchy.levels.push_back(c);
      simulator::CacheEnergy e;
      e.read_energy_pj = number(t, k, "read_energy_pj", std::nullopt);
      e.write_energy_pj = number(t, k, "write_energy_pj", std::nullopt);
      e.static_power_w = number(t, k, "static_power_w", std::nullopt);
      p.energy.levels.push_back(e);
    }
  }
  if (const auto* s = get(root, "scratchpad")) {
    check_keys(*s, "scratchpad",
               {"size_bytes", "word_bytes", "read_energy_pj", "write_energy_pj", "static_power_w"});
    p.hierarchy.scratchpad.size_bytes = bytes(*s, "scratchpad", "size_bytes", std::nullopt);
    p.hierarchy.scratchpad.word_bytes =
        static_cast<std::uint32_t>(bytes(*s, "scratchpad", "word_bytes", std::uint64_t{8}));
    if (p.hierarchy.scratchpad.word_bytes == 0) fail("scratchpad.word_bytes", "must be positive");
    p.energy.scratchpad.read_energy_pj = number(*s, "scratchpad", "read_energy_pj", std::nullopt);
    p.energy.scratchpad.write_energy_pj = number(*s, "scratchpad", "write_energy_pj", std::nullopt);
    p.energy.scratchpad.static_power_w = number(*s, "scratchpad", "static_power_w", std::nullopt);
  }
  const auto* dram = get(root, "dram");
  if (!dram) fail("dram", "is required (a dict)");
  const auto& d = *dram;
  check_keys(
      d, "dram",
      {"channels", "ranks", "banks", "rows", "row_bytes", "burst_bytes", "mapping",
       "read_energy_pj_per_bit", "write_energy_pj_per_bit", "activation_energy_pj",
       "background_power_w", "refresh_power_w", "io_energy_pj_per_bit", "bandwidth_bytes_per_s"});
  auto& dc = p.hierarchy.dram;
  dc.channels = static_cast<std::uint32_t>(count(d, "dram", "channels", std::nullopt));
  dc.ranks = static_cast<std::uint32_t>(count(d, "dram", "ranks", std::nullopt));
  dc.banks = static_cast<std::uint32_t>(count(d, "dram", "banks", std::nullopt));
  dc.rows = count(d, "dram", "rows", std::nullopt);
  dc.row_bytes = bytes(d, "dram", "row_bytes", std::nullopt);
  dc.burst_bytes = static_cast<std::uint32_t>(bytes(d, "dram", "burst_bytes", std::nullopt));
  dc.mapping = text(d, "dram", "mapping", std::string("RoBaRaCoCh"));
  try {
    simulator::validate(dc, "dram");
  } catch (const Error& e) {
    throw Error(e.what_text(), std::string(kOrigin) + ": " + e.where());
  }
  auto& de = p.energy.dram;
  de.read_energy_pj_per_bit = number(d, "dram", "read_energy_pj_per_bit", std::nullopt);
  de.write_energy_pj_per_bit = number(d, "dram", "write_energy_pj_per_bit", std::nullopt);
  de.activation_energy_pj = number(d, "dram", "activation_energy_pj", std::nullopt);
  de.background_power_w = number(d, "dram", "background_power_w", std::nullopt);
  de.refresh_power_w = number(d, "dram", "refresh_power_w", std::nullopt);
  de.io_energy_pj_per_bit = number(d, "dram", "io_energy_pj_per_bit", 0.0);
  p.hierarchy.roofline.dram_bandwidth_bytes_per_s = number(d, "dram", "bandwidth_bytes_per_s", 0.0);
  const auto* mac = get(root, "mac_energy_pj");
  if (!mac) fail("mac_energy_pj", "is required (a dict of fp32, fp16, int8, int4)");
  check_keys(*mac, "mac_energy_pj", {"fp32", "fp16", "int8", "int4"});
  const nlohmann::json no_peak = nlohmann::json::object();
  const auto* peak = get(root, "peak_macs_per_s");
  if (peak) check_keys(*peak, "peak_macs_per_s", {"fp32", "fp16", "int8", "int4"});
  for (std::size_t i = 0; i < kPrecisionCount; ++i) {
    const std::string name(kPrecisions[i]);
    p.energy.mac_energy_pj[i] = number(*mac, "mac_energy_pj", name, std::nullopt);
    p.hierarchy.roofline.peak_macs_per_s[i] =
        number(peak ? *peak : no_peak, "peak_macs_per_s", name, 0.0);
  }
  p.file = base ? base->file : std::filesystem::path();
  return p;
}

}  // namespace erg::bindings
