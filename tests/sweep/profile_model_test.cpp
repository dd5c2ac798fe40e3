#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/profiler/fake_trees.hpp"

// `erg profile asr|llm`: in-process model profiling (sweep/model_profile.hpp), run through the
// erg binary (the sweep tests depend on it). The engines' own invocation counts come from
// `erg run asr|llm --json`, a separate process running the same workload.
namespace erg::sweep {
namespace {

namespace pt = profiler::testing;
using pt::TempDir;
namespace fs = std::filesystem;

// A one-package powercap tree under `root` whose energy_uj a writer thread advances at power_w
// (real max_energy_range_uj, so it can wrap) for as long as this object lives.
struct FakePackage {
  static constexpr std::uint64_t kMaxRangeUj = 262143328850ULL;
  FakePackage(const fs::path& root, double power_w)
      : tree(with_zone(root)),
        writer(tree / "intel-rapl:0/energy_uj", power_w, 1'000'000, kMaxRangeUj) {
    writer.wait_until_running();
  }
  static fs::path with_zone(const fs::path& root) {
    pt::add_zone(root, "intel-rapl:0", "package-0", 0, kMaxRangeUj, 20'000'000);
    return root;
  }
  // The allowed |measured - power x time| for a window of `time_s`: `relative` of the expected
  // energy, or, when the writer thread was starved (a loaded machine), what its longest pause
  // between writes can explain (a stale read at each end of the window), whichever is larger.
  double tolerance_j(double time_s, double relative) const {
    return std::max(relative * writer.power_w() * time_s,
                    2.0 * writer.power_w() * writer.max_write_gap_s() + 2e-6);
  }
  fs::path tree;
  pt::EnergyWriter writer;
};

fs::path erg_binary() {
  return fs::path(ERG_TEST_BINARY_DIR) / "cli/erg";
}

std::string run(const std::string& command, int& status) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen failed");
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0)
    out.append(buf, n);
  status = ::pclose(pipe);
  return out;
}

nlohmann::json run_json(const std::string& command) {
  int status = 0;
  const auto out = run(command, status);
  EXPECT_EQ(status, 0) << command << "\n" << out;
  return nlohmann::json::parse(out);
}

// The first `k` audio files of the default test set (tests/fixtures/asr/testset/testset.tsv:
// file, text, voice, heldout; files relative to the listing; the tests run in the repo root).
std::vector<std::string> first_test_files(std::size_t k) {
  const fs::path dir = "tests/fixtures/asr/testset";
  std::ifstream in(dir / "testset.tsv");
  std::string line;
  std::getline(in, line);
  std::vector<std::string> files;
  while (files.size() < k && std::getline(in, line)) {
    std::istringstream fields(line);
    std::string file;
    std::getline(fields, file, '\t');
    files.push_back((dir / file).string());
  }
  return files;
}

const nlohmann::json& component(const nlohmann::json& profile, const std::string& name) {
  for (const auto& c : profile["components"])
    if (c["name"] == name) return c;
  throw std::runtime_error("no component " + name);
}

const char* const kAsrComponents[] = {"asr.encoder", "asr.predictor", "asr.joiner.enc_proj",
                                      "asr.joiner.pred_proj", "asr.joiner"};

