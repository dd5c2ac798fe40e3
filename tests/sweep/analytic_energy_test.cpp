#include "sweep/analytic_energy.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "core/counting_sink.hpp"
#include "models/llm/generator.hpp"
#include "models/llm/llama_model.hpp"
#include "tests/models/llm/tiny_model.hpp"

namespace erg::sweep {
namespace {

using models::llm::GenerateOptions;
using models::llm::Generation;
using models::llm::LlamaModel;
using models::llm::Strategy;

// No caches, no scratchpad use, 1-byte DRAM bursts, no activation, I/O or static energy: the
// simulator's formula (simulator/energy_model.hpp: DRAM = bits x E_bit + ACTs x E_act, MACs x
// E_mac, static = power x time) then reduces to 8 x (bytes read x E_read + bytes written x
// E_write) + MACs x E_mac(fp32), every term a counter of the CountingSink.
constexpr double kReadPjPerBit = 2.0, kWritePjPerBit = 3.0, kFp32MacPj = 0.5;

simulator::Preset dram_only_preset() {
  simulator::Preset p;
  p.name = "dram-only";
  p.hierarchy.dram.burst_bytes = 1;
  p.hierarchy.roofline.dram_bandwidth_bytes_per_s = 1e9;
  p.energy.dram.read_energy_pj_per_bit = kReadPjPerBit;
  p.energy.dram.write_energy_pj_per_bit = kWritePjPerBit;
  p.energy.mac_energy_pj[static_cast<std::size_t>(Precision::kFp32)] = kFp32MacPj;
  return p;
}

struct Recorded {
  Generation generation;
  CountingSink sink{true};
};

// One generation of the tiny model with the use-recording sink attached, as `erg run llm` does.
void record(LlamaModel& model, const GenerateOptions& opt, Recorded& out) {
  model.reset();
  model.attach(&out.sink);
  const std::vector<int> prompt{256, 'T', 'h', 'e'};  // [BOS] + "The"
  out.generation = models::llm::generate(model, prompt, opt);
  model.attach(nullptr);
}

GenerateOptions options(Strategy strategy, std::size_t exit_layer = 0, std::size_t d = 4) {
  GenerateOptions o;
  o.strategy = strategy;
  o.exit_layer = exit_layer;
  o.speculations = d;
  o.max_new_tokens = 24;
  o.stop_at_eos = false;
  return o;
}

double sum_leaves(const nlohmann::json& by_component) {
  double sum = 0.0;
  for (const auto& [component, levels] : by_component.items())
    for (const auto& [level, uj] : levels.items())
      sum += uj.get<double>();
  return sum;
}

class TinyModelEnergy : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Deep layers scaled down: the 2-layer drafter agrees with the full model most of the time.
    tiny_ = new models::llm::testing::TinyModel(models::llm::testing::write_tiny_model(
        "analytic_energy", 7, models::llm::testing::tiny_config(), 0.3f, 0.05f));
  }
  static void TearDownTestSuite() {
    std::filesystem::remove(tiny_->path);
    delete tiny_;
  }
  static models::llm::testing::TinyModel* tiny_;
};
models::llm::testing::TinyModel* TinyModelEnergy::tiny_ = nullptr;

TEST_F(TinyModelEnergy, ArEnergyPerTokenIsTheCountersTimesThePerBitEnergies) {
  auto model = LlamaModel::load(tiny_->path);
  Recorded ar;
  record(model, options(Strategy::kAutoregressive), ar);
  ASSERT_EQ(ar.generation.stats.new_tokens, 24u);
  double expected_pj = 0.0;
  for (const auto& c : ar.sink.counts()) {
    expected_pj +=
        8.0 * (double(c.bytes_read) * kReadPjPerBit + double(c.bytes_written) * kWritePjPerBit) +
        double(c.macs[static_cast<std::size_t>(Precision::kFp32)]) * kFp32MacPj;
  }
  const auto priced = analytic_energy(ar.sink, dram_only_preset());
  EXPECT_EQ(priced.stats.untracked_access_count, 0u);  // every access is to a declared tensor
  EXPECT_GT(expected_pj, 0.0);
  EXPECT_NEAR(priced.report.total_energy_pj, expected_pj, 1e-9 * expected_pj);
  const auto by = energy_per_unit_by_component_uj(priced.report, {}, 24.0);
  EXPECT_NEAR(sum_leaves(by), expected_pj / 1e6 / 24.0, 1e-9 * expected_pj / 1e6);
}

