#include "models/llm/generation_json.hpp"

#include <string>

namespace erg::models::llm {

nlohmann::json generation_json(const Generation& g, const GenerateOptions& options) {
  const auto& s = g.stats;
  return {{"text", g.text},
          {"stop_reason", g.stop_reason},
          {"strategy", std::string(to_string(options.strategy))},
          {"prompt_tokens", s.prompt_tokens},
          {"new_tokens", s.new_tokens},
          {"time_s", s.time_s},
          {"tokens_per_s", s.tokens_per_s()},
          {"rounds", s.rounds},
          {"drafted", s.drafted},
          {"accepted", s.accepted},
          {"acceptance_rate", s.acceptance_rate()},
          {"weight_bytes", s.weight_bytes},
          {"weight_bytes_per_token", s.weight_bytes_per_token()}};
}

}  // namespace erg::models::llm
