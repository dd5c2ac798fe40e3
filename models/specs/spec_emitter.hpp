#pragma once

#include <cstdint>
#include <string>

#include "core/access_sink.hpp"
#include "core/address_space.hpp"
#include "models/runtime/variant.hpp"

namespace erg::models::specs {

// A tensor of a shape-only model: where it lives and what one use of it reads.
struct SpecTensor {
  TensorId id = kNoTensor;
  ComponentId component = kNoComponent;
  std::uint64_t address = 0;
  std::uint64_t bytes = 0;     // bytes one whole use reads (after the variant's transform)
  std::uint64_t nonzeros = 0;  // weights one use multiplies by (0 for buffers)
  std::uint64_t rows = 0;      // output rows (weights) or 0
  Precision precision = Precision::kFp32;
};

// Emits the events a real engine would for a model known only by its shapes: tensors declared
// at stable addresses, then invocations, weight and buffer traffic, and MACs. The variant's
// transforms set each weight's stored bytes and precision, and its pin flags set
// TensorInfo::pinned, exactly as loading a real model would.
class SpecEmitter {
 public:
  SpecEmitter(AccessSink& sink, runtime::Variant variant);

  // A [rows, cols] weight matrix of `component` (a dotted component name).
  SpecTensor weight(const std::string& component, const std::string& name, std::uint64_t rows,
                    std::uint64_t cols, bool has_bias);
  // An fp32 activation or state buffer; never compressed, pinned with its component.
  SpecTensor buffer(const std::string& component, const std::string& name, std::uint64_t bytes);

  void invoke(ComponentId component, std::uint64_t times = 1);
  // Reads `bytes` of `t` from its start (the whole tensor when bytes is 0).
  void read(const SpecTensor& t, std::uint64_t bytes = 0);
  void write(const SpecTensor& t, std::uint64_t bytes = 0);
  void compute(ComponentId component, std::uint64_t macs, Precision precision);
  // One matrix product of weight `w` with `vectors` input vectors: the weight is read once and
  // every kept weight does `vectors` MACs.
  void apply(const SpecTensor& w, std::uint64_t vectors);
  // An embedding lookup: one row of `table` per token.
  void lookup(const SpecTensor& table, std::uint64_t tokens);

 private:
  AccessSink& sink_;
  runtime::Variant variant_;
  AddressSpace space_;
  TensorId next_id_ = 0;
};

}  // namespace erg::models::specs
