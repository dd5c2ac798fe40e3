// Technology presets (simulator/presets/*.toml): the hierarchy and its cited energy table.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.hpp"
#include "simulator/preset.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    (void)erg::simulator::parse_preset(erg::fuzz::as_text(data, size), "fuzz.toml");
  } catch (const erg::Error&) {
  }
  return 0;
}