// Without RAPL: everything runs; times and counts are reported, energy is null with the
// reason, and the real invocation counts equal what `erg run asr` counts on the same two files
// (whole-utterance push here, 320 ms chunks there: the recognizer is chunking-invariant).
TEST(ProfileModel, AsrWithoutEnergyReportsTimesCountsAndTheReason) {
  if (!fs::exists(erg_binary())) GTEST_SKIP() << "build the erg target first";
  TempDir tmp;
  const auto none = (tmp.path() / "none").string();
  const auto profile = run_json(erg_binary().string() +
                                " profile asr --model asr-lstm --utterances 2 --min-window-ms 20 "
                                "--json --powercap-root " +
                                none + " -o " + (tmp.path() / "out").string());
  EXPECT_EQ(profile["kind"], "model_profile");
  EXPECT_EQ(profile["target"], "asr");
  EXPECT_FALSE(profile["run"]["energy"]["available"].get<bool>());
  EXPECT_NE(profile["run"]["energy"]["reason"].get<std::string>().find("no " + none),
            std::string::npos)
      << profile["run"]["energy"];
  EXPECT_GT(profile["run"]["time_s"].get<double>(), 0);
  EXPECT_TRUE(profile["attribution"]["attributed_energy_j"].is_null());
  EXPECT_TRUE(fs::exists(tmp.path() / "out/model_profile.json"));

  const auto files = first_test_files(2);
  ASSERT_EQ(files.size(), 2u);
  const auto reference = run_json(erg_binary().string() + " run asr --model asr-lstm --json " +
                                  files[0] + " " + files[1]);
  std::uint64_t encoder = 0, predictor = 0, joiner = 0;
  for (const auto& f : reference["files"]) {
    encoder += f["encoder_invocations"].get<std::uint64_t>();
    predictor += f["predictor_invocations"].get<std::uint64_t>();
    joiner += f["joiner_invocations"].get<std::uint64_t>();
  }
  EXPECT_EQ(component(profile, "asr.encoder")["real_invocations"], encoder);
  EXPECT_EQ(component(profile, "asr.predictor")["real_invocations"], predictor);
  EXPECT_EQ(component(profile, "asr.joiner")["real_invocations"], joiner);
  EXPECT_EQ(component(profile, "asr.joiner.enc_proj")["real_invocations"],
            reference["components"]["asr.joiner.enc_proj"]["invocations"]);
  EXPECT_EQ(component(profile, "asr.joiner.pred_proj")["real_invocations"],
            reference["components"]["asr.joiner.pred_proj"]["invocations"]);
  for (std::size_t i = 0; i < 2; ++i)
    EXPECT_EQ(profile["run"]["details"]["hypotheses"][i], reference["files"][i]["text"]);

  double attributed_s = 0;
  for (const char* name : kAsrComponents) {
    const auto& c = component(profile, name);
    EXPECT_GT(c["real_invocations"].get<std::uint64_t>(), 0u) << name;
    EXPECT_FALSE(c["method_reason"].get<std::string>().empty()) << name;
    // The real run's busy time comes from the timing hook for either method.
    EXPECT_GT(c["busy_time_s"].get<double>(), 0) << name;
    EXPECT_DOUBLE_EQ(c["mean_invocation_s"].get<double>(),
                     c["busy_time_s"].get<double>() / c["real_invocations"].get<double>())
        << name;
    if (c["method"] == "repeated") {
      EXPECT_GT(c["repetitions"].get<std::uint64_t>(), 0u) << name;
      EXPECT_TRUE(c["measured_invocations"].is_null()) << name;
      // The loop ran for at least the minimum window, and time/inv is window time / repetitions.
      const double window_s = c["window"]["time_s"];
      EXPECT_GE(window_s, 0.020) << name;
      EXPECT_DOUBLE_EQ(c["time_per_invocation_s"].get<double>(),
                       window_s / c["repetitions"].get<double>())
          << name;
    } else {
      ASSERT_EQ(c["method"], "window") << name;
      EXPECT_GE(c["busy_time_s"].get<double>(), 0.020) << name;  // --min-window-ms 20
      EXPECT_GE(c["mean_invocation_s"].get<double>(), 0.010) << name;
      EXPECT_EQ(c["measured_invocations"], c["real_invocations"]) << name;
      EXPECT_DOUBLE_EQ(c["attributed_time_s"].get<double>(), c["busy_time_s"].get<double>());
    }
    EXPECT_TRUE(c["energy_per_invocation_j"].is_null()) << name;
    EXPECT_TRUE(c["attributed_energy_j"].is_null()) << name;
    EXPECT_FALSE(c["window"]["energy"]["available"].get<bool>()) << name;
    attributed_s += c["attributed_time_s"].get<double>();
  }
  EXPECT_NEAR(profile["attribution"]["attributed_time_s"].get<double>(), attributed_s, 1e-9);

  // The text form states the reason instead of a number.
  int status = 0;
  const auto text = run(erg_binary().string() +
                            " profile asr --model asr-lstm --utterances 1 --min-window-ms 5 "
                            "--powercap-root " +
                            none,
                        status);
  EXPECT_EQ(status, 0) << text;
  EXPECT_NE(text.find("energy: unavailable (no " + none), std::string::npos) << text;
  EXPECT_NE(text.find("method repeated: one representative invocation"), std::string::npos) << text;
  // Each component's line names its method and why: the predictor step (~0.05 ms) is far below
  // the default --min-invocation-ms 10.
  const auto line_at = text.find("asr.predictor         repeated (");
  ASSERT_NE(line_at, std::string::npos) << text;
  const auto line = text.substr(line_at, text.find('\n', line_at) - line_at);
  EXPECT_NE(line.find(" < 10 ms): "), std::string::npos) << line;
  EXPECT_NE(line.find("mean invocation "), std::string::npos) << line;
}

