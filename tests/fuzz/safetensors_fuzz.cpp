// safetensors files: the 8-byte header length, the JSON header, the offsets into the data, and
// reading every tensor back as f32 and as int64 (what the model loaders do).
#include <cstddef>
#include <cstdint>

#include "core/error.hpp"
#include "models/runtime/safetensors.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = erg::fuzz::input_file(data, size, "input.safetensors");
  try {
    const erg::models::runtime::SafetensorsFile file(path);
    for (const auto& name : file.names()) {
      const auto& entry = file.at(name);
      (void)entry.elements();
      try {
        (void)file.read_f32(name);
      } catch (const erg::Error&) {
      }
      try {
        (void)file.read_i64(name);
      } catch (const erg::Error&) {
      }
    }
  } catch (const erg::Error&) {
  }
  return 0;
}
