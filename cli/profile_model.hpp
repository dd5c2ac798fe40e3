#pragma once

#include <span>
#include <string>

namespace erg::cli {

// `erg profile asr|llm ...`: profiles a model variant in process. One measurement window covers
// the real run (K test-set utterances, or one generation); then each component's energy per
// invocation comes from repeating one representative invocation of it in a loop for at least
// --min-window-ms inside its own window, and is attributed as that figure x the component's real
// invocation count. `target` is "asr" or "llm"; `args` are the arguments after it.
int run_profile_model(const std::string& target, std::span<const std::string> args);

}  // namespace erg::cli
