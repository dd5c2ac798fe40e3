#pragma once

#include <span>
#include <string>

namespace erg::cli {

// `erg profile asr|llm ...`: profiles a model variant in process. One measurement window covers
// the real run (K test-set utterances, or one generation), during which a timing hook records
// each component's busy time. A component busy for at least --min-window-ms with a mean
// invocation of at least --min-invocation-ms is measured by window: the same workload runs again
// with energy read at each begin and end of its invocations. Any other component's energy per
// invocation comes from repeating one representative invocation in a loop for at least
// --min-window-ms, attributed as that figure x its real invocation count. `target` is "asr" or
// "llm"; `args` are the arguments after it.
int run_profile_model(const std::string& target, std::span<const std::string> args);

}  // namespace erg::cli
