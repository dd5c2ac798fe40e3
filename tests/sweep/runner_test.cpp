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
#include <sstream>
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
  EXPECT_EQ(ProgressBar::render(12, 24, 4.0),
            "[############............] 12/24 rows  3.00/s  ETA 4s");
  EXPECT_EQ(ProgressBar::render(0, 10, 0.0),
            "[........................] 0/10 rows  0.00/s  ETA --");
  EXPECT_EQ(ProgressBar::render(10, 10, 2.0),
            "[########################] 10/10 rows  5.00/s  done in 2s");
  EXPECT_EQ(ProgressBar::duration_text(125.4), "2m05s");
  EXPECT_EQ(ProgressBar::duration_text(3720), "1h02m");
}

// A clock the test moves by hand.
struct FakeClock {
  double now = 100.0;
  ProgressBar::Clock clock() {
    return [this] { return now; };
  }
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

// Not a terminal: one line per 5 s whatever the number of updates, and a last one at finish.
// 24 rows, one every 0.5 s, give lines at t = 5 s and 10 s (the 10th and 20th row), then the
// final line at 12 s: 24 rows over 12 s is 2.00/s.
TEST(ProgressBar, OffATerminalPrintsALineEveryFewSecondsNotPerUpdate) {
  FakeClock t;
  std::ostringstream out;
  ProgressBar bar(0, out, false, t.clock(), 5.0);
  bar.set_label("grid");
  bar.begin_batch(24);
  for (int i = 0; i < 24; ++i) {
    t.now += 0.5;
    bar.advance();
  }
  bar.finish();
  const auto lines = lines_of(out.str());
  ASSERT_EQ(lines.size(), 3u) << out.str();
  EXPECT_EQ(lines[0], "grid  [##########..............] 10/24 rows  2.00/s  ETA 7s");
  EXPECT_EQ(lines[1], "grid  [####################....] 20/24 rows  2.00/s  ETA 2s");
  EXPECT_EQ(lines[2], "grid  [########################] 24/24 rows  2.00/s  done in 12s");
  EXPECT_EQ(out.str().find('\r'), std::string::npos);
}

// A search that estimates what is left: the total is done + this batch + the estimate, shown
// with "~", and rows answered from the store count as done but not in the rate: 8 rows
// evaluated in 5 s = 1.60/s, and (10 + 2 + 30) - 10 = 32 rows left at 1.6/s = ETA ~20s.
TEST(ProgressBar, LabelEstimatedTotalAndEta) {
  FakeClock t;
  std::ostringstream out;
  ProgressBar bar(0, out, false, t.clock(), 5.0);
  bar.set_label("wearable-sram2m-lpddr4x (1/2) step 2: compress");
  bar.expect_later(30);
  bar.begin_batch(10, 2);
  bar.advance_stored(2);
  t.now += 4.0;
  bar.advance(7);
  t.now += 1.0;
  bar.advance();
  EXPECT_EQ(lines_of(out.str()).back(),
            "wearable-sram2m-lpddr4x (1/2) step 2: compress  [#####...................] 10/~42 "
            "rows  1.60/s  ETA ~20s");
  // The next batch re-estimates: the search learned that fewer rows are left.
  bar.expect_later(3);
  bar.begin_batch(3);
  t.now += 10;
  bar.advance(3);
  EXPECT_EQ(lines_of(out.str()).back(),
            "wearable-sram2m-lpddr4x (1/2) step 2: compress  [###################.....] 13/~16 "
            "rows  0.73/s  ETA ~4s");
  // finish(): the total is what was done, however wrong the estimate was.
  bar.finish();
  EXPECT_EQ(lines_of(out.str()).back(),
            "wearable-sram2m-lpddr4x (1/2) step 2: compress  [########################] 13/13 "
            "rows  0.73/s  done in 15s");
}

// A search's shared bar counts rows, not requests: with 3 rows stored by an earlier run, a batch
// of 4 new rows, then one that asks again for 2 of those 4 and for 1 of the earlier 3, adds only
// the earlier one (the other two are done on the bar already): 4 + 1 = 5 rows, not 7 requests.
TEST(ProgressBar, RowsASearchAsksForAgainAreNotCountedTwice) {
  const auto dir = temp_dir("bar_repeats");
  const auto configs = grid(7);
  {
    ResultStore earlier(dir / "results.jsonl");
    run_jobs({configs.begin(), configs.begin() + 3}, earlier, square, {1, {}, false, nullptr});
  }
  ResultStore store(dir / "results.jsonl");
  FakeClock t;
  std::ostringstream out;
  ProgressBar bar(0, out, false, t.clock(), 5.0);
  RunOptions options{1, {}, false, nullptr, &bar};
  run_jobs({configs.begin() + 3, configs.end()}, store, square, options);
  const auto again = run_jobs({configs[3], configs[4], configs[0]}, store, square, options);
  EXPECT_EQ(again.skipped, 3u);
  bar.finish();
  const auto last = lines_of(out.str()).back();
  EXPECT_NE(last.find(" 5/5 rows"), std::string::npos) << out.str();
}

// On a terminal: one line redrawn in place (\r, then erase to its end), at most 10 times a
// second, and a newline at finish.
TEST(ProgressBar, OnATerminalRedrawsOneLineAtMostTenTimesASecond) {
  FakeClock t;
  std::ostringstream out;
  ProgressBar bar(0, out, true, t.clock());
  bar.begin_batch(100);
  for (int i = 0; i < 100; ++i) {
    t.now += 0.01;  // 100 updates in 1 s
    bar.advance();
  }
  bar.finish();
  const auto text = out.str();
  const auto redraws = std::count(text.begin(), text.end(), '\r');
  EXPECT_GE(redraws, 9);
  EXPECT_LE(redraws, 13);
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
}

}  // namespace
}  // namespace erg::sweep
