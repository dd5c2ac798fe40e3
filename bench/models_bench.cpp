// Kernel throughput of models/runtime: matvec over fp32, int8, int4 and pruned weights, and
// batched matmul. bytes_per_second counts the weight bytes each call reads (stored_bytes), so
// the columns compare directly with memory bandwidth; items_per_second counts MACs.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "models/runtime/linear.hpp"
#include "models/runtime/weight.hpp"

namespace {

using namespace erg::models::runtime;

Weight make_weight(std::size_t rows, std::size_t cols, int kind) {
  std::mt19937 rng(1);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(rows * cols);
  for (auto& x : v)
    x = dist(rng);
  Weight w = dense_weight(rows, cols, std::move(v));
  switch (kind) {
    case 1:
      return quantize(w, erg::Precision::kInt8);
    case 2:
      return quantize(w, erg::Precision::kInt4);
    case 3:
      return quantize(w, erg::Precision::kInt4, 32);
    case 4:
      return prune_magnitude(w, 0.5);
    case 5:
      return quantize(prune_magnitude(w, 0.5), erg::Precision::kInt8);
    case 6:
      return prune_rows(w, 0.5);
    default:
      return w;
  }
}

const char* kKindNames[] = {"fp32",       "int8",       "int4",       "int4_g32",
                            "csr50_fp32", "csr50_int8", "rows50_fp32"};

void BM_Matvec(benchmark::State& state) {
  const auto rows = std::size_t(state.range(0)), cols = std::size_t(state.range(1));
  const int kind = int(state.range(2));
  const Weight w = make_weight(rows, cols, kind);
  std::vector<float> x(cols, 0.5f), y(rows);
  for (auto _ : state) {
    matvec(w, x, y);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.SetLabel(kKindNames[kind]);
  state.SetBytesProcessed(std::int64_t(state.iterations()) * std::int64_t(w.stored_bytes()));
  state.SetItemsProcessed(std::int64_t(state.iterations()) * std::int64_t(w.nonzeros()));
}
BENCHMARK(BM_Matvec)
    ->ArgNames({"rows", "cols", "kind"})
    ->ArgsProduct({{512, 2048}, {512, 2048}, {0, 1, 2, 3, 4, 5, 6}});

void BM_Matmul(benchmark::State& state) {
  const std::size_t rows = 512, cols = 512, n = std::size_t(state.range(0));
  const int kind = int(state.range(1));
  const Weight w = make_weight(rows, cols, kind);
  std::vector<float> x(n * cols, 0.5f), y(n * rows);
  for (auto _ : state) {
    matmul(w, x, y);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.SetLabel(kKindNames[kind]);
  state.SetBytesProcessed(std::int64_t(state.iterations()) * std::int64_t(w.stored_bytes()));
  state.SetItemsProcessed(std::int64_t(state.iterations()) * std::int64_t(w.nonzeros() * n));
}
BENCHMARK(BM_Matmul)->ArgNames({"batch", "kind"})->ArgsProduct({{1, 4, 16}, {0, 1, 2}});

// A decoding pass's weights as the LLM engine sees them: fp32 matrices of 512 x 192 run back to
// back for a batch of positions. 48 of them (18 MiB: over L2, under L3) stream from L3, as the
// shipped model's layers do; 2 of them stay in L2. Batch 1 from L3 is bound by L3 bandwidth;
// the larger batches show how much of the in-L2 throughput survives the streaming, which is
// what a self-speculative verifier's batched pass costs.
void BM_MatmulStreaming(benchmark::State& state) {
  const std::size_t n = std::size_t(state.range(0)), rows = 512, cols = 192;
  const auto count = std::size_t(state.range(1));
  std::vector<Weight> ws;
  for (std::size_t i = 0; i < count; ++i)
    ws.push_back(make_weight(rows, cols, 0));
  std::vector<float> x(n * cols, 0.5f), y(n * rows);
  for (auto _ : state) {
    for (const auto& w : ws)
      matmul(w, x, y);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  const auto calls = std::int64_t(state.iterations()) * std::int64_t(count);
  state.SetBytesProcessed(calls * std::int64_t(ws[0].stored_bytes()));
  state.SetItemsProcessed(calls * std::int64_t(rows * cols * n));
}
BENCHMARK(BM_MatmulStreaming)
    ->ArgNames({"batch", "matrices"})
    ->ArgsProduct({{1, 2, 3, 4, 5, 8}, {2, 48}});

}  // namespace

BENCHMARK_MAIN();