// With a fake package drawing a known 5 W: the run's energy is 5 W x its time; each
// component's per-invocation energy is 5 W x its per-invocation time (both come from the same
// window, so only the writer's 0.5 ms update step and scheduling separate them); attributed =
// per-invocation x real count; and the attributed sum is reported beside the run total. The 10%
// tolerance covers the writer thread's scheduling on a loaded machine over 0.1-0.2 s windows; a
// unit or wrap error would be off by orders of magnitude.
TEST(ProfileModel, AsrEnergyArithmeticAgainstAKnownPower) {
  if (!fs::exists(erg_binary())) GTEST_SKIP() << "build the erg target first";
  TempDir tmp;
  const double power_w = 5.0;
  const FakePackage package(tmp.path() / "powercap", power_w);
  const fs::path& tree = package.tree;
  const auto profile = run_json(erg_binary().string() +
                                " profile asr --model asr-lstm --utterances 2 --json "
                                "--min-invocation-ms 1000000 --powercap-root " +
                                tree.string());
  ASSERT_TRUE(profile["run"]["energy"]["available"].get<bool>()) << profile["run"];
  const double run_s = profile["run"]["time_s"];
  const double run_j = profile["run"]["energy"]["total_energy_j"];
  EXPECT_NEAR(run_j, power_w * run_s, package.tolerance_j(run_s, 0.10));
  double sum_j = 0;
  for (const char* name : kAsrComponents) {
    const auto& c = component(profile, name);
    // --min-invocation-ms far above any invocation pins the method to the repetition loop
    // (timing-based defaults would flip to "window" on a heavily loaded machine).
    ASSERT_EQ(c["method"], "repeated") << name << ": " << c["method_reason"];
    const double window_s = c["window"]["time_s"];
    const double window_j = c["window"]["energy"]["total_energy_j"];
    const double reps = c["repetitions"].get<double>();
    const double real = c["real_invocations"].get<double>();
    EXPECT_NEAR(window_j, power_w * window_s, package.tolerance_j(window_s, 0.10)) << name;
    const double per_inv_j = c["energy_per_invocation_j"];
    EXPECT_DOUBLE_EQ(per_inv_j, window_j / reps) << name;
    EXPECT_NEAR(per_inv_j, power_w * c["time_per_invocation_s"].get<double>(),
                package.tolerance_j(window_s, 0.10) / reps)
        << name;
    EXPECT_DOUBLE_EQ(c["attributed_energy_j"].get<double>(), per_inv_j * real) << name;
    sum_j += c["attributed_energy_j"].get<double>();
  }
  const auto& a = profile["attribution"];
  EXPECT_NEAR(a["attributed_energy_j"].get<double>(), sum_j, 1e-9);
  EXPECT_DOUBLE_EQ(a["run_energy_j"].get<double>(), run_j);
  EXPECT_DOUBLE_EQ(a["attributed_fraction"].get<double>(), sum_j / run_j);
  // At a constant power, attributed energy / run energy = attributed time / run time.
  EXPECT_NEAR(a["attributed_fraction"].get<double>(), a["attributed_time_s"].get<double>() / run_s,
              std::max(0.10, 2.0 * package.tolerance_j(run_s, 0.0) / run_j));
}

