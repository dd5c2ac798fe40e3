#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bindings/json_cast.hpp"
#include "bindings/modules.hpp"
#include "bindings/simulation.hpp"
#include "core/bootstrap.hpp"
#include "core/counting_sink.hpp"
#include "core/error.hpp"
#include "core/paths.hpp"
#include "models/asr/audio_file.hpp"
#include "models/asr/resampler.hpp"
#include "models/asr/rnnt_model.hpp"
#include "models/asr/streaming_recognizer.hpp"
#include "models/asr/test_set.hpp"
#include "models/asr/test_set_json.hpp"
#include "models/llm/byte_tokenizer.hpp"
#include "models/llm/generation_json.hpp"
#include "models/llm/generator.hpp"
#include "models/llm/llama_model.hpp"
#include "models/runtime/variant.hpp"
#include "reports/component_counts.hpp"

namespace py = pybind11;

namespace erg::bindings {
namespace {

using models::asr::DecodeOptions;
using models::asr::RnntModel;
using models::llm::LlamaModel;
using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;

constexpr int kAsrRateHz = 16000;

std::filesystem::path weights_path(const py::object& name_or_path) {
  const auto text = py::module_::import("os").attr("fspath")(name_or_path).cast<std::string>();
  return resolve_named_file(text, "models/weights", ".safetensors", "model");
}

// Detaches the model's sink however the run ends.
template <typename Model>
struct AttachGuard {
  Model& model;
  AttachGuard(Model& m, AccessSink* sink) : model(m) { model.attach(sink); }
  ~AttachGuard() { model.attach(nullptr); }
  AttachGuard(const AttachGuard&) = delete;
  AttachGuard& operator=(const AttachGuard&) = delete;
};

// Runs `work` (returning the run's dict) with the model's kernels reporting to the simulator
// built from `preset` and to a counting sink; returns the dict plus 'components' and
// 'simulation'. The GIL is released while it runs.
template <typename Model, typename Work>
py::object simulated_run(Model& model, const py::object& preset, const std::string& mode,
                         std::optional<double> time_s, Work work) {
  const auto p = preset_from_arg(preset);
  const auto sim_mode = parse_sim_mode(mode);
  nlohmann::json out;
  {
    py::gil_scoped_release release;
    CountingSink counts;
    auto energy = simulate_with(
        p, sim_mode,
        [&](AccessSink& sink) {
          TeeSink tee({&sink, &counts});
          AttachGuard guard(model, &tee);
          out = work();
        },
        time_s);
    out["components"] = reports::component_counts_json(counts);
    out["simulation"] = std::move(energy);
  }
  return to_python(out);
}

// 16 kHz mono float samples from a numpy array, resampled when sample_rate_hz differs.
std::vector<float> pcm_from(const py::object& audio, int sample_rate_hz) {
  const auto a = FloatArray::ensure(audio);
  if (!a || a.ndim() != 1)
    throw Error("must be a 1-D float32 array of mono samples in [-1, 1)", "audio");
  if (sample_rate_hz <= 0)
    throw Error("must be positive, got " + std::to_string(sample_rate_hz), "sample_rate_hz");
  std::vector<float> pcm(a.data(), a.data() + a.size());
  if (sample_rate_hz != kAsrRateHz) {
    py::gil_scoped_release release;
    pcm = models::asr::Resampler(sample_rate_hz, kAsrRateHz).process(pcm);
  }
  return pcm;
}

// Greedy or beam search with the model's recommended blank penalty (its JSON's decoding).
DecodeOptions decode_options(const RnntModel& model, std::size_t beam, std::size_t max_symbols) {
  if (max_symbols == 0) throw Error("must be at least 1", "max_symbols");
  return (beam > 0 ? DecodeOptions::beam_search(beam) : DecodeOptions::greedy(max_symbols))
      .with_blank_penalty(model.config().blank_penalty);
}

class AsrModel {
 public:
  AsrModel(const py::object& name, const std::string& variant) : weights_(weights_path(name)) {
    const auto v = models::runtime::Variant::parse(variant);
    py::gil_scoped_release release;
    model_ = std::make_unique<RnntModel>(RnntModel::load(weights_, v));
  }

