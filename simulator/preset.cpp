#include "simulator/preset.hpp"

#include <fstream>
#include <sstream>

#include <toml++/toml.h>

#include "core/error.hpp"
#include "core/paths.hpp"
#include "core/toml_reader.hpp"
#include "core/units.hpp"

namespace erg::simulator {
namespace {

// Adds the preset's cited constants ({ value, source }) to the shared typed TOML reader, so that
// every error names file, line and key.
class Reader : public TomlReader {
 public:
  using TomlReader::TomlReader;

  // A sub-table, or `empty` when it is absent and not required.
  const toml::table& table(const toml::table& parent, const std::string& prefix,
                           const std::string& key, bool required, const toml::table& empty) {
    const toml::table* t = TomlReader::table(parent, prefix, key, required);
    return t != nullptr ? *t : empty;
  }

  // A cited constant: { value = <number>, source = "<citation>" }.
  const toml::node* cited(const toml::table& t, const std::string& prefix, const std::string& key,
                          bool required, const std::string& value_type) {
    const toml::node* node = t.get(key);
    const std::string full = join(prefix, key);
    if (node == nullptr) {
      if (required)
        fail(full, "is missing (expected { value = " + value_type + ", source = \"...\" })", &t);
      return nullptr;
    }
    if (!node->is_table())
      fail(full,
           "must be a table { value = " + value_type + ", source = \"...\" }, got " +
               TomlReader::type_name(*node),
           node);
    const toml::table& c = *node->as_table();
    reject_unknown(c, full, {"value", "source"});
    const toml::node* source = c.get("source");
    if (source == nullptr) fail(full + ".source", "is missing (expected a string citation)", node);
    if (!source->is_string() || source->as_string()->get().empty())
      fail(full + ".source", "must be a non-empty string, got " + TomlReader::type_name(*source),
           source);
    const toml::node* value = c.get("value");
    if (value == nullptr) fail(full + ".value", "is missing (expected " + value_type + ")", node);
    return value;
  }

  double number(const toml::table& t, const std::string& prefix, const std::string& key,
                std::optional<double> fallback) {
    const toml::node* value = cited(t, prefix, key, !fallback, "a number");
    if (value == nullptr) return *fallback;
    const std::string full = join(prefix, key) + ".value";
    double v = 0.0;
    if (value->is_integer()) {
      v = static_cast<double>(value->as_integer()->get());
    } else if (value->is_floating_point()) {
      v = value->as_floating_point()->get();
    } else {
      fail(full, "must be a number, got " + TomlReader::type_name(*value), value);
    }
    if (!(v >= 0.0)) fail(full, "must be a non-negative number", value);
    return v;
  }

  std::uint64_t count(const toml::table& t, const std::string& prefix, const std::string& key,
                      std::optional<std::uint64_t> fallback) {
    const toml::node* value = cited(t, prefix, key, !fallback, "an integer");
    if (value == nullptr) return *fallback;
    const std::string full = join(prefix, key) + ".value";
    if (!value->is_integer())
      fail(full, "must be an integer, got " + TomlReader::type_name(*value), value);
    const auto v = value->as_integer()->get();
    if (v < 0) fail(full, "must be a non-negative integer", value);
    return static_cast<std::uint64_t>(v);
  }

