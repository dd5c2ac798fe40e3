#include "core/component_registry.hpp"

#include <mutex>

#include "core/error.hpp"

namespace erg {

ComponentId ComponentRegistry::intern(std::string_view name) {
  if (auto id = find(name)) return *id;
  if (!is_valid_name(name)) {
    throw Error("invalid component name '" + std::string(name) +
                "' (expected dotted lowercase segments such as 'asr.joiner' or 'llm.layer.3')");
  }
  std::unique_lock lock(mutex_);
  if (auto it = ids_.find(name); it != ids_.end()) return it->second;
  const auto id = static_cast<ComponentId>(names_.size());
  const std::string& stored = names_.emplace_back(name);
  ids_.emplace(stored, id);
  return id;
}

std::optional<ComponentId> ComponentRegistry::find(std::string_view name) const {
  std::shared_lock lock(mutex_);
  if (auto it = ids_.find(name); it != ids_.end()) return it->second;
  return std::nullopt;
}

const std::string& ComponentRegistry::name(ComponentId id) const {
  std::shared_lock lock(mutex_);
  if (id >= names_.size()) {
    throw Error("unknown component id " + std::to_string(id),
                "registry holds " + std::to_string(names_.size()) + " components");
  }
  return names_[id];
}

std::size_t ComponentRegistry::size() const {
  std::shared_lock lock(mutex_);
  return names_.size();
}

bool ComponentRegistry::is_valid_name(std::string_view name) {
  if (name.empty() || name.front() == '.' || name.back() == '.') return false;
  char prev = '.';
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
    if (!ok || (c == '.' && prev == '.')) return false;
    prev = c;
  }
  return true;
}

bool ComponentRegistry::is_under(std::string_view name, std::string_view prefix) {
  if (prefix.empty()) return true;
  if (!name.starts_with(prefix)) return false;
  return name.size() == prefix.size() || name[prefix.size()] == '.';
}

std::string_view ComponentRegistry::parent(std::string_view name) {
  const auto dot = name.rfind('.');
  return dot == std::string_view::npos ? std::string_view{} : name.substr(0, dot);
}

ComponentRegistry& ComponentRegistry::global() {
  static ComponentRegistry registry;
  return registry;
}

}  // namespace erg
