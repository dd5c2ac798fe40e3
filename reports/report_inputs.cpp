#include "reports/report_inputs.hpp"

#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "sweep/result_store.hpp"

namespace erg::reports {
namespace {

namespace fs = std::filesystem;

nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw Error("cannot read the file", path.string());
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("not valid JSON (") + e.what() + ")", path.string());
  }
}

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::stringstream s(line);
  std::string cell;
  while (std::getline(s, cell, sep))
    out.push_back(cell);
  if (!line.empty() && line.back() == sep) out.emplace_back();
  return out;
}

}  // namespace

const nlohmann::json* SweepResults::row_by_key(const std::string& key) const {
  for (const auto& r : rows)
    if (r.value("key", std::string()) == key) return &r;
  return nullptr;
}

SweepResults load_sweep_results(const fs::path& dir) {
  SweepResults out;
  out.dir = dir;
  const auto store = dir / "results.jsonl";
  if (!fs::is_regular_file(store)) throw Error("cannot read the result store", store.string());
  auto contents = sweep::read_result_store(store);
  const std::string rerun =
      "`erg sweep " + (dir / "spec.toml").string() + " -o " + dir.string() + "`";
  if (contents.torn_last_line) {
    out.warnings.push_back(store.string() + ":" + std::to_string(contents.torn_line_number) +
                           ": left out a torn last line (a sweep killed mid-write); " + rerun +
                           " recomputes it");
  }
  for (std::size_t i = 0; i < contents.rows.size(); ++i) {
    auto& row = contents.rows[i];
    if (!row["config"].is_object() || !row["metrics"].is_object() ||
        !row["metrics"]["energy_per_unit_uj"].is_number()) {
      throw Error("expected a result row with key, config and metrics.energy_per_unit_uj",
                  store.string() + ":" + std::to_string(contents.line_numbers[i]));
    }
    out.rows.push_back(std::move(row));
  }
  const auto summary_path = dir / "summary.json";
  if (!fs::exists(summary_path)) {
    throw Error("no summary.json: the sweep did not finish (or was killed); run " + rerun +
                    " to finish it and write the summary, then report again",
                summary_path.string());
  }
  out.summary = read_json(summary_path);
  if (out.summary.value("kind", std::string()) != "sweep_summary" ||
      !out.summary["per_preset"].is_array()) {
    throw Error("expected kind \"sweep_summary\" with a per_preset list", summary_path.string());
  }
  if (out.rows.empty()) throw Error("the result store has no rows", store.string());
  return out;
}

ProfileRun load_profile_run(const fs::path& dir) {
  ProfileRun out;
  out.dir = dir;
  if (fs::exists(dir / "profile.json")) {
    out.profile = read_json(dir / "profile.json");
    const auto& energy = (*out.profile)["energy"];
    if (energy.is_object() && energy.contains("reason") && energy["reason"].is_string()) {
      out.energy_unavailable_reason = energy["reason"].get<std::string>();
    }
  }
  const auto csv = dir / "timeline.csv";
  std::ifstream in(csv);
  if (!in) {
    if (out.energy_unavailable_reason.empty()) {
      out.energy_unavailable_reason =
          "no timeline.csv in " + dir.string() +
          " (erg profile writes one only where an energy source is readable)";
    }
    return out;
  }
  std::string line;
  if (!std::getline(in, line)) throw Error("empty timeline, expected a header", csv.string());
  const auto header = split(line, ',');
  if (header.empty() || header[0] != "time_s") {
    throw Error("expected the header time_s,<domain>_power_w,...", csv.string() + ":1");
  }
  for (std::size_t i = 1; i < header.size(); ++i) {
    const std::string suffix = "_power_w";
    if (!header[i].ends_with(suffix)) {
      throw Error("expected a column named <domain>_power_w, got '" + header[i] + "'",
                  csv.string() + ":1");
    }
    out.domains.push_back(header[i].substr(0, header[i].size() - suffix.size()));
  }
  out.power_w.resize(out.domains.size());
  for (std::size_t n = 2; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    const auto cells = split(line, ',');
    if (cells.size() != header.size()) {
      throw Error("expected " + std::to_string(header.size()) + " values",
                  csv.string() + ":" + std::to_string(n));
    }
    try {
      out.time_s.push_back(std::stod(cells[0]));
      for (std::size_t i = 1; i < cells.size(); ++i)
        out.power_w[i - 1].push_back(std::stod(cells[i]));
    } catch (const std::exception&) {
      throw Error("expected numbers", csv.string() + ":" + std::to_string(n));
    }
  }
  if (out.domains.empty() || out.time_s.empty()) {
    if (out.energy_unavailable_reason.empty()) {
      out.energy_unavailable_reason = "the timeline in " + csv.string() + " holds no power samples";
    }
  } else {
    out.energy_available = true;
    out.energy_unavailable_reason.clear();
  }
  return out;
}

ReportInputs load_report_inputs(const std::vector<fs::path>& dirs) {
  ReportInputs out;
  for (const auto& dir : dirs) {
    if (!fs::is_directory(dir)) throw Error("not a directory", dir.string());
    if (fs::exists(dir / "results.jsonl")) {
      if (out.sweep) {
        throw Error("a report covers one sweep; got a second one",
                    out.sweep->dir.string() + " and " + dir.string());
      }
      out.sweep = load_sweep_results(dir);
    } else if (fs::exists(dir / "timeline.csv") || fs::exists(dir / "profile.json")) {
      out.profiles.push_back(load_profile_run(dir));
    } else {
      throw Error(
          "neither a sweep (results.jsonl, summary.json) nor a profile run (timeline.csv, "
          "profile.json)",
          dir.string());
    }
  }
  return out;
}

}  // namespace erg::reports