TEST(ProfileModel, UsageErrors) {
  if (!fs::exists(erg_binary())) GTEST_SKIP() << "build the erg target first";
  int status = 0;
  auto out = run(erg_binary().string() + " profile asr 2>&1", status);
  EXPECT_EQ(WEXITSTATUS(status), 2) << out;
  EXPECT_NE(out.find("missing --model"), std::string::npos) << out;
  out = run(erg_binary().string() + " profile llm 2>&1", status);
  EXPECT_EQ(WEXITSTATUS(status), 2) << out;
  out = run(erg_binary().string() + " profile asr --model asr-lstm --utterances 0 2>&1", status);
  EXPECT_EQ(WEXITSTATUS(status), 2) << out;
}

// The LLM: one window per layer and the head, real counts equal to `erg run llm`'s on the same
// prompt and length (EOS ignored: a fixed amount of work).
TEST(ProfileModel, LlmCountsMatchTheEngine) {
  if (!fs::exists(erg_binary())) GTEST_SKIP() << "build the erg target first";
  if (!fs::exists("models/weights/llm-layerskip.safetensors"))
    GTEST_SKIP() << "models/weights/llm-layerskip.safetensors is not exported yet";
  TempDir tmp;
  for (const std::string strategy : {"ar", "selfspec"}) {
    const auto profile = run_json(erg_binary().string() +
                                  " profile llm --model llm-layerskip --strategy " + strategy +
                                  " --prompt 'Once upon a time' --max-tokens 8 --min-window-ms 10 "
                                  "--min-invocation-ms 1000000 --json --powercap-root " +
                                  (tmp.path() / "none").string());
    const auto reference =
        run_json(erg_binary().string() + " run llm --model llm-layerskip --strategy " + strategy +
                 " --prompt 'Once upon a time' --max-tokens 8 --ignore-eos --json");
    EXPECT_EQ(profile["run"]["details"]["new_tokens"], reference["new_tokens"]);
    EXPECT_EQ(profile["run"]["details"]["text"], reference["text"]);
    const auto& counts = reference["invocations"];
    EXPECT_EQ(profile["components"].size(), counts.size()) << strategy;
    for (const auto& [name, n] : counts.items()) {
      const auto& c = component(profile, name);
      EXPECT_EQ(c["real_invocations"], n) << strategy << " " << name;
      EXPECT_GT(c["repetitions"].get<std::uint64_t>(), 0u) << name;
      EXPECT_TRUE(c["energy_per_invocation_j"].is_null()) << name;
    }
    // No energy source: no measured energy per token, and the reason instead.
    EXPECT_TRUE(profile["run"]["details"]["energy_per_token_uj_measured"].is_null());
    EXPECT_FALSE(profile["run"]["details"]["energy_per_token_unavailable_reason"]
                     .get<std::string>()
                     .empty());
  }
}

