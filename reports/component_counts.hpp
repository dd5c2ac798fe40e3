#pragma once

#include <nlohmann/json.hpp>

#include "core/counting_sink.hpp"

namespace erg::reports {

// Per-component invocations, bytes read and written, accesses and MACs that a run's
// CountingSink saw, keyed by component name; components that saw nothing are left out. The
// "components" object of `erg run ... --json` and of the Python simulate() results.
nlohmann::json component_counts_json(const CountingSink& sink);

}  // namespace erg::reports