TEST_F(TinyModelEnergy, PartsSumToThePresetTotalOnEveryShippedPreset) {
  auto model = LlamaModel::load(tiny_->path);
  const auto presets = shipped_preset_names();
  ASSERT_GE(presets.size(), 5u);
  for (const auto& opt : {options(Strategy::kAutoregressive), options(Strategy::kEarlyExit, 2),
                          options(Strategy::kSelfSpeculative, 2, 3)}) {
    Recorded run;
    record(model, opt, run);
    const double tokens = double(run.generation.stats.new_tokens);
    for (const auto& name : presets) {
      const auto priced = analytic_energy(run.sink, simulator::load_named_preset(name));
      const double total_uj = priced.report.total_energy_pj / 1e6 / tokens;
      const auto by = energy_per_unit_by_component_uj(priced.report, {}, tokens);
      ASSERT_TRUE(by.contains("static")) << name;
      // Leakage of each level, the scratchpad and DRAM background + refresh: power x time.
      EXPECT_EQ(by["static"].size(), priced.report.levels.size() + 2) << name;
      EXPECT_TRUE(by.contains("llm.layer.0") && by.contains("llm.head")) << name;
      EXPECT_NEAR(sum_leaves(by), total_uj, 1e-9 * total_uj) << name;
      // Rolled up to the sweep's components the parts still sum to the total.
      const auto rolled = energy_per_unit_by_component_uj(priced.report, {"llm.layer"}, tokens);
      EXPECT_TRUE(rolled.contains("llm.layer") && rolled.contains("other")) << name;
      EXPECT_NEAR(sum_leaves(rolled), total_uj, 1e-9 * total_uj) << name;
    }
  }
}

// With no cache every weight byte a pass reads comes from DRAM, so energy per token follows the
// weight bytes per token that the layer and head invocation counts imply.
TEST_F(TinyModelEnergy, SelfSpeculationMovesEnergyTheWayItsInvocationsImply) {
  auto model = LlamaModel::load(tiny_->path);
  Recorded ar, ss;
  record(model, options(Strategy::kAutoregressive), ar);
  record(model, options(Strategy::kSelfSpeculative, 2, 4), ss);
  ASSERT_EQ(ss.generation.tokens, ar.generation.tokens);  // greedy: lossless
  const auto weight_bytes_per_token = [&](const Recorded& r) {
    const auto& s = r.generation.stats;
    double bytes = double(s.head_invocations) * double(model.head_weight_bytes());
    for (std::size_t l = 0; l < s.layer_invocations.size(); ++l)
      bytes += double(s.layer_invocations[l]) * double(model.layer_weight_bytes(l));
    return bytes / double(s.new_tokens);
  };
  const double w_ar = weight_bytes_per_token(ar), w_ss = weight_bytes_per_token(ss);
  const auto preset = dram_only_preset();
  const double e_ar = analytic_energy(ar.sink, preset).report.total_energy_pj / 24.0;
  const double e_ss = analytic_energy(ss.sink, preset).report.total_energy_pj / 24.0;
  // The drafter (layers 0-1 of 4) agrees often, so a verify pass covers several tokens.
  EXPECT_GT(ss.generation.stats.acceptance_rate(), 0.5);
  EXPECT_LT(w_ss, w_ar);
  EXPECT_LT(e_ss, e_ar);
  // Weights dominate the DRAM traffic: the energy ratio is close to the weight-bytes ratio.
  EXPECT_NEAR(e_ss / e_ar, w_ss / w_ar, 0.15);
}

TEST(ShippedPresets, AreTheTomlFilesUnderSimulatorPresets) {
  const auto names = shipped_preset_names();
  for (const char* n : {"desktop-ddr4", "horowitz-45nm", "mobile-5nm-lpddr5", "mobile-7nm-lpddr4x",
                        "wearable-sram2m-lpddr4x"})
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
}

}  // namespace
}  // namespace erg::sweep
