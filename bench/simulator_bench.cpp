// Simulator throughput. items_per_second counts line accesses into the first cache level.
// The hierarchy is the reference: 3 levels, LRU, write-back, write-allocate:
// 32 KiB/8-way, 1 MiB/16-way, 8 MiB/16-way, 64 B lines, over a dual-channel DDR4-like DRAM.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <random>
#include <vector>

#include <unistd.h>

#include "core/address_space.hpp"
#include "core/counting_sink.hpp"
#include "simulator/analytic_model.hpp"
#include "simulator/hierarchy.hpp"
#include "simulator/trace_reader.hpp"
#include "simulator/trace_writer.hpp"

namespace {

using namespace erg;
using namespace erg::simulator;

HierarchyConfig reference_hierarchy(bool classify) {
  HierarchyConfig config;
  const auto level = [&](const char* name, std::uint64_t bytes, std::uint32_t ways) {
    CacheConfig c;
    c.name = name;
    c.size_bytes = bytes;
    c.line_bytes = 64;
    c.associativity = ways;
    c.classify_misses = classify;
    return c;
  };
  config.levels = {level("l1", 32 << 10, 8), level("l2", 1 << 20, 16), level("l3", 8 << 20, 16)};
  config.dram.channels = 2;
  config.dram.banks = 16;
  config.dram.row_bytes = 8192;
  return config;
}

// Streaming weights: a 64 MiB weight region read front to back in 512 KiB tensor accesses
// (every line misses every level), as a decoder streams its layers once per token.
void BM_StreamingWeights(benchmark::State& state) {
  Hierarchy h(reference_hierarchy(state.range(0) != 0));
  constexpr std::uint64_t kBase = 0x10000000, kRegion = 64 << 20, kAccess = 512 << 10;
  std::uint64_t offset = 0;
  for (auto _ : state) {
    h.access(kBase + offset, kAccess, AccessOp::kRead);
    offset = (offset + kAccess) % kRegion;
  }
  h.drain();
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * (kAccess / 64));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * kAccess);
}
BENCHMARK(BM_StreamingWeights)->ArgName("classify")->Arg(0)->Arg(1);

// Random: single-line accesses, uniformly over 64 MiB, 25% writes.
void BM_RandomLines(benchmark::State& state) {
  Hierarchy h(reference_hierarchy(state.range(0) != 0));
  std::mt19937_64 rng(1);
  std::vector<std::uint64_t> addresses(1 << 20);
  for (auto& a : addresses)
    a = 0x10000000 + (rng() % (1 << 20)) * 64;
  std::size_t i = 0;
  for (auto _ : state) {
    for (int k = 0; k < 1024; ++k, ++i)
      h.access(addresses[i & (addresses.size() - 1)], 8,
               (i & 3) == 0 ? AccessOp::kWrite : AccessOp::kRead);
  }
  h.drain();
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 1024);
}
BENCHMARK(BM_RandomLines)->ArgName("classify")->Arg(0)->Arg(1);

// din parsing alone: 2M records of "label hexaddr hexsize" from a temp file.
void BM_DinParse(benchmark::State& state) {
  const auto path =
      std::filesystem::temp_directory_path() / ("erg_bench_" + std::to_string(::getpid()) + ".din");
  constexpr std::uint64_t kRecords = 2'000'000;
  {
    TraceWriter writer(path, TraceFormat::kDin);
    std::mt19937_64 rng(2);
    for (std::uint64_t r = 0; r < kRecords; ++r)
      writer.write({0x10000000 + (rng() % (1 << 24)) * 8, 8,
                    r % 4 == 0 ? TraceKind::kWrite : TraceKind::kRead, kNoComponent});
    writer.close();
  }
  std::vector<TraceRecord> batch;
  for (auto _ : state) {
    TraceReader reader(path);
    std::uint64_t n = 0;
    while (reader.next(batch))
      n += batch.size();
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kRecords));
  std::filesystem::remove(path);
}
BENCHMARK(BM_DinParse)->Unit(benchmark::kMillisecond);

// The analytic mode on the streaming workload: 96 layers x 512 KiB weights per token.
void BM_AnalyticStreaming(benchmark::State& state) {
  CountingSink sink(true);
  AddressSpace space;
  std::vector<TensorInfo> tensors;
  for (TensorId id = 0; id < 96; ++id) {
    TensorInfo t{id, "w", kNoComponent, 0, 512 << 10, false};
    t.address = space.allocate(t.bytes);
    sink.on_tensor(t);
    tensors.push_back(t);
  }
  for (int token = 0; token < 16; ++token)
    for (const auto& t : tensors)
      sink.on_access({t.address, t.bytes, AccessOp::kRead, kNoComponent, t.id});
  const auto config = reference_hierarchy(true);
  for (auto _ : state)
    benchmark::DoNotOptimize(simulate_analytic(config, sink));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 16 * 96 *
                          ((512 << 10) / 64));
}
BENCHMARK(BM_AnalyticStreaming)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
