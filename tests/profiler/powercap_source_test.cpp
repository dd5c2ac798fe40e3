#include "profiler/powercap_source.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cmath>

#include "core/error.hpp"
#include "tests/profiler/fake_trees.hpp"

namespace erg::profiler {
namespace {

using testing::add_control_type;
using testing::add_zone;
using testing::set_energy;
using testing::TempDir;

std::vector<std::string> names(const EnergySource& source) {
  std::vector<std::string> out;
  for (const auto& d : source.domains())
    out.push_back(d.name);
  return out;
}

std::vector<std::string> total_names(const EnergySource& source) {
  std::vector<std::string> out;
  for (const auto& d : source.domains()) {
    if (d.in_total) out.push_back(d.name);
  }
  return out;
}

PowercapOptions no_poller(const std::filesystem::path& root) {
  PowercapOptions options;
  options.root = root;
  options.start_poller = false;
  return options;
}

std::vector<std::uint64_t> read(EnergySource& source) {
  std::vector<std::uint64_t> out(source.domains().size());
  source.read_uj(out);
  return out;
}

// Client layout: dram is the third subzone (:0:2), core and uncore before it.
TEST(PowercapSource, SingleSocketClientFindsZonesByName) {
  TempDir tmp;
  add_control_type(tmp.path(), "intel-rapl");
  add_zone(tmp.path(), "intel-rapl:0", "package-0", 1000);
  add_zone(tmp.path(), "intel-rapl:0:0", "core", 500);
  add_zone(tmp.path(), "intel-rapl:0:1", "uncore", 100);
  add_zone(tmp.path(), "intel-rapl:0:2", "dram", 300, 65712999613ULL);
  PowercapSource source(no_poller(tmp.path()));
  EXPECT_EQ(names(source), (std::vector<std::string>{"package-0", "package-0/core",
                                                     "package-0/uncore", "package-0/dram"}));
  // No psys, so the non-overlapping total is package + dram (core, uncore are inside package).
  EXPECT_EQ(total_names(source), (std::vector<std::string>{"package-0", "package-0/dram"}));
  EXPECT_EQ(read(source), (std::vector<std::uint64_t>{0, 0, 0, 0}));
  set_energy(tmp.path(), "intel-rapl:0", 1000 + 25'000'000);
  set_energy(tmp.path(), "intel-rapl:0:2", 300 + 7);
  EXPECT_EQ(read(source), (std::vector<std::uint64_t>{25'000'000, 0, 0, 7}));
}

// Server layout: dram is the first subzone (:0:0); two sockets. The order of the directories
// says nothing: the names do.
TEST(PowercapSource, MultiSocketServerWithDramAtZeroZero) {
  TempDir tmp;
  add_control_type(tmp.path(), "intel-rapl");
  add_zone(tmp.path(), "intel-rapl:0", "package-0", 10);
  add_zone(tmp.path(), "intel-rapl:0:0", "dram", 20);
  add_zone(tmp.path(), "intel-rapl:1", "package-1", 30);
  add_zone(tmp.path(), "intel-rapl:1:0", "dram", 40);
  PowercapSource source(no_poller(tmp.path()));
  EXPECT_EQ(names(source), (std::vector<std::string>{"package-0", "package-0/dram", "package-1",
                                                     "package-1/dram"}));
  EXPECT_EQ(total_names(source), names(source));
  set_energy(tmp.path(), "intel-rapl:1:0", 45);
  EXPECT_EQ(read(source), (std::vector<std::uint64_t>{0, 0, 0, 5}));
}

// Laptops put psys at intel-rapl:1, where a server would have package-1.
TEST(PowercapSource, PsysAtTopLevelIsTheTotal) {
  TempDir tmp;
  add_zone(tmp.path(), "intel-rapl:0", "package-0", 0);
  add_zone(tmp.path(), "intel-rapl:0:0", "core", 0);
  add_zone(tmp.path(), "intel-rapl:1", "psys", 0);
  PowercapSource source(no_poller(tmp.path()));
  EXPECT_EQ(names(source), (std::vector<std::string>{"package-0", "package-0/core", "psys"}));
  EXPECT_EQ(total_names(source), (std::vector<std::string>{"psys"}));
  EXPECT_EQ(source.domains()[2].kind, "psys");
}

TEST(PowercapSource, SkipsMmioDuplicates) {
  TempDir tmp;
  add_control_type(tmp.path(), "intel-rapl");
  add_control_type(tmp.path(), "intel-rapl-mmio");
  add_zone(tmp.path(), "intel-rapl:0", "package-0", 0);
  add_zone(tmp.path(), "intel-rapl-mmio:0", "package-0", 0);
  PowercapSource source(no_poller(tmp.path()));
  EXPECT_EQ(names(source), (std::vector<std::string>{"package-0"}));
}

// AMD (kernel >= 5.8) reuses the intel-rapl control type: package + core, no dram.
// Threadripper-like parts list one package zone per die.
TEST(PowercapSource, AmdStyleZonesAndPerDiePackages) {
  TempDir tmp;
  add_zone(tmp.path(), "intel-rapl:0", "package-0-die-0", 0, 4294967295ULL * 15);
  add_zone(tmp.path(), "intel-rapl:0:0", "core", 0);
  add_zone(tmp.path(), "intel-rapl:1", "package-0-die-1", 0);
  PowercapSource source(no_poller(tmp.path()));
  EXPECT_EQ(names(source), (std::vector<std::string>{"package-0-die-0", "package-0-die-0/core",
                                                     "package-0-die-1"}));
  EXPECT_EQ(source.domains()[0].kind, "package");
  EXPECT_EQ(total_names(source), (std::vector<std::string>{"package-0-die-0", "package-0-die-1"}));
}

// d = cur + (max - prev) when cur < prev: prev 900, max 1000, cur 100 -> 200 uJ.
TEST(PowercapSource, FoldsOneWrapWithMaxEnergyRange) {
  TempDir tmp;
  add_zone(tmp.path(), "intel-rapl:0", "package-0", 900, 1000);
  PowercapSource source(no_poller(tmp.path()));
  set_energy(tmp.path(), "intel-rapl:0", 100);
  EXPECT_EQ(read(source)[0], 200u);
  set_energy(tmp.path(), "intel-rapl:0", 150);
  EXPECT_EQ(read(source)[0], 250u);
  EXPECT_EQ(source.dropped_samples()[0], 0u);
}

// A backwards step with no max range cannot be corrected: it is dropped (never negative).
TEST(PowercapSource, MissingMaxRangeDropsBackwardsStep) {
  TempDir tmp;
  add_zone(tmp.path(), "intel-rapl:0", "package-0", 900, std::nullopt);
  PowercapSource source(no_poller(tmp.path()));
  EXPECT_TRUE(std::isinf(source.poll_interval_s()));
  set_energy(tmp.path(), "intel-rapl:0", 100);
  EXPECT_EQ(read(source)[0], 0u);
  set_energy(tmp.path(), "intel-rapl:0", 160);
  EXPECT_EQ(read(source)[0], 60u);
  EXPECT_EQ(source.dropped_samples()[0], 1u);
  const auto warnings = source.warnings();
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_NE(warnings[0].find("max_energy_range_uj"), std::string::npos);
}

// Going from 500 kJ back to 10 uJ within milliseconds would need far more than the 1000 W cap:
// that is a counter reset (writing 0 to energy_uj), not a wrap worth 262 kJ.
TEST(PowercapSource, ImplausibleWrapIsDroppedAsReset) {
  TempDir tmp;
  add_zone(tmp.path(), "intel-rapl:0", "package-0", 200'000'000'000ULL);
  PowercapSource source(no_poller(tmp.path()));
  set_energy(tmp.path(), "intel-rapl:0", 10);
  EXPECT_EQ(read(source)[0], 0u);
  EXPECT_EQ(source.dropped_samples()[0], 1u);
}

// interval < max range / max power / 2: 262143328850 uJ / 125 W / 2 = 1048.573 s; the user's
// 1000 W bound gives 131.07 s.
TEST(PowercapSource, PollIntervalFromRangeAndMaxPower) {
  TempDir tmp;
  add_zone(tmp.path(), "intel-rapl:0", "package-0", 0, 262143328850ULL, 125'000'000);
  EXPECT_NEAR(PowercapSource(no_poller(tmp.path())).poll_interval_s(), 1048.5733, 1e-3);
  auto options = no_poller(tmp.path());
  options.max_power_w = 1000;
  EXPECT_NEAR(PowercapSource(options).poll_interval_s(), 131.0717, 1e-3);
  // Without a stated max power the 1000 W cap applies; the shortest zone sets the interval.
  add_zone(tmp.path(), "intel-rapl:0:0", "dram", 0, 65712999613ULL);
  EXPECT_NEAR(PowercapSource(no_poller(tmp.path())).poll_interval_s(), 32.8565, 1e-3);
}

TEST(PowercapSource, MalformedNumbersNameTheFile) {
  TempDir tmp;
  add_zone(tmp.path(), "intel-rapl:0", "package-0", 0);
  testing::write_file(tmp.path() / "intel-rapl:0/energy_uj", "12a4\n");
  try {
    PowercapSource source(no_poller(tmp.path()));
    FAIL() << "expected erg::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("malformed contents '12a4'"), std::string::npos);
    EXPECT_EQ(e.where(), (tmp.path() / "intel-rapl:0/energy_uj").string());
  }
  // A number, padding, then junk past the first 64 bytes: not read as the number.
  testing::write_file(tmp.path() / "intel-rapl:0/energy_uj",
                      "12345" + std::string(70, ' ') + "junk\n");
  try {
    PowercapSource source(no_poller(tmp.path()));
    FAIL() << "expected erg::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("longer than 63 bytes"), std::string::npos) << e.what();
  }
  set_energy(tmp.path(), "intel-rapl:0", 5);
  testing::write_file(tmp.path() / "intel-rapl:0/max_energy_range_uj", "-1\n");
  EXPECT_THROW(PowercapSource(no_poller(tmp.path())), Error);
  testing::write_file(tmp.path() / "intel-rapl:0/max_energy_range_uj", "1000\n");
  PowercapSource source(no_poller(tmp.path()));
  testing::write_file(tmp.path() / "intel-rapl:0/energy_uj", "\n");  // became garbage mid-run
  std::array<std::uint64_t, 1> out{};
  EXPECT_THROW(source.read_uj(out), Error);
}

TEST(PowercapSource, NoPowercapIsUnavailableWithReason) {
  TempDir tmp;
  try {
    PowercapSource source(no_poller(tmp.path() / "absent"));
    FAIL() << "expected UnavailableError";
  } catch (const UnavailableError& e) {
    EXPECT_NE(std::string(e.what()).find("absent"), std::string::npos);
  }
  // A root with only the control type has no zones either.
  add_control_type(tmp.path(), "intel-rapl");
  EXPECT_THROW(PowercapSource(no_poller(tmp.path())), UnavailableError);
}

// energy_uj with mode 000 (as since CVE-2020-8694 for non-root). Root bypasses file modes, so
// when the test runs as root it checks the real open() path in a child that dropped to
// 'nobody' (uid 65534) instead.
TEST(PowercapSource, UnreadableEnergyGivesTheFix) {
  TempDir tmp;
  ::chmod(tmp.path().c_str(), 0755);
  add_zone(tmp.path(), "intel-rapl:0", "package-0", 0);
  const auto energy = tmp.path() / "intel-rapl:0/energy_uj";
  ASSERT_EQ(::chmod(energy.c_str(), 0), 0);
  auto message_of = [&]() -> std::string {
    try {
      PowercapSource source(no_poller(tmp.path()));
    } catch (const UnavailableError& e) {
      return std::string("unavailable: ") + e.what();
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  };
  std::string message;
  if (::geteuid() != 0) {
    message = message_of();
  } else {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(fds[0]);
      if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(3);
      const auto text = message_of();
      const auto written = ::write(fds[1], text.data(), text.size());
      ::_exit(written == static_cast<ssize_t>(text.size()) ? 0 : 4);
    }
    ::close(fds[1]);
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof(buf))) > 0)
      message.append(buf, static_cast<std::size_t>(n));
    ::close(fds[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_EQ(WEXITSTATUS(status), 0) << "the child could not drop to uid 65534";
  }
  EXPECT_NE(message.find("sudo chmod a+r " + energy.string()), std::string::npos) << message;
  EXPECT_NE(message.find("udev"), std::string::npos) << message;
  EXPECT_EQ(message.find("unavailable"), std::string::npos) << message;
}

}  // namespace
}  // namespace erg::profiler
