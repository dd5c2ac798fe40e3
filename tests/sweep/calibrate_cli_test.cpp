// `erg calibrate` through the binary: no RAPL is exit 1 with the reason, a fake powercap tree
// runs the whole path and writes a preset that `erg simulate --preset FILE` accepts.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "simulator/preset.hpp"
#include "tests/profiler/fake_trees.hpp"

namespace erg::sweep {
namespace {

namespace fs = std::filesystem;
namespace pt = profiler::testing;

fs::path erg_binary() {
  return fs::path(ERG_TEST_BINARY_DIR) / "cli/erg";
}

struct Result {
  int status = -1;
  std::string out;  // stdout and stderr
};

Result run(const std::string& args) {
  Result r;
  FILE* pipe = ::popen((erg_binary().string() + " " + args + " 2>&1").c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen failed");
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0)
    r.out.append(buf, n);
  const int raw = ::pclose(pipe);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return r;
}

TEST(CalibrateCli, NoPowercapTreeIsExitOneWithTheReason) {
  if (!fs::exists(erg_binary())) GTEST_SKIP() << "build the erg target first";
  pt::TempDir tmp;
  const auto missing = tmp.path() / "no-such-powercap";
  const Result r =
      run("calibrate --source " + missing.string() + " -o " + (tmp.path() / "p.toml").string());
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("erg: error: erg calibrate needs RAPL energy"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(missing.string()), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("nothing was fitted"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(tmp.path() / "p.toml"));
}

TEST(CalibrateCli, BadRepeatIsAUsageError) {
  if (!fs::exists(erg_binary())) GTEST_SKIP() << "build the erg target first";
  const Result r = run("calibrate --repeat 0");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("--repeat"), std::string::npos) << r.out;
}

// The package draws a constant 2 W (idle = busy, so the fit is near zero: this checks the path,
// not the numbers; calibrate_ground_truth_test checks those).
TEST(CalibrateCli, FakeTreeWritesAPresetThatSimulateAccepts) {
  if (!fs::exists(erg_binary())) GTEST_SKIP() << "build the erg target first";
  pt::TempDir tmp;
  const auto tree = tmp.path() / "powercap";
  constexpr std::uint64_t kMax = 262143328850ULL;
  pt::add_control_type(tree, "intel-rapl");
  pt::add_zone(tree, "intel-rapl:0", "package-0", 0, kMax);
  pt::add_zone(tree, "intel-rapl:0:0", "dram", 0, kMax);
  pt::EnergyWriter writer(tree / "intel-rapl:0/energy_uj", 2.0, 0, kMax);
  writer.wait_until_running();
  const auto preset = tmp.path() / "p.toml";
  const Result r = run("calibrate --source " + tree.string() + " -o " + preset.string() +
                       " --repeat 2 --duration-s 0.02 --baseline-s 0.1 --settle-s 0.002");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("Fitted against base preset desktop-ddr4"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("level.l1.read_energy_pj"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("hardware counters"), std::string::npos) << r.out;
  const simulator::Preset p = simulator::load_preset(preset);
  EXPECT_EQ(p.name, "desktop-ddr4-calibrated");
  EXPECT_EQ(p.hierarchy.levels.size(), 3u);

  const auto trace = tmp.path() / "t.din";
  std::ofstream(trace) << "0 1000 40\n1 2000 40\n0 1000 40\n";
  const Result sim = run("simulate --preset " + preset.string() + " --trace " + trace.string());
  EXPECT_EQ(sim.status, 0) << sim.out;
  EXPECT_NE(sim.out.find("desktop-ddr4-calibrated"), std::string::npos) << sim.out;
}

}  // namespace
}  // namespace erg::sweep
