// erg report reads a sweep's store the way erg sweep does (issue 18 item 9): a torn last line,
// what kill -9 mid-write leaves, is left out with a warning and the file stays as it was; a sweep
// without summary.json says which command finishes it.
#include "reports/report_inputs.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "core/paths.hpp"

namespace erg::reports {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A copy of the committed 38-row asr_design_search sweep.
fs::path copy_of_fixture(const std::string& name) {
  const auto dir =
      fs::temp_directory_path() / ("erg_report_inputs_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::copy(data_root() / "tests" / "fixtures" / "reports" / "asr_design_search", dir,
           fs::copy_options::recursive);
  return dir;
}

constexpr const char* kTorn = R"({"key": "0123", "config": {"variant": "asr.joi)";

TEST(ReportInputs, ATornLastLineIsLeftOutWithAWarningAndTheFileUnchanged) {
  const auto dir = copy_of_fixture("torn");
  const auto intact = read(dir / "results.jsonl");
  const auto rows = load_sweep_results(dir).rows.size();
  ASSERT_EQ(rows, 38u);
  std::ofstream(dir / "results.jsonl", std::ios::app) << kTorn;
  // Old code: "not a JSON row" at line 39, and no report.
  const auto loaded = load_sweep_results(dir);
  EXPECT_EQ(loaded.rows.size(), rows);
  ASSERT_EQ(loaded.warnings.size(), 1u);
  const auto store = (dir / "results.jsonl").string();
  EXPECT_EQ(loaded.warnings[0], store +
                                    ":39: left out a torn last line (a sweep killed "
                                    "mid-write); `erg sweep " +
                                    (dir / "spec.toml").string() + " -o " + dir.string() +
                                    "` recomputes it");
  EXPECT_EQ(read(dir / "results.jsonl"), intact + kTorn);  // a report never writes the store
  fs::remove_all(dir);
}

TEST(ReportInputs, AMissingSummaryNamesTheCommandThatWritesIt) {
  const auto dir = copy_of_fixture("nosummary");
  fs::remove(dir / "summary.json");
  try {
    (void)load_sweep_results(dir);
    FAIL() << "reported a sweep without summary.json";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(
        what.find("no summary.json: the sweep did not finish (or was killed); run `erg sweep " +
                  (dir / "spec.toml").string() + " -o " + dir.string() + "`"),
        std::string::npos)
        << what;
    EXPECT_NE(what.find((dir / "summary.json").string()), std::string::npos) << what;
  }
  fs::remove_all(dir);
}

// The command prints the warning on stderr and reports the intact rows (exit 0).
TEST(ReportInputs, TheReportCommandWarnsOnStderrAndSucceeds) {
  const fs::path erg = fs::path(ERG_TEST_BINARY_DIR) / "cli/erg";
  if (!fs::exists(erg)) GTEST_SKIP() << "build the erg target first";
  const auto dir = copy_of_fixture("cli");
  std::ofstream(dir / "results.jsonl", std::ios::app) << kTorn;
  const auto before = read(dir / "results.jsonl");
  const std::string command = erg.string() + " report " + dir.string() + " -o " +
                              (dir / "out").string() + " --format json 2>" +
                              (dir / "stderr.txt").string() + " >/dev/null";
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << read(dir / "stderr.txt");
  EXPECT_NE(read(dir / "stderr.txt")
                .find("erg: warning: " + (dir / "results.jsonl").string() +
                      ":39: left out a torn last line"),
            std::string::npos)
      << read(dir / "stderr.txt");
  EXPECT_TRUE(fs::exists(dir / "out" / "report.json"));
  EXPECT_EQ(read(dir / "results.jsonl"), before);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace erg::reports
