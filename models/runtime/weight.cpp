#include "models/runtime/weight.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "core/error.hpp"

namespace erg::models::runtime {
namespace {

std::string label(const Weight& w) {
  return w.name.empty() ? std::string("weight") : "weight '" + w.name + "'";
}

void require_fp32(const Weight& w, const char* op) {
  if (w.precision != Precision::kFp32)
    throw Error(std::string(op) + " needs an fp32 weight; prune before quantizing", label(w));
}

int quant_max(Precision p) {
  return p == Precision::kInt8 ? 127 : 7;
}

std::int8_t quantize_one(float v, float scale, int qmax) {
  if (scale == 0.0f) return 0;
  const float q = std::nearbyint(v / scale);
  return static_cast<std::int8_t>(std::clamp(q, float(-qmax), float(qmax)));
}

void put_q4(std::vector<std::uint8_t>& packed, std::size_t index, std::int8_t q) {
  const auto nibble = static_cast<std::uint8_t>(q & 0x0f);
  if (index % 2 == 0)
    packed[index / 2] = static_cast<std::uint8_t>((packed[index / 2] & 0xf0) | nibble);
  else
    packed[index / 2] = static_cast<std::uint8_t>((packed[index / 2] & 0x0f) | (nibble << 4));
}

}  // namespace

std::size_t Weight::stored_rows() const {
  switch (format) {
    case WeightFormat::kDense:
      return rows;
    case WeightFormat::kRows:
      return kept_rows.size();
    case WeightFormat::kCsr:
      return rows;
  }
  return rows;
}

std::size_t Weight::groups() const {
  if (precision == Precision::kFp32 || format == WeightFormat::kCsr || group_size == 0) return 1;
  return (cols + group_size - 1) / group_size;
}

std::size_t Weight::nonzeros() const {
  if (format == WeightFormat::kCsr) return row_ptr.empty() ? 0 : row_ptr.back();
  return stored_rows() * cols;
}

std::uint64_t Weight::stored_bytes() const {
  std::uint64_t bytes = 0;
  switch (precision) {
    case Precision::kFp32:
    case Precision::kFp16:
      bytes += f32.size() * sizeof(float);
      break;
    case Precision::kInt8:
      bytes += q8.size();
      break;
    case Precision::kInt4:
      bytes += q4.size();
      break;
  }
  bytes += scales.size() * sizeof(float);
  bytes += kept_rows.size() * sizeof(std::uint32_t);
  bytes += row_ptr.size() * sizeof(std::uint32_t);
  bytes += col_idx.size() * sizeof(std::uint16_t);
  bytes += bias.size() * sizeof(float);
  return bytes;
}

std::vector<float> Weight::dequantized() const {
  std::vector<float> out(rows * cols, 0.0f);
  auto value = [&](std::size_t k, float scale) -> float {
    switch (precision) {
      case Precision::kInt8:
        return scale * float(q8[k]);
      case Precision::kInt4: {
        const std::uint8_t byte = q4[k / 2];
        const int nibble = (k % 2 == 0) ? (byte & 0x0f) : (byte >> 4);
        return scale * float(nibble >= 8 ? nibble - 16 : nibble);
      }
      default:
        return f32[k];
    }
  };
  if (format == WeightFormat::kCsr) {
    for (std::size_t r = 0; r < rows; ++r) {
      const float scale = precision == Precision::kFp32 ? 1.0f : scales[r];
      for (std::size_t k = row_ptr[r]; k < row_ptr[r + 1]; ++k)
        out[r * cols + col_idx[k]] = value(k, scale);
    }
    return out;
  }
  const std::size_t g = groups();
  for (std::size_t s = 0; s < stored_rows(); ++s) {
    const std::size_t r = format == WeightFormat::kRows ? kept_rows[s] : s;
    for (std::size_t c = 0; c < cols; ++c) {
      const float scale =
          precision == Precision::kFp32 ? 1.0f : scales[s * g + (g == 1 ? 0 : c / group_size)];
      const std::size_t k =
          precision == Precision::kInt4 ? s * row_bytes_q4() * 2 + c : s * cols + c;
      out[r * cols + c] = value(k, scale);
    }
  }
  return out;
}

Weight dense_weight(std::size_t rows, std::size_t cols, std::vector<float> values,
                    std::vector<float> bias) {
  if (values.size() != rows * cols) {
    throw Error("dense weight has " + std::to_string(values.size()) + " values, expected " +
                    std::to_string(rows) + "x" + std::to_string(cols),
                "dense_weight");
  }
  if (!bias.empty() && bias.size() != rows) {
    throw Error(
        "bias has " + std::to_string(bias.size()) + " values, expected " + std::to_string(rows),
        "dense_weight");
  }
  Weight w;
  w.rows = rows;
  w.cols = cols;
  w.f32 = std::move(values);
  w.bias = std::move(bias);
  return w;
}

Weight prune_magnitude(const Weight& dense, double ratio) {
  require_fp32(dense, "magnitude pruning");
  if (dense.format != WeightFormat::kDense)
    throw Error("magnitude pruning needs a dense weight", label(dense));
  if (!(ratio >= 0.0 && ratio < 1.0))
    throw Error("prune ratio " + std::to_string(ratio) + " outside [0, 1)", label(dense));
  if (dense.cols > 65536)
    throw Error("CSR column indices are 16-bit; cols " + std::to_string(dense.cols) + " > 65536",
                label(dense));
  const std::size_t n = dense.f32.size();
  const auto drop = static_cast<std::size_t>(std::floor(ratio * double(n)));
  // Rank by magnitude with the index as tie-break, so exactly `drop` entries go.
  std::vector<std::uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  auto less = [&](std::uint32_t a, std::uint32_t b) {
    const float ma = std::fabs(dense.f32[a]), mb = std::fabs(dense.f32[b]);
    return ma < mb || (ma == mb && a < b);
  };
  std::vector<bool> keep(n, true);
  if (drop > 0) {
    std::nth_element(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(drop - 1),
                     order.end(), less);
    for (std::size_t i = 0; i < drop; ++i)
      keep[order[i]] = false;
  }
  Weight w = dense;
  w.format = WeightFormat::kCsr;
  w.f32.clear();
  w.row_ptr.assign(dense.rows + 1, 0);
  for (std::size_t r = 0; r < dense.rows; ++r) {
    for (std::size_t c = 0; c < dense.cols; ++c) {
      const std::size_t k = r * dense.cols + c;
      if (!keep[k]) continue;
      w.f32.push_back(dense.f32[k]);
      w.col_idx.push_back(static_cast<std::uint16_t>(c));
    }
    w.row_ptr[r + 1] = static_cast<std::uint32_t>(w.f32.size());
  }
  return w;
}

Weight prune_rows(const Weight& dense, double ratio) {
  require_fp32(dense, "row pruning");
  if (dense.format != WeightFormat::kDense)
    throw Error("row pruning needs a dense weight", label(dense));
  if (!(ratio >= 0.0 && ratio < 1.0))
    throw Error("prune ratio " + std::to_string(ratio) + " outside [0, 1)", label(dense));
  std::vector<double> norm(dense.rows, 0.0);
  for (std::size_t r = 0; r < dense.rows; ++r)
    for (std::size_t c = 0; c < dense.cols; ++c)
      norm[r] += double(dense.f32[r * dense.cols + c]) * dense.f32[r * dense.cols + c];
  std::vector<std::uint32_t> order(dense.rows);
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return norm[a] < norm[b]; });
  const auto drop = static_cast<std::size_t>(std::floor(ratio * double(dense.rows)));
  std::vector<std::uint32_t> kept(order.begin() + static_cast<std::ptrdiff_t>(drop), order.end());
  std::sort(kept.begin(), kept.end());
  Weight w = dense;
  w.format = WeightFormat::kRows;
  w.kept_rows = kept;
  w.f32.clear();
  for (auto r : kept)
    w.f32.insert(w.f32.end(), dense.f32.begin() + static_cast<std::ptrdiff_t>(r * dense.cols),
                 dense.f32.begin() + static_cast<std::ptrdiff_t>((r + 1) * dense.cols));
  return w;
}