// The method choice. With both thresholds at 0 every invoked component is measured over its
// own busy intervals ("window"); with the default --min-invocation-ms (10) none is, because the
// shipped tiny models' invocations take well under 1 ms (a layer decode step is ~0.1 ms here).
// Without an energy source there is no second run: a window reports the real run's busy time.
TEST(ProfileModel, WindowWhenThresholdsAllowRepeatedOtherwise) {
  if (!fs::exists(erg_binary())) GTEST_SKIP() << "build the erg target first";
  if (!fs::exists("models/weights/llm-layerskip.safetensors"))
    GTEST_SKIP() << "models/weights/llm-layerskip.safetensors is not exported yet";
  TempDir tmp;
  const auto none = " --json --powercap-root " + (tmp.path() / "none").string();
  for (const std::string target :
       {"llm --model llm-layerskip --max-tokens 8", "asr --model asr-lstm --utterances 1"}) {
    const auto profile = run_json(erg_binary().string() + " profile " + target +
                                  " --min-window-ms 0 --min-invocation-ms 0" + none);
    EXPECT_DOUBLE_EQ(profile["min_window_s"].get<double>(), 0.0);
    EXPECT_DOUBLE_EQ(profile["min_invocation_s"].get<double>(), 0.0);
    double busy_sum_s = 0;
    for (const auto& c : profile["components"]) {
      const std::string name = c["name"];
      ASSERT_EQ(c["method"], "window") << target << " " << name;
      EXPECT_EQ(c["method_reason"].get<std::string>().rfind("busy ", 0), 0u) << c["method_reason"];
      EXPECT_NE(c["method_reason"].get<std::string>().find(" >= 0 ms and mean invocation "),
                std::string::npos)
          << c["method_reason"];
      EXPECT_TRUE(c["repetitions"].is_null()) << name;
      EXPECT_EQ(c["measured_invocations"], c["real_invocations"]) << name;
      const double busy_s = c["busy_time_s"];
      const double real = c["real_invocations"].get<double>();
      EXPECT_GT(busy_s, 0) << name;
      EXPECT_DOUBLE_EQ(c["attributed_time_s"].get<double>(), busy_s) << name;
      EXPECT_DOUBLE_EQ(c["time_per_invocation_s"].get<double>(), busy_s / real) << name;
      EXPECT_DOUBLE_EQ(c["mean_invocation_s"].get<double>(), busy_s / real) << name;
      EXPECT_DOUBLE_EQ(c["window"]["time_s"].get<double>(), busy_s) << name;  // no second run
      EXPECT_FALSE(c["window"]["energy"]["available"].get<bool>()) << name;
      EXPECT_NE(c["window"]["energy"]["reason"].get<std::string>().find("no "), std::string::npos);
      EXPECT_TRUE(c["energy_per_invocation_j"].is_null()) << name;
      busy_sum_s += busy_s;
    }
    // ASR's listed components (encoder, predictor, joiner parts) and the LLM's (layers, head)
    // never run inside one another, and all run inside the run window.
    EXPECT_LE(busy_sum_s, profile["run"]["time_s"].get<double>()) << target;
    bool noted = false;
    for (const auto& n : profile["notes"])
      noted = noted || n.get<std::string>().find("no second run") != std::string::npos;
    EXPECT_TRUE(noted) << profile["notes"];
  }

  const auto defaults = run_json(erg_binary().string() +
                                 " profile llm --model llm-layerskip --max-tokens 8 "
                                 "--min-window-ms 5" +
                                 none);
  EXPECT_DOUBLE_EQ(defaults["min_invocation_s"].get<double>(), 0.010);
  // A layer's pass takes well under 10 ms, so the default threshold repeats them; on a loaded
  // machine a descheduled pass can average more, and then the window rule must say so instead.
  int repeated = 0;
  for (const auto& c : defaults["components"]) {
    const std::string reason = c["method_reason"];
    if (c["method"] == "window") {
      EXPECT_NE(reason.find(" >= 10 ms"), std::string::npos) << reason;
      continue;
    }
    ++repeated;
    EXPECT_EQ(c["method"], "repeated") << c["name"];
    EXPECT_NE(reason.find("mean invocation "), std::string::npos) << reason;
    EXPECT_NE(reason.find(" < 10 ms"), std::string::npos) << reason;
    EXPECT_GT(c["repetitions"].get<std::uint64_t>(), 0u) << c["name"];
    EXPECT_TRUE(c["measured_invocations"].is_null()) << c["name"];
  }
  EXPECT_GT(repeated, 0) << defaults["components"];

  int status = 0;
  const auto out =
      run(erg_binary().string() + " profile llm --model llm-layerskip --min-invocation-ms -1 2>&1",
          status);
  EXPECT_EQ(WEXITSTATUS(status), 2) << out;
  EXPECT_NE(out.find("--min-invocation-ms -1 is too small (at least 0)"), std::string::npos) << out;
}

