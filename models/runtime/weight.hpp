#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/access_event.hpp"

namespace erg::models::runtime {

// How a weight matrix [rows, cols] (output-major, as PyTorch's Linear) is stored.
//  kDense: every row stored.
//  kRows:  structured pruning; only the kept rows are stored (kept_rows maps stored row ->
//          output row) and pruned outputs are the bias (or zero) without reading anything.
//  kCsr:   unstructured pruning; row_ptr/col_idx index the kept values, so pruned weights are
//          never read. Values are quantized per row (one scale per output channel).
enum class WeightFormat : std::uint8_t { kDense, kRows, kCsr };

struct Weight {
  std::size_t rows = 0;
  std::size_t cols = 0;
  Precision precision = Precision::kFp32;
  WeightFormat format = WeightFormat::kDense;
  // Quantized dense/rows formats: columns per scale group (== cols: per output channel).
  std::size_t group_size = 0;

  std::vector<float> f32;        // fp32 values (dense row-major over stored rows, or CSR order)
  std::vector<std::int8_t> q8;   // int8 values, symmetric: w = scale * q
  std::vector<std::uint8_t> q4;  // int4 values, two per byte, low nibble first, in [-8, 7]
  std::vector<float> scales;     // dense/rows: [stored_rows, groups]; csr: [rows]
  std::vector<std::uint32_t> kept_rows;  // kRows only
  std::vector<std::uint32_t> row_ptr;    // kCsr only, rows + 1 entries
  std::vector<std::uint16_t> col_idx;    // kCsr only
  std::vector<float> bias;               // empty or [rows]

  // Identity in the address space (WeightStore::place fills these).
  std::string name;
  ComponentId component = kNoComponent;
  std::uint64_t address = 0;
  TensorId tensor = kNoTensor;

  std::size_t stored_rows() const;
  std::size_t groups() const;  // scale groups per stored row (dense/rows formats)
  std::size_t row_bytes_q4() const { return (cols + 1) / 2; }  // dense int4 rows are byte-aligned
  std::size_t nonzeros() const;  // weights actually stored (and read) per use
  // Bytes one use of the weight reads: values + indices + scales + bias.
  std::uint64_t stored_bytes() const;
  // The matrix the kernels compute with, dequantized, with pruned entries zero: [rows, cols].
  std::vector<float> dequantized() const;
};

// A dense fp32 weight. Throws erg::Error when sizes disagree.
Weight dense_weight(std::size_t rows, std::size_t cols, std::vector<float> values,
                    std::vector<float> bias = {});

// Zeros the `ratio` fraction of entries with the smallest magnitude and stores the rest as CSR.
Weight prune_magnitude(const Weight& dense_f32, double ratio);
// Drops the `ratio` fraction of rows with the smallest L2 norm (structured pruning).
Weight prune_rows(const Weight& dense_f32, double ratio);
// Symmetric quantization of an fp32 weight (any format) to int8 or int4. `group_size` 0 means
// one scale per output channel; CSR weights always use one scale per output channel.
Weight quantize(const Weight& weight, Precision precision, std::size_t group_size = 0);

}  // namespace erg::models::runtime