Weight quantize(const Weight& in, Precision precision, std::size_t group_size) {
  if (precision == Precision::kFp32) return in;
  if (precision != Precision::kInt8 && precision != Precision::kInt4)
    throw Error("quantization supports fp32, int8 and int4", label(in));
  require_fp32(in, "quantization");
  const int qmax = quant_max(precision);
  Weight w = in;
  w.precision = precision;
  w.f32.clear();
  w.scales.clear();
  if (in.format == WeightFormat::kCsr) {
    const std::size_t nnz = in.nonzeros();
    if (precision == Precision::kInt8)
      w.q8.resize(nnz);
    else
      w.q4.assign((nnz + 1) / 2, 0);
    w.group_size = in.cols;
    for (std::size_t r = 0; r < in.rows; ++r) {
      float amax = 0.0f;
      for (std::size_t k = in.row_ptr[r]; k < in.row_ptr[r + 1]; ++k)
        amax = std::max(amax, std::fabs(in.f32[k]));
      const float scale = amax / float(qmax);
      w.scales.push_back(scale);
      for (std::size_t k = in.row_ptr[r]; k < in.row_ptr[r + 1]; ++k) {
        const auto q = quantize_one(in.f32[k], scale, qmax);
        if (precision == Precision::kInt8)
          w.q8[k] = q;
        else
          put_q4(w.q4, k, q);
      }
    }
    return w;
  }
  const std::size_t gs = (group_size == 0 || group_size > in.cols) ? in.cols : group_size;
  if (precision == Precision::kInt8 && gs != in.cols)
    throw Error("int8 uses one scale per output channel; group_size applies to int4", label(in));
  w.group_size = gs;
  const std::size_t groups = gs == 0 ? 1 : (in.cols + gs - 1) / gs;  // gs 0: no columns
  const std::size_t rows = in.stored_rows();
  if (precision == Precision::kInt8)
    w.q8.resize(rows * in.cols);
  else
    w.q4.assign(rows * w.row_bytes_q4(), 0);
  for (std::size_t s = 0; s < rows; ++s) {
    for (std::size_t g = 0; g < groups; ++g) {
      const std::size_t c0 = g * gs, c1 = std::min(in.cols, c0 + gs);
      float amax = 0.0f;
      for (std::size_t c = c0; c < c1; ++c)
        amax = std::max(amax, std::fabs(in.f32[s * in.cols + c]));
      const float scale = amax / float(qmax);
      w.scales.push_back(scale);
      for (std::size_t c = c0; c < c1; ++c) {
        const auto q = quantize_one(in.f32[s * in.cols + c], scale, qmax);
        if (precision == Precision::kInt8)
          w.q8[s * in.cols + c] = q;
        else
          put_q4(w.q4, s * w.row_bytes_q4() * 2 + c, q);
      }
    }
  }
  return w;
}

}  // namespace erg::models::runtime
