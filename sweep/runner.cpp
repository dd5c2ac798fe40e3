#include "sweep/runner.hpp"

#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <iostream>
#include <mutex>
#include <optional>

#include "sweep/config_hash.hpp"
#include "sweep/progress_bar.hpp"

namespace erg::sweep {

RunSummary run_jobs(const std::vector<nlohmann::json>& configs, ResultStore& store,
                    const JobFunction& evaluate, const RunOptions& options) {
  RunSummary summary;
  std::vector<std::pair<std::string, const nlohmann::json*>> todo;
  // A shared bar counts rows: a row this run stored and a search asks for again is already done
  // on it, so only rows from an earlier run are added as answered from the store.
  std::size_t earlier = 0;
  for (std::size_t i = 0; i < configs.size(); ++i) {
    if (!options.shard.owns(i)) continue;
    ++summary.jobs;
    auto key = config_key(configs[i]);
    if (store.contains(key)) {
      ++summary.skipped;
      if (store.loaded_at_open(key)) ++earlier;
    } else {
      todo.emplace_back(std::move(key), &configs[i]);
    }
  }
  std::optional<ProgressBar> own_bar;
  ProgressBar* bar = options.bar;
  if (bar != nullptr) {
    bar->begin_batch(todo.size(), earlier);
    bar->advance_stored(earlier);
  } else if (options.progress && !todo.empty()) {
    own_bar.emplace(todo.size(), std::cerr, ::isatty(STDERR_FILENO) != 0);
    bar = &*own_bar;
  }

  std::mutex mutex;
  std::atomic<bool> cancelled{false};
  {
    boost::asio::thread_pool pool(options.threads == 0 ? 1 : options.threads);
    for (const auto& [key, config] : todo) {
      boost::asio::post(pool, [&, key = key, config = config] {
        if (options.cancel != nullptr && options.cancel->load()) {
          cancelled = true;
          return;
        }
        try {
          nlohmann::json row{{"key", key}, {"config", *config}, {"metrics", evaluate(*config)}};
          store.append(row);
          std::lock_guard lock(mutex);
          ++summary.evaluated;
        } catch (const std::exception& e) {
          std::lock_guard lock(mutex);
          summary.errors.push_back(key + ": " + e.what());
        }
        if (bar) bar->advance();
      });
    }
    pool.join();
  }
  if (own_bar) own_bar->finish();
  summary.cancelled = cancelled;
  return summary;
}

}  // namespace erg::sweep
