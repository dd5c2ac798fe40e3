// Experiment specs (configs/*.toml, sweep/experiment_spec.hpp): every section, key and range.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.hpp"
#include "sweep/experiment_spec.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    (void)erg::sweep::parse_experiment_spec(std::string(erg::fuzz::as_text(data, size)),
                                            "fuzz.toml");
  } catch (const erg::Error&) {
  }
  return 0;
}
