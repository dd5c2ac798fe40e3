#include "profiler/power_sampler.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/error.hpp"
#include "profiler/powercap_source.hpp"
#include "tests/profiler/fake_trees.hpp"

namespace erg::profiler {
namespace {

using testing::add_zone;
using testing::TempDir;

// A fake package drawing 5 W; the sampler at 10 ms keeps the last 8 samples in memory and
// streams all of them to CSV. Expectations: ~20 samples in 0.2 s, the ring holds 8, the file
// holds every one, and the median power is 5 W (within 10%: the fake advances every 0.5 ms).
TEST(PowerSampler, BoundedRingAndStreamedCsvAtTheKnownPower) {
  TempDir tmp;
  add_zone(tmp.path(), "intel-rapl:0", "package-0", 0, 1'000'000'000'000ULL);
  add_zone(tmp.path(), "intel-rapl:0:0", "dram", 0, 1'000'000'000'000ULL);
  testing::EnergyWriter writer(tmp.path() / "intel-rapl:0/energy_uj", 5.0, 0, 1'000'000'000'000ULL);
  writer.wait_until_running();
  PowercapOptions options;
  options.root = tmp.path();
  PowercapSource source(options);
  const auto csv = tmp.path() / "timeline.csv";
  PowerSampler sampler(source, {0.010, 8, csv});
  sampler.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  sampler.stop();
  sampler.stop();  // idempotent
  const auto taken = sampler.taken();
  EXPECT_GE(taken, 10u);
  EXPECT_LE(taken, 21u);
  const auto samples = sampler.samples();
  ASSERT_EQ(samples.size(), 8u);
  EXPECT_EQ(sampler.overwritten(), taken - 8);
  std::vector<double> package_w;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    if (i > 0) {
      EXPECT_GT(samples[i].time_s, samples[i - 1].time_s);
    }
    ASSERT_EQ(samples[i].power_w.size(), 2u);
    package_w.push_back(samples[i].power_w[0]);
    EXPECT_EQ(samples[i].power_w[1], 0.0);  // dram did not move
  }
  std::nth_element(package_w.begin(), package_w.begin() + 4, package_w.end());
  EXPECT_NEAR(package_w[4], 5.0, 0.5);

  std::ifstream in(csv);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "time_s,package-0_power_w,package-0/dram_power_w");
  std::uint64_t rows = 0;
  while (std::getline(in, line))
    ++rows;
  EXPECT_EQ(rows, taken);

  std::ostringstream out;
  sampler.write_csv(out);
  const auto text = out.str();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 9);
  const auto json = sampler.to_json();
  EXPECT_EQ(json["samples"].size(), 8u);
  EXPECT_EQ(json["domains"][1], "package-0/dram");
  EXPECT_TRUE(json["samples"][0]["power_w"].contains("package-0"));
  EXPECT_GE(sampler.cpu_time_s(), 0.0);
}

TEST(PowerSampler, RejectsBadSettings) {
  TempDir tmp;
  add_zone(tmp.path(), "intel-rapl:0", "package-0", 0);
  PowercapOptions options;
  options.root = tmp.path();
  options.start_poller = false;
  PowercapSource source(options);
  EXPECT_THROW(PowerSampler(source, {0.0, 8, {}}), Error);
  EXPECT_THROW(PowerSampler(source, {0.01, 0, {}}), Error);
  EXPECT_THROW(PowerSampler(source, {0.01, 8, tmp.path() / "no/such/dir/t.csv"}), Error);
}

}  // namespace
}  // namespace erg::profiler
