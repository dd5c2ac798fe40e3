#include "sweep/runner.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "core/error.hpp"
#include "sweep/config_hash.hpp"
#include "sweep/progress_bar.hpp"

namespace erg::sweep {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("erg_runner_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::vector<nlohmann::json> grid(int n) {
  std::vector<nlohmann::json> configs;
  for (int i = 0; i < n; ++i)
    configs.push_back({{"i", i}, {"bits", (i % 2) ? 8 : 32}});
  return configs;
}

nlohmann::json square(const nlohmann::json& config) {
  const int i = config["i"];
  return {{"energy_uj", i * i}};
}

std::set<std::string> dumps(const std::vector<nlohmann::json>& rows) {
  std::set<std::string> out;
  for (const auto& r : rows)
    out.insert(r.dump());
  return out;
}

TEST(Shard, ParsesAndPartitions) {
  const auto s = Shard::parse("1/3");
  EXPECT_EQ(s.index, 1u);
  EXPECT_EQ(s.count, 3u);
  EXPECT_TRUE(s.owns(4));
  EXPECT_FALSE(s.owns(3));
  for (const char* bad : {"3/3", "1", "a/2", "1/0", "/2", "1/"}) {
    EXPECT_THROW(Shard::parse(bad), UsageError) << bad;
  }
}

TEST(Runner, ResultsAreTheSameWhateverTheThreadCount) {
  const auto dir = temp_dir("threads");
  ResultStore one(dir / "one.jsonl");
  ResultStore four(dir / "four.jsonl");
  const auto configs = grid(40);
  const auto a = run_jobs(configs, one, square, {1, {}, false, nullptr});
  const auto b = run_jobs(configs, four, square, {4, {}, false, nullptr});
  EXPECT_EQ(a.evaluated, 40u);
  EXPECT_EQ(b.evaluated, 40u);
  EXPECT_EQ(dumps(one.rows()), dumps(four.rows()));
}

TEST(Runner, RerunSkipsFinishedRowsAndShardsCoverEverythingOnce) {
  const auto dir = temp_dir("shards");
  const auto configs = grid(10);
  ResultStore s0(dir / "s0.jsonl");
  ResultStore s1(dir / "s1.jsonl");
  EXPECT_EQ(run_jobs(configs, s0, square, {2, Shard::parse("0/2"), false, nullptr}).evaluated, 5u);
  EXPECT_EQ(run_jobs(configs, s1, square, {2, Shard::parse("1/2"), false, nullptr}).evaluated, 5u);
  std::set<std::string> keys;
  for (const auto& r : s0.rows())
    keys.insert(r["key"]);
  for (const auto& r : s1.rows())
    keys.insert(r["key"]);
  EXPECT_EQ(keys.size(), 10u);
  const auto again = run_jobs(configs, s0, square, {2, Shard::parse("0/2"), false, nullptr});
  EXPECT_EQ(again.skipped, 5u);
  EXPECT_EQ(again.evaluated, 0u);
}

TEST(Runner, FailedEvaluationsAreReportedNotStored) {
  const auto dir = temp_dir("errors");
  ResultStore store(dir / "r.jsonl");
  const auto summary = run_jobs(grid(4), store,
                                [](const nlohmann::json& c) -> nlohmann::json {
                                  if (c["i"] == 2)
                                    throw Error("model file truncated", "x.safetensors");
                                  return square(c);
                                },
                                {2, {}, false, nullptr});
  EXPECT_EQ(summary.evaluated, 3u);
  ASSERT_EQ(summary.errors.size(), 1u);
  EXPECT_NE(summary.errors[0].find("model file truncated"), std::string::npos);
  EXPECT_EQ(store.size(), 3u);
}

// The acceptance test for resumability: a sweep killed with SIGKILL mid-run and rerun loses no
// finished row and recomputes none.
TEST(Runner, KillNineThenRerunLosesAndRecomputesNothing) {
  const auto dir = temp_dir("kill9");
  const auto path = dir / "results.jsonl";
  const auto configs = grid(30);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ResultStore store(path);
    run_jobs(configs, store,
             [](const nlohmann::json& c) {
               std::this_thread::sleep_for(std::chrono::milliseconds(20));
               return square(c);
             },
             {2, {}, false, nullptr});
    ::_exit(0);
  }
  // Wait until some rows are on disk, then kill without warning.
  for (int i = 0; i < 500; ++i) {
    std::ifstream in(path);
    const auto lines = std::count(std::istreambuf_iterator<char>(in), {}, '\n');
    if (lines >= 5) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));

  ResultStore store(path);
  const auto survived = store.size();
  ASSERT_GE(survived, 5u);
  ASSERT_LT(survived, 30u) << "the sweep finished before the kill; the test proves nothing";
  std::set<std::string> before;
  for (const auto& r : store.rows())
    before.insert(r["key"]);

  std::mutex mutex;
  std::set<std::string> recomputed;
  const auto summary = run_jobs(configs, store,
                                [&](const nlohmann::json& c) {
                                  std::lock_guard lock(mutex);
                                  recomputed.insert(config_key(c));
                                  return square(c);
                                },
                                {2, {}, false, nullptr});
  EXPECT_EQ(summary.skipped, survived);
  EXPECT_EQ(summary.evaluated, 30u - survived);
  for (const auto& key : recomputed)
    EXPECT_FALSE(before.count(key)) << "recomputed " << key;
  EXPECT_EQ(store.size(), 30u);
}

TEST(Runner, CancelStopsBeforeTheNextJob) {
  const auto dir = temp_dir("cancel");
  ResultStore store(dir / "r.jsonl");
  std::atomic<bool> cancel{false};
  const auto summary = run_jobs(grid(20), store,
                                [&](const nlohmann::json& c) {
                                  if (c["i"] == 3) cancel = true;
                                  return square(c);
                                },
                                {1, {}, false, &cancel});
  EXPECT_TRUE(summary.cancelled);
  EXPECT_EQ(store.size(), 4u);  // jobs 0..3 ran on the single thread, in order
}

TEST(ProgressBar, RendersRateAndEta) {
  EXPECT_EQ(ProgressBar::render(12, 24, 4.0), "[############............] 12/24  3.00/s  ETA 4s");
  EXPECT_EQ(ProgressBar::render(0, 10, 0.0), "[........................] 0/10  0.00/s  ETA --");
  EXPECT_EQ(ProgressBar::render(10, 10, 2.0), "[########################] 10/10  5.00/s  2.0s");
}

}  // namespace
}  // namespace erg::sweep