  nlohmann::json transcribe(const std::vector<float>& pcm, const DecodeOptions& options,
                            std::size_t chunk_samples) {
    models::asr::StreamingRecognizer recognizer(*model_, options);
    const std::span<const float> all(pcm);
    const std::size_t chunk =
        chunk_samples == 0 ? std::max<std::size_t>(1, all.size()) : chunk_samples;
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t at = 0; at < all.size(); at += chunk)
      recognizer.push(all.subspan(at, std::min(chunk, all.size() - at)));
    recognizer.finish();
    const double decode_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto s = recognizer.stats();
    return {{"text", recognizer.text()},
            {"tokens", recognizer.tokens()},
            {"audio_s", s.audio_s()},
            {"decode_s", decode_s},
            {"rtf", s.audio_s() > 0 ? decode_s / s.audio_s() : 0.0},
            {"fbank_frames", s.fbank_frames},
            {"encoder_frames", s.encoder_frames},
            {"encoder_invocations", s.encoder_invocations},
            {"predictor_invocations", s.predictor_invocations},
            {"joiner_invocations", s.joiner_invocations},
            {"symbols", s.symbols}};
  }

  RnntModel& model() { return *model_; }
  const std::filesystem::path& weights() const { return weights_; }

 private:
  std::filesystem::path weights_;
  std::unique_ptr<RnntModel> model_;
};

nlohmann::json counters_json(const models::asr::RnntCounters& c) {
  return {{"encoder_invocations", c.encoder_invocations},
          {"encoder_frames", c.encoder_frames},
          {"predictor_invocations", c.predictor_invocations},
          {"joiner_invocations", c.joiner_invocations},
          {"enc_proj_invocations", c.enc_proj_invocations},
          {"pred_proj_invocations", c.pred_proj_invocations}};
}

class LlmModel {
 public:
  LlmModel(const py::object& name, const std::string& variant) {
    const auto path = weights_path(name);
    const auto v = models::runtime::Variant::parse(variant);
    py::gil_scoped_release release;
    model_ = std::make_unique<LlamaModel>(LlamaModel::load(path, v));
  }

  models::llm::GenerateOptions options(const std::string& strategy,
                                       std::optional<std::size_t> exit_layer,
                                       std::size_t speculations, std::size_t max_new_tokens,
                                       double temperature, std::size_t top_k, double top_p,
                                       std::uint64_t seed, const py::object& stop,
                                       bool stop_at_eos) const {
    models::llm::GenerateOptions o;
    o.strategy = models::llm::parse_strategy(strategy);
    o.exit_layer = exit_layer.value_or(model_->n_layers() / 2);
    o.speculations = speculations;
    o.max_new_tokens = max_new_tokens;
    o.sampling.temperature = temperature;
    o.sampling.top_k = top_k;
    o.sampling.top_p = top_p;
    o.seed = seed;
    o.stop_at_eos = stop_at_eos;
    if (py::isinstance<py::str>(stop))
      o.stop.push_back(stop.cast<std::string>());
    else if (!stop.is_none())
      o.stop = stop.cast<std::vector<std::string>>();
    return o;
  }

  nlohmann::json generate(const std::string& prompt, const models::llm::GenerateOptions& o) {
    const models::llm::ByteTokenizer tok(model_->config().bos_id, model_->config().eos_id);
    const auto ids = tok.encode_prompt(prompt);
    const auto g = models::llm::generate(*model_, ids, o);
    auto out = models::llm::generation_json(g, o);
    out["tokens"] = g.tokens;
    out["layer_invocations"] = g.stats.layer_invocations;
    out["head_invocations"] = g.stats.head_invocations;
    return out;
  }

  LlamaModel& model() { return *model_; }

 private:
  std::unique_ptr<LlamaModel> model_;
};

// The generation keyword arguments both generate() and simulate() take.
#define ERG_GENERATE_ARGS                                                                      \
  py::arg("strategy") = "ar", py::arg("exit_layer") = py::none(), py::arg("speculations") = 4, \
  py::arg("max_new_tokens") = 64, py::arg("temperature") = 0.0, py::arg("top_k") = 0,          \
  py::arg("top_p") = 1.0, py::arg("seed") = 42, py::arg("stop") = py::none(),                  \
  py::arg("stop_at_eos") = true

// The CLI's bounds on --resamples.
std::size_t checked_resamples(std::size_t resamples) {
  if (resamples < 1000 || resamples > 1000000)
    throw Error("resamples must be from 1000 to 1000000, got " + std::to_string(resamples),
                "resamples");
  return resamples;
}

py::array_t<float> load_audio(const py::object& path) {
  const auto p = py::module_::import("os").attr("fspath")(path).cast<std::string>();
  models::asr::Audio audio;
  {
    py::gil_scoped_release release;
    audio = models::asr::load_asr_audio(p);
  }
  py::array_t<float> out(static_cast<py::ssize_t>(audio.samples.size()));
  std::copy(audio.samples.begin(), audio.samples.end(), out.mutable_data());
  return out;
}

}  // namespace

