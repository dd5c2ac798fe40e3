#include "models/runtime/weight_store.hpp"

namespace erg::models::runtime {

WeightStore::WeightStore(ComponentRegistry& registry, std::uint64_t base)
    : registry_(registry), space_(base) {}

TensorInfo& WeightStore::add(std::string name, std::string_view component, std::uint64_t bytes,
                             bool pinned) {
  TensorInfo info;
  info.id = static_cast<TensorId>(tensors_.size());
  info.name = std::move(name);
  info.component = registry_.intern(component);
  info.address = space_.allocate(bytes);
  info.bytes = bytes;
  info.pinned = pinned;
  tensors_.push_back(std::move(info));
  return tensors_.back();
}

void WeightStore::place(Weight& weight, std::string name, std::string_view component, bool pinned) {
  const auto& info = add(name, component, weight.stored_bytes(), pinned);
  weight.name = std::move(name);
  weight.component = info.component;
  weight.address = info.address;
  weight.tensor = info.id;
}

void WeightStore::place(Buffer& buffer, std::string name, std::string_view component, bool pinned) {
  const auto& info = add(std::move(name), component, buffer.data.size() * sizeof(float), pinned);
  buffer.address = info.address;
  buffer.tensor = info.id;
}

void WeightStore::declare(AccessSink& sink) const {
  for (const auto& t : tensors_)
    sink.on_tensor(t);
}

}  // namespace erg::models::runtime
