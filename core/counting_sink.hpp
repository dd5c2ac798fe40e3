#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/access_sink.hpp"

namespace erg {

// Per-component totals of what the kernels reported.
struct ComponentCounts {
  std::uint64_t invocations = 0;
  std::uint64_t bytes_read = 0;
  std::uint64_t bytes_written = 0;
  std::uint64_t accesses = 0;
  std::array<std::uint64_t, kPrecisionCount> macs{};  // indexed by Precision

  std::uint64_t total_macs() const;
};

// One entry of the tensor-level use sequence that the analytic simulator consumes.
struct TensorUse {
  TensorId tensor = kNoTensor;
  AccessOp op = AccessOp::kRead;
  std::uint64_t bytes = 0;
};

// Counts invocations, bytes and MACs per component, and optionally records the order in which
// tensors are used.
class CountingSink final : public AccessSink {
 public:
  explicit CountingSink(bool record_uses = false) : record_uses_(record_uses) {}

  void on_tensor(const TensorInfo& tensor) override;
  void on_invocation(ComponentId component) override;
  void on_access(const AccessEvent& event) override;
  void on_compute(const ComputeEvent& event) override;

  const std::vector<ComponentCounts>& counts() const { return counts_; }  // indexed by id
  const ComponentCounts& of(ComponentId component) const;
  // Sums every component whose name lies under `prefix` (see ComponentRegistry::is_under).
  ComponentCounts rolled_up(const std::string& prefix,
                            const ComponentRegistry& registry = ComponentRegistry::global()) const;
  const std::map<TensorId, TensorInfo>& tensors() const { return tensors_; }
  const std::vector<TensorUse>& uses() const { return uses_; }

 private:
  ComponentCounts& slot(ComponentId component);

  bool record_uses_;
  std::vector<ComponentCounts> counts_;
  std::map<TensorId, TensorInfo> tensors_;
  std::vector<TensorUse> uses_;
};

}  // namespace erg
