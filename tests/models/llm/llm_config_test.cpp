// LlmConfig::from_json on hostile model JSON: every bad value is an erg::Error naming its key,
// never another exception type or undefined behaviour (found by tests/fuzz/model_json_fuzz.cpp;
// the reproducer is tests/fuzz/corpus/model_json/llm-bad-ids.json).
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "models/llm/llm_config.hpp"

namespace erg::models::llm {
namespace {

nlohmann::json minimal() {
  return {{"vocab_size", 259}, {"dim", 8},      {"n_layers", 1},
          {"n_heads", 2},      {"ffn_dim", 16}, {"context_length", 32}};
}

void expect_error_naming(const nlohmann::json& j, const std::string& key) {
  try {
    (void)LlmConfig::from_json(j, "model.json");
    FAIL() << "accepted " << j.dump();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
    EXPECT_EQ(e.where(), "model.json");
  }
}

TEST(LlmConfig, TokenIdsAcceptIntegersAndTheirMetadataText) {
  auto j = minimal();
  j["bos_id"] = "256";
  j["eos_id"] = 257;
  const auto c = LlmConfig::from_json(j, "model.json");
  EXPECT_EQ(c.bos_id, 256);
  EXPECT_EQ(c.eos_id, 257);
}

TEST(LlmConfig, BadTokenIdIsAnErrorNamingTheKey) {
  for (const nlohmann::json& bad :
       {nlohmann::json("x"), nlohmann::json("256x"), nlohmann::json(""), nlohmann::json(1e3),
        nlohmann::json(-1), nlohmann::json(99999999999LL), nlohmann::json(18446744073709551615ULL),
        nlohmann::json::array()}) {
    SCOPED_TRACE(bad.dump());
    auto j = minimal();
    j["pad_id"] = bad;
    expect_error_naming(j, "pad_id");
  }
}

TEST(LlmConfig, NonBooleanTieEmbeddingsIsAnError) {
  auto j = minimal();
  j["tie_embeddings"] = 1;
  expect_error_naming(j, "tie_embeddings");
}

// 1e300 does not fit a float: converting it was undefined behaviour (UBSan float-cast-overflow).
TEST(LlmConfig, NormEpsOutsideFloatRangeIsAnError) {
  for (const double eps : {1e300, -1.0, 0.0}) {
    auto j = minimal();
    j["norm_eps"] = eps;
    expect_error_naming(j, "norm_eps");
  }
}

}  // namespace
}  // namespace erg::models::llm
