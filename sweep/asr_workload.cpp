#include <cmath>

#include "core/bootstrap.hpp"
#include "core/counting_sink.hpp"
#include "core/error.hpp"
#include "core/paths.hpp"
#include "models/asr/rnnt_model.hpp"
#include "models/asr/test_set.hpp"
#include "sweep/model_workload.hpp"

namespace erg::sweep {
namespace {

namespace fs = std::filesystem;

// A shipped RNN-T model recognizing a test set through the streaming path. Accuracy is the
// corpus WER in percent; energy is normalized per second of audio. Runtime knobs: beam (1 =
// greedy) and max_symbols (the greedy per-frame cap).
class AsrWorkload final : public ModelWorkload {
 public:
  explicit AsrWorkload(const ExperimentSpec& spec)
      : model_path_(resolve_named_file(spec.model, "models/weights", ".safetensors", "model")) {
    const auto& w = spec.workload;
    fs::path testset(w.value("testset", std::string("tests/fixtures/asr/testset")));
    if (!testset.is_absolute() && !fs::exists(testset)) testset = data_root() / testset;
    auto all = models::asr::read_test_set(testset);
    const std::string voices = w.value("voices", std::string("all"));
    if (voices != "all" && voices != "train" && voices != "heldout") {
      throw Error("workload.voices is '" + voices + "' (expected all, train or heldout)",
                  spec.file.string());
    }
    for (auto& u : all) {
      if (voices == "all" || (voices == "train") != u.heldout) utterances_.push_back(std::move(u));
    }
    const auto max = w.value("max_utterances", std::size_t{0});
    if (max > 0 && utterances_.size() > max) utterances_.resize(max);
    if (utterances_.empty()) throw Error("the workload selects no utterances", testset.string());
  }

  std::vector<std::string> components() const override {
    return {"asr.encoder", "asr.predictor", "asr.joiner"};
  }
  std::vector<std::string> component_names() const override {
    const auto model = models::asr::RnntModel::load(model_path_);
    std::vector<std::string> names;
    for (const auto& t : model.store().tensors())
      names.push_back(model.store().registry().name(t.component));
    return names;
  }
  std::string accuracy_metric() const override { return "wer"; }
  std::string energy_unit() const override { return "audio_second"; }

  std::uint64_t weight_bytes(const std::string& component,
                             const models::runtime::Variant& variant) const override {
    auto model = models::asr::RnntModel::load(model_path_, variant);
    CountingSink sink;
    model.attach(&sink);
    model.attach(nullptr);
    std::uint64_t bytes = 0;
    const auto& registry = ComponentRegistry::global();
    for (const auto& [id, info] : sink.tensors()) {
      if (ComponentRegistry::is_under(registry.name(info.component), component))
        bytes += info.bytes;
    }
    return bytes;
  }

  WorkloadResult run(const models::runtime::Variant& variant, const nlohmann::json& runtime,
                     AccessSink* sink) const override {
    auto model = models::asr::RnntModel::load(model_path_, variant);
    const auto beam = runtime.value("beam", std::size_t{1});
    // Decoding as the model recommends (its blank penalty) unless runtime.blank_penalty says.
    const auto options =
        (beam <= 1
             ? models::asr::DecodeOptions::greedy(runtime.value("max_symbols", std::size_t{4}))
             : models::asr::DecodeOptions::beam_search(beam))
            .with_blank_penalty(runtime.value("blank_penalty", model.config().blank_penalty));
    model.attach(sink);
    const auto r = models::asr::evaluate_test_set(model, utterances_, options);
    model.attach(nullptr);
    WorkloadResult result;
    result.accuracy["wer"] = 100.0 * r.all.wer();
    result.audio_seconds = r.audio_s;
    result.host_time_s = r.decode_s;
    nlohmann::json groups = nlohmann::json::object();
    for (const auto& [name, acc] : r.groups)
      groups[name] = 100.0 * acc.wer();
    result.stats = {{"wer_by_group", groups},
                    {"utterances", utterances_.size()},
                    {"encoder_invocations", r.encoder_invocations},
                    {"predictor_invocations", r.predictor_invocations},
                    {"joiner_invocations", r.joiner_invocations},
                    {"weight_bytes", model.weight_bytes()}};
    // Per-utterance counts (integers, listing order) so that any two rows on this test set can
    // be compared by a paired bootstrap, and the WER's own interval. Both are deterministic.
    std::vector<std::uint64_t> errors, words;
    std::vector<double> errors_d, words_d;
    for (const auto& u : r.per_utterance) {
      errors.push_back(u.errors());
      words.push_back(u.reference_words);
      errors_d.push_back(static_cast<double>(u.errors()));
      words_d.push_back(static_cast<double>(u.reference_words));
    }
    const auto ci = bootstrap_ratio(errors_d, words_d);
    result.detail = {{"utterance_errors", errors},
                     {"utterance_words", words},
                     {"wer_ci95", {100.0 * ci.low, 100.0 * ci.high}}};
    return result;
  }

 private:
  fs::path model_path_;
  std::vector<models::asr::TestUtterance> utterances_;
};

}  // namespace

std::unique_ptr<ModelWorkload> make_asr_workload(const ExperimentSpec& spec) {
  return std::make_unique<AsrWorkload>(spec);
}

}  // namespace erg::sweep
