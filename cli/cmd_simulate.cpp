#include <charconv>
#include <cstdint>
#include <iostream>
#include <optional>

#include "cli/arg_parser.hpp"
#include "cli/command.hpp"
#include "cli/json_output.hpp"
#include "core/error.hpp"
#include "core/units.hpp"
#include "simulator/energy_model.hpp"
#include "simulator/hierarchy.hpp"
#include "simulator/preset.hpp"
#include "simulator/stats_json.hpp"
#include "simulator/trace_reader.hpp"
#include "simulator/trace_replay.hpp"

namespace erg::cli {
namespace {

// Simulated time is at most a year: static power x 1e300 s printed "inf kJ".
constexpr double kMaxTimeS = 365.0 * 24 * 3600;
constexpr long kMaxDinSize = 1L << 20;  // a din record's default size, in bytes

// "ADDR:SIZE[,ADDR:SIZE...]", ADDR in hex (0x optional), SIZE a byte size such as 64KiB.
std::vector<std::pair<std::uint64_t, std::uint64_t>> parse_pins(const std::string& text) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> pins;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, comma - start);
    const std::size_t colon = item.find(':');
    const auto fail = [&]() {
      return UsageError("invalid --pin range '" + item +
                        "' (expected HEXADDR:SIZE, e.g. 0x10000000:64KiB)");
    };
    if (colon == std::string::npos) throw fail();
    std::string_view addr(item.data(), colon);
    if (addr.starts_with("0x") || addr.starts_with("0X")) addr.remove_prefix(2);
    std::uint64_t address = 0;
    const auto [ptr, ec] = std::from_chars(addr.data(), addr.data() + addr.size(), address, 16);
    if (ec != std::errc() || ptr != addr.data() + addr.size() || addr.empty()) throw fail();
    std::uint64_t bytes = 0;
    try {
      bytes = units::parse_bytes(item.substr(colon + 1));
    } catch (const Error&) {
      throw fail();
    }
    if (bytes == 0 || bytes > UINT64_MAX - address)
      throw UsageError("--pin range '" + item +
                       "' is empty or runs past the end of the address space");
    pins.emplace_back(address, bytes);
    start = comma + 1;
  }
  return pins;
}

int run_simulate(std::span<const std::string> args) {
  ArgParser parser(
      "erg simulate --preset P --trace F [--json] [--time-s T] [--din-size N] [--no-3c] "
      "[--pin ADDR:SIZE,...]",
      "Replays a memory trace (DineroIV din text or erg binary) through a preset's scratchpad, "
      "caches and DRAM, and prints per-level counts and the energy breakdown. Time comes from "
      "the preset's roofline (DRAM bytes over bandwidth for a bare trace) unless --time-s is "
      "given.");
  parser.option("preset", "P", "preset name (simulator/presets/<P>.toml) or path to a .toml")
      .option("trace", "F", "trace file: din text ('label hexaddr [hexsize]') or erg binary")
      .flag("json", "print JSON instead of text")
      .option("time-s", "T",
              "simulated time in seconds (above 0, at most a year), for static and background "
              "energy")
      .option("din-size", "N", "bytes of a din record that gives no size, 1 to 1048576 (default 4)")
      .flag("no-3c", "skip the compulsory/capacity/conflict split (faster)")
      .flag("inclusive", "make the cache hierarchy inclusive (back-invalidation)")
      .option("pin", "ADDR:SIZE,...", "address ranges served by the scratchpad");
  const auto parsed = parser.parse(args);
  if (parsed.help) {
    std::cout << parser.help();
    return 0;
  }
  const auto preset_name = parsed.get("preset");
  const auto trace_path = parsed.get("trace");
  if (!preset_name)
    throw UsageError("missing --preset", "usage: erg simulate --preset P --trace F");
  if (!trace_path) throw UsageError("missing --trace", "usage: erg simulate --preset P --trace F");
  std::optional<double> time_s;
  if (parsed.has("time-s")) time_s = parsed.get_double_above("time-s", 0.0, 0.0, kMaxTimeS);
  const long din_size = parsed.get_int("din-size", 4, 1, kMaxDinSize);

  simulator::Preset preset = simulator::load_named_preset(*preset_name);
  if (parsed.has("no-3c"))
    for (auto& level : preset.hierarchy.levels)
      level.classify_misses = false;
  if (parsed.has("inclusive")) preset.hierarchy.inclusive = true;

  simulator::Hierarchy hierarchy(preset.hierarchy);
  if (auto pins = parsed.get("pin"))
    for (const auto& [address, bytes] : parse_pins(*pins)) {
      try {
        hierarchy.pin(address, bytes, "--pin");
      } catch (const Error& e) {  // too large for the scratchpad, or overlapping: a bad value
        throw UsageError(e.what_text(), e.where());
      }
    }

  simulator::TraceReader reader(*trace_path, static_cast<std::uint32_t>(din_size));
  const auto replay = simulator::replay_trace(reader, hierarchy);
  const auto stats = hierarchy.stats();
  const auto energy = simulator::compute_energy(preset.energy, stats, time_s);

  if (parsed.has("json")) {
    nlohmann::json body = simulator::stats_to_json(stats, energy);
    body["mode"] = "trace";
    body["preset"] = preset.name;
    body["preset_file"] = preset.file.string();
    body["trace_file"] = *trace_path;
    body["trace_format"] = reader.format() == simulator::TraceFormat::kDin ? "din" : "binary";
    body["record_count"] = replay.record_count;
    body["ignored_record_count"] = replay.ignored_record_count;
    body["flush_count"] = replay.flush_count;
    body["invalidate_count"] = replay.invalidate_count;
    std::cout << with_envelope("simulate", std::move(body)).dump(2) << "\n";
  } else {
    std::cout << "preset " << preset.name << " (" << preset.file.string() << ")\n"
              << "trace " << *trace_path << " ("
              << (reader.format() == simulator::TraceFormat::kDin ? "din" : "binary") << ", "
              << replay.record_count << " records)\n"
              << simulator::stats_to_text(stats, energy);
  }
  return 0;
}

const CommandRegistrar kRegistrar({"simulate", "replay a memory trace through a preset's hierarchy",
                                   run_simulate});

}  // namespace
}  // namespace erg::cli
