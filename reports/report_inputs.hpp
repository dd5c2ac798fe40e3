#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace erg::reports {

// A sweep output directory as `erg sweep -o DIR` writes it.
struct SweepResults {
  std::filesystem::path dir;
  nlohmann::json summary;            // summary.json (kind "sweep_summary")
  std::vector<nlohmann::json> rows;  // results.jsonl, in store order
  // What the reader should know about the inputs, e.g. a torn last line that was left out.
  std::vector<std::string> warnings;
  const nlohmann::json* row_by_key(const std::string& key) const;
  std::string metric() const { return summary.value("accuracy_metric", std::string()); }
  std::string energy_unit() const { return summary.value("energy_unit", std::string("run")); }
};

// A directory written by `erg profile -o DIR` (timeline.csv), optionally with the --json
// output saved beside it as profile.json.
struct ProfileRun {
  std::filesystem::path dir;
  std::optional<nlohmann::json> profile;  // profile.json
  bool energy_available = false;
  std::string energy_unavailable_reason;  // set when !energy_available
  std::vector<std::string> domains;       // from the timeline header "<domain>_power_w"
  std::vector<double> time_s;
  std::vector<std::vector<double>> power_w;  // [domain][sample]
};

struct ReportInputs {
  std::optional<SweepResults> sweep;
  std::vector<ProfileRun> profiles;
};

// Reads the store as `erg sweep` does (sweep::read_result_store): a torn last line, which a
// sweep killed mid-write leaves, is left out with a warning, and the file is not changed.
SweepResults load_sweep_results(const std::filesystem::path& dir);
ProfileRun load_profile_run(const std::filesystem::path& dir);
// Sorts each directory into a sweep (has results.jsonl) or a profile run; throws erg::Error for a
// directory that is neither, or for a second sweep.
ReportInputs load_report_inputs(const std::vector<std::filesystem::path>& dirs);

}  // namespace erg::reports
