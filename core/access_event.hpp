#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/component_registry.hpp"

// The events every engine kernel reports (see ARCHITECTURE.md, "The seam: access events").
namespace erg {

using TensorId = std::uint32_t;
inline constexpr TensorId kNoTensor = UINT32_MAX;

enum class AccessOp : std::uint8_t { kRead, kWrite };
enum class Precision : std::uint8_t { kFp32, kFp16, kInt8, kInt4 };
inline constexpr int kPrecisionCount = 4;

std::string_view to_string(AccessOp op);
std::string_view to_string(Precision precision);
// "fp32", "fp16", "int8", "int4"; nullopt otherwise.
std::optional<Precision> parse_precision(std::string_view text);
// Bits per stored element: 32, 16, 8, 4.
int bits_of(Precision precision);

// A tensor at a stable address, declared once when a model loads. `pinned` asks the memory model
// to serve it from local SRAM (the scratchpad) instead of the cache hierarchy.
struct TensorInfo {
  TensorId id = kNoTensor;
  std::string name;
  ComponentId component = kNoComponent;
  std::uint64_t address = 0;
  std::uint64_t bytes = 0;
  bool pinned = false;
};

// A contiguous read or write of `bytes` bytes starting at `address`.
struct AccessEvent {
  std::uint64_t address = 0;
  std::uint64_t bytes = 0;
  AccessOp op = AccessOp::kRead;
  ComponentId component = kNoComponent;
  TensorId tensor = kNoTensor;
};

struct ComputeEvent {
  std::uint64_t macs = 0;
  Precision precision = Precision::kFp32;
  ComponentId component = kNoComponent;
};

}  // namespace erg
