#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace erg::reports {

struct ProcessResult {
  int exit_status = 0;  // 128 + signal when killed
  bool timed_out = false;
  std::string output;  // stdout and stderr together, truncated to 64 KiB
};

// Runs argv (no shell) with a wall-clock limit, killing it when the limit passes. Throws
// erg::Error when the program cannot be started.
ProcessResult run_process(const std::vector<std::string>& argv, double timeout_s);

// Runs the figure scripts scripts/plots/<name>.py with a Python interpreter: /usr/bin/python3,
// or $ERG_PYTHON when set.
class PlotRunner {
 public:
  PlotRunner(std::filesystem::path python, std::filesystem::path scripts_dir, double timeout_s);
  // $ERG_PYTHON or /usr/bin/python3; <data_root>/scripts/plots; 120 s per figure.
  static PlotRunner from_environment();

  // Why figures cannot be drawn here (no interpreter, no matplotlib), or nullopt when they can.
  std::optional<std::string> unavailable_reason() const;
  // Runs one script: --input JSON --out STEM. Returns nullopt on success, else what went wrong
  // with the script's stderr.
  std::optional<std::string> plot(const std::string& name, const std::filesystem::path& input,
                                  const std::filesystem::path& out_stem) const;

  const std::filesystem::path& python() const { return python_; }

 private:
  std::filesystem::path python_;
  std::filesystem::path scripts_dir_;
  double timeout_s_;
};

}  // namespace erg::reports
