#pragma once

#include <span>
#include <string>

namespace erg::cli {

// `erg profile asr|llm ...`: parses the options into a sweep::ModelProfileRequest, runs
// sweep::profile_model (the per-component attribution of measured energy, shared with
// erg.profile_model in Python) and prints the result as text or JSON. `target` is "asr" or
// "llm"; `args` are the arguments after it.
int run_profile_model(const std::string& target, std::span<const std::string> args);

}  // namespace erg::cli
