#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace erg {

// Components are named with dotted paths, coarse to fine: "asr.joiner", "llm.layer.3".
// Events carry a small integer id instead of the name so that sinks do no string work per event.
using ComponentId = std::uint32_t;
inline constexpr ComponentId kNoComponent = UINT32_MAX;

class ComponentRegistry {
 public:
  // Returns the id of `name`, adding it on first use. Throws erg::Error for an invalid name.
  ComponentId intern(std::string_view name);
  std::optional<ComponentId> find(std::string_view name) const;
  // The name of a registered id; throws erg::Error for an unknown id.
  const std::string& name(ComponentId id) const;
  std::size_t size() const;

  // Segments of [a-z0-9_], at least one, separated by single dots.
  static bool is_valid_name(std::string_view name);
  // True when `name` equals `prefix` or lies below it: "asr.encoder.layer.3" is under
  // "asr.encoder" but "asr.encoder2" is not.
  static bool is_under(std::string_view name, std::string_view prefix);
  // "asr.encoder.layer.3" -> "asr.encoder.layer"; a top-level name has an empty parent.
  static std::string_view parent(std::string_view name);

  // The process-wide registry that engines and sinks share.
  static ComponentRegistry& global();

 private:
  mutable std::shared_mutex mutex_;
  std::deque<std::string> names_;  // a deque keeps references stable as it grows
  std::unordered_map<std::string_view, ComponentId> ids_;
};

}  // namespace erg
