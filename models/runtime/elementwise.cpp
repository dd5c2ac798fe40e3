#include "models/runtime/elementwise.hpp"

#include <cmath>
#include <string>

#include "core/error.hpp"
#include "models/runtime/vector_exp.hpp"

namespace erg::models::runtime {
namespace {

void check_same(std::size_t a, std::size_t b, const char* what) {
  if (a != b)
    throw Error(std::string(what) + ": sizes " + std::to_string(a) + " and " + std::to_string(b) +
                    " differ",
                what);
}

void check_rows(std::size_t n, std::size_t dim, const char* what) {
  if (dim == 0 || n % dim != 0)
    throw Error(std::string(what) + ": " + std::to_string(n) + " values are not rows of " +
                    std::to_string(dim),
                what);
}

void report(const Probe& p, In x, Out y, std::uint64_t macs) {
  p.read(x.address, x.bytes(), x.tensor);
  p.write(y.address, y.bytes(), y.tensor);
  p.compute(macs, Precision::kFp32);
}

}  // namespace

float sigmoid(float x) {
  return 1.0f / (1.0f + std::exp(-x));
}

void rms_norm(In x, In gain, float eps, Out y, const Probe& probe) {
  const std::size_t dim = gain.data.size();
  check_same(x.data.size(), y.data.size(), "rms_norm");
  check_rows(x.data.size(), dim, "rms_norm");
  for (std::size_t base = 0; base < x.data.size(); base += dim) {
    float ss = 0.0f;
    for (std::size_t i = 0; i < dim; ++i)
      ss += x.data[base + i] * x.data[base + i];
    const float inv = 1.0f / std::sqrt(ss / float(dim) + eps);
    for (std::size_t i = 0; i < dim; ++i)
      y.data[base + i] = x.data[base + i] * inv * gain.data[i];
  }
  if (probe.sink) {
    probe.read(gain.address, gain.bytes(), gain.tensor);
    report(probe, x, y, 2 * x.data.size());
  }
}

void layer_norm(In x, In gain, In bias, float eps, Out y, const Probe& probe) {
  const std::size_t dim = gain.data.size();
  check_same(x.data.size(), y.data.size(), "layer_norm");
  check_same(bias.data.size(), dim, "layer_norm bias");
  check_rows(x.data.size(), dim, "layer_norm");
  for (std::size_t base = 0; base < x.data.size(); base += dim) {
    float mean = 0.0f;
    for (std::size_t i = 0; i < dim; ++i)
      mean += x.data[base + i];
    mean /= float(dim);
    float var = 0.0f;
    for (std::size_t i = 0; i < dim; ++i) {
      const float d = x.data[base + i] - mean;
      var += d * d;
    }
    const float inv = 1.0f / std::sqrt(var / float(dim) + eps);
    for (std::size_t i = 0; i < dim; ++i)
      y.data[base + i] = (x.data[base + i] - mean) * inv * gain.data[i] + bias.data[i];
  }
  if (probe.sink) {
    probe.read(gain.address, gain.bytes(), gain.tensor);
    probe.read(bias.address, bias.bytes(), bias.tensor);
    report(probe, x, y, 3 * x.data.size());
  }
}

void softmax(In x, Out y, const Probe& probe) {
  check_same(x.data.size(), y.data.size(), "softmax");
  const std::size_t n = x.data.size();
  if (n == 0) return;
  float mx = x.data[0];
  for (std::size_t i = 1; i < n; ++i)
    mx = std::max(mx, x.data[i]);
  float sum = 0.0f;
  for (std::size_t i = 0; i < n; ++i) {
    y.data[i] = std::exp(x.data[i] - mx);
    sum += y.data[i];
  }
  const float inv = 1.0f / sum;
  for (std::size_t i = 0; i < n; ++i)
    y.data[i] *= inv;
  if (probe.sink) report(probe, x, y, 2 * n);
}

void activate(Activation kind, In x, Out y, const Probe& probe) {
  check_same(x.data.size(), y.data.size(), "activate");
  const std::size_t n = x.data.size();
  switch (kind) {
    case Activation::kTanh:
      for (std::size_t i = 0; i < n; ++i)
        y.data[i] = std::tanh(x.data[i]);
      break;
    case Activation::kRelu:
      for (std::size_t i = 0; i < n; ++i)
        y.data[i] = x.data[i] > 0.0f ? x.data[i] : 0.0f;
      break;
    case Activation::kSilu:
      silu(x.data.data(), y.data.data(), n);
      break;
    case Activation::kSigmoid:
      for (std::size_t i = 0; i < n; ++i)
        y.data[i] = sigmoid(x.data[i]);
      break;
  }
  if (probe.sink) report(probe, x, y, n);
}

void add(In a, In b, Out y, const Probe& probe) {
  check_same(a.data.size(), b.data.size(), "add");
  check_same(a.data.size(), y.data.size(), "add");
  for (std::size_t i = 0; i < a.data.size(); ++i)
    y.data[i] = a.data[i] + b.data[i];
  if (probe.sink) {
    probe.read(b.address, b.bytes(), b.tensor);
    report(probe, a, y, a.data.size());
  }
}

void multiply(In a, In b, Out y, const Probe& probe) {
  check_same(a.data.size(), b.data.size(), "multiply");
  check_same(a.data.size(), y.data.size(), "multiply");
  for (std::size_t i = 0; i < a.data.size(); ++i)
    y.data[i] = a.data[i] * b.data[i];
  if (probe.sink) {
    probe.read(b.address, b.bytes(), b.tensor);
    report(probe, a, y, a.data.size());
  }
}

}  // namespace erg::models::runtime
