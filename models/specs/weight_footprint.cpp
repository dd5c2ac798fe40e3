#include "models/specs/weight_footprint.hpp"

#include <cmath>

namespace erg::models::specs {
namespace {

std::uint64_t dropped(double ratio, std::uint64_t n) {
  return static_cast<std::uint64_t>(std::floor(ratio * static_cast<double>(n)));
}

}  // namespace

std::uint64_t weight_nonzeros(std::uint64_t rows, std::uint64_t cols,
                              const runtime::Transform& transform) {
  if (transform.prune_ratio <= 0.0) return rows * cols;
  if (transform.prune_kind == runtime::PruneKind::kRows) {
    return (rows - dropped(transform.prune_ratio, rows)) * cols;
  }
  return rows * cols - dropped(transform.prune_ratio, rows * cols);
}

std::uint64_t weight_footprint_bytes(std::uint64_t rows, std::uint64_t cols, bool has_bias,
                                     const runtime::Transform& transform) {
  const Precision p = transform.precision;
  const bool quantized = p == Precision::kInt8 || p == Precision::kInt4;
  std::uint64_t bytes = has_bias ? rows * sizeof(float) : 0;
  const bool csr =
      transform.prune_ratio > 0.0 && transform.prune_kind == runtime::PruneKind::kMagnitude;
  if (csr) {
    const std::uint64_t nnz = weight_nonzeros(rows, cols, transform);
    bytes += (rows + 1) * sizeof(std::uint32_t) + nnz * sizeof(std::uint16_t);
    if (p == Precision::kInt8) bytes += nnz;
    if (p == Precision::kInt4) bytes += (nnz + 1) / 2;
    if (!quantized) bytes += nnz * sizeof(float);
    if (quantized) bytes += rows * sizeof(float);  // one scale per output channel
    return bytes;
  }
  std::uint64_t stored_rows = rows;
  if (transform.prune_ratio > 0.0) {
    stored_rows = rows - dropped(transform.prune_ratio, rows);
    bytes += stored_rows * sizeof(std::uint32_t);  // kept-row indices
  }
  // Scale groups apply to int4 only; int8 keeps one scale per output channel.
  const std::uint64_t groups = p != Precision::kInt4 || transform.group_size == 0
                                   ? 1
                                   : (cols + transform.group_size - 1) / transform.group_size;
  if (p == Precision::kInt8) bytes += stored_rows * cols;
  if (p == Precision::kInt4) bytes += stored_rows * ((cols + 1) / 2);
  if (!quantized) bytes += stored_rows * cols * sizeof(float);
  if (quantized) bytes += stored_rows * groups * sizeof(float);
  return bytes;
}

}  // namespace erg::models::specs
