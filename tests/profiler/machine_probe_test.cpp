#include "profiler/machine_probe.hpp"

#include <gtest/gtest.h>

#include "tests/profiler/fake_trees.hpp"

namespace erg::profiler {
namespace {

using testing::TempDir;
using testing::write_file;

// A fake bare-metal machine: two CPUs, one package with a dram subzone and an MMIO twin, and no
// perf power PMU; the fake perf layer accepts every event.
TEST(MachineProbe, FakeMachineReportsZonesAndTheAutoSource) {
  TempDir tmp;
  ProbeRoots roots{tmp.path() / "sys", tmp.path() / "proc"};
  write_file(roots.proc / "cpuinfo",
             "processor\t: 0\nmodel name\t: Test CPU 9000\nflags\t\t: fpu sse\n\n"
             "processor\t: 1\nmodel name\t: Test CPU 9000\n");
  write_file(roots.proc / "sys/kernel/perf_event_paranoid", "-1\n");
  const auto powercap = roots.sys / "class/powercap";
  testing::add_zone(powercap, "intel-rapl:0", "package-0", 5);
  testing::add_zone(powercap, "intel-rapl:0:0", "dram", 5);
  testing::add_zone(powercap, "intel-rapl-mmio:0", "package-0", 5);
  testing::FakePerfSyscalls fake;
  const auto info = probe_machine(roots, fake);
  EXPECT_EQ(info.cpu_model, "Test CPU 9000");
  EXPECT_EQ(info.logical_cpus, 2);
  EXPECT_FALSE(info.hypervisor);
  ASSERT_EQ(info.powercap.zones.size(), 2u);
  EXPECT_EQ(info.powercap.zones[1].domain, "package-0/dram");
  EXPECT_FALSE(info.perf_power.present);
  EXPECT_EQ(info.energy_source, "powercap");
  EXPECT_EQ(info.energy_domains, (std::vector<std::string>{"package-0", "package-0/dram"}));
  for (const auto& e : info.perf_events)
    EXPECT_TRUE(e.supported) << e.name;
  const auto json = to_json(info);
  EXPECT_EQ(json["rapl"]["auto_source"]["source"], "powercap");
  EXPECT_NE(to_text(info).find("erg profile (--source auto) reads: powercap (package-0, "
                               "package-0/dram)"),
            std::string::npos);
}

TEST(MachineProbe, NoRaplSaysWhy) {
  TempDir tmp;
  ProbeRoots roots{tmp.path() / "sys", tmp.path() / "proc"};
  testing::FakePerfSyscalls fake;
  const auto info = probe_machine(roots, fake);
  EXPECT_TRUE(info.energy_source.empty());
  EXPECT_NE(info.energy_source_reason.find("no RAPL energy interface"), std::string::npos);
  EXPECT_EQ(to_json(info)["rapl"]["auto_source"]["source"], nullptr);
}

}  // namespace
}  // namespace erg::profiler
