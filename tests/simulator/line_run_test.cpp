// Runs of requests (line_run.hpp) against the request-by-request path they replace: a level's
// process_runs() must count exactly what process() counts on the expanded requests and send the
// same requests below in the same order; the DRAM model likewise; and a whole hierarchy fed large
// streaming accesses must count what its levels count when driven one line request at a time.
#include <gtest/gtest.h>

#include <bit>
#include <random>
#include <vector>

#include "simulator/cache_level.hpp"
#include "simulator/dram_model.hpp"
#include "simulator/hierarchy.hpp"
#include "simulator/line_run.hpp"
#include "tests/simulator/test_helpers.hpp"

namespace erg::simulator {
namespace {

std::vector<LineRequest> expand(std::span<const LineRun> runs) {
  std::vector<LineRequest> v;
  for (const LineRun& r : runs)
    for (std::uint32_t k = 0; k < r.count; ++k)
      v.push_back(r.request(k));
  return v;
}

bool same(const LineRequest& a, const LineRequest& b) {
  return a.address == b.address && a.bytes == b.bytes && a.op == b.op && a.component == b.component;
}

// Hand-derived: 64 B requests at 0, 64, 128 join into one run of 3; a write, another component,
// a different size or a gap each start a new run.
TEST(LineRun, BufferJoinsOnlyContinuingRequests) {
  RunBuffer b;
  b.push({0, 64, AccessOp::kRead, 0});
  b.push({64, 64, AccessOp::kRead, 0});
  b.push(128, 64, 1, AccessOp::kRead, 0);
  b.push({192, 64, AccessOp::kWrite, 0});  // op differs
  b.push({256, 64, AccessOp::kWrite, 1});  // component differs
  b.push({320, 32, AccessOp::kWrite, 1});  // size differs
  b.push({416, 32, AccessOp::kWrite, 1});  // gap (352 expected)
  b.push(448, 32, 2, AccessOp::kWrite, 1);
  ASSERT_EQ(b.size(), 5u);
  EXPECT_EQ(b[0].count, 3u);
  EXPECT_EQ(b[1].count, 1u);
  EXPECT_EQ(b[2].count, 1u);
  EXPECT_EQ(b[3].count, 1u);
  EXPECT_EQ(b[4].address, 416u);
  EXPECT_EQ(b[4].count, 3u);
  EXPECT_EQ(expand(b).size(), 9u);
}

// Random runs: long whole-line read and write streams, single partial requests, half-line
// elements (two per line of the level), several components, and (optionally) tags above 32 bits.
std::vector<LineRun> random_runs(std::mt19937_64& rng, std::uint64_t line_bytes,
                                 std::uint64_t footprint_lines, bool high) {
  std::vector<LineRun> runs(1 + rng() % 12);
  for (auto& r : runs) {
    std::uint64_t line = rng() % footprint_lines;
    if (high && rng() % 3 == 0) line += std::uint64_t{1} << (36 + rng() % 20);
    const auto component = static_cast<ComponentId>(rng() % 3) - 1;
    const AccessOp op = rng() % 3 == 0 ? AccessOp::kWrite : AccessOp::kRead;
    switch (rng() % 4) {
      case 0:  // a single partial request
        r = {line * line_bytes + 8 * (rng() % (line_bytes / 8)), 8, 1, op, component};
        break;
      case 1:  // half-line elements
        r = {line * line_bytes, static_cast<std::uint32_t>(line_bytes / 2),
             static_cast<std::uint32_t>(1 + rng() % 40), op, component};
        break;
      default:  // whole lines, mostly reads
        r = {line * line_bytes, static_cast<std::uint32_t>(line_bytes),
             static_cast<std::uint32_t>(1 + rng() % 300), rng() % 4 == 0 ? op : AccessOp::kRead,
             component};
        break;
    }
  }
  return runs;
}

TEST(LineRun, LevelRunsMatchRequests) {
  struct Geometry {
    std::uint64_t lines;
    std::uint32_t assoc;
  };
  const std::vector<Geometry> geometries{{64, 1},   {64, 4}, {256, 8}, {96, 8},
                                         {512, 16}, {48, 3}, {64, 32}, {32, 0}};
  std::uint64_t seed = 11;
  for (const auto kind : {ReplacementKind::kLru, ReplacementKind::kFifo, ReplacementKind::kRandom,
                          ReplacementKind::kTreePlru, ReplacementKind::kSrrip})
    for (const auto& g : geometries)
      for (const bool wb : {true, false})
        for (const bool wa : {true, false})
          for (const bool classify : {true, false}) {
            const bool high = seed % 2 == 0;
            CacheConfig config = testing::cache("l", g.lines, g.assoc, kind);
            if (kind == ReplacementKind::kTreePlru && !std::has_single_bit(config.ways()))
              continue;  // tree-PLRU needs a power-of-two associativity
            config.write_back = wb;
            config.write_allocate = wa;
            config.classify_misses = classify;
            SCOPED_TRACE("kind " + std::string(to_string(kind)) + " lines " +
                         std::to_string(g.lines) + " assoc " + std::to_string(g.assoc) + " wb " +
                         std::to_string(wb) + " wa " + std::to_string(wa) + " classify " +
                         std::to_string(classify) + " high " + std::to_string(high));
            auto by_runs = make_cache_level(config);
            auto by_requests = make_cache_level(config);
            for (auto* l : {by_runs.get(), by_requests.get()}) {
              l->ensure_slots(3);
              l->set_track_evictions(true);
            }
            std::mt19937_64 rng(seed++);
            for (int round = 0; round < 60; ++round) {
              const auto runs = random_runs(rng, 64, 3 * g.lines, high);
              RunBuffer out_runs;
              by_runs->process_runs(runs, out_runs);
              const auto requests = expand(runs);
              RequestBuffer out_requests;
              by_requests->process(requests, out_requests);
              const auto got = expand(out_runs);
              ASSERT_EQ(got.size(), out_requests.size()) << "round " << round;
              for (std::size_t i = 0; i < got.size(); ++i)
                ASSERT_TRUE(same(got[i], out_requests[i])) << "round " << round << " request " << i;
              ASSERT_EQ(by_runs->evictions().size(), by_requests->evictions().size());
              for (std::size_t i = 0; i < by_runs->evictions().size(); ++i) {
                EXPECT_EQ(by_runs->evictions()[i].address, by_requests->evictions()[i].address);
                EXPECT_EQ(by_runs->evictions()[i].dirty, by_requests->evictions()[i].dirty);
              }
              by_runs->evictions().clear();
              by_requests->evictions().clear();
            }
            EXPECT_EQ(by_runs->resident_lines(), by_requests->resident_lines());
            for (std::size_t s = 0; s < 3; ++s)
              EXPECT_EQ(by_runs->counts_by_slot()[s], by_requests->counts_by_slot()[s])
                  << "slot " << s;
          }
}

// Long runs take the bulk row-hit path when no row bits lie below the column bits; the mappings
// below put the channel, rank, bank or row under the column, or none of them.
TEST(LineRun, DramRunsMatchRequests) {
  for (const char* mapping : {"RoBaRaCoCh", "RoCoBaRaCh", "RoBaCoRaCh", "BaRaChRoCo", "CoRoBaRaCh"})
    for (const std::uint32_t burst : {32u, 64u, 128u}) {
      DramConfig config = testing::tiny_dram();
      config.channels = 2;
      config.ranks = 2;
      config.burst_bytes = burst;
      config.row_bytes = 512;
      config.mapping = mapping;
      DramModel by_runs(config), by_requests(config);
      by_runs.ensure_slots(3);
      by_requests.ensure_slots(3);
      std::mt19937_64 rng(burst);
      for (int round = 0; round < 200; ++round) {
        auto runs = random_runs(rng, 64, 1 << 10, false);
        if (round % 3 == 0)  // a long stream across many column blocks, at an odd start
          runs.push_back({64 * (rng() % 4096), 64, static_cast<std::uint32_t>(1 + rng() % 2000),
                          AccessOp::kRead, 0});
        by_runs.process_runs(runs);
        for (const LineRequest& r : expand(runs))
          by_requests.access(r.address, r.bytes, r.op, r.component);
      }
      EXPECT_EQ(by_runs.counts_by_slot(), by_requests.counts_by_slot())
          << mapping << " burst " << burst;
      EXPECT_EQ(by_runs.bytes_moved(), by_requests.bytes_moved());
    }
}

// A non-inclusive hierarchy fed large accesses (whole tensors, unaligned edges, reads and writes)
// against its levels and DRAM driven one line request at a time through process().
TEST(LineRun, HierarchyStreamsMatchLineByLine) {
  for (const auto kind : {ReplacementKind::kLru, ReplacementKind::kFifo, ReplacementKind::kSrrip}) {
    HierarchyConfig config;
    config.levels = {testing::cache("l1", 64, 8, kind), testing::cache("l2", 512, 16, kind),
                     testing::cache("l3", 2048, 16, kind, 128)};
    config.levels[1].write_back = false;
    config.levels[2].classify_misses = false;
    config.dram = testing::tiny_dram();
    Hierarchy h(config);
    std::vector<std::unique_ptr<CacheLevel>> ref;
    for (const auto& c : config.levels)
      ref.push_back(make_cache_level(c));
    DramModel ref_dram(config.dram);
    std::mt19937_64 rng(static_cast<std::uint64_t>(kind) + 3);
    for (int i = 0; i < 300; ++i) {
      const std::uint64_t address = rng() % (1 << 20);
      const std::uint64_t bytes = rng() % 2 ? 1 + rng() % 300 : 1 + rng() % (64 << 10);
      const AccessOp op = rng() % 4 == 0 ? AccessOp::kWrite : AccessOp::kRead;
      h.access(address, bytes, op, 0);
      for (std::uint64_t line = address / 64; line <= (address + bytes - 1) / 64; ++line) {
        const std::uint64_t begin = std::max(line * 64, address);
        const std::uint64_t end = std::min(line * 64 + 64, address + bytes);
        RequestBuffer in;
        in.push_back({begin, static_cast<std::uint32_t>(end - begin), op, 0});
        for (auto& level : ref) {
          level->ensure_slots(2);
          RequestBuffer out;
          level->process(in, out);
          in.swap(out);
        }
        ref_dram.ensure_slots(2);
        ref_dram.process(in);
      }
    }
    h.drain();
    for (std::size_t l = 0; l < ref.size(); ++l)
      EXPECT_EQ(h.level(l).counts_by_slot(), ref[l]->counts_by_slot()) << "level " << l;
    EXPECT_EQ(h.dram().counts_by_slot(), ref_dram.counts_by_slot());
  }
}

}  // namespace
}  // namespace erg::simulator
