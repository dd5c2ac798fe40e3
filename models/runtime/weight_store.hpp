#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/access_event.hpp"
#include "core/access_sink.hpp"
#include "core/address_space.hpp"
#include "core/component_registry.hpp"
#include "models/runtime/probe.hpp"
#include "models/runtime/weight.hpp"

namespace erg::models::runtime {

// Gives every weight, activation buffer and state tensor of one loaded model a stable address
// and a tensor id, in load order, and remembers the TensorInfo so that any sink attached later
// can be told about all of them (declare).
class WeightStore {
 public:
  explicit WeightStore(ComponentRegistry& registry = ComponentRegistry::global(),
                       std::uint64_t base = AddressSpace::kDefaultBase);

  ComponentId component(std::string_view name) { return registry_.intern(name); }
  // Places a weight (its stored bytes) and fills in its name, component, address and tensor id.
  void place(Weight& weight, std::string name, std::string_view component, bool pinned = false);
  // Places an fp32 buffer (activations, state, caches, norm gains).
  void place(Buffer& buffer, std::string name, std::string_view component, bool pinned = false);

  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  // Sends on_tensor for every placed tensor, in placement order.
  void declare(AccessSink& sink) const;
  ComponentRegistry& registry() const { return registry_; }

 private:
  TensorInfo& add(std::string name, std::string_view component, std::uint64_t bytes, bool pinned);

  ComponentRegistry& registry_;
  AddressSpace space_;
  std::vector<TensorInfo> tensors_;
};

}  // namespace erg::models::runtime
