// A sweep directory belongs to one spec (issue 18 item 3): another spec is refused before
// anything changes, the same spec (by content) resumes, and --force-new keeps the old sweep in
// DIR/superseded-N/.
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "sweep/experiment.hpp"
#include "sweep/result_store.hpp"

namespace erg::sweep {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("erg_outdir_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Two grids of two points on the shape model, over different components.
std::string grid(const std::string& name, const std::string& component) {
  return "name = '" + name +
         "'\n[model]\nkind = 'shape'\nname = 'emformer_rnnt_base'\n[workload]\n"
         "audio_seconds = 0.16\n[hardware]\npresets = ['mobile-7nm-lpddr4x']\n[axes]\n'" +
         component + "' = ['', 'bits=8']\n";
}

ExperimentSpec write_spec(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
  return load_experiment_spec(path);
}

SweepOptions quiet(bool force_new = false) {
  SweepOptions o{1, {}, false, nullptr};
  o.force_new = force_new;
  return o;
}

TEST(OutputDir, AnotherSpecIsRefusedAndNothingChanges) {
  const auto dir = temp_dir("refuse");
  const auto a = write_spec(dir / "a.toml", grid("a", "asr.joiner"));
  const auto b = write_spec(dir / "b.toml", grid("b", "asr.predictor"));
  const auto out = dir / "out";
  run_experiment(a, out, quiet());
  const auto store = read(out / "results.jsonl");
  const auto summary = read(out / "summary.json");
  try {
    run_experiment(b, out, quiet());
    FAIL() << "spec b ran into spec a's directory";  // old code: a's rows in b's summary
  } catch (const UsageError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("holds a sweep of another spec ('a' in " + (out / "spec.toml").string() +
                        "; this one is 'b' from " + (dir / "b.toml").string() + ")"),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("`erg sweep " + (out / "spec.toml").string() + " -o " + out.string() + "`"),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("--force-new"), std::string::npos) << what;
  }
  EXPECT_EQ(read(out / "spec.toml"), grid("a", "asr.joiner"));  // not overwritten
  EXPECT_EQ(read(out / "results.jsonl"), store);
  EXPECT_EQ(read(out / "summary.json"), summary);
}

// A spec parsed from text with DIR/spec.toml as its origin (erg.sweep() with a dict) is compared
// by content too, not taken to be the file already there.
TEST(OutputDir, ASpecParsedFromTextNamingTheDirectorysCopyIsComparedByContent) {
  const auto dir = temp_dir("text");
  const auto out = dir / "out";
  run_experiment(write_spec(dir / "a.toml", grid("a", "asr.joiner")), out, quiet());
  const auto b = parse_experiment_spec(grid("b", "asr.predictor"), out / "spec.toml");
  EXPECT_THROW(run_experiment(b, out, quiet()), UsageError);
  EXPECT_EQ(read(out / "spec.toml"), grid("a", "asr.joiner"));
  const auto a = parse_experiment_spec(grid("a", "asr.joiner"), out / "spec.toml");
  EXPECT_EQ(run_experiment(a, out, quiet())["evaluated_now"], 0u);
  const auto forced = run_experiment(b, out, quiet(true));
  EXPECT_EQ(forced["superseded_dir"], (out / "superseded-1").string());
  EXPECT_EQ(read(out / "spec.toml"), grid("b", "asr.predictor"));  // written from the text
}

TEST(OutputDir, TheSameSpecByContentResumes) {
  const auto dir = temp_dir("resume");
  const auto out = dir / "out";
  run_experiment(write_spec(dir / "a.toml", grid("a", "asr.joiner")), out, quiet());
  // Another file, a comment and other quoting: the same content, so the run resumes.
  const auto again = run_experiment(
      write_spec(dir / "a2.toml", "# reworded\n" + grid("a", "asr.joiner")), out, quiet());
  EXPECT_EQ(again["evaluated_now"], 0u);
  EXPECT_EQ(again["skipped_finished"], 2u);
  EXPECT_FALSE(again.contains("superseded_dir"));
  // The spec's own copy in the directory resumes too.
  const auto copy = run_experiment(load_experiment_spec(out / "spec.toml"), out, quiet());
  EXPECT_EQ(copy["evaluated_now"], 0u);
}

TEST(OutputDir, ForceNewMovesTheOldSweepAsideAndStartsAfresh) {
  const auto dir = temp_dir("force");
  const auto out = dir / "out";
  run_experiment(write_spec(dir / "a.toml", grid("a", "asr.joiner")), out, quiet());
  fs::create_directories(out / "report");
  std::ofstream(out / "report" / "report.md") << "a's report\n";
  const auto store_a = read(out / "results.jsonl");
  const auto b = write_spec(dir / "b.toml", grid("b", "asr.predictor"));
  const auto summary = run_experiment(b, out, quiet(true));
  ASSERT_EQ(summary["superseded_dir"], (out / "superseded-1").string());
  // Nothing of a's is lost: every file moved as it was.
  EXPECT_EQ(read(out / "superseded-1" / "spec.toml"), grid("a", "asr.joiner"));
  EXPECT_EQ(read(out / "superseded-1" / "results.jsonl"), store_a);
  EXPECT_TRUE(fs::exists(out / "superseded-1" / "summary.json"));
  EXPECT_TRUE(fs::exists(out / "superseded-1" / "results.csv"));
  EXPECT_EQ(read(out / "superseded-1" / "report" / "report.md"), "a's report\n");
  // The new store holds only b's rows.
  EXPECT_EQ(summary["rows"], 2u);
  EXPECT_EQ(summary["evaluated_now"], 2u);
  EXPECT_EQ(read(out / "spec.toml"), grid("b", "asr.predictor"));
  for (const auto& row : read_result_store(out / "results.jsonl").rows) {
    const std::string variant = row["config"]["variant"];
    EXPECT_TRUE(variant.empty() || variant == "asr.predictor:bits=8") << variant;
  }
  // Forced again (the same spec): the next free folder, and a fresh store once more.
  const auto again = run_experiment(b, out, quiet(true));
  EXPECT_EQ(again["superseded_dir"], (out / "superseded-2").string());
  EXPECT_EQ(again["evaluated_now"], 2u);
}

TEST(OutputDir, RowsWithoutASpecAreRefused) {
  const auto dir = temp_dir("nospec");
  const auto out = dir / "out";
  run_experiment(write_spec(dir / "a.toml", grid("a", "asr.joiner")), out, quiet());
  fs::remove(out / "spec.toml");
  const auto b = write_spec(dir / "b.toml", grid("b", "asr.predictor"));
  try {
    run_experiment(b, out, quiet());
    FAIL() << "ran into rows of an unknown spec";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("holds results.jsonl rows but no spec.toml"),
              std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(fs::exists(out / "spec.toml"));
}

TEST(OutputDir, MergeIntoASweepOfAnotherSpecIsRefused) {
  const auto dir = temp_dir("merge");
  const auto a = write_spec(dir / "a.toml", grid("a", "asr.joiner"));
  run_experiment(a, dir / "s0", [] {
    auto o = quiet();
    o.shard = Shard::parse("0/2");
    return o;
  }());
  run_experiment(write_spec(dir / "b.toml", grid("b", "asr.predictor")), dir / "other", quiet());
  const auto other_store = read(dir / "other" / "results.jsonl");
  try {
    merge_experiments({dir / "s0"}, dir / "other");
    FAIL() << "merged into a sweep of another spec";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("holds a sweep of another spec ('b'"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("Merge into another -o DIR"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(read(dir / "other" / "results.jsonl"), other_store);
  EXPECT_EQ(read(dir / "other" / "spec.toml"), grid("b", "asr.predictor"));
  // Into the shard itself (the same spec) it is fine.
  EXPECT_EQ(merge_experiments({dir / "s0"}, dir / "s0")["rows"], 1u);
}

}  // namespace
}  // namespace erg::sweep