void bind_models(py::module_& m) {
  m.def("load_audio", &load_audio, py::arg("path"),
        "Reads an audio file (WAV, FLAC, ... via libsndfile), mixes it to mono and resamples it "
        "to 16 kHz: a float32 numpy array ready for AsrModel.transcribe().");

  py::class_<AsrModel>(m, "AsrModel",
                       "A shipped streaming RNN-T speech recognizer (models/weights/asr-*.json "
                       "+ .safetensors) with an optional compression variant.")
      .def(py::init<const py::object&, const std::string&>(), py::arg("name") = "asr-lstm",
           py::arg("variant") = "",
           "name: 'asr-lstm', 'asr-emformer' or a .safetensors path. variant: rules such as "
           "'asr.joiner:bits=8;asr.encoder:bits=4,group=32' (models/runtime/variant.hpp).")
      .def_property_readonly("name", [](AsrModel& a) { return a.model().config().name; })
      .def_property_readonly("variant", [](AsrModel& a) { return a.model().variant().to_string(); })
      .def_property_readonly(
          "weight_bytes", [](AsrModel& a) { return a.model().weight_bytes(); },
          "Bytes of all weights as stored, after the variant's transforms.")
      .def(
          "transcribe",
          [](AsrModel& a, const py::object& audio, int sample_rate_hz, std::size_t beam,
             std::size_t max_symbols, std::size_t chunk_samples) {
            const auto pcm = pcm_from(audio, sample_rate_hz);
            const auto options = decode_options(a.model(), beam, max_symbols);
            nlohmann::json r;
            {
              py::gil_scoped_release release;
              r = a.transcribe(pcm, options, chunk_samples);
            }
            return to_python(r);
          },
          py::arg("audio"), py::arg("sample_rate_hz") = kAsrRateHz, py::arg("beam") = 0,
          py::arg("max_symbols") = 4, py::arg("chunk_samples") = 0,
          "Transcribes mono float32 audio (resampled to 16 kHz when sample_rate_hz differs). "
          "beam 0 decodes greedily (max_symbols per frame), beam N keeps N hypotheses; "
          "chunk_samples > 0 streams the audio in chunks of that size (same result). Returns "
          "{text, tokens, audio_s, decode_s, rtf, fbank_frames, encoder_frames, "
          "encoder_invocations, predictor_invocations, joiner_invocations, symbols}.")
      .def(
          "simulate",
          [](AsrModel& a, const py::object& audio, const py::object& preset,
             const std::string& mode, int sample_rate_hz, std::size_t beam,
             std::optional<double> time_s) {
            const auto pcm = pcm_from(audio, sample_rate_hz);
            const auto options = decode_options(a.model(), beam, 4);
            return simulated_run(a.model(), preset, mode, time_s,
                                 [&] { return a.transcribe(pcm, options, 0); });
          },
          py::arg("audio"), py::arg("preset"), py::arg("mode") = "analytic",
          py::arg("sample_rate_hz") = kAsrRateHz, py::arg("beam") = 0,
          py::arg("time_s") = py::none(),
          "Transcribes `audio` with the simulator attached: every kernel's accesses and MACs go "
          "through `preset` (erg.Preset, name, path or dict) in 'analytic' or 'trace' mode. "
          "Returns the transcribe() dict plus 'components' (per-component invocations, bytes, "
          "MACs) and 'simulation' (the simulate report: levels, dram, totals, per component).")
      .def(
          "evaluate",
          [](AsrModel& a, const py::object& testset, std::size_t max_utterances, std::size_t beam,
             std::size_t resamples) {
            const auto dir =
                testset.is_none()
                    ? data_root() / "tests/fixtures/asr/testset"
                    : std::filesystem::path(
                          py::module_::import("os").attr("fspath")(testset).cast<std::string>());
            auto utts = models::asr::read_test_set(dir);
            if (max_utterances > 0 && utts.size() > max_utterances) utts.resize(max_utterances);
            BootstrapOptions bootstrap;
            bootstrap.resamples = checked_resamples(resamples);
            nlohmann::json out;
            {
              py::gil_scoped_release release;
              const auto r = models::asr::evaluate_test_set(a.model(), utts,
                                                            decode_options(a.model(), beam, 4));
              out = models::asr::evaluation_json(utts, r,
                                                 models::asr::summarize(utts, r, bootstrap), true);
            }
            out["wer_percent"] = out["overall_wer_percent"];  // the key evaluate() gave before
            out["model"] = a.model().config().name;
            out["weights"] = a.weights().string();
            out["variant"] = a.model().variant().to_string();
            out["test_set"] = dir.string();
            out["beam_size"] = beam;
            return to_python(out);
          },
          py::arg("testset") = py::none(), py::arg("max_utterances") = 0, py::arg("beam") = 0,
          py::arg("resamples") = BootstrapOptions{}.resamples,
          "Word error rate over a test set directory (testset.tsv + audio; default the shipped "
          "tests/fixtures/asr/testset), the first max_utterances only when > 0; beam 0 decodes "
          "greedily. Returns the object `erg run asr --eval --json` prints per decoding: wer "
          "(percent), ci95 [low, high] (95% percentile bootstrap over utterances, fixed seed), "
          "words, sub, del, ins, utterances, resamples, voices [{voice, heldout, wer, ci95, "
          "words, sub, del, ins, utterances}], train_voices, heldout_mean, groups, ...; plus "
          "per_utterance and hypotheses (what erg.compare_wer pairs) and model, weights (the "
          "file loaded), variant.")
      .def(
          "counters", [](AsrModel& a) { return to_python(counters_json(a.model().counters())); },
          "Invocation counts since load or reset_counters().")
      .def(
          "reset_counters", [](AsrModel& a) { a.model().reset_counters(); },
          "Zeroes the invocation counts.")
      .def("__repr__", [](AsrModel& a) {
        const auto v = a.model().variant().to_string();
        return "<erg.AsrModel '" + a.model().config().name + "'" +
               (v.empty() ? std::string() : " variant='" + v + "'") + ">";
      });

  py::class_<LlmModel>(m, "LlmModel",
                       "The shipped LayerSkip Llama-style LLM (models/weights/llm-layerskip.*): "
                       "autoregressive, early-exit and self-speculative generation.")
      .def(py::init<const py::object&, const std::string&>(), py::arg("name") = "llm-layerskip",
           py::arg("variant") = "",
           "name: a model under models/weights or a .safetensors path. variant: rules such as "
           "'llm.layer.7:bits=8' (models/runtime/variant.hpp).")
      .def_property_readonly("n_layers", [](LlmModel& l) { return l.model().n_layers(); })
      .def_property_readonly(
          "config", [](LlmModel& l) { return to_python(l.model().config().to_json()); },
          "The architecture as a dict.")
      .def(
          "generate",
          [](LlmModel& l, const std::string& prompt, const std::string& strategy,
             std::optional<std::size_t> exit_layer, std::size_t speculations,
             std::size_t max_new_tokens, double temperature, std::size_t top_k, double top_p,
             std::uint64_t seed, const py::object& stop, bool stop_at_eos) {
            const auto o = l.options(strategy, exit_layer, speculations, max_new_tokens,
                                     temperature, top_k, top_p, seed, stop, stop_at_eos);
            nlohmann::json r;
            {
              py::gil_scoped_release release;
              r = l.generate(prompt, o);
            }
            return to_python(r);
          },
          py::arg("prompt"), ERG_GENERATE_ARGS,
          "Generates a continuation of `prompt` ([BOS] + its bytes). strategy: 'ar', 'exit' "
          "(stop at exit_layer, default n_layers // 2) or 'selfspec' (draft `speculations` "
          "tokens with the first exit_layer layers, verify with all). temperature 0 is greedy. "
          "Returns {text, tokens, stop_reason, prompt_tokens, new_tokens, time_s, "
          "tokens_per_s, rounds, drafted, accepted, acceptance_rate, layer_invocations, "
          "head_invocations, weight_bytes, weight_bytes_per_token}.")
      .def(
          "simulate",
          [](LlmModel& l, const std::string& prompt, const py::object& preset,
             const std::string& mode, std::optional<double> time_s, const std::string& strategy,
             std::optional<std::size_t> exit_layer, std::size_t speculations,
             std::size_t max_new_tokens, double temperature, std::size_t top_k, double top_p,
             std::uint64_t seed, const py::object& stop, bool stop_at_eos) {
            const auto o = l.options(strategy, exit_layer, speculations, max_new_tokens,
                                     temperature, top_k, top_p, seed, stop, stop_at_eos);
            return simulated_run(l.model(), preset, mode, time_s,
                                 [&] { return l.generate(prompt, o); });
          },
          py::arg("prompt"), py::arg("preset"), py::arg("mode") = "analytic",
          py::arg("time_s") = py::none(), ERG_GENERATE_ARGS,
          "generate() with the simulator attached (see AsrModel.simulate): returns the "
          "generate() dict plus 'components' and 'simulation'.")
      .def("__repr__", [](LlmModel& l) {
        return "<erg.LlmModel layers=" + std::to_string(l.model().n_layers()) + ">";
      });

  m.def(
      "load_asr",
      [](const py::object& name, const std::string& variant) { return AsrModel(name, variant); },
      py::arg("name") = "asr-lstm", py::arg("variant") = "",
      "Loads a shipped ASR model with an optional variant; same as erg.AsrModel(name, variant).");
  m.def(
      "compare_wer",
      [](const py::dict& a, const py::dict& b, std::size_t resamples) {
        const auto ja = from_python(a, "result_a"), jb = from_python(b, "result_b");
        std::vector<std::string> files_a, files_b;
        const auto ea = models::asr::per_utterance_from_json(ja, &files_a);
        const auto eb = models::asr::per_utterance_from_json(jb, &files_b);
        if (files_a != files_b)
          throw Error("the two results must score the same utterances in the same order",
                      "compare_wer");
        BootstrapOptions bootstrap;
        bootstrap.resamples = checked_resamples(resamples);
        const auto c = models::asr::compare_wer(ea, eb, bootstrap);
        const auto variant_a = ja.value("variant", std::string());
        const auto variant_b = jb.value("variant", std::string());
        auto out = models::asr::comparison_json(c, variant_a, variant_b);
        // Two models (not two variants of one) are told apart by name in the verdict.
        const auto model_a = ja.value("model", std::string());
        const auto model_b = jb.value("model", std::string());
        out["model_a"] = model_a;
        out["model_b"] = model_b;
        // Two checkpoints of one architecture share the model name: their files tell them apart.
        const auto weights_a = ja.value("weights", std::string());
        const auto weights_b = jb.value("weights", std::string());
        const bool by_file = model_a == model_b && weights_a != weights_b;
        if (model_a != model_b || by_file) {
          const auto label = [by_file](const std::string& model, const std::string& weights,
                                       const std::string& variant) {
            return "'" + (by_file ? weights : model) + (variant.empty() ? "" : " " + variant) + "'";
          };
          out["verdict"] = models::asr::comparison_verdict(c, label(model_a, weights_a, variant_a),
                                                           label(model_b, weights_b, variant_b));
        }
        return to_python(out);
      },
      py::arg("result_a"), py::arg("result_b"), py::arg("resamples") = BootstrapOptions{}.resamples,
      "Paired bootstrap comparison of two AsrModel.evaluate() results on the same utterances "
      "(the same resampled utterances applied to both): {variant_a, variant_b, wer_a, wer_b, "
      "wer_difference (WER(b) - WER(a), percentage points), ci95, words, utterances, "
      "resamples, significant (the CI excludes 0), verdict}, as `erg run asr --eval "
      "--compare-variant` reports it.");
  m.def(
      "load_llm",
      [](const py::object& name, const std::string& variant) { return LlmModel(name, variant); },
      py::arg("name") = "llm-layerskip", py::arg("variant") = "",
      "Loads the LLM with an optional variant; same as erg.LlmModel(name, variant).");
}

}  // namespace erg::bindings