// Windows with energy: a fake package draws a known 5 W while the LLM's components are measured
// over their own invocations in the second run. Per component the figures are the tracker's
// sums (per invocation = total / invocations, power = energy / busy time, exactly); over all
// components the energy is 5 W x their summed busy time. The invocations are ~0.1 ms against
// the writer's 0.5 ms update step, so each catches 0 or 1 step, with a chance proportional to
// its length; 200 tokens give ~1600 layer invocations, ~100 ms in all, ~200 steps, over which
// the catches average out. The energy intervals also hold the reads' own time, which biases up:
// eight runs on this VM came out 0.7-3.4% above 5 W x busy time. The 15% tolerance covers that
// and the writer's scheduling on a loaded machine; a unit or accounting error would be far off.
TEST(ProfileModel, LlmWindowsMeasureEnergyOverBusyIntervals) {
  if (!fs::exists(erg_binary())) GTEST_SKIP() << "build the erg target first";
  if (!fs::exists("models/weights/llm-layerskip.safetensors"))
    GTEST_SKIP() << "models/weights/llm-layerskip.safetensors is not exported yet";
  TempDir tmp;
  const double power_w = 5.0;
  const FakePackage package(tmp.path() / "powercap", power_w);
  const fs::path& tree = package.tree;
  const auto profile = run_json(erg_binary().string() +
                                " profile llm --model llm-layerskip --max-tokens 200 "
                                "--min-window-ms 0 --min-invocation-ms 0 --json --powercap-root " +
                                tree.string());
  ASSERT_TRUE(profile["run"]["energy"]["available"].get<bool>()) << profile["run"];
  // Measured energy per token: the run window's energy over the tokens it generated.
  const auto& details = profile["run"]["details"];
  EXPECT_DOUBLE_EQ(details["energy_per_token_uj_measured"].get<double>(),
                   profile["run"]["energy"]["total_energy_j"].get<double>() * 1e6 /
                       details["new_tokens"].get<double>());
  double time_s = 0, energy_j = 0, attributed_j = 0;
  for (const auto& c : profile["components"]) {
    const std::string name = c["name"];
    ASSERT_EQ(c["method"], "window") << name;
    EXPECT_EQ(c["measured_invocations"], c["real_invocations"]) << name;
    const auto& e = c["window"]["energy"];
    ASSERT_TRUE(e["available"].get<bool>()) << name;
    EXPECT_EQ(e["source"], "powercap");
    ASSERT_EQ(e["domains"].size(), 1u);
    EXPECT_EQ(e["domains"][0]["name"], "package-0");
    const double window_s = c["window"]["time_s"];
    const double window_j = e["total_energy_j"];
    EXPECT_GT(window_s, 0) << name;
    EXPECT_DOUBLE_EQ(e["domains"][0]["energy_j"].get<double>(), window_j) << name;
    EXPECT_DOUBLE_EQ(e["total_power_w"].get<double>(), window_j / window_s) << name;
    EXPECT_DOUBLE_EQ(c["energy_per_invocation_j"].get<double>(),
                     window_j / c["measured_invocations"].get<double>())
        << name;
    EXPECT_DOUBLE_EQ(c["attributed_energy_j"].get<double>(), window_j) << name;
    time_s += window_s;
    energy_j += window_j;
    attributed_j += c["attributed_energy_j"].get<double>();
  }
  // Each of the n windows can be off by the writer's staleness at both ends.
  const double n = static_cast<double>(profile["components"].size());
  EXPECT_NEAR(energy_j, power_w * time_s,
              std::max(power_w * time_s * 0.15, n * package.tolerance_j(0.0, 0.0)));
  EXPECT_NEAR(profile["attribution"]["attributed_energy_j"].get<double>(), attributed_j, 1e-9);
}

}  // namespace
}  // namespace erg::sweep
