#include "profiler/perf_power_source.hpp"

#include <gtest/gtest.h>

#include <array>

#include "core/error.hpp"
#include "profiler/energy_source.hpp"
#include "tests/profiler/fake_trees.hpp"

namespace erg::profiler {
namespace {

using testing::FakePerfSyscalls;
using testing::TempDir;
using testing::write_file;

// The layout arch/x86/events/rapl.c creates: a dynamic type, format/event = config:0-7, and
// events with .scale 2^-32 J and .unit Joules. Two packages: cpumask "0,2".
void add_power_pmu(const std::filesystem::path& sys, const std::string& cpumask = "0,2") {
  const auto pmu = sys / "bus/event_source/devices/power";
  write_file(pmu / "type", "23\n");
  write_file(pmu / "cpumask", cpumask + "\n");
  write_file(pmu / "format/event", "config:0-7\n");
  for (const auto& [name, code] :
       {std::pair{"energy-pkg", "0x02"}, {"energy-ram", "0x03"}, {"energy-cores", "0x01"}}) {
    write_file(pmu / "events" / name, std::string("event=") + code + "\n");
    write_file(pmu / "events" / (std::string(name) + ".scale"), "2.3283064365386962890625e-10\n");
    write_file(pmu / "events" / (std::string(name) + ".unit"), "Joules\n");
  }
  write_file(sys / "devices/system/cpu/cpu0/topology/physical_package_id", "0\n");
  write_file(sys / "devices/system/cpu/cpu2/topology/physical_package_id", "1\n");
}

TEST(PerfPowerSource, ReadsPmuDescriptionFromSysfs) {
  TempDir tmp;
  add_power_pmu(tmp.path());
  const auto pmu = read_power_pmu(tmp.path());
  EXPECT_EQ(pmu.type, 23u);
  EXPECT_EQ(pmu.cpus, (std::vector<int>{0, 2}));
  ASSERT_EQ(pmu.events.size(), 3u);  // sorted by file name
  EXPECT_EQ(pmu.events[0].name, "energy-cores");
  EXPECT_EQ(pmu.events[1].config, 0x02u);
  EXPECT_DOUBLE_EQ(pmu.events[1].scale, 1.0 / 4294967296.0);
  EXPECT_EQ(pmu.events[1].unit, "Joules");
}

TEST(PerfPowerSource, CpuListsAndFormatsParse) {
  EXPECT_EQ(parse_cpu_list("0-3,8\n", "x"), (std::vector<int>{0, 1, 2, 3, 8}));
  EXPECT_THROW(parse_cpu_list("0-x", "x"), Error);
  TempDir tmp;
  add_power_pmu(tmp.path());
  // A split format places the value's low bits at 0-3 and the next bits at 8-11.
  write_file(tmp.path() / "bus/event_source/devices/power/format/event", "config:0-3,8-11\n");
  write_file(tmp.path() / "bus/event_source/devices/power/events/energy-pkg", "event=0x25\n");
  EXPECT_EQ(read_power_pmu(tmp.path()).events[1].config, 0x205u);
  write_file(tmp.path() / "bus/event_source/devices/power/type", "twenty\n");
  EXPECT_THROW(read_power_pmu(tmp.path()), Error);
}

TEST(PerfPowerSource, OpensSystemWideOnEachCpumaskCpuWithoutExcludeFlags) {
  TempDir tmp;
  add_power_pmu(tmp.path());
  FakePerfSyscalls fake;
  PerfPowerSource source(tmp.path(), fake);
  ASSERT_EQ(fake.opened.size(), 6u);  // 3 events x 2 cpus
  for (const auto& o : fake.opened) {
    EXPECT_EQ(o.attr.type, 23u);
    EXPECT_EQ(o.pid, -1);
    EXPECT_TRUE(o.cpu == 0 || o.cpu == 2);
    EXPECT_EQ(o.attr.exclude_kernel, 0u);
    EXPECT_EQ(o.attr.exclude_user, 0u);
    EXPECT_EQ(o.attr.exclude_hv, 0u);
    EXPECT_EQ(o.attr.sample_period, 0u);
  }
  std::vector<std::string> names;
  for (const auto& d : source.domains())
    names.push_back(d.name);
  EXPECT_EQ(names, (std::vector<std::string>{"package-0", "package-0/core", "package-0/dram",
                                             "package-1", "package-1/core", "package-1/dram"}));
  // 2^32 counts at scale 2^-32 J are 1 J = 1e6 uJ; counts are relative to the open.
  const int pkg1_fd = FakePerfSyscalls::kFirstFd + 4;  // cpu 2, second event (energy-pkg)
  ASSERT_EQ(fake.at(pkg1_fd).attr.config, 0x02u);
  ASSERT_EQ(fake.at(pkg1_fd).cpu, 2);
  fake.counts[pkg1_fd] = 3 * 4294967296ULL;
  std::array<std::uint64_t, 6> out{};
  source.read_uj(out);
  EXPECT_EQ(out[3], 3'000'000u);
  EXPECT_EQ(out[0], 0u);
}

// Multi-die parts list one cpumask CPU per die; dies of one package are told apart by die_id.
// psys becomes the total; an event whose unit is not Joules is skipped with a warning.
TEST(PerfPowerSource, DiesPsysAndForeignUnits) {
  TempDir tmp;
  add_power_pmu(tmp.path(), "0,1");
  const auto sys = tmp.path();
  write_file(sys / "devices/system/cpu/cpu1/topology/physical_package_id", "0\n");
  write_file(sys / "devices/system/cpu/cpu0/topology/die_id", "0\n");
  write_file(sys / "devices/system/cpu/cpu1/topology/die_id", "1\n");
  const auto events = sys / "bus/event_source/devices/power/events";
  write_file(events / "energy-psys", "event=0x05\n");
  write_file(events / "energy-psys.scale", "2.3283064365386962890625e-10\n");
  write_file(events / "energy-psys.unit", "Joules\n");
  write_file(events / "energy-cores.unit", "Watts\n");
  FakePerfSyscalls fake;
  PerfPowerSource source(sys, fake);
  std::vector<std::string> names, totals;
  for (const auto& d : source.domains()) {
    names.push_back(d.name);
    if (d.in_total) totals.push_back(d.name);
  }
  EXPECT_EQ(names,
            (std::vector<std::string>{"package-0-die-0", "package-0-die-0/dram", "package-0-die-1",
                                      "package-0-die-1/dram", "psys-0", "psys-1"}));
  EXPECT_EQ(totals, (std::vector<std::string>{"psys-0", "psys-1"}));
  ASSERT_EQ(source.warnings().size(), 2u);  // energy-cores on each die
  EXPECT_NE(source.warnings()[0].find("'Watts'"), std::string::npos);
}

TEST(PerfPowerSource, PermissionDeniedSaysHowToAllowIt) {
  TempDir tmp;
  add_power_pmu(tmp.path(), "0");
  FakePerfSyscalls fake;
  fake.refuse = [](const perf_event_attr&, pid_t, int) { return EACCES; };
  try {
    PerfPowerSource source(tmp.path(), fake);
    FAIL();
  } catch (const UnavailableError&) {
    FAIL() << "a permission problem is not an absence";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("perf_event_paranoid=0"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("CAP_PERFMON"), std::string::npos);
  }
}

TEST(EnergySourceChoice, AutoPrefersPerfThenFallsBackToPowercap) {
  TempDir tmp;
  add_power_pmu(tmp.path() / "sys", "0");
  testing::add_zone(tmp.path() / "powercap", "intel-rapl:0", "package-0", 0);
  FakePerfSyscalls fake;
  EnergySourceOptions options;
  options.sys_root = tmp.path() / "sys";
  options.powercap_root = tmp.path() / "powercap";
  options.syscalls = &fake;
  options.start_poller = false;
  EXPECT_EQ(open_energy_source(options)->kind(), "perf");
  fake.refuse = [](const perf_event_attr&, pid_t, int) { return EACCES; };
  EXPECT_EQ(open_energy_source(options)->kind(), "powercap");
  options.kind = EnergySourceKind::kPerf;  // the user's override is obeyed, with the reason
  EXPECT_THROW(open_energy_source(options), Error);
  options.kind = parse_energy_source_kind("powercap");
  fake.refuse = nullptr;
  EXPECT_EQ(open_energy_source(options)->kind(), "powercap");
  EXPECT_THROW(parse_energy_source_kind("msr"), Error);
}

TEST(EnergySourceChoice, NeitherInterfaceIsUnavailableWithBothReasons) {
  TempDir tmp;
  EnergySourceOptions options;
  options.sys_root = tmp.path() / "sys";
  options.powercap_root = tmp.path() / "powercap";
  try {
    open_energy_source(options);
    FAIL();
  } catch (const UnavailableError& e) {
    const std::string text = e.what();
    EXPECT_NE(text.find("powercap"), std::string::npos);
    EXPECT_NE(text.find("bus/event_source/devices/power"), std::string::npos);
  }
}

}  // namespace
}  // namespace erg::profiler
