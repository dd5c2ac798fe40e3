#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sweep/progress_bar.hpp"
#include "sweep/result_store.hpp"
#include "sweep/shard.hpp"

namespace erg::sweep {

// Evaluates one variant's config and returns its metrics. Must depend only on the config, so
// results are the same whatever the thread count.
using JobFunction = std::function<nlohmann::json(const nlohmann::json& config)>;

struct RunOptions {
  std::size_t threads = 1;
  Shard shard;
  bool progress = true;
  const std::atomic<bool>* cancel = nullptr;  // set to stop before the next job starts
  // The sweep's bar, shared by every batch (an ExperimentContext's); without one, a run with
  // `progress` draws its own.
  ProgressBar* bar = nullptr;
};

struct RunSummary {
  std::size_t jobs = 0;             // in this shard
  std::size_t skipped = 0;          // already in the store
  std::size_t evaluated = 0;        // newly appended
  std::vector<std::string> errors;  // "<key>: <message>" for jobs whose evaluation threw
  bool cancelled = false;
};

// Runs every job of this shard that the store lacks on a Boost.Asio thread pool, appending one
// row {"key", "config", "metrics"} per finished job as soon as it finishes.
RunSummary run_jobs(const std::vector<nlohmann::json>& configs, ResultStore& store,
                    const JobFunction& evaluate, const RunOptions& options);

}  // namespace erg::sweep
