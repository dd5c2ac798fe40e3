// A shipped model's JSON: the LLM architecture (models/llm/llm_config.hpp, as the safetensors
// metadata or the sidecar file gives it) and the ASR RNN-T config with its frontend
// (models/asr/rnnt_config.hpp). Text that is not JSON is the JSON library's concern, not erg's.
#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "models/asr/rnnt_config.hpp"
#include "models/llm/llm_config.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto json = nlohmann::json::parse(erg::fuzz::as_text(data, size), nullptr, false);
  if (json.is_discarded()) return -1;  // not JSON: keep it out of the corpus
  try {
    (void)erg::models::llm::LlmConfig::from_json(json, "fuzz.json");
  } catch (const erg::Error&) {
  }
  for (const char* key : {"config", "architecture"}) {
    if (json.is_object() && json.contains(key)) {
      try {
        (void)erg::models::llm::LlmConfig::from_json(json[key], "fuzz.json");
      } catch (const erg::Error&) {
      }
    }
  }
  try {
    (void)erg::models::asr::RnntConfig::parse(json, "fuzz.json");
  } catch (const erg::Error&) {
  }
  return 0;
}
