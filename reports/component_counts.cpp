#include "reports/component_counts.hpp"

#include "core/component_registry.hpp"

namespace erg::reports {

nlohmann::json component_counts_json(const CountingSink& sink) {
  nlohmann::json out = nlohmann::json::object();
  const auto& registry = ComponentRegistry::global();
  const auto& counts = sink.counts();
  for (std::size_t id = 0; id < counts.size(); ++id) {
    const auto& c = counts[id];
    if (c.invocations == 0 && c.accesses == 0 && c.total_macs() == 0) continue;
    out[registry.name(static_cast<ComponentId>(id))] = {{"invocations", c.invocations},
                                                        {"bytes_read", c.bytes_read},
                                                        {"bytes_written", c.bytes_written},
                                                        {"accesses", c.accesses},
                                                        {"macs", c.total_macs()}};
  }
  return out;
}

}  // namespace erg::reports
