#include <gtest/gtest.h>

#include "core/component_registry.hpp"
#include "simulator/energy_model.hpp"
#include "simulator/hierarchy.hpp"
#include "test_helpers.hpp"

namespace erg::simulator {
namespace {

// One 4-line fully associative write-back level, 64 B bursts, one component.
// Trace: read lines 0..4 (5 read misses, 5 fills; line 0 evicted clean), write line 4 (hit).
// L1: reads 5, writes 1, fills 5, writebacks 0 -> 5*10 + (1+5)*20 = 170 pJ.
// DRAM: 5 read bursts = 2560 bits x 1 pJ = 2560 pJ; ACT: lines 0-3 are bank 0 row 0 (miss then
// 3 hits), line 4 (0x100) is bank 1 row 0 (miss) -> 2 ACT x 100 = 200 pJ.
// MACs: 1000 int8 x 0.25 = 250 pJ, 10 fp32 x 4 = 40 pJ.
// Static over 1 ms: L1 1 mW -> 1e6 pJ; DRAM background 2 mW -> 2e6 pJ.
TEST(EnergyModel, HandComputedTotalsAndBreakdown) {
  const ComponentId comp = ComponentRegistry::global().intern("test.energy.layer");
  HierarchyConfig config;
  config.levels = {testing::cache("l1", 4, 0)};
  config.dram = testing::tiny_dram();
  Hierarchy h(config);
  h.on_access({0, 5 * 64, AccessOp::kRead, comp, kNoTensor});
  h.on_access({4 * 64, 8, AccessOp::kWrite, comp, kNoTensor});
  h.on_compute({1000, Precision::kInt8, comp});
  h.on_compute({10, Precision::kFp32, comp});

  EnergyTable table;
  table.levels = {{10.0, 20.0, 1e-3}};
  table.dram.read_energy_pj_per_bit = 1.0;
  table.dram.activation_energy_pj = 100.0;
  table.dram.background_power_w = 2e-3;
  table.mac_energy_pj = {4.0, 1.0, 0.25, 0.1};
  const auto e = compute_energy(table, h.stats(), 1e-3);
  ASSERT_EQ(e.levels.size(), 1u);
  EXPECT_DOUBLE_EQ(e.levels[0].dynamic_energy_pj, 170.0);
  EXPECT_NEAR(e.levels[0].static_energy_pj, 1e6, 1e-6);
  EXPECT_DOUBLE_EQ(e.dram.read_energy_pj, 2560.0);
  EXPECT_DOUBLE_EQ(e.dram.activation_energy_pj, 200.0);
  EXPECT_NEAR(e.dram.background_energy_pj, 2e6, 1e-6);
  EXPECT_DOUBLE_EQ(e.total_mac_energy_pj, 290.0);
  EXPECT_NEAR(e.dynamic_energy_pj, 170.0 + 2560.0 + 200.0 + 290.0, 1e-9);
  EXPECT_NEAR(e.total_energy_pj, 3220.0 + 3e6, 1e-6);
  EXPECT_TRUE(e.time_given);

  // The component row carries all the dynamic energy; static energy belongs to no component.
  ASSERT_EQ(e.components.size(), 1u);
  EXPECT_EQ(e.components[0].name, "test.energy.layer");
  EXPECT_DOUBLE_EQ(e.components[0].level_energy_pj[0], 170.0);
  EXPECT_DOUBLE_EQ(e.components[0].dram_energy_pj, 2760.0);
  EXPECT_DOUBLE_EQ(e.components[0].mac_energy_pj, 290.0);
  EXPECT_DOUBLE_EQ(e.components[0].total_energy_pj, 3220.0);
}

TEST(EnergyModel, RooflineTimeWhenNoneGiven) {
  HierarchyStats stats;
  stats.roofline_time_s = 0.5;
  EnergyTable table;
  table.dram.refresh_power_w = 2.0;
  const auto e = compute_energy(table, stats);
  EXPECT_FALSE(e.time_given);
  EXPECT_DOUBLE_EQ(e.time_s, 0.5);
  EXPECT_DOUBLE_EQ(e.dram.refresh_energy_pj, 1e12);
}

}  // namespace
}  // namespace erg::simulator
