// `erg sweep` end to end: exit codes and messages for a directory of another spec (2, a usage
// matter), --force-new, and a spec with a wrong type (1, before any output is written).
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace erg::sweep {
namespace {

namespace fs = std::filesystem;

fs::path erg_binary() {
  return fs::path(ERG_TEST_BINARY_DIR) / "cli/erg";
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Result {
  int status = -1;
  std::string err;
};

Result erg(const fs::path& dir, const std::string& args) {
  const auto err = dir / "stderr.txt";
  const std::string command = erg_binary().string() + " " + args + " >/dev/null 2>" + err.string();
  const int raw = std::system(command.c_str());
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, read(err)};
}

std::string grid(const std::string& name, const std::string& component,
                 const std::string& audio_seconds = "0.16") {
  return "name = '" + name +
         "'\n[model]\nkind = 'shape'\nname = 'emformer_rnnt_base'\n[workload]\n"
         "audio_seconds = " +
         audio_seconds + "\n[hardware]\npresets = ['mobile-7nm-lpddr4x']\n[axes]\n'" + component +
         "' = ['', 'bits=8']\n";
}

class SweepCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(erg_binary())) GTEST_SKIP() << "build the erg target first";
    dir_ = fs::temp_directory_path() / ("erg_sweep_cli_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path dir_;
};

TEST_F(SweepCli, AnotherSpecInTheDirectoryIsAUsageErrorUnlessForced) {
  std::ofstream(dir_ / "a.toml") << grid("a", "asr.joiner");
  std::ofstream(dir_ / "b.toml") << grid("b", "asr.predictor");
  const auto out = (dir_ / "out").string();
  ASSERT_EQ(erg(dir_, "sweep " + (dir_ / "a.toml").string() + " -o " + out + " --quiet").status, 0);
  const auto store = read(dir_ / "out" / "results.jsonl");
  const auto refused = erg(dir_, "sweep " + (dir_ / "b.toml").string() + " -o " + out + " --quiet");
  EXPECT_EQ(refused.status, 2) << refused.err;
  EXPECT_EQ(refused.err.rfind("erg: error: ", 0), 0u) << refused.err;
  EXPECT_NE(refused.err.find("holds a sweep of another spec ('a'"), std::string::npos)
      << refused.err;
  EXPECT_EQ(read(dir_ / "out" / "results.jsonl"), store);
  const auto forced =
      erg(dir_, "sweep " + (dir_ / "b.toml").string() + " -o " + out + " --quiet --force-new");
  EXPECT_EQ(forced.status, 0) << forced.err;
  EXPECT_NE(forced.err.find("--force-new moved the sweep that was in " + out + " to " + out +
                            "/superseded-1"),
            std::string::npos)
      << forced.err;
  EXPECT_EQ(read(dir_ / "out" / "superseded-1" / "results.jsonl"), store);
}

TEST_F(SweepCli, AWrongTypeFailsBeforeAnyOutputIsWritten) {
  std::ofstream(dir_ / "bad.toml") << grid("bad", "asr.joiner", "\"two\"");
  const auto r = erg(dir_, "sweep " + (dir_ / "bad.toml").string() + " -o " +
                               (dir_ / "out").string() + " --quiet");
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.err.find("key 'workload.audio_seconds' must be a number (seconds of audio the "
                       "schedule covers), got a string: " +
                       (dir_ / "bad.toml").string() + ":6:17"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "out"));
  // audio_seconds = 0 once gave 0 uJ on every row; now it is refused in the same way.
  std::ofstream(dir_ / "zero.toml") << grid("zero", "asr.joiner", "0");
  const auto z = erg(dir_, "sweep " + (dir_ / "zero.toml").string() + " -o " +
                               (dir_ / "out").string() + " --quiet");
  EXPECT_EQ(z.status, 1) << z.err;
  EXPECT_NE(z.err.find("key 'workload.audio_seconds' is 0, too small (at least 0.001"),
            std::string::npos)
      << z.err;
  EXPECT_FALSE(fs::exists(dir_ / "out"));
}

// The closing line tells rows evaluated now from rows an earlier run stored (a fresh run used to
// say its repeat requests were "answered from rows already stored").
TEST_F(SweepCli, TheSummaryLineSeparatesEarlierRunsFromRepeatRequests) {
  std::ofstream(dir_ / "a.toml") << grid("a", "asr.joiner");
  const auto out = (dir_ / "out").string();
  const auto run = [&] {
    const auto text = dir_ / "stdout.txt";
    const std::string command = erg_binary().string() + " sweep " + (dir_ / "a.toml").string() +
                                " -o " + out + " --quiet >" + text.string() + " 2>/dev/null";
    EXPECT_EQ(std::system(command.c_str()), 0);
    return read(text);
  };
  const auto first = run();
  EXPECT_NE(first.find("2 rows (2 evaluated now, 0 from an earlier run; "), std::string::npos)
      << first;
  const auto second = run();
  EXPECT_NE(second.find("2 rows (0 evaluated now, 2 from an earlier run; "), std::string::npos)
      << second;
}

}  // namespace
}  // namespace erg::sweep
