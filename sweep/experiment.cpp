#include "sweep/experiment.hpp"

#include <unistd.h>

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
      options_(options) {
  if (options_.progress) {
    bar_ = std::make_unique<ProgressBar>(0, std::cerr, ::isatty(STDERR_FILENO) != 0);
    bar_->set_label(spec_.name);
  }
}

void ExperimentContext::finish_progress() {
  if (bar_) bar_->finish();
  bar_.reset();
}

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
  RunOptions run{options_.threads, Shard{}, false, options_.cancel, bar_.get()};
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
  RunOptions run{options_.threads, options_.shard, false, options_.cancel, bar_.get()};
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
  if (spec.text.empty()) {
    fs::copy_file(spec.file, target, fs::copy_options::overwrite_existing);
    return;
  }
  const auto tmp = target.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << spec.text;
    if (!out.flush()) throw Error("cannot write", tmp);
  }
  fs::rename(tmp, target);
}

bool has_rows(const fs::path& store) {
  std::error_code ec;
  return fs::is_regular_file(store, ec) && fs::file_size(store, ec) > 0;
}

fs::path superseded_dir(const fs::path& out_dir) {
  for (int n = 1;; ++n) {
    auto dir = out_dir / ("superseded-" + std::to_string(n));
    if (!fs::exists(dir)) return dir;
  }
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

// Why out_dir's sweep is not `spec`'s (empty: it is, or there is none) and how to go on with it.
struct DirConflict {
  std::string what;
  std::string resume;
};

DirConflict find_conflict(const ExperimentSpec& spec, const fs::path& out_dir) {
  const auto old_spec = out_dir / "spec.toml";
  std::error_code ec;
  DirConflict c;
  // By content, even when `spec` names DIR/spec.toml as its origin: a spec parsed from text
  // (a Python dict) may not have been written there yet.
  if (fs::exists(old_spec, ec)) {
    try {
      const auto old = load_experiment_spec(old_spec);
      if (old.content_hash != spec.content_hash) {
        c.what = "holds a sweep of another spec ('" + old.name + "' in " + old_spec.string() +
                 "; this one is '" + spec.name + "' from " + spec.file.string() + ")";
        c.resume = ", resume that sweep with `erg sweep " + old_spec.string() + " -o " +
                   out_dir.string() + "`";
      }
    } catch (const Error& e) {
      c.what = "holds a spec.toml that does not load (" + std::string(e.what()) + ")";
    }
  } else if (has_rows(out_dir / "results.jsonl")) {
    c.what = "holds results.jsonl rows but no spec.toml saying which spec made them";
  }
  return c;
}

}  // namespace

std::optional<fs::path> prepare_output_dir(const ExperimentSpec& spec, const fs::path& out_dir,
                                           bool force_new) {
  const auto conflict = find_conflict(spec, out_dir);
  if (!conflict.what.empty() && !force_new) {
    throw UsageError(conflict.what +
                         ", and its rows would mix into this sweep's summary. Use another "
                         "-o DIR" +
                         conflict.resume + ", or pass --force-new to move its files into " +
                         superseded_dir(out_dir).string() + " and start afresh",
                     out_dir.string());
  }
  std::error_code ec;
  const bool sweep_there =
      fs::exists(out_dir / "spec.toml", ec) || has_rows(out_dir / "results.jsonl");
  if (!force_new || !sweep_there) return std::nullopt;
  const auto aside = superseded_dir(out_dir);
  fs::create_directories(aside);
  for (const char* name : kSweepFiles) {
    if (fs::exists(out_dir / name, ec)) fs::rename(out_dir / name, aside / name);
  }
  return aside;
}

nlohmann::json run_experiment(const ExperimentSpec& spec, const fs::path& out_dir,
                              const SweepOptions& options) {
  if (spec.strategy == "sensitivity" && options.shard.count > 1) {
    throw UsageError(
        "--shard applies to grid and random sweeps; the sensitivity search is "
        "sequential");
  }
  // The model and evaluator first: a spec they reject leaves no directory behind.
  auto workload = make_workload(spec);
  check_spec_against(spec, *workload);
  auto evaluator = make_evaluator(spec.evaluator);
  const auto aside = prepare_output_dir(spec, out_dir, options.force_new);
  fs::create_directories(out_dir);
  copy_spec(spec, out_dir);
  ResultStore store(out_dir / "results.jsonl");
  if (store.discarded_torn_line() && options.progress) {
    std::cerr << "erg sweep: discarded a torn last line in " << store.path().string()
              << " (a run killed mid-write); it will be recomputed\n";
  }
  ExperimentContext context(spec, std::move(workload), std::move(evaluator), store, options);
  nlohmann::json strategy;
  if (spec.strategy == "sensitivity") {
    strategy = run_sensitivity_strategy(context);
  } else {
    strategy = run_grid_strategy(context, spec.strategy == "random");
  }
  context.finish_progress();
  auto summary = envelope(spec, context, std::move(strategy));
  summary["rows"] = store.size();
  summary["evaluated_now"] = context.evaluated();
  summary["skipped_finished"] = context.skipped();
  if (aside) summary["superseded_dir"] = aside->string();  // where --force-new moved the old sweep
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
  // The shards' spec, checked before out_dir is touched (it may be one of the shards).
  auto spec = parse_experiment_spec(spec_text, shard_dirs.front() / "spec.toml");
  auto workload = make_workload(spec);
  if (spec.strategy == "sensitivity") {
    throw UsageError("sensitivity searches are not sharded, so there is nothing to merge");
  }
  if (const auto conflict = find_conflict(spec, out_dir); !conflict.what.empty()) {
    throw UsageError(conflict.what +
                         ", and its rows would mix into the merged summary. Merge into "
                         "another -o DIR",
                     out_dir.string());
  }
  fs::create_directories(out_dir);
  copy_spec(spec, out_dir);
  spec.file = out_dir / "spec.toml";
  ResultStore store(out_dir / "results.jsonl");
  for (const auto& dir : shard_dirs) {
    if (fs::equivalent(dir, out_dir)) continue;
    ResultStore shard(dir / "results.jsonl");
    for (const auto& row : shard.rows()) {
      if (!store.contains(row["key"].get<std::string>())) store.append(row);
    }
  }
  ExperimentContext context(spec, std::move(workload), make_evaluator(spec.evaluator), store, {});
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
