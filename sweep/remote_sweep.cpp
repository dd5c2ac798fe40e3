#include "sweep/remote_sweep.hpp"

#include <stdlib.h>

#include <algorithm>
#include <exception>
#include <fstream>
#include <mutex>
#include <sstream>

#include "core/error.hpp"
#include "sweep/config_hash.hpp"
#include "sweep/evaluator.hpp"
#include "sweep/experiment.hpp"

namespace erg::sweep {

namespace fs = std::filesystem;

namespace {

constexpr const char* kPlaceholder = "remote_sweep_placeholder";

// What a failure is remembered by. The planning evaluator sees the parsed variant, not the
// config's text, so both sides use the variant's canonical form.
std::string point_identity(const std::string& variant_text, const nlohmann::json& runtime,
                           const std::string& preset) {
  return nlohmann::json{{"variant", variant_text}, {"runtime", runtime}, {"preset", preset}}.dump();
}

// Lends the sweep's one workload to each replay's ExperimentContext, which owns its workload:
// building the model again for every step would cost more than the replay. weight_bytes (which
// may load the model) is remembered across replays, since every replay asks again.
class BorrowedWorkload : public ModelWorkload {
 public:
  BorrowedWorkload(const ModelWorkload& inner, std::map<std::string, std::uint64_t>& bytes_cache)
      : inner_(inner), bytes_cache_(bytes_cache) {}
  std::vector<std::string> components() const override { return inner_.components(); }
  std::vector<std::string> component_names() const override { return inner_.component_names(); }
  std::string accuracy_metric() const override { return inner_.accuracy_metric(); }
  std::string energy_unit() const override { return inner_.energy_unit(); }
  std::uint64_t weight_bytes(const std::string& component,
                             const models::runtime::Variant& variant) const override {
    const auto key = component + '\n' + variant.to_string();
    std::lock_guard lock(mutex_);
    auto it = bytes_cache_.find(key);
    if (it == bytes_cache_.end())
      it = bytes_cache_.emplace(key, inner_.weight_bytes(component, variant)).first;
    return it->second;
  }
  WorkloadResult run(const models::runtime::Variant& variant, const nlohmann::json& runtime,
                     AccessSink* sink) const override {
    return inner_.run(variant, runtime, sink);
  }

 private:
  const ModelWorkload& inner_;
  std::map<std::string, std::uint64_t>& bytes_cache_;
  mutable std::mutex mutex_;
};

// Answers the first step that lacks points with placeholder rows (which the scratch store
// keeps, config and all), known failures with their error, and every later step with an error.
class PlanningEvaluator : public Evaluator {
 public:
  explicit PlanningEvaluator(const std::map<std::string, std::string>& failures)
      : failures_(failures) {}

  void attach(const ExperimentContext& context,
              std::map<const simulator::Preset*, std::string> preset_names) {
    context_ = &context;
    preset_names_ = std::move(preset_names);
  }

  std::string name() const override { return "planning"; }

  nlohmann::json evaluate(const ModelWorkload& /*workload*/,
                          const models::runtime::Variant& variant, const nlohmann::json& runtime,
                          const simulator::Preset& preset) override {
    const auto named = preset_names_.find(&preset);
    const std::string preset_name = named == preset_names_.end() ? preset.name : named->second;
    const auto failed = failures_.find(point_identity(variant.to_string(), runtime, preset_name));
    if (failed != failures_.end()) throw Error(failed->second);
    // A step after the placeholders' would be chosen from placeholder numbers.
    if (context_->evaluated() > 0) throw Error("not planned: a later step");
    return {
        {kPlaceholder, true}, {"energy_per_unit_uj", 0.0}, {"accuracy", nlohmann::json::object()}};
  }

 private:
  const std::map<std::string, std::string>& failures_;
  const ExperimentContext* context_ = nullptr;
  std::map<const simulator::Preset*, std::string> preset_names_;
};

nlohmann::json run_strategy(ExperimentContext& context) {
  const auto& strategy = context.spec().strategy;
  if (strategy == "sensitivity") return run_sensitivity_strategy(context);
  return run_grid_strategy(context, strategy == "random");
}

void write_json(const fs::path& path, const nlohmann::json& value) {
  const auto tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << value.dump(2) << "\n";
    if (!out.flush()) throw Error("cannot write", tmp);
  }
  fs::rename(tmp, path);
}

fs::path make_scratch_dir() {
  std::string pattern = (fs::temp_directory_path() / "erg-remote-sweep-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr)
    throw Error("cannot create a scratch directory", pattern);
  return pattern;
}

}  // namespace

RemoteSweep::RemoteSweep(ExperimentSpec spec, fs::path out_dir, bool force_new)
    : spec_(std::move(spec)), out_dir_(std::move(out_dir)) {
  // The checks run_experiment makes, in its order, before the directory is touched.
  workload_ = make_workload(spec_);
  check_spec_against(spec_, *workload_);
  make_evaluator(spec_.evaluator);
  aside_ = prepare_output_dir(spec_, out_dir_, force_new);
  fs::create_directories(out_dir_);
  const auto target = out_dir_ / "spec.toml";
  std::error_code ec;
  if (!(fs::exists(target) && fs::equivalent(spec_.file, target, ec))) {
    const auto tmp = target.string() + ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << spec_text();
      if (!out.flush()) throw Error("cannot write", tmp);
    }
    fs::rename(tmp, target);
  }
  store_ = std::make_unique<ResultStore>(out_dir_ / "results.jsonl");
  discarded_torn_line_ = store_->discarded_torn_line();
  scratch_dir_ = make_scratch_dir();
}

