#pragma once

#include <nlohmann/json.hpp>

#include "models/llm/generator.hpp"

namespace erg::models::llm {

// A generation's text, stop reason, strategy and statistics (counts, seconds, bytes), the
// fields that `erg run llm --json` and the Python generate() share; each adds its own.
nlohmann::json generation_json(const Generation& g, const GenerateOptions& options);

}  // namespace erg::models::llm
