#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "models/runtime/probe.hpp"
#include "models/runtime/safetensors.hpp"
#include "models/runtime/variant.hpp"
#include "models/runtime/weight.hpp"
#include "models/runtime/weight_store.hpp"

namespace erg::models::asr {

// Where the RNN-T parts take their tensors from at load time: the checked safetensors file, the
// variant (prune / quantize / pin per component, applied here) and the weight store that gives
// every tensor its address.
class RnntWeights {
 public:
  RnntWeights(const runtime::SafetensorsFile& file, const runtime::Variant& variant,
              runtime::WeightStore& store)
      : file_(file), variant_(variant), store_(store) {}

  // Linear layer `<prefix>weight` [rows, cols] + `<prefix>bias` [rows], transformed per the
  // variant's rule for `component`. Throws erg::Error naming the file and tensor on a shape or
  // dtype mismatch.
  runtime::Weight linear(const std::string& prefix, std::string_view component, std::size_t rows,
                         std::size_t cols);
  // A weight with explicitly named value and bias tensors (LSTM weight_ih + bias_ih).
  runtime::Weight matrix(const std::string& weight_name, const std::string& bias_name,
                         std::string_view component, std::size_t rows, std::size_t cols);
  // An fp32 tensor kept as is (norm gains, embeddings, relative bias); the variant may pin it.
  runtime::Buffer tensor(const std::string& name, std::string_view component,
                         std::vector<std::int64_t> shape);
  // A zeroed activation or state buffer of `count` floats.
  runtime::Buffer scratch(const std::string& name, std::string_view component, std::size_t count);

  ComponentId component(std::string_view name) { return store_.component(name); }
  // Stored bytes of every weight and tensor handed out so far (scratch buffers excluded).
  std::uint64_t weight_bytes() const { return weight_bytes_; }

 private:
  const runtime::SafetensorsFile& file_;
  const runtime::Variant& variant_;
  runtime::WeightStore& store_;
  std::uint64_t weight_bytes_ = 0;
};

}  // namespace erg::models::asr
