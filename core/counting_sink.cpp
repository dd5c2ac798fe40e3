#include "core/counting_sink.hpp"

#include <numeric>

namespace erg {

std::uint64_t ComponentCounts::total_macs() const {
  return std::accumulate(macs.begin(), macs.end(), std::uint64_t{0});
}

ComponentCounts& CountingSink::slot(ComponentId component) {
  if (component >= counts_.size()) counts_.resize(static_cast<std::size_t>(component) + 1);
  return counts_[component];
}

const ComponentCounts& CountingSink::of(ComponentId component) const {
  static const ComponentCounts kEmpty{};
  return component < counts_.size() ? counts_[component] : kEmpty;
}

void CountingSink::on_tensor(const TensorInfo& tensor) {
  tensors_[tensor.id] = tensor;
}

void CountingSink::on_invocation(ComponentId component) {
  if (component == kNoComponent) return;
  ++slot(component).invocations;
}

void CountingSink::on_access(const AccessEvent& event) {
  if (record_uses_) uses_.push_back({event.tensor, event.op, event.bytes});
  if (event.component == kNoComponent) return;
  auto& c = slot(event.component);
  ++c.accesses;
  (event.op == AccessOp::kRead ? c.bytes_read : c.bytes_written) += event.bytes;
}

void CountingSink::on_compute(const ComputeEvent& event) {
  if (event.component == kNoComponent) return;
  slot(event.component).macs[static_cast<std::size_t>(event.precision)] += event.macs;
}

ComponentCounts CountingSink::rolled_up(const std::string& prefix,
                                        const ComponentRegistry& registry) const {
  ComponentCounts total;
  for (ComponentId id = 0; id < counts_.size(); ++id) {
    if (!ComponentRegistry::is_under(registry.name(id), prefix)) continue;
    const auto& c = counts_[id];
    total.invocations += c.invocations;
    total.bytes_read += c.bytes_read;
    total.bytes_written += c.bytes_written;
    total.accesses += c.accesses;
    for (std::size_t p = 0; p < c.macs.size(); ++p)
      total.macs[p] += c.macs[p];
  }
  return total;
}

}  // namespace erg
