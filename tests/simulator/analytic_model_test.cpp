#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "core/address_space.hpp"
#include "core/component_registry.hpp"
#include "core/counting_sink.hpp"
#include "simulator/analytic_model.hpp"
#include "simulator/energy_model.hpp"
#include "simulator/hierarchy.hpp"
#include "simulator/preset.hpp"
#include "test_helpers.hpp"

namespace erg::simulator {
namespace {

struct Use {
  TensorId tensor;
  AccessOp op;
};

struct Workload {
  std::vector<TensorInfo> tensors;  // indexed by id
  std::vector<Use> uses;
  std::vector<std::pair<std::size_t, ComputeEvent>> computes;  // before use index
};

// Streams the workload into `sink` exactly as an engine would: tensors declared once, then every
// use as one whole-tensor access from the tensor's first byte.
void drive(const Workload& w, AccessSink& sink) {
  for (const auto& t : w.tensors)
    sink.on_tensor(t);
  std::size_t next_compute = 0;
  ComponentId current = kNoComponent;
  for (std::size_t i = 0; i < w.uses.size(); ++i) {
    const TensorInfo& t = w.tensors[w.uses[i].tensor];
    if (t.component != current) {
      sink.on_invocation(t.component);
      current = t.component;
    }
    while (next_compute < w.computes.size() && w.computes[next_compute].first == i)
      sink.on_compute(w.computes[next_compute++].second);
    sink.on_access({t.address, t.bytes, w.uses[i].op, t.component, t.id});
  }
}

Workload random_workload(std::uint64_t seed, int tensors, int uses, std::uint64_t max_lines,
                         double write_share) {
  auto& registry = ComponentRegistry::global();
  std::mt19937_64 rng(seed);
  AddressSpace space;
  Workload w;
  for (int i = 0; i < tensors; ++i) {
    TensorInfo t;
    t.id = static_cast<TensorId>(i);
    t.name = "t" + std::to_string(i);
    t.component = registry.intern("test.analytic.c" + std::to_string(i % 4));
    t.bytes = 64 * (1 + rng() % max_lines) - (rng() % 2) * 17;  // some end mid-line
    t.address = space.allocate(t.bytes, 64);
    w.tensors.push_back(t);
  }
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (int i = 0; i < uses; ++i) {
    // Skewed reuse: recent tensors are likelier, so both hits and capacity misses occur.
    const auto id = static_cast<TensorId>(
        std::min<std::uint64_t>(static_cast<std::uint64_t>(tensors) - 1,
                                static_cast<std::uint64_t>(std::pow(u(rng), 2.0) * tensors)));
    w.uses.push_back({id, u(rng) < write_share ? AccessOp::kWrite : AccessOp::kRead});
  }
  return w;
}

struct Both {
  HierarchyStats trace;
  HierarchyStats analytic;
};

Both run_both(const HierarchyConfig& config, const Workload& w) {
  Hierarchy hierarchy(config);
  CountingSink counting(true);
  TeeSink tee({&hierarchy, &counting});
  drive(w, tee);
  return {hierarchy.stats(), simulate_analytic(config, counting)};
}

// For a fully associative LRU level the analytic stack model equals line-by-line simulation,
// count for count, for write-allocate levels (write-back or write-through): a tensor of m lines
// reused after D distinct lines of other tensors hits entirely iff m + D <= C (each of its lines
// has stack distance m - 1 + D). No-write-allocate writes can hit a tensor partially (a write
// miss does not push the tensor's later lines out), which the tensor-granular model rounds to
// all or nothing, so those configurations are only required to stay within 1%.
TEST(AnalyticModel, EqualsTraceForFullyAssociativeLru) {
  const Workload w = random_workload(21, 40, 4000, 24, 0.3);
  for (const bool write_back : {true, false}) {
    for (const bool write_allocate : {true, false}) {
      SCOPED_TRACE(std::string(write_back ? "WB" : "WT") + (write_allocate ? "+WA" : "+NWA"));
      HierarchyConfig config;
      auto level = testing::cache("l1", 96, 0);
      level.write_back = write_back;
      level.write_allocate = write_allocate;
      config.levels = {level};
      config.dram = testing::tiny_dram();
      const Both b = run_both(config, w);
      const LevelCounts t = b.trace.level_total(0), a = b.analytic.level_total(0);
      EXPECT_GT(t.hit_count(), 1000u);
      EXPECT_GT(t.capacity_miss_count, 1000u);
      EXPECT_EQ(b.trace.line_access_count, b.analytic.line_access_count);
      EXPECT_EQ(b.trace.read_bytes, b.analytic.read_bytes);
      EXPECT_EQ(b.trace.write_bytes, b.analytic.write_bytes);
      const auto& dt = b.trace.dram_total();
      const auto& da = b.analytic.dram_total();
      if (write_allocate) {
        EXPECT_EQ(t, a);
        EXPECT_EQ(dt.read_burst_count, da.read_burst_count);
        EXPECT_EQ(dt.write_burst_count, da.write_burst_count);
      } else {
        const auto near = [](std::uint64_t x, std::uint64_t y) {
          return std::fabs(static_cast<double>(x) - static_cast<double>(y)) <=
                 0.01 * static_cast<double>(y);
        };
        EXPECT_TRUE(near(a.hit_count(), t.hit_count())) << a.hit_count() << " " << t.hit_count();
        EXPECT_TRUE(near(a.miss_count(), t.miss_count()));
        EXPECT_TRUE(near(da.read_burst_count, dt.read_burst_count));
        EXPECT_TRUE(near(da.write_burst_count, dt.write_burst_count));
      }
    }
  }
}

// Read-only through two fully associative LRU levels: L2 sees exactly L1's miss stream, tensor
// by tensor, so both levels and the DRAM row-buffer counts match exactly.
TEST(AnalyticModel, EqualsTraceForTwoLevelReadOnlyLru) {
  const Workload w = random_workload(5, 60, 5000, 40, 0.0);
  HierarchyConfig config;
  config.levels = {testing::cache("l1", 64, 0), testing::cache("l2", 512, 0)};
  config.dram = testing::tiny_dram();
  const Both b = run_both(config, w);
  EXPECT_EQ(b.trace.level_total(0), b.analytic.level_total(0));
  EXPECT_EQ(b.trace.level_total(1), b.analytic.level_total(1));
  EXPECT_GT(b.trace.level_total(1).hit_count(), 1000u);
  EXPECT_EQ(b.trace.dram_total(), b.analytic.dram_total());
}

// A streaming-weight decoder: 24 layers of 512 KiB int8 weights (12 MiB, more than any preset's
// caches) read once per token, with 16 KiB activations ping-ponging between two buffers, for 3
// tokens. On every shipped (set-associative) preset the analytic estimate of total energy and of
// DRAM traffic is within 5% of the line-by-line simulation.
Workload streaming_weights(bool pin_activations) {
  auto& registry = ComponentRegistry::global();
  AddressSpace space;
  Workload w;
  const auto add = [&](const std::string& name, ComponentId c, std::uint64_t bytes, bool pin) {
    TensorInfo t;
    t.id = static_cast<TensorId>(w.tensors.size());
    t.name = name;
    t.component = c;
    t.bytes = bytes;
    t.address = space.allocate(bytes, 4096);
    t.pinned = pin;
    w.tensors.push_back(t);
    return t.id;
  };
  constexpr int kLayers = 24;
  const ComponentId io = registry.intern("test.stream.io");
  const TensorId act[2] = {add("act0", io, 16 << 10, pin_activations),
                           add("act1", io, 16 << 10, pin_activations)};
  std::vector<TensorId> weights;
  for (int l = 0; l < kLayers; ++l)
    weights.push_back(add("w" + std::to_string(l),
                          registry.intern("test.stream.layer." + std::to_string(l)), 512 << 10,
                          false));
  for (int token = 0; token < 3; ++token) {
    for (int l = 0; l < kLayers; ++l) {
      const ComponentId c = w.tensors[weights[l]].component;
      w.computes.push_back({w.uses.size(), ComputeEvent{512u << 10, Precision::kInt8, c}});
      w.uses.push_back({weights[l], AccessOp::kRead});
      w.uses.push_back({act[l % 2], AccessOp::kRead});
      w.uses.push_back({act[(l + 1) % 2], AccessOp::kWrite});
    }
  }
  // Activations belong to the layer that touches them in this workload's drive order.
  return w;
}

TEST(AnalyticModel, WithinFivePercentOnPresetsForStreamingWeights) {
  for (const char* name : {"mobile-7nm-lpddr4x", "mobile-5nm-lpddr5", "wearable-sram2m-lpddr4x",
                           "desktop-ddr4", "horowitz-45nm"}) {
    SCOPED_TRACE(name);
    const Preset preset = load_named_preset(name);
    const Workload w = streaming_weights(preset.hierarchy.scratchpad.size_bytes >= (32u << 10));
    const Both b = run_both(preset.hierarchy, w);
    const auto et = compute_energy(preset.energy, b.trace);
    const auto ea = compute_energy(preset.energy, b.analytic);
    const auto near = [](double a, double t) { return std::fabs(a - t) <= 0.05 * t; };
    EXPECT_TRUE(near(ea.total_energy_pj, et.total_energy_pj))
        << "analytic " << ea.total_energy_pj << " pJ vs trace " << et.total_energy_pj << " pJ";
    EXPECT_TRUE(near(static_cast<double>(b.analytic.dram_total().read_bytes),
                     static_cast<double>(b.trace.dram_total().read_bytes)));
    EXPECT_TRUE(near(ea.dram.activation_energy_pj + 1.0, et.dram.activation_energy_pj + 1.0));
    EXPECT_TRUE(near(ea.time_s, et.time_s)) << ea.time_s << " vs " << et.time_s;
    if (preset.hierarchy.scratchpad.size_bytes > 0) {
      EXPECT_EQ(b.trace.scratchpad_total(), b.analytic.scratchpad_total());
      EXPECT_GT(b.trace.scratchpad_total().read_word_count, 0u);
    }
  }
}

TEST(AnalyticModel, SkipsUndeclaredTensors) {
  HierarchyConfig config;
  config.levels = {testing::cache("l1", 16, 0)};
  config.dram = testing::tiny_dram();
  CountingSink counting(true);
  counting.on_access({0x1000, 64, AccessOp::kRead, kNoComponent, 7});
  const auto s = simulate_analytic(config, counting);
  EXPECT_EQ(s.untracked_access_count, 1u);
  EXPECT_EQ(s.level_total(0).access_count(), 0u);
}

}  // namespace
}  // namespace erg::simulator
