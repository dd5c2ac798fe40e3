#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sweep/experiment_spec.hpp"
#include "sweep/model_workload.hpp"
#include "sweep/result_store.hpp"

namespace erg::sweep {

// Runs a spec's strategy with its evaluations done elsewhere (Dask workers, see
// bindings/erg/sweep/) into the output directory `erg sweep` writes, with the same rows and the
// same summary.
//
// The strategies call ExperimentContext::evaluate and decide on its rows, so next_batch()
// replays the strategy against a copy of the store in which every point it lacks is answered by
// a placeholder row: the placeholders of the first step that lacks points are that step's
// independent points (a whole grid, or one sensitivity step's candidates), and the replay stops
// at the next step, whose points would follow from placeholder numbers. Each batch's rows go
// into results.jsonl as they arrive (fsync'd, as run_jobs appends them), so a killed client
// resumes where it stopped. finish() runs run_experiment over the complete store, which finds
// every point stored and writes results.csv and summary.json.
class RemoteSweep {
 public:
  // Checks the spec against its model and prepares `out_dir` (prepare_output_dir) before
  // anything is written, then copies spec.toml and opens results.jsonl, as run_experiment does.
  RemoteSweep(ExperimentSpec spec, std::filesystem::path out_dir, bool force_new);
  ~RemoteSweep();
  RemoteSweep(const RemoteSweep&) = delete;
  RemoteSweep& operator=(const RemoteSweep&) = delete;

  // The configs of the strategy's next step that are neither stored nor known to fail, in the
  // order it asks for them; empty once it needs nothing more. An error of the strategy itself
  // (a grid point that failed, a spec it rejects) is rethrown.
  std::vector<nlohmann::json> next_batch();
  // Appends the row a worker returned for a config of the last batch. Returns false (and stores
  // nothing) when the row is already stored: a task that ran twice.
  bool add_row(const nlohmann::json& row);
  // Records that evaluating `config` threw `message` (the erg::Error's what()), so the strategy
  // meets that error where a local run would.
  void add_failure(const nlohmann::json& config, const std::string& message);
  // Writes results.csv and summary.json (run_experiment over the complete store); the summary's
  // evaluated_now and skipped_finished count this run's evaluations as a local run would.
  nlohmann::json finish();

  const ExperimentSpec& spec() const { return spec_; }
  // The spec's TOML text, for the workers.
  std::string spec_text() const;
  std::size_t stored() const;
  std::size_t evaluated_now() const { return appended_; }
  bool discarded_torn_line() const { return discarded_torn_line_; }
  const std::optional<std::filesystem::path>& superseded_dir() const { return aside_; }

 private:
  ExperimentSpec spec_;
  std::filesystem::path out_dir_;
  std::unique_ptr<ModelWorkload> workload_;
  std::optional<std::filesystem::path> aside_;
  std::unique_ptr<ResultStore> store_;
  std::filesystem::path scratch_dir_;
  std::set<std::string> asked_;                        // keys of the last batch
  std::map<std::string, std::string> failures_;        // point identity -> error message
  std::map<std::string, std::uint64_t> weight_bytes_;  // "component\nvariant" -> bytes
  std::size_t appended_ = 0;
  bool discarded_torn_line_ = false;
};

}  // namespace erg::sweep
