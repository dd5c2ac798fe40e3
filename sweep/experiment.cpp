#include "sweep/experiment.hpp"

#include <fstream>
#include <iostream>
#include <sstream>

#include "core/error.hpp"
#include "core/version.hpp"
#include "sweep/config_hash.hpp"

namespace erg::sweep {

namespace fs = std::filesystem;

ExperimentContext::ExperimentContext(ExperimentSpec spec, std::unique_ptr<ModelWorkload> workload,
                                     std::unique_ptr<Evaluator> evaluator, ResultStore& store,
                                     SweepOptions options)
    : spec_(std::move(spec)),
      workload_(std::move(workload)),
      evaluator_(std::move(evaluator)),
      store_(store),
      options_(options) {}

const simulator::Preset& ExperimentContext::preset(const std::string& name) {
  std::lock_guard lock(presets_mutex_);
  auto it = presets_.find(name);
  if (it == presets_.end()) it = presets_.emplace(name, simulator::load_named_preset(name)).first;
  return it->second;
}

std::vector<std::string> ExperimentContext::components() const {
  return spec_.components.empty() ? workload_->components() : spec_.components;
}

nlohmann::json ExperimentContext::evaluate_config(const nlohmann::json& config) {
  const auto variant = models::runtime::Variant::parse(config.at("variant").get<std::string>());
  return evaluator_->evaluate(*workload_, variant, config.at("runtime"),
                              preset(config.at("preset").get<std::string>()));
}

std::vector<nlohmann::json> ExperimentContext::evaluate(const std::vector<DesignPoint>& points) {
  std::vector<nlohmann::json> configs;
  for (const auto& p : points)
    configs.push_back(p.config(spec_));
  RunOptions run{options_.threads, Shard{}, options_.progress && configs.size() > 1,
                 options_.cancel};
  const auto summary = run_jobs(
      configs, store_, [this](const nlohmann::json& c) { return evaluate_config(c); }, run);
  evaluated_ += summary.evaluated;
  skipped_ += summary.skipped;
  if (summary.cancelled) throw Error("sweep cancelled", store_.path().string());
  if (!summary.errors.empty()) {
    throw Error("evaluation failed: " + summary.errors.front() +
                    (summary.errors.size() > 1
                         ? " (and " + std::to_string(summary.errors.size() - 1) + " more)"
                         : ""),
                store_.path().string());
  }
  std::map<std::string, nlohmann::json> by_key;
  for (auto& row : store_.rows())
    by_key.emplace(row["key"].get<std::string>(), std::move(row));
  std::vector<nlohmann::json> rows;
  for (const auto& c : configs)
    rows.push_back(by_key.at(config_key(c)));
  return rows;
}

RunSummary ExperimentContext::evaluate_shard(const std::vector<DesignPoint>& points) {
  std::vector<nlohmann::json> configs;
  for (const auto& p : points)
    configs.push_back(p.config(spec_));
  RunOptions run{options_.threads, options_.shard, options_.progress, options_.cancel};
  auto summary = run_jobs(
      configs, store_, [this](const nlohmann::json& c) { return evaluate_config(c); }, run);
  evaluated_ += summary.evaluated;
  skipped_ += summary.skipped;
  return summary;
}

std::optional<double> ExperimentContext::accuracy_limit(const nlohmann::json& baseline_row) const {
  const auto base = accuracy_of(baseline_row, metric());
  std::optional<double> limit;
  for (const auto& c : spec_.constraints) {
    if (c.metric != metric()) {
      throw Error("constraint on '" + c.metric + "', but this workload's accuracy metric is '" +
                      (metric().empty() ? std::string("none") : metric()) + "'",
                  spec_.file.string());
    }
    if (!base)
      throw Error("the baseline has no '" + c.metric + "' to constrain", spec_.file.string());
    const double l = c.limit(*base);
    limit = limit ? std::min(*limit, l) : l;
  }
  return limit;
}

double energy_of(const nlohmann::json& row) {
  return row.at("metrics").at("energy_per_unit_uj").get<double>();
}

std::optional<double> accuracy_of(const nlohmann::json& row, const std::string& metric) {
  if (metric.empty()) return std::nullopt;
  const auto& acc = row.at("metrics").at("accuracy");
  if (!acc.contains(metric)) return std::nullopt;
  return acc.at(metric).get<double>();
}

nlohmann::json energy_shares(const nlohmann::json& row) {
  nlohmann::json shares = nlohmann::json::object();
  const auto& metrics = row.at("metrics");
  if (!metrics.contains("breakdown_pj")) return shares;
  double total = 0.0;
  for (const auto& [name, parts] : metrics["breakdown_pj"].items())
    total += parts.value("total", 0.0);
  if (total <= 0.0) return shares;
  for (const auto& [name, parts] : metrics["breakdown_pj"].items()) {
    shares[name] = parts.value("total", 0.0) / total;
  }
  return shares;
}

nlohmann::json brief_row(const nlohmann::json& row, const std::string& metric) {
  nlohmann::json b{{"key", row["key"]},
                   {"variant", row["config"]["variant"]},
                   {"runtime", row["config"]["runtime"]},
                   {"energy_per_unit_uj", energy_of(row)},
                   {"energy_shares", energy_shares(row)}};
  if (auto a = accuracy_of(row, metric)) b[metric] = *a;
  return b;
}

namespace {

void write_json(const fs::path& path, const nlohmann::json& value) {
  const auto tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << value.dump(2) << "\n";
    if (!out.flush()) throw Error("cannot write", tmp);
  }
  fs::rename(tmp, path);
}

void copy_spec(const ExperimentSpec& spec, const fs::path& out_dir) {
  const auto target = out_dir / "spec.toml";
  std::error_code ec;
  if (fs::exists(target) && fs::equivalent(spec.file, target, ec)) return;
  fs::copy_file(spec.file, target, fs::copy_options::overwrite_existing);
}

nlohmann::json envelope(const ExperimentSpec& spec, const ExperimentContext& context,
                        nlohmann::json strategy) {
  nlohmann::json out{{"erg_version", std::string(kVersion)},
                     {"kind", "sweep_summary"},
                     {"name", spec.name},
                     {"model", spec.model},
                     {"model_kind", spec.model_kind},
                     {"evaluator", spec.evaluator},
                     {"strategy", spec.strategy},
                     {"presets", spec.presets},
                     {"accuracy_metric", context.metric()},
                     {"energy_unit", context.workload().energy_unit()},
                     {"energy_source", spec.evaluator == "rapl" ? "measured" : "modeled"}};
  nlohmann::json constraints = nlohmann::json::array();
  for (const auto& c : spec.constraints)
    constraints.push_back(c.to_string());
  out["constraints"] = constraints;
  for (auto& [k, v] : strategy.items())
    out[k] = std::move(v);
  return out;
}

}  // namespace

