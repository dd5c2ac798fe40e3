#pragma once

#include <cstdint>
#include <vector>

#include "core/access_event.hpp"

namespace erg::simulator {

// One request between adjacent levels: a line fill, a line writeback, or (below the first level)
// a forwarded partial write. `address` lies inside one line of the receiving level.
struct LineRequest {
  std::uint64_t address = 0;
  std::uint32_t bytes = 0;
  AccessOp op = AccessOp::kRead;
  ComponentId component = kNoComponent;
};

using RequestBuffer = std::vector<LineRequest>;

// Counters are kept per component; slot 0 collects events that carry no component, so the
// index is component + 1 with kNoComponent wrapping to 0.
inline std::uint32_t component_slot(ComponentId component) {
  return component + 1;
}
inline ComponentId slot_component(std::uint32_t slot) {
  return slot - 1;
}

}  // namespace erg::simulator
