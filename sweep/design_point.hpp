#pragma once

#include <map>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "sweep/experiment_spec.hpp"

namespace erg::sweep {

// One point of the design space: a transform per component, pins, runtime knobs and a preset.
// Its config() is what the result store keys on.
struct DesignPoint {
  std::map<std::string, std::string> transforms;  // component -> "bits=8,prune=0.5" ("" = none)
  std::set<std::string> pinned;
  nlohmann::json runtime = nlohmann::json::object();
  std::string preset;

  // The runtime::Variant spec text: rules sorted by component, pins folded in.
  std::string variant() const;
  nlohmann::json config(const ExperimentSpec& spec) const;
};

}  // namespace erg::sweep
