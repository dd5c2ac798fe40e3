// `erg run llm --model X.bin` on llama2.c checkpoints (issue 19 item 5), through the real binary:
// the fixtures of tests/fixtures/llm/llama2c (a 294-token SentencePiece-style vocabulary with its
// tokenizer.bin beside the model, and a byte-vocabulary model), every format version, greedy
// self-speculative output equal to autoregressive, and the errors for a missing tokenizer and
// --eval.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/cli/run_erg.hpp"

namespace erg::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kDir = "tests/fixtures/llm/llama2c/";

json generate(const std::string& model, const std::string& extra) {
  const auto r = run_erg_merged(
      "run llm --model " + kDir + model +
      " --prompt 'the cat' --max-tokens 10 --presets mobile-5nm-lpddr5 --json " + extra);
  EXPECT_EQ(r.exit_status, 0) << r.output;
  try {
    return json::parse(r.output);
  } catch (const json::parse_error&) {
    ADD_FAILURE() << r.output;
    return json::object();
  }
}

TEST(RunLlmLlama2c, GeneratesOnEveryVersionAndSelfspecEqualsAr) {
  for (const char* model : {"tiny_v0.bin", "tiny_v1.bin", "tiny_v2.bin", "bytes_v0.bin",
                            "bytes_v1.bin", "bytes_v2.bin"}) {
    SCOPED_TRACE(model);
    const auto ar = generate(model, "--strategy ar");
    const bool tiny = std::string(model).starts_with("tiny");
    // tiny: [BOS, " the", " cat"] from tokenizer.bin; bytes: [BOS] + 7 bytes.
    EXPECT_EQ(ar["prompt_tokens"], tiny ? 3 : 8);
    EXPECT_GT(ar["new_tokens"].get<int>(), 0);
    EXPECT_LE(ar["new_tokens"].get<int>(), 10);
    EXPECT_TRUE(ar["energy_per_token_uj"].contains("mobile-5nm-lpddr5"));
    const auto ss = generate(model, "--strategy selfspec --exit-layer 1 --speculations 3");
    EXPECT_EQ(ss["text"], ar["text"]);
    EXPECT_EQ(ss["new_tokens"], ar["new_tokens"]);
    EXPECT_GT(ss["invocations"]["llm.layer.0"].get<int>(), 0);
  }
}

TEST(RunLlmLlama2c, ExplicitTokenizerAndItsAbsence) {
  const fs::path dir = fs::temp_directory_path() / ("erg_l2c_cli_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::copy_file(kDir + "tiny_v1.bin", dir / "tiny.bin", fs::copy_options::overwrite_existing);
  const std::string base = "run llm --model " + (dir / "tiny.bin").string() +
                           " --prompt 'the cat' --max-tokens 4 --presets mobile-5nm-lpddr5 --json";
  const auto missing = run_erg_merged(base);
  EXPECT_EQ(missing.exit_status, 1) << missing.output;
  EXPECT_NE(missing.output.find("--tokenizer PATH"), std::string::npos) << missing.output;
  EXPECT_NE(missing.output.find((dir / "tokenizer.bin").string()), std::string::npos)
      << missing.output;
  const auto given = run_erg_merged(base + " --tokenizer " + kDir + "tokenizer.bin");
  EXPECT_EQ(given.exit_status, 0) << given.output;
  EXPECT_EQ(json::parse(given.output)["prompt_tokens"], 3);
  fs::remove_all(dir);

  const auto eval =
      run_erg_merged("run llm --model " + kDir + "tiny_v1.bin --eval " + kDir + "tokenizer.bin");
  EXPECT_EQ(eval.exit_status, 2) << eval.output;
  EXPECT_NE(eval.output.find("needs a byte-level model"), std::string::npos) << eval.output;
  const auto bad = run_erg_merged("run llm --model " + kDir + "reference.safetensors --prompt x");
  EXPECT_NE(bad.exit_status, 0);
}

// A file that is not a checkpoint: tokenizer.bin's first int32 (max_token_length 6) reads as dim
// and its first score (0.0f) as hidden_dim.
TEST(RunLlmLlama2c, NonCheckpointBinIsRefusedNamingFileAndField) {
  const auto r = run_erg_merged("run llm --model " + kDir + "tokenizer.bin --prompt x --json");
  EXPECT_EQ(r.exit_status, 1) << r.output;
  EXPECT_NE(
      r.output.find("header field hidden_dim is 0, expected 1..1048576: " + kDir + "tokenizer.bin"),
      std::string::npos)
      << r.output;
}

}  // namespace
}  // namespace erg::cli
