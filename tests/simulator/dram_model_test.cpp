#include <gtest/gtest.h>

#include "core/error.hpp"
#include "simulator/dram_model.hpp"
#include "simulator/energy_model.hpp"
#include "test_helpers.hpp"

namespace erg::simulator {
namespace {

// tiny_dram(): bits [6,8) column, [8] bank, [9,11) row.
TEST(DramModel, DecodesTheMapping) {
  DramModel dram(testing::tiny_dram());
  const auto c = dram.decode(0x5c0);  // 0b101_1100_0000: row 2, bank 1, column 3
  EXPECT_EQ(c.row, 2u);
  EXPECT_EQ(c.bank, 1u);
  EXPECT_EQ(c.column, 3u);

  // RoCoBaRaCh with 2 channels: bit 6 channel, bit 7 bank, [8,10) column, [10,12) row.
  auto config = testing::tiny_dram();
  config.channels = 2;
  config.mapping = "RoCoBaRaCh";
  DramModel other(config);
  const auto d = other.decode(0b1011'1100'0000);
  EXPECT_EQ(d.channel, 1u);
  EXPECT_EQ(d.bank, 1u);
  EXPECT_EQ(d.column, 3u);
  EXPECT_EQ(d.row, 2u);
}

// Open-page sequence, hand-classified:
//  R 0x000 b0 r0 miss | R 0x040 b0 r0 hit | R 0x100 b1 r0 miss | R 0x200 b0 r1 conflict |
//  R 0x000 b0 r0 conflict | R 0x140 b1 r0 hit | W 0x300 b1 r1 conflict
// -> 2 hits, 2 misses, 3 conflicts, 5 ACT, 3 PRE, 6 read and 1 write bursts.
// Energy (rd 2 pJ/b, wr 3 pJ/b, ACT 1000 pJ, I/O 0.5 pJ/b, background 0.1 W, refresh 0.05 W,
// 1 us): rd 6*512*2 = 6144, wr 512*3 = 1536, act 5000, io 3584*0.5 = 1792,
// background 1e5, refresh 5e4 -> 164472 pJ.
TEST(DramModel, RowBufferSequenceAndEnergy) {
  DramModel dram(testing::tiny_dram());
  for (const std::uint64_t a : {0x000, 0x040, 0x100, 0x200, 0x000, 0x140})
    dram.access(a, 64, AccessOp::kRead, kNoComponent);
  dram.access(0x300, 64, AccessOp::kWrite, kNoComponent);
  const DramCounts c = dram.total();
  EXPECT_EQ(c.row_hit_count, 2u);
  EXPECT_EQ(c.row_miss_count, 2u);
  EXPECT_EQ(c.row_conflict_count, 3u);
  EXPECT_EQ(c.activation_count, 5u);
  EXPECT_EQ(c.precharge_count, 3u);
  EXPECT_EQ(c.read_burst_count, 6u);
  EXPECT_EQ(c.write_burst_count, 1u);

  HierarchyStats stats;
  stats.dram_counts = dram.counts_by_slot();
  EnergyTable table;
  table.dram = {2.0, 3.0, 1000.0, 0.1, 0.05, 0.5};
  const auto e = compute_energy(table, stats, 1e-6);
  EXPECT_DOUBLE_EQ(e.dram.read_energy_pj, 6144.0);
  EXPECT_DOUBLE_EQ(e.dram.write_energy_pj, 1536.0);
  EXPECT_DOUBLE_EQ(e.dram.activation_energy_pj, 5000.0);
  EXPECT_DOUBLE_EQ(e.dram.io_energy_pj, 1792.0);
  EXPECT_NEAR(e.dram.background_energy_pj, 1e5, 1e-6);
  EXPECT_NEAR(e.dram.refresh_energy_pj, 5e4, 1e-6);
  EXPECT_NEAR(e.total_energy_pj, 164472.0, 1e-6);
}

// A 64 B line over 32 B bursts is two bursts in the same row: one miss then one hit.
TEST(DramModel, LinesSplitIntoBursts) {
  auto config = testing::tiny_dram();
  config.burst_bytes = 32;
  DramModel dram(config);
  dram.access(0, 64, AccessOp::kRead, kNoComponent);
  EXPECT_EQ(dram.total().read_burst_count, 2u);
  EXPECT_EQ(dram.total().row_miss_count, 1u);
  EXPECT_EQ(dram.total().row_hit_count, 1u);
  EXPECT_EQ(dram.bytes_moved(), 64u);
}

TEST(DramModel, RejectsBadConfig) {
  auto config = testing::tiny_dram();
  config.banks = 3;
  try {
    DramModel d(config);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.where(), "dram.banks");
  }
  config = testing::tiny_dram();
  config.mapping = "RoBaRaCoXx";
  EXPECT_THROW(DramModel d(config), Error);
  config.mapping = "RoBaRoCoCh";
  EXPECT_THROW(DramModel d(config), Error);
}

}  // namespace
}  // namespace erg::simulator
