#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "core/version.hpp"

namespace erg::cli {

// Every machine-readable output starts with erg_version and kind (ARCHITECTURE.md, conventions).
inline nlohmann::json with_envelope(std::string_view kind, nlohmann::json body) {
  nlohmann::json out{{"erg_version", std::string(kVersion)}, {"kind", std::string(kind)}};
  for (auto& [key, value] : body.items())
    out[key] = std::move(value);
  return out;
}

}  // namespace erg::cli