nlohmann::json run_experiment(const ExperimentSpec& spec, const fs::path& out_dir,
                              const SweepOptions& options) {
  if (spec.strategy == "sensitivity" && options.shard.count > 1) {
    throw UsageError(
        "--shard applies to grid and random sweeps; the sensitivity search is "
        "sequential");
  }
  fs::create_directories(out_dir);
  copy_spec(spec, out_dir);
  ResultStore store(out_dir / "results.jsonl");
  if (store.discarded_torn_line() && options.progress) {
    std::cerr << "erg sweep: discarded a torn last line in " << store.path().string()
              << " (a run killed mid-write); it will be recomputed\n";
  }
  ExperimentContext context(spec, make_workload(spec), make_evaluator(spec.evaluator), store,
                            options);
  nlohmann::json strategy;
  if (spec.strategy == "sensitivity") {
    strategy = run_sensitivity_strategy(context);
  } else {
    strategy = run_grid_strategy(context, spec.strategy == "random");
  }
  auto summary = envelope(spec, context, std::move(strategy));
  summary["rows"] = store.size();
  summary["evaluated_now"] = context.evaluated();
  summary["skipped_finished"] = context.skipped();
  write_csv(store.rows(), out_dir / "results.csv");
  write_json(out_dir / "summary.json", summary);
  return summary;
}

nlohmann::json merge_experiments(const std::vector<fs::path>& shard_dirs, const fs::path& out_dir) {
  if (shard_dirs.empty()) throw UsageError("erg sweep merge needs at least one shard directory");
  std::string spec_text;
  for (const auto& dir : shard_dirs) {
    std::ifstream in(dir / "spec.toml");
    if (!in) throw Error("not a sweep directory (no spec.toml)", dir.string());
    std::stringstream s;
    s << in.rdbuf();
    if (spec_text.empty()) {
      spec_text = s.str();
    } else if (spec_text != s.str()) {
      throw Error("shards ran different specs", (dir / "spec.toml").string());
    }
  }
  fs::create_directories(out_dir);
  const auto out_spec = out_dir / "spec.toml";
  {
    std::ofstream out(out_spec, std::ios::trunc);
    out << spec_text;
  }
  const auto spec = load_experiment_spec(out_spec);
  ResultStore store(out_dir / "results.jsonl");
  for (const auto& dir : shard_dirs) {
    if (fs::equivalent(dir, out_dir)) continue;
    ResultStore shard(dir / "results.jsonl");
    for (const auto& row : shard.rows()) {
      if (!store.contains(row["key"].get<std::string>())) store.append(row);
    }
  }
  if (spec.strategy == "sensitivity") {
    throw UsageError("sensitivity searches are not sharded, so there is nothing to merge");
  }
  ExperimentContext context(spec, make_workload(spec), make_evaluator(spec.evaluator), store, {});
  auto summary = envelope(spec, context, summarize_rows(context, store.rows()));
  summary["rows"] = store.size();
  summary["merged_from"] = nlohmann::json::array();
  for (const auto& d : shard_dirs)
    summary["merged_from"].push_back(d.string());
  write_csv(store.rows(), out_dir / "results.csv");
  write_json(out_dir / "summary.json", summary);
  return summary;
}

}  // namespace erg::sweep
