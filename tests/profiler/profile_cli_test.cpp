#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/profiler/fake_trees.hpp"

namespace erg::profiler {
namespace {

using testing::TempDir;

std::filesystem::path erg_binary() {
  return std::filesystem::path(ERG_TEST_BINARY_DIR) / "cli/erg";
}

std::string run(const std::string& command, int& status) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen failed");
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0)
    out.append(buf, n);
  status = ::pclose(pipe);
  return out;
}

// The live end-to-end test: a helper thread makes a fake package draw 6 W with a 24 J wrap point,
// starting 3.6 J below it, so the counter wraps once, 0.6 s in, while `erg profile` measures
// `sleep 1.5`. Expected energy = 6 W x the reported time, within 2%; a missed or doubled wrap
// would be off by 24 J.
TEST(ProfileCli, MeasuresACommandAcrossOneWrapWithinTwoPercent) {
  if (!std::filesystem::exists(erg_binary())) GTEST_SKIP() << "build the erg target first";
  TempDir tmp;
  const auto tree = tmp.path() / "powercap";
  const std::uint64_t max_uj = 24'000'000;
  testing::add_zone(tree, "intel-rapl:0", "package-0", 0, max_uj, 20'000'000);
  testing::EnergyWriter writer(tree / "intel-rapl:0/energy_uj", 6.0, max_uj - 3'600'000, max_uj);
  writer.wait_until_running();
  const auto launched_ns = testing::monotonic_ns();
  int status = 0;
  const auto out =
      run(erg_binary().string() + " profile --json --source powercap --powercap-root " +
              tree.string() + " -o " + (tmp.path() / "out").string() + " -- sleep 1.5",
          status);
  const auto done_ns = testing::monotonic_ns();
  ASSERT_EQ(status, 0) << out;
  EXPECT_EQ(writer.wraps(), 1);
  EXPECT_GT(writer.first_wrap_ns(), launched_ns);
  EXPECT_LT(writer.first_wrap_ns(), done_ns);
  const auto json = nlohmann::json::parse(out);
  EXPECT_EQ(json["kind"], "profile");
  const auto& run0 = json["runs"][0];
  EXPECT_EQ(run0["exit_status"], 0);
  const double time_s = run0["time_s"];
  EXPECT_GE(time_s, 1.5);
  const auto& package = run0["energy"]["domains"][0];
  EXPECT_EQ(package["name"], "package-0");
  const double energy_j = package["energy_j"];
  EXPECT_NEAR(energy_j, 6.0 * time_s, 6.0 * time_s * 0.02);
  EXPECT_DOUBLE_EQ(run0["energy"]["total_energy_j"].get<double>(), energy_j);
  // The timeline file exists, has the header and about one row per 10 ms.
  const std::string csv = json["timeline"]["csv"];
  std::ifstream in(csv);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "time_s,package-0_power_w");
  int rows = 0;
  while (std::getline(in, line))
    ++rows;
  EXPECT_GT(rows, 50);
  EXPECT_TRUE(std::filesystem::exists(json["timeline"]["json"].get<std::string>()));
}

// Where there is no RAPL, the command still runs and the reason is stated.
TEST(ProfileCli, WithoutEnergyStatesTheReason) {
  if (!std::filesystem::exists(erg_binary())) GTEST_SKIP() << "build the erg target first";
  TempDir tmp;
  int status = 0;
  const auto out = run(erg_binary().string() + " profile --powercap-root " +
                           (tmp.path() / "none").string() + " -- true",
                       status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("energy: unavailable (no " + (tmp.path() / "none").string()),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("task-clock"), std::string::npos) << out;
  const auto usage = run(erg_binary().string() + " profile llm 2>&1", status);
  EXPECT_EQ(WEXITSTATUS(status), 2);
}

}  // namespace
}  // namespace erg::profiler