  // An integer, or a string with a unit such as "32KiB".
  std::uint64_t bytes(const toml::table& t, const std::string& prefix, const std::string& key,
                      std::optional<std::uint64_t> fallback) {
    const toml::node* value =
        cited(t, prefix, key, !fallback, "an integer or a size like \"32KiB\"");
    if (value == nullptr) return *fallback;
    const std::string full = join(prefix, key) + ".value";
    if (value->is_integer()) {
      const auto v = value->as_integer()->get();
      if (v < 0) fail(full, "must be a non-negative byte count", value);
      return static_cast<std::uint64_t>(v);
    }
    if (!value->is_string())
      fail(full,
           "must be an integer or a size string like \"32KiB\", got " +
               TomlReader::type_name(*value),
           value);
    try {
      return units::parse_bytes(value->as_string()->get());
    } catch (const Error& e) {
      fail(full, e.what_text(), value);
    }
  }
};

Preset build(const toml::table& root, const std::string& origin) {
  Reader r(origin);
  const toml::table empty;
  Preset p;
  r.reject_unknown(root, "",
                   {"name", "description", "inclusive", "level", "scratchpad", "dram",
                    "mac_energy_pj", "peak_macs_per_s"});
  p.name = r.string(root, "", "name", std::nullopt);
  p.description = r.string(root, "", "description", std::string{});
  p.hierarchy.inclusive = r.boolean(root, "", "inclusive", false);

  if (const toml::node* levels = root.get("level")) {
    if (!levels->is_array_of_tables())
      r.fail("level",
             "must be an array of tables ([[level]]), got " + TomlReader::type_name(*levels),
             levels);
    const toml::array& arr = *levels->as_array();
    for (std::size_t i = 0; i < arr.size(); ++i) {
      const toml::table& t = *arr[i].as_table();
      const std::string k = "level[" + std::to_string(i) + "]";
      r.reject_unknown(t, k,
                       {"name", "size_bytes", "line_bytes", "associativity", "replacement",
                        "write_policy", "allocate_policy", "seed", "classify_misses",
                        "read_energy_pj", "write_energy_pj", "static_power_w"});
      CacheConfig c;
      c.name = r.string(t, k, "name", std::nullopt);
      c.size_bytes = r.bytes(t, k, "size_bytes", std::nullopt);
      c.line_bytes = r.bytes(t, k, "line_bytes", std::nullopt);
      c.associativity = static_cast<std::uint32_t>(r.count(t, k, "associativity", std::nullopt));
      const std::string repl = r.string(t, k, "replacement", std::string("lru"));
      const auto kind = parse_replacement(repl);
      if (!kind)
        r.fail(k + ".replacement",
               "must be one of " + std::string(kReplacementNames) + ", got \"" + repl + "\"",
               t.get("replacement"));
      c.replacement = *kind;
      const std::string wp = r.string(t, k, "write_policy", std::string("write-back"));
      if (wp != "write-back" && wp != "write-through")
        r.fail(k + ".write_policy",
               "must be \"write-back\" or \"write-through\", got \"" + wp + "\"",
               t.get("write_policy"));
      c.write_back = wp == "write-back";
      const std::string ap = r.string(t, k, "allocate_policy", std::string("write-allocate"));
      if (ap != "write-allocate" && ap != "no-write-allocate")
        r.fail(k + ".allocate_policy",
               "must be \"write-allocate\" or \"no-write-allocate\", got \"" + ap + "\"",
               t.get("allocate_policy"));
      c.write_allocate = ap == "write-allocate";
      c.seed = r.count(t, k, "seed", std::uint64_t{1});
      c.classify_misses = r.boolean(t, k, "classify_misses", true);
      try {
        validate(c, k);
      } catch (const Error& e) {
        throw Error(e.what_text(), origin + ": " + e.where());
      }
      p.hierarchy.levels.push_back(c);
      CacheEnergy e;
      e.read_energy_pj = r.number(t, k, "read_energy_pj", std::nullopt);
      e.write_energy_pj = r.number(t, k, "write_energy_pj", std::nullopt);
      e.static_power_w = r.number(t, k, "static_power_w", std::nullopt);
      p.energy.levels.push_back(e);
    }
  }

  if (const toml::node* node = root.get("scratchpad")) {
    const toml::table& t = r.table(root, "", "scratchpad", true, empty);
    (void)node;
    r.reject_unknown(
        t, "scratchpad",
        {"size_bytes", "word_bytes", "read_energy_pj", "write_energy_pj", "static_power_w"});
    p.hierarchy.scratchpad.size_bytes = r.bytes(t, "scratchpad", "size_bytes", std::nullopt);
    p.hierarchy.scratchpad.word_bytes =
        static_cast<std::uint32_t>(r.bytes(t, "scratchpad", "word_bytes", std::nullopt));
    if (p.hierarchy.scratchpad.word_bytes == 0)
      r.fail("scratchpad.word_bytes.value", "must be positive", t.get("word_bytes"));
    p.energy.scratchpad.read_energy_pj = r.number(t, "scratchpad", "read_energy_pj", std::nullopt);
    p.energy.scratchpad.write_energy_pj =
        r.number(t, "scratchpad", "write_energy_pj", std::nullopt);
    p.energy.scratchpad.static_power_w = r.number(t, "scratchpad", "static_power_w", std::nullopt);
  }

  const toml::table& d = r.table(root, "", "dram", true, empty);
  r.reject_unknown(
      d, "dram",
      {"channels", "ranks", "banks", "rows", "row_bytes", "burst_bytes", "mapping",
       "read_energy_pj_per_bit", "write_energy_pj_per_bit", "activation_energy_pj",
       "background_power_w", "refresh_power_w", "io_energy_pj_per_bit", "bandwidth_bytes_per_s"});
  DramConfig& dc = p.hierarchy.dram;
  dc.channels = static_cast<std::uint32_t>(r.count(d, "dram", "channels", std::nullopt));
  dc.ranks = static_cast<std::uint32_t>(r.count(d, "dram", "ranks", std::nullopt));
  dc.banks = static_cast<std::uint32_t>(r.count(d, "dram", "banks", std::nullopt));
  dc.rows = r.count(d, "dram", "rows", std::nullopt);
  dc.row_bytes = r.bytes(d, "dram", "row_bytes", std::nullopt);
  dc.burst_bytes = static_cast<std::uint32_t>(r.bytes(d, "dram", "burst_bytes", std::nullopt));
  dc.mapping = r.string(d, "dram", "mapping", std::string("RoBaRaCoCh"));
  try {
    validate(dc, "dram");
  } catch (const Error& e) {
    throw Error(e.what_text(), origin + ": " + e.where());
  }
  DramEnergy& de = p.energy.dram;
  de.read_energy_pj_per_bit = r.number(d, "dram", "read_energy_pj_per_bit", std::nullopt);
  de.write_energy_pj_per_bit = r.number(d, "dram", "write_energy_pj_per_bit", std::nullopt);
  de.activation_energy_pj = r.number(d, "dram", "activation_energy_pj", std::nullopt);
  de.background_power_w = r.number(d, "dram", "background_power_w", std::nullopt);
  de.refresh_power_w = r.number(d, "dram", "refresh_power_w", std::nullopt);
  de.io_energy_pj_per_bit = r.number(d, "dram", "io_energy_pj_per_bit", 0.0);
  p.hierarchy.roofline.dram_bandwidth_bytes_per_s =
      r.number(d, "dram", "bandwidth_bytes_per_s", 0.0);

  static constexpr std::array<std::string_view, kPrecisionCount> kPrecisions{"fp32", "fp16", "int8",
                                                                             "int4"};
  const toml::table& mac = r.table(root, "", "mac_energy_pj", true, empty);
  r.reject_unknown(mac, "mac_energy_pj", {"fp32", "fp16", "int8", "int4"});
  for (std::size_t i = 0; i < kPrecisionCount; ++i)
    p.energy.mac_energy_pj[i] =
        r.number(mac, "mac_energy_pj", std::string(kPrecisions[i]), std::nullopt);
  const toml::table& peak = r.table(root, "", "peak_macs_per_s", false, empty);
  r.reject_unknown(peak, "peak_macs_per_s", {"fp32", "fp16", "int8", "int4"});
  for (std::size_t i = 0; i < kPrecisionCount; ++i)
    p.hierarchy.roofline.peak_macs_per_s[i] =
        r.number(peak, "peak_macs_per_s", std::string(kPrecisions[i]), 0.0);
  return p;
}

}  // namespace

Preset parse_preset(std::string_view text, const std::string& origin) {
  toml::table root;
  try {
    root = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    throw Error("invalid TOML: " + std::string(e.description()),
                origin + ":" + std::to_string(e.source().begin.line) + ":" +
                    std::to_string(e.source().begin.column));
  }
  Preset p = build(root, origin);
  p.file = origin;
  return p;
}

Preset load_preset(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error("cannot open preset file", file.string());
  std::ostringstream text;
  text << in.rdbuf();
  return parse_preset(text.str(), file.string());
}

Preset load_named_preset(std::string_view name_or_path) {
  return load_preset(resolve_named_file(name_or_path, "simulator/presets", ".toml", "preset"));
}

}  // namespace erg::simulator
