#pragma once

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "simulator/preset.hpp"
#include "sweep/design_point.hpp"
#include "sweep/evaluator.hpp"
#include "sweep/experiment_spec.hpp"
#include "sweep/model_workload.hpp"
#include "sweep/result_store.hpp"
#include "sweep/runner.hpp"

namespace erg::sweep {

struct SweepOptions {
  std::size_t threads = 1;
  Shard shard;
  bool progress = true;
  const std::atomic<bool>* cancel = nullptr;
  // Start a fresh store even though the output directory holds a sweep: its files move into
  // DIR/superseded-N/ (see prepare_output_dir).
  bool force_new = false;
};

// Everything a strategy needs: the spec, the workload and evaluator, the presets, and the store
// through which every evaluation goes (so a rerun never recomputes a finished point).
class ExperimentContext {
 public:
  ExperimentContext(ExperimentSpec spec, std::unique_ptr<ModelWorkload> workload,
                    std::unique_ptr<Evaluator> evaluator, ResultStore& store, SweepOptions options);

  const ExperimentSpec& spec() const { return spec_; }
  const ModelWorkload& workload() const { return *workload_; }
  const simulator::Preset& preset(const std::string& name);
  std::vector<std::string> components() const;
  std::string metric() const { return workload_->accuracy_metric(); }

  // Evaluates the points (skipping those already stored) and returns their rows, in order.
  // Throws erg::Error when any evaluation failed or the run was cancelled.
  std::vector<nlohmann::json> evaluate(const std::vector<DesignPoint>& points);
  // Evaluates only this shard's points and returns what it ran (grid and random sweeps).
  RunSummary evaluate_shard(const std::vector<DesignPoint>& points);

  // The limit each constraint puts on the accuracy metric, given the baseline row.
  std::optional<double> accuracy_limit(const nlohmann::json& baseline_row) const;
  std::vector<nlohmann::json> stored_rows() const { return store_.rows(); }
  const SweepOptions& options() const { return options_; }
  std::size_t evaluated() const { return evaluated_; }
  std::size_t skipped() const { return skipped_; }
  // The sweep's one progress bar (nullptr without options.progress): strategies label it and
  // give it their estimate of the rows to come; finish_progress() closes it.
  ProgressBar* progress() { return bar_.get(); }
  void finish_progress();

 private:
  nlohmann::json evaluate_config(const nlohmann::json& config);

  ExperimentSpec spec_;
  std::unique_ptr<ModelWorkload> workload_;
  std::unique_ptr<Evaluator> evaluator_;
  ResultStore& store_;
  SweepOptions options_;
  std::mutex presets_mutex_;
  std::map<std::string, simulator::Preset> presets_;
  std::size_t evaluated_ = 0;
  std::size_t skipped_ = 0;
  std::unique_ptr<ProgressBar> bar_;
};

// Metric accessors on a stored row.
double energy_of(const nlohmann::json& row);  // metrics.energy_per_unit_uj
std::optional<double> accuracy_of(const nlohmann::json& row, const std::string& metric);
// Each component's fraction of the row's component-attributed energy, e.g. {"asr.joiner": 0.23}.
nlohmann::json energy_shares(const nlohmann::json& row);
// The compact form of a row that summaries carry.
nlohmann::json brief_row(const nlohmann::json& row, const std::string& metric);

// The files of a sweep output directory, which --force-new moves aside together.
inline constexpr const char* kSweepFiles[] = {"spec.toml", "results.jsonl", "results.csv",
                                              "summary.json", "report"};

// Makes `out_dir` ready for `spec` without losing anything: a directory without a sweep, or with
// a sweep of the same spec (equal content_hash: comments and layout aside), is used as it is (the
// run resumes). A sweep of another spec, or rows without a spec.toml, would mix into this spec's
// summary: that is a UsageError naming both specs, unless `force_new`, which moves the old files
// (kSweepFiles) into out_dir/superseded-N/ (the first free N) and returns that folder.
std::optional<std::filesystem::path> prepare_output_dir(const ExperimentSpec& spec,
                                                        const std::filesystem::path& out_dir,
                                                        bool force_new);

// Runs a spec into `out_dir`: spec.toml (a copy), results.jsonl, results.csv, summary.json.
// Everything that can be checked is checked before the directory is touched: the spec (when it
// was loaded), its components and metric against the model, and the directory
// (prepare_output_dir). Returns the summary.
nlohmann::json run_experiment(const ExperimentSpec& spec, const std::filesystem::path& out_dir,
                              const SweepOptions& options);

// Joins shard directories into `out_dir` and recomputes the summary; the shards must have run
// the same spec, and `out_dir` may hold only a sweep of it (a UsageError otherwise, as in
// prepare_output_dir; a merge never moves anything aside).
nlohmann::json merge_experiments(const std::vector<std::filesystem::path>& shard_dirs,
                                 const std::filesystem::path& out_dir);

// Strategies (one file each). Each returns the strategy part of the summary.
nlohmann::json run_grid_strategy(ExperimentContext& context, bool random);
nlohmann::json run_sensitivity_strategy(ExperimentContext& context);
// The grid/random summary from rows already in the store (used after a merge too).
nlohmann::json summarize_rows(ExperimentContext& context, const std::vector<nlohmann::json>& rows);

}  // namespace erg::sweep
