#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/access_event.hpp"
#include "core/access_sink.hpp"

namespace erg::models::runtime {

// Where a kernel reports: an optional sink and the component the touched tensors belong to.
// Kernels test `sink` once per call; a null sink costs nothing else.
struct Probe {
  AccessSink* sink = nullptr;
  ComponentId component = kNoComponent;

  void read(std::uint64_t address, std::uint64_t bytes, TensorId tensor) const {
    sink->on_access({address, bytes, AccessOp::kRead, component, tensor});
  }
  void write(std::uint64_t address, std::uint64_t bytes, TensorId tensor) const {
    sink->on_access({address, bytes, AccessOp::kWrite, component, tensor});
  }
  void compute(std::uint64_t macs, Precision precision) const {
    sink->on_compute({macs, precision, component});
  }
};

// A view of an fp32 activation or state tensor together with the virtual address of its first
// element. Plain spans convert implicitly (address 0, no tensor id) for unobserved use.
struct In {
  std::span<const float> data;
  std::uint64_t address = 0;
  TensorId tensor = kNoTensor;

  In() = default;
  In(std::span<const float> d, std::uint64_t a = 0, TensorId t = kNoTensor)
      : data(d), address(a), tensor(t) {}
  In(const std::vector<float>& v) : data(v) {}  // NOLINT: implicit on purpose
  std::uint64_t bytes() const { return data.size_bytes(); }
};

struct Out {
  std::span<float> data;
  std::uint64_t address = 0;
  TensorId tensor = kNoTensor;

  Out() = default;
  Out(std::span<float> d, std::uint64_t a = 0, TensorId t = kNoTensor)
      : data(d), address(a), tensor(t) {}
  Out(std::vector<float>& v) : data(v) {}  // NOLINT: implicit on purpose
  std::uint64_t bytes() const { return data.size_bytes(); }
  operator In() const { return In(data, address, tensor); }  // NOLINT
};

// An owned fp32 buffer at a stable virtual address (activations, states, KV caches).
struct Buffer {
  std::vector<float> data;
  std::uint64_t address = 0;
  TensorId tensor = kNoTensor;

  In in(std::size_t offset, std::size_t count) const {
    return In(std::span<const float>(data).subspan(offset, count), address + 4 * offset, tensor);
  }
  Out out(std::size_t offset, std::size_t count) {
    return Out(std::span<float>(data).subspan(offset, count), address + 4 * offset, tensor);
  }
  In in() const { return in(0, data.size()); }
  Out out() { return out(0, data.size()); }
};

}  // namespace erg::models::runtime
