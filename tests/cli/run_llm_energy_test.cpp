// `erg run llm --json` reports modeled energy per generated token on every shipped preset (issue
// 19 item 4), through the real binary: the keys, the breakdown summing to the total, AR vs
// self-speculative decoding on the shipped model, sampling, and --presets.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/cli/run_erg.hpp"

namespace erg::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json run_json(const std::string& args) {
  const auto r = run_erg(
      "run llm --model llm-layerskip --prompt 'In the beginning' "
      "--max-tokens 24 --json " +
      args);
  EXPECT_EQ(r.exit_status, 0) << r.output;
  return json::parse(r.output);
}

// What erg ships: simulator/presets/*.toml under ERG_HOME (set by ctest), else the source tree.
std::vector<std::string> shipped_presets() {
  const char* home = std::getenv("ERG_HOME");
  const fs::path dir = fs::path(home ? home : ".") / "simulator" / "presets";
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".toml") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

double leaves(const json& by_component) {
  double sum = 0;
  for (const auto& [component, levels] : by_component.items())
    for (const auto& [level, uj] : levels.items())
      sum += uj.get<double>();
  return sum;
}

// The keys of every strategy, each preset's energy positive and equal to the sum of its parts.
void expect_energy_keys(const json& j) {
  for (const char* key : {"text", "tokens_per_s", "acceptance_rate", "new_tokens", "invocations",
                          "energy_per_token_uj", "energy_per_token_by_component_uj"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["energy_source"], "modeled");
  const auto presets = shipped_presets();
  ASSERT_GE(presets.size(), 5u);
  EXPECT_EQ(j["energy_per_token_uj"].size(), presets.size());
  for (const auto& p : presets) {
    ASSERT_TRUE(j["energy_per_token_uj"].contains(p)) << p;
    const double total = j["energy_per_token_uj"][p].get<double>();
    EXPECT_TRUE(std::isfinite(total) && total > 0) << p;
    const auto& by = j["energy_per_token_by_component_uj"][p];
    EXPECT_TRUE(by.contains("static") && by.contains("llm.head") && by.contains("llm.layer.0"))
        << p;
    EXPECT_NEAR(leaves(by), total, 1e-9 * total) << p;
  }
}

TEST(RunLlmEnergy, EveryStrategyReportsEnergyPerTokenOnEveryPreset) {
  expect_energy_keys(run_json(""));
  expect_energy_keys(run_json("--strategy exit --exit-layer 4"));
  expect_energy_keys(run_json("--strategy selfspec --exit-layer 4 --speculations 4"));
  expect_energy_keys(
      run_json("--strategy selfspec --exit-layer 4 --speculations 4 "
               "--temperature 0.8 --top-p 0.9 --seed 3"));
  expect_energy_keys(run_json("--temperature 0.8 --seed 3"));
}

// Greedy self-speculation writes AR's text with fewer full-depth passes: layers 0-3 draft
// (13 MB of fp32 weights in all, half of it the drafter, which fits the 8 MiB last-level caches),
// one verify pass checks 4 tokens. So the weight bytes per token, and with them energy per token,
// drop on every preset, as the invocation counts say.
TEST(RunLlmEnergy, SelfSpeculationCostsLessPerTokenThanArAsItsInvocationsImply) {
  const auto ar = run_json("");
  const auto ss = run_json("--strategy selfspec --exit-layer 4 --speculations 4");
  EXPECT_EQ(ss["text"], ar["text"]);
  EXPECT_EQ(ss["new_tokens"], ar["new_tokens"]);
  auto layer_passes = [](const json& j) {
    std::uint64_t n = 0;
    for (const auto& [c, count] : j["invocations"].items())
      if (c.rfind("llm.layer.", 0) == 0) n += count.get<std::uint64_t>();
    return n;
  };
  ASSERT_LT(layer_passes(ss), layer_passes(ar));
  for (const auto& p : shipped_presets()) {
    EXPECT_LT(ss["energy_per_token_uj"][p].get<double>(),
              ar["energy_per_token_uj"][p].get<double>())
        << p;
  }
}

TEST(RunLlmEnergy, PresetsOptionLimitsTheEnergyToThoseNamed) {
  const auto j = run_json("--presets mobile-7nm-lpddr4x,horowitz-45nm");
  EXPECT_EQ(j["energy_per_token_uj"].size(), 2u);
  EXPECT_TRUE(j["energy_per_token_uj"].contains("horowitz-45nm"));
  const auto bad = run_erg("run llm --prompt Once --max-tokens 2 --presets nosuch", true);
  EXPECT_EQ(bad.exit_status, 2) << bad.output;
  EXPECT_NE(bad.output.find("--presets names 'nosuch'"), std::string::npos) << bad.output;
  const auto eval = run_erg("run llm --eval README.md --presets horowitz-45nm", true);
  EXPECT_EQ(eval.exit_status, 2) << eval.output;
  EXPECT_NE(eval.output.find("--presets applies to generation"), std::string::npos);
}

TEST(RunLlmEnergy, TextOutputSaysTheEnergyIsModeled) {
  const auto r = run_erg("run llm --prompt Once --max-tokens 4 --presets mobile-7nm-lpddr4x");
  EXPECT_EQ(r.exit_status, 0) << r.output;
  EXPECT_NE(r.output.find("modeled energy per token (analytic):  mobile-7nm-lpddr4x "),
            std::string::npos)
      << r.output;
}

}  // namespace
}  // namespace erg::cli

namespace erg::cli {
namespace {

// Issue 19's "done when" on the memory-bound model: selfspec reports tokens/s, acceptance and a
// modeled energy per token on every preset, with the autoregressive text.
TEST(RunLlmEnergy, MediumModelSelfspecReportsSpeedAcceptanceAndEnergyWithArText) {
  const std::string base =
      "run llm --model llm-layerskip-m --prompt 'In the beginning' --max-tokens 24 --json ";
  const auto ar = run_erg(base + "--strategy ar");
  const auto spec = run_erg(base + "--strategy selfspec --exit-layer 6 --speculations 4");
  ASSERT_EQ(ar.exit_status, 0) << ar.output;
  ASSERT_EQ(spec.exit_status, 0) << spec.output;
  const auto a = json::parse(ar.output), s = json::parse(spec.output);
  EXPECT_EQ(s["text"], a["text"]);
  EXPECT_GT(s["tokens_per_s"].get<double>(), 0);
  EXPECT_GT(s["acceptance_rate"].get<double>(), 0);
  for (const auto& preset : shipped_presets())
    EXPECT_GT(s["energy_per_token_uj"][preset].get<double>(), 0) << preset;
}

}  // namespace
}  // namespace erg::cli
