// erg calibrate's fit on synthetic measurements: exact data gives the table back, and a design
// with two kernels of proportional event mixes is reported, not fitted.
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "profiler/calibration_kernels.hpp"
#include "simulator/preset.hpp"
#include "sweep/calibration.hpp"
#include "tests/sweep/calibration_presets.hpp"

namespace erg::sweep {
namespace {

using profiler::CalibrationKernel;
using profiler::CalibrationMeasurement;

// fp32 and int8 MACs in a fixed 1:4 ratio: every pass of every such kernel is proportional.
class MixedMacKernel final : public CalibrationKernel {
 public:
  MixedMacKernel(std::string name, std::uint64_t fp32_macs)
      : name_(std::move(name)), fp32_macs_(fp32_macs) {}
  std::string_view name() const override { return name_; }
  std::string_view description() const override { return "fp32 + 4x int8 MACs"; }
  std::uint64_t run(std::uint64_t passes) override { return passes; }
  void describe_pass(AccessSink& sink) const override {
    sink.on_compute({fp32_macs_, Precision::kFp32, kNoComponent});
    sink.on_compute({4 * fp32_macs_, Precision::kInt8, kNoComponent});
  }

 private:
  std::string name_;
  std::uint64_t fp32_macs_;
};

// A measurement of `kernels` whose net energies are exactly `truth` (pJ per event, W) times
// each kernel's simulated events over `passes[k]` passes in `seconds[k]` seconds.
CalibrationMeasurement synthetic(const std::vector<KernelEvents>& events,
                                 const std::vector<double>& truth, int repeat) {
  CalibrationMeasurement m;
  for (const auto& e : events)
    m.kernel_names.push_back(e.kernel);
  m.energy_source = "powercap";
  m.baseline.duration_s = 1;
  m.baseline_total_power_w = 2.0;
  for (int r = 0; r < repeat; ++r)
    for (std::size_t k = 0; k < events.size(); ++k) {
      profiler::KernelRun run;
      run.kernel = k;
      run.repetition = r;
      run.passes = 1000 + 37 * k + 11 * static_cast<std::uint64_t>(r);
      run.window.time_s = 0.5 + 0.01 * static_cast<double>(k) + 0.003 * r;
      run.active_s = run.window.time_s;
      run.window.energy_available = true;
      run.window.baseline_subtracted = true;
      double pj = events[k].fixed_energy_pj_per_pass * static_cast<double>(run.passes);
      for (std::size_t j = 0; j + 1 < truth.size(); ++j)
        pj += events[k].per_pass[j] * static_cast<double>(run.passes) * truth[j];
      run.window.net_total_energy_j = pj * 1e-12 + truth.back() * run.active_s;
      m.runs.push_back(run);
    }
  return m;
}

using testing::small_calibration_preset;

std::vector<double> truth_for(const simulator::Preset& base) {
  // The base preset's constants times arbitrary factors, and 0.8 W of active static power.
  const std::vector<double> factors{1.3, 0.7, 1.6, 0.8, 1.2, 0.9, 1.5, 0.6, 2.0, 1.7};
  std::vector<double> truth;
  const auto coefs = calibration_coefficients(base);
  for (std::size_t j = 0; j + 1 < coefs.size(); ++j)
    truth.push_back(coefs[j].base_value * factors.at(j));
  truth.push_back(0.8);
  return truth;
}

TEST(CalibrationFit, ExactSyntheticDataGivesTheTableBack) {
  const auto base = small_calibration_preset();
  const auto kernels = profiler::make_calibration_kernels(calibration_levels(base));
  std::vector<KernelEvents> events;
  for (const auto& k : kernels)
    events.push_back(simulate_kernel_events(*k, base));
  const auto truth = truth_for(base);
  const auto fit = fit_calibration(synthetic(events, truth, 3), events, base);
  ASSERT_EQ(fit.coefficients.size(), truth.size());
  for (std::size_t j = 0; j < truth.size(); ++j) {
    EXPECT_NEAR(fit.coefficients[j].value / truth[j], 1.0, 1e-6)
        << fit.coefficients[j].coefficient.key;
    // Noise-free repetitions: every resample fits the same table.
    EXPECT_NEAR(fit.coefficients[j].ci_low / truth[j], 1.0, 1e-6);
    EXPECT_NEAR(fit.coefficients[j].ci_high / truth[j], 1.0, 1e-6);
  }
  EXPECT_LT(fit.relative_rms_residual, 1e-9);
  EXPECT_EQ(fit.design.rank, truth.size());
}

// The kernels' simulated events are what the hierarchy does with them: a read stream that fits
// L1 reads each line once per pass and moves nothing below; one over 4x the last level fills
// every line at every level and reads it from DRAM (64 B = 512 bits per line).
TEST(CalibrationFit, KernelEventsFollowTheHierarchy) {
  const auto base = small_calibration_preset();
  const auto read_l1 = profiler::make_stream_kernel("read-l1", AccessOp::kRead, 2048);
  const auto l1 = simulate_kernel_events(*read_l1, base);
  EXPECT_EQ(l1.per_pass[0], 2048.0 / 64);  // l1 reads
  EXPECT_EQ(l1.per_pass[1], 0.0);          // no fills
  EXPECT_EQ(l1.per_pass[6], 0.0);          // no DRAM bits
  const auto read_dram = profiler::make_stream_kernel("read-dram", AccessOp::kRead, 1 << 20);
  const auto d = simulate_kernel_events(*read_dram, base);
  const double lines = (1 << 20) / 64.0;
  EXPECT_EQ(d.per_pass[0], lines);        // l1 reads
  EXPECT_EQ(d.per_pass[1], lines);        // l1 fills
  EXPECT_EQ(d.per_pass[5], lines);        // l3 fills
  EXPECT_EQ(d.per_pass[6], lines * 512);  // DRAM read bits
  EXPECT_EQ(d.per_pass[7], 0.0);          // clean lines: no DRAM writes
  const auto mac = profiler::make_mac_kernel("mac-int8", Precision::kInt8, 1 << 16);
  const auto m = simulate_kernel_events(*mac, base);
  EXPECT_EQ(m.per_pass[9], 65536.0);
  EXPECT_EQ(m.per_pass[0], 0.0);
}

TEST(CalibrationFit, ProportionalKernelsAreReportedNotFitted) {
  const auto base = small_calibration_preset();
  auto kernels = profiler::make_calibration_kernels(calibration_levels(base));
  std::erase_if(kernels, [](const auto& k) { return k->name().starts_with("mac-"); });
  kernels.push_back(std::make_unique<MixedMacKernel>("mac-a", 1000));
  kernels.push_back(std::make_unique<MixedMacKernel>("mac-b", 3000));
  std::vector<KernelEvents> events;
  for (const auto& k : kernels)
    events.push_back(simulate_kernel_events(*k, base));
  const auto measured = synthetic(events, truth_for(base), 3);
  try {
    (void)fit_calibration(measured, events, base);
    FAIL() << "a singular design was fitted";
  } catch (const SingularDesignError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("rank 10 of 11"), std::string::npos) << what;
    EXPECT_NE(what.find("mac_energy_pj.fp32 and mac_energy_pj.int8 cannot be told apart"),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("kernels mac-a and mac-b have proportional event mixes"), std::string::npos)
        << what;
  }
}

TEST(CalibrationFit, WrittenPresetLoadsAndCitesTheFit) {
  const auto base = small_calibration_preset();
  const auto kernels = profiler::make_calibration_kernels(calibration_levels(base));
  std::vector<KernelEvents> events;
  for (const auto& k : kernels)
    events.push_back(simulate_kernel_events(*k, base));
  const auto truth = truth_for(base);
  const auto measured = synthetic(events, truth, 2);
  const auto fit = fit_calibration(measured, events, base);
  CalibrationProvenance prov{"testhost (Test CPU)", "2026-12-03T13:00:00Z", "erg calibrate", 0.5,
                             2};
  const std::string text = render_calibrated_preset(base, fit, measured, prov);
  const simulator::Preset p = simulator::parse_preset(text, "calibrated.toml");
  EXPECT_EQ(p.name, "desktop-ddr4-calibrated");
  EXPECT_NEAR(p.energy.levels[1].read_energy_pj / truth[2], 1.0, 1e-6);
  EXPECT_NEAR(p.energy.dram.write_energy_pj_per_bit / truth[7], 1.0, 1e-6);
  EXPECT_NEAR(p.energy.mac_energy_pj[2] / truth[9], 1.0, 1e-6);
  EXPECT_EQ(p.energy.dram.io_energy_pj_per_bit, 0.0);
  EXPECT_EQ(p.energy.dram.activation_energy_pj, base.energy.dram.activation_energy_pj);
  EXPECT_EQ(p.hierarchy.levels[2].size_bytes, 262144u);
  // Static power written = idle baseline 2 W + fitted active 0.8 W, in the base's proportions.
  double written = p.energy.dram.background_power_w + p.energy.dram.refresh_power_w;
  for (const auto& l : p.energy.levels)
    written += l.static_power_w;
  EXPECT_NEAR(written, 2.8, 1e-6);
  EXPECT_NE(text.find("erg calibrate on testhost (Test CPU), 2026-12-03T13:00:00Z"),
            std::string::npos);
  EXPECT_NE(text.find("95% CI ["), std::string::npos);
  EXPECT_NE(text.find("fit residual"), std::string::npos);
}

}  // namespace
}  // namespace erg::sweep