RemoteSweep::~RemoteSweep() {
  std::error_code ec;
  if (!scratch_dir_.empty()) fs::remove_all(scratch_dir_, ec);
}

std::string RemoteSweep::spec_text() const {
  if (!spec_.text.empty()) return spec_.text;
  std::ifstream in(spec_.file, std::ios::binary);
  if (!in) throw Error("cannot read the spec", spec_.file.string());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::size_t RemoteSweep::stored() const {
  return store_ ? store_->size() : 0;
}

std::vector<nlohmann::json> RemoteSweep::next_batch() {
  if (!store_) throw Error("the sweep is finished", out_dir_.string());
  const auto scratch_path = scratch_dir_ / "plan.jsonl";
  {
    std::ofstream out(scratch_path, std::ios::binary | std::ios::trunc);
    for (const auto& row : store_->rows())
      out << row.dump() << '\n';
    if (!out.flush()) throw Error("cannot write", scratch_path.string());
  }
  ResultStore scratch(scratch_path);
  auto evaluator = std::make_unique<PlanningEvaluator>(failures_);
  auto* planner = evaluator.get();
  SweepOptions options;
  options.threads = 1;  // placeholders in the order the strategy asks
  options.progress = false;
  ExperimentContext context(spec_, std::make_unique<BorrowedWorkload>(*workload_, weight_bytes_),
                            std::move(evaluator), scratch, options);
  std::map<const simulator::Preset*, std::string> preset_names;
  for (const auto& name : spec_.presets)
    preset_names.emplace(&context.preset(name), name);
  planner->attach(context, std::move(preset_names));

  std::exception_ptr error;
  try {
    run_strategy(context);
  } catch (...) {
    error = std::current_exception();  // past the placeholders, expected; before them, real
  }
  std::vector<nlohmann::json> batch;
  asked_.clear();
  for (auto& row : scratch.rows()) {
    if (!row["metrics"].contains(kPlaceholder)) continue;
    asked_.insert(row["key"].get<std::string>());
    batch.push_back(std::move(row["config"]));
  }
  if (batch.empty() && error) std::rethrow_exception(error);
  return batch;
}

bool RemoteSweep::add_row(const nlohmann::json& row) {
  if (!store_) throw Error("the sweep is finished", out_dir_.string());
  if (!row.is_object() || !row.contains("key") || !row["key"].is_string() ||
      !row.contains("config") || !row.contains("metrics")) {
    throw Error("a worker's row needs a string \"key\", a \"config\" and \"metrics\"",
                store_->path().string());
  }
  const auto key = row["key"].get<std::string>();
  if (config_key(row["config"]) != key) {
    throw Error(
        "a worker's row has key " + key + " but its config hashes to " + config_key(row["config"]),
        store_->path().string());
  }
  if (!asked_.count(key)) {
    throw Error("a worker returned design point " + key + ", which the sweep did not ask for",
                store_->path().string());
  }
  if (store_->contains(key)) return false;
  store_->append(row);
  ++appended_;
  return true;
}

void RemoteSweep::add_failure(const nlohmann::json& config, const std::string& message) {
  std::string variant = config.value("variant", std::string());
  try {
    variant = models::runtime::Variant::parse(variant).to_string();
  } catch (const Error&) {
    // Kept as given: a variant that does not parse fails before any evaluator sees it.
  }
  failures_[point_identity(variant, config.value("runtime", nlohmann::json::object()),
                           config.value("preset", std::string()))] = message;
}

nlohmann::json RemoteSweep::finish() {
  if (!store_) throw Error("the sweep is finished", out_dir_.string());
  store_.reset();
  SweepOptions options;
  options.threads = 1;
  options.progress = false;
  // Every point the strategy asks for is stored now (a failed one is evaluated again, and fails
  // again, here), so this only replays the strategy and writes the summary.
  auto summary = run_experiment(spec_, out_dir_, options);
  const auto evaluated_here = summary.value("evaluated_now", std::size_t{0});
  const auto skipped = summary.value("skipped_finished", std::size_t{0});
  summary["evaluated_now"] = appended_ + evaluated_here;
  summary["skipped_finished"] = skipped - std::min(skipped, appended_);
  if (aside_) summary["superseded_dir"] = aside_->string();
  write_json(out_dir_ / "summary.json", summary);
  return summary;
}

}  // namespace erg::sweep
