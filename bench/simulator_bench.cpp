// Simulator throughput. items_per_second counts line accesses into the first cache level.
// The hierarchy is the reference: 3 levels, LRU, write-back, write-allocate:
// 32 KiB/8-way, 1 MiB/16-way, 8 MiB/16-way, 64 B lines, over a dual-channel DDR4-like DRAM.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <vector>

#include <unistd.h>

#include "core/address_space.hpp"
#include "core/counting_sink.hpp"
#include "simulator/analytic_model.hpp"
#include "simulator/compact_ordered_cache.hpp"
#include "simulator/hierarchy.hpp"
#include "simulator/lru_policy.hpp"
#include "simulator/set_assoc_cache.hpp"
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

// din parsing alone, from a 2M-record file in the page cache, through the whole reader (file
// reads included). classic: DineroIV's "label address" with the address lengths of a process
// trace (6-digit code, 12-digit heap and stack addresses); sized: erg's "label address size" as
// the trace writer emits it (8-digit addresses, sizes of 1 to 3 digits). items_per_second is
// records, bytes_per_second is file bytes.
void BM_DinParse(benchmark::State& state) {
  const bool sized = state.range(0) != 0;
  const auto path = std::filesystem::temp_directory_path() /
                    ("erg_bench_" + std::to_string(::getpid()) + (sized ? "_s" : "_c") + ".din");
  constexpr std::uint64_t kRecords = 2'000'000;
  {
    std::ofstream out(path, std::ios::binary);
    std::mt19937_64 rng(2);
    for (std::uint64_t r = 0; r < kRecords; ++r) {
      char line[48];
      const int label = r % 4 == 0 ? 1 : (rng() % 5 == 0 ? 2 : 0);
      if (sized) {
        std::snprintf(line, sizeof line, "%d %llx %x\n", label,
                      static_cast<unsigned long long>(0x10000000 + (rng() % (1 << 24)) * 8),
                      static_cast<unsigned>(1 + rng() % 2048));
      } else {
        static constexpr std::uint64_t kBases[] = {0x400000, 0x55d0c0000000, 0x7ffd00000000};
        std::snprintf(line, sizeof line, "%d %llx\n", label,
                      static_cast<unsigned long long>(kBases[rng() % 3] + (rng() % (1 << 20)) * 4));
      }
      out << line;
    }
  }
  const auto file_bytes = static_cast<std::int64_t>(std::filesystem::file_size(path));
  for (auto _ : state) {
    TraceReader reader(path);
    std::uint64_t n = 0;
    for (auto batch = reader.next_batch(); !batch.empty(); batch = reader.next_batch())
      n += batch.size();
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kRecords));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * file_bytes);
  std::filesystem::remove(path);
}
BENCHMARK(BM_DinParse)->ArgName("sized")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

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

// One level alone, the compact tag array against the general one on the geometry where
// make_cache_level picks the compact layout (1 MiB, 16-way, LRU, 64 B lines; simulator/README.md
// cites these figures for keeping both). compact:1 is CompactOrderedCache<true>, compact:0
// SetAssocCache<LruOrderPolicy>, what a 16-way LRU level would be without it. Streaming: 512 KiB
// read runs over 64 MiB, every line a miss; random: single-line requests over 64 MiB, 25% writes.
template <class Level>
void stream_level(benchmark::State& state) {
  CacheConfig c;
  c.name = "l2";
  c.size_bytes = 1 << 20;
  c.line_bytes = 64;
  c.associativity = 16;
  Level level(c);
  level.ensure_slots(2);
  constexpr std::uint64_t kBase = 0x10000000, kRegion = 64 << 20, kLines = (512 << 10) / 64;
  std::uint64_t offset = 0;
  RunBuffer out;
  for (auto _ : state) {
    const LineRun run{kBase + offset, 64, static_cast<std::uint32_t>(kLines), AccessOp::kRead, 0};
    level.process_runs(std::span<const LineRun>(&run, 1), out);
    out.clear();
    offset = (offset + kLines * 64) % kRegion;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * kLines);
}

template <class Level>
void random_level(benchmark::State& state) {
  CacheConfig c;
  c.name = "l2";
  c.size_bytes = 1 << 20;
  c.line_bytes = 64;
  c.associativity = 16;
  Level level(c);
  level.ensure_slots(2);
  std::mt19937_64 rng(1);
  std::vector<LineRequest> requests(1 << 16);
  for (std::size_t i = 0; i < requests.size(); ++i)
    requests[i] = {0x10000000 + (rng() % (1 << 20)) * 64, 64,
                   (i & 3) == 0 ? AccessOp::kWrite : AccessOp::kRead, 0};
  RequestBuffer out;
  std::size_t at = 0;
  for (auto _ : state) {
    level.process(std::span<const LineRequest>(requests.data() + at, 1024), out);
    out.clear();
    at = (at + 1024) % requests.size();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 1024);
}

void BM_LevelStreaming(benchmark::State& state) {
  if (state.range(0) != 0) {
    stream_level<CompactOrderedCache<true>>(state);
  } else {
    stream_level<SetAssocCache<LruOrderPolicy>>(state);
  }
}
BENCHMARK(BM_LevelStreaming)->ArgName("compact")->Arg(0)->Arg(1);

void BM_LevelRandom(benchmark::State& state) {
  if (state.range(0) != 0) {
    random_level<CompactOrderedCache<true>>(state);
  } else {
    random_level<SetAssocCache<LruOrderPolicy>>(state);
  }
}
BENCHMARK(BM_LevelRandom)->ArgName("compact")->Arg(0)->Arg(1);

}  // namespace

BENCHMARK_MAIN();
