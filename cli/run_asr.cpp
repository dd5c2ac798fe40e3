#include <chrono>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "cli/arg_parser.hpp"
#include "cli/json_output.hpp"
#include "cli/run_options.hpp"
#include "core/bootstrap.hpp"
#include "core/component_registry.hpp"
#include "core/counting_sink.hpp"
#include "core/error.hpp"
#include "core/paths.hpp"
#include "models/asr/asr_audio_stream.hpp"
#include "models/asr/rnnt_model.hpp"
#include "models/asr/streaming_recognizer.hpp"
#include "models/asr/test_set.hpp"
#include "models/asr/test_set_json.hpp"
#include "reports/component_counts.hpp"

namespace erg::cli {

namespace {

using erg::BootstrapOptions;
using erg::Interval;
using models::asr::DecodeOptions;
using models::asr::RnntModel;

std::string percent(double fraction) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(2) << 100.0 * fraction;
  return s.str();
}

std::string interval_text(const Interval& i) {
  if (i.resamples == 0) return "n/a";
  return "[" + percent(i.low) + ", " + percent(i.high) + "]";
}

std::string variant_name(const RnntModel& model) {
  return model.variant().empty() ? "fp32" : model.variant().to_string();
}

// Loads `threads` copies of the model (one stream each).
struct ModelCopies {
  std::vector<RnntModel> copies;
  std::vector<RnntModel*> pointers;
};
void load_copies(ModelCopies& out, const std::filesystem::path& path,
                 const models::runtime::Variant& variant, long threads) {
  out.copies.reserve(std::size_t(threads));  // the pointers below must stay valid
  for (long k = 0; k < threads; ++k)
    out.pointers.push_back(&out.copies.emplace_back(RnntModel::load(path, variant)));
}

void print_table(const std::string& title, const models::asr::TestSetResult& r,
                 const models::asr::WerSummary& w) {
  std::cout << "\n" << title << ":\n";
  std::cout << "  " << std::left << std::setw(28) << "group" << std::right << std::setw(8)
            << "WER %" << std::setw(18) << "95% CI" << std::setw(7) << "utts" << std::setw(7)
            << "words" << std::setw(5) << "S" << std::setw(5) << "D" << std::setw(5) << "I"
            << "\n";
  for (const auto& [group, acc] : r.groups)
    std::cout << "  " << std::left << std::setw(28) << group << std::right << std::setw(8)
              << percent(acc.wer()) << std::setw(18) << interval_text(w.groups.at(group).wer)
              << std::setw(7) << acc.utterances() << std::setw(7) << acc.totals().reference_words
              << std::setw(5) << acc.totals().substitutions << std::setw(5)
              << acc.totals().deletions << std::setw(5) << acc.totals().insertions << "\n";
  const auto& all = w.overall;
  std::cout << "  WER " << percent(all.wer.value) << " % [95% CI "
            << (all.wer.resamples == 0 ? "n/a"
                                       : percent(all.wer.low) + ", " + percent(all.wer.high))
            << "] (" << all.totals.reference_words << " words, " << all.utterances
            << " utterances; S " << all.totals.substitutions << " D " << all.totals.deletions
            << " I " << all.totals.insertions << ")\n";
  const double heldout = r.heldout_mean_wer();
  std::cout << "  held-out mean WER "
            << (std::isnan(heldout) ? "n/a (no held-out voices)" : percent(heldout) + " %")
            << ", overall " << percent(r.all.wer()) << " %, RTF " << std::setprecision(4)
            << (r.audio_s > 0 ? r.decode_s / r.audio_s : 0.0) << " (" << std::setprecision(1)
            << std::fixed << r.audio_s << " s audio)\n";
  std::cout << std::defaultfloat;
}

struct EvalSettings {
  std::string dir;
  DecodeOptions greedy;
  DecodeOptions beam;
  BootstrapOptions bootstrap;
  bool json = false;
};

// Scores `models` (and `compare`, when given: another variant, paired on the same utterances)
// greedily and with beam search.
int run_eval(std::span<RnntModel* const> models, std::span<RnntModel* const> compare,
             const EvalSettings& s) {
  const RnntModel& model = *models[0];
  const auto utts = models::asr::read_test_set(s.dir);
  const std::pair<std::string, DecodeOptions> runs[] = {{"greedy", s.greedy}, {"beam", s.beam}};
  nlohmann::json body{{"model", model.config().name},
                      {"variant", model.variant().to_string()},
                      {"test_set", s.dir},
                      {"blank_penalty", s.beam.blank_penalty},
                      {"beam_size", s.beam.beam},
                      {"utterances", utts.size()},
                      {"resamples", s.bootstrap.resamples},
                      {"seed", s.bootstrap.seed}};
  nlohmann::json compared;
  if (!compare.empty()) compared = {{"variant", compare[0]->variant().to_string()}};
  if (!s.json)
    std::cout << "WER of " << model.config().name << " (" << variant_name(model) << ") on " << s.dir
              << " (" << utts.size() << " utterances; 95% CI: percentile bootstrap over "
              << "utterances, " << s.bootstrap.resamples << " resamples)\n";
  for (const auto& [name, options] : runs) {
    const std::string title = name == "beam" ? "beam" + std::to_string(s.beam.beam) : name;
    const auto r = models::asr::evaluate_test_set(models, utts, options);
    const auto w = models::asr::summarize(utts, r, s.bootstrap);
    body[name] = models::asr::evaluation_json(utts, r, w);
    if (!s.json) print_table(title, r, w);
    if (compare.empty()) continue;
    const auto rb = models::asr::evaluate_test_set(compare, utts, options);
    const auto wb = models::asr::summarize(utts, rb, s.bootstrap);
    compared[name] = models::asr::evaluation_json(utts, rb, wb);
    const auto c = models::asr::compare_wer(r.per_utterance, rb.per_utterance, s.bootstrap);
    body[name]["comparison"] = models::asr::comparison_json(c, model.variant().to_string(),
                                                            compare[0]->variant().to_string());
    if (s.json) continue;
    const std::string a = variant_name(model), b = variant_name(*compare[0]);
    print_table(title + ", " + b, rb, wb);
    std::cout << "  WER(" << b << ") - WER(" << a << ") = " << (c.difference.value > 0 ? "+" : "")
              << percent(c.difference.value) << " points [95% CI "
              << (c.difference.resamples == 0
                      ? "n/a"
                      : percent(c.difference.low) + ", " + percent(c.difference.high))
              << "] (paired, " << c.a.totals.reference_words << " words, " << c.difference.samples
              << " utterances): " << models::asr::comparison_verdict(c, a, b) << "\n";
  }
  if (!compare.empty()) body["compare"] = std::move(compared);
  if (s.json) std::cout << with_envelope("asr_eval", body).dump(2) << "\n";
  return 0;
}

}  // namespace

int run_asr(std::span<const std::string> args) {
  ArgParser parser(
      "erg run asr --model M [--variant V] [--beam N] FILE... | --eval DIR "
      "[--threads N] [--compare-variant B] [--resamples N] [--json]",
      "Streaming RNN-T speech recognition: transcribe audio files (any rate, "
      "resampled to 16 kHz) or measure WER on a test set directory "
      "(testset.tsv: file, text, voice, heldout).");
  add_model_run_options(parser, kAsrDecoding | kAsrStreaming | kThreads);
  parser
      .option("eval", "DIR",
              "print WER per voice, greedy and beam (--beam, default 4), over the test set in DIR, "
              "each with its 95% CI (percentile bootstrap over utterances, fixed seed)")
      .option("compare-variant", "B",
              "--eval: also score variant B ('' = the unmodified model) on the same utterances "
              "and print WER(B) - WER(V) with its paired-bootstrap 95% CI")
      .option("resamples", "N",
              "--eval: bootstrap resamples for the confidence intervals (1000 to 1000000, "
              "default 2000)")
      .positionals("FILE", 0, -1, "audio files to transcribe");
  const auto parsed = parser.parse(args);
  if (parsed.help) {
    std::cout << parser.help();
    return 0;
  }
  if (!parsed.has("model")) throw UsageError("missing --model", "erg run asr");
  if (parsed.has("eval") == !parsed.positionals.empty())
    throw UsageError("give either audio files or --eval DIR", "erg run asr");
  if (parsed.has("eval")) {
    refuse_run_options(parsed, kAsrStreaming, "transcribing files, not --eval");
  } else {
    refuse_run_options(parsed, kThreads, "--eval");
    for (const char* eval_only : {"compare-variant", "resamples"})
      if (parsed.has(eval_only))
        throw UsageError("--" + std::string(eval_only) + " applies to --eval", "erg run asr");
  }
  const auto run = read_model_run_options(parsed, kAsrDecoding | kAsrStreaming | kThreads);
  const long resamples =
      parsed.get_int("resamples", long(BootstrapOptions{}.resamples), 1000, 1000000);
  const auto compare_variant =
      parsed.has("compare-variant")
          ? std::optional(parse_variant_option(*parsed.get("compare-variant"), "--compare-variant"))
          : std::nullopt;

  const auto path = resolve_named_file(run.model, "models/weights", ".safetensors", "model");
  auto model = load_with_variant([&] { return RnntModel::load(path, run.variant); });
  const float model_penalty = model.config().blank_penalty;
  if (parsed.has("eval")) {
    ModelCopies copies, others;
    copies.pointers.push_back(&model);
    load_copies(copies, path, run.variant, long(run.threads) - 1);
    if (compare_variant)
      load_with_variant([&] { load_copies(others, path, *compare_variant, long(run.threads)); });
    EvalSettings s;
    s.dir = *parsed.get("eval");
    s.greedy = DecodeOptions::greedy(run.max_symbols.value_or(4))
                   .with_blank_penalty(run.blank_penalty.value_or(model_penalty));
    s.beam = DecodeOptions::beam_search(run.beam.value_or(4))
                 .with_blank_penalty(run.blank_penalty.value_or(model_penalty));
    s.bootstrap.resamples = std::size_t(resamples);
    s.json = run.json;
    return run_eval(copies.pointers, others.pointers, s);
  }

  const DecodeOptions options = asr_decode_options(run, model_penalty);
  const bool json = run.json;
  CountingSink sink;
  model.attach(&sink);
  models::asr::StreamingRecognizer recognizer(model, options);
  const auto chunk = std::max<std::size_t>(1, std::size_t(run.chunk_ms * 16.0));
  nlohmann::json files = nlohmann::json::array();
  double total_audio_s = 0, total_decode_s = 0;
  // Each file streams through in chunks of the engine's size: memory stays a few blocks of
  // audio whatever the file's length (issue 18 item 10), and the pushes and partials are the ones
  // a whole-file read gave.
  std::vector<float> pcm(chunk);
  for (const auto& file : parsed.positionals) {
    models::asr::AsrAudioStream audio(file);
    recognizer.reset();
    const auto start = std::chrono::steady_clock::now();
    std::chrono::steady_clock::duration reading{};  // decode_s is the recognizer's time, as before
    for (;;) {
      const auto read_start = std::chrono::steady_clock::now();
      const std::size_t got = audio.read(pcm);
      reading += std::chrono::steady_clock::now() - read_start;
      if (got == 0) break;
      recognizer.push(std::span<const float>(pcm).first(got));
      if (run.partials)
        std::cout << "  [" << std::fixed << std::setprecision(2) << audio.duration_s() << " s] "
                  << recognizer.text() << "\n"
                  << std::defaultfloat;
    }
    recognizer.finish();
    const double decode_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start - reading).count();
    const auto s = recognizer.stats();
    const std::string text = recognizer.text();
    total_audio_s += audio.duration_s();
    total_decode_s += decode_s;
    const double rtf = audio.duration_s() > 0 ? decode_s / audio.duration_s() : 0.0;
    if (json) {
      files.push_back({{"file", file},
                       {"text", text},
                       {"audio_s", audio.duration_s()},
                       {"decode_s", decode_s},
                       {"rtf", rtf},
                       {"encoder_frames", s.encoder_frames},
                       {"encoder_invocations", s.encoder_invocations},
                       {"predictor_invocations", s.predictor_invocations},
                       {"joiner_invocations", s.joiner_invocations},
                       {"symbols", s.symbols}});
    } else {
      std::cout << file << ": " << text << "\n  audio " << std::fixed << std::setprecision(2)
                << audio.duration_s() << " s, RTF " << std::setprecision(4) << rtf
                << std::defaultfloat << ", encoder " << s.encoder_invocations << " chunks / "
                << s.encoder_frames << " frames, predictor " << s.predictor_invocations
                << ", joiner " << s.joiner_invocations << ", symbols " << s.symbols << "\n";
    }
  }
  const std::string decoding = run.beam ? "beam" + std::to_string(*run.beam) : "greedy";
  if (json) {
    std::cout << with_envelope("asr_run",
                               {{"model", model.config().name},
                                {"variant", model.variant().to_string()},
                                {"decoding", decoding},
                                {"files", files},
                                {"audio_s", total_audio_s},
                                {"decode_s", total_decode_s},
                                {"rtf", total_audio_s > 0 ? total_decode_s / total_audio_s : 0.0},
                                {"components", reports::component_counts_json(sink)}})
                     .dump(2)
              << "\n";
  } else {
    std::cout << "decoding " << decoding << ", total RTF " << std::setprecision(4)
              << (total_audio_s > 0 ? total_decode_s / total_audio_s : 0.0)
              << " (with an attached counting sink)\ninvocations per component:\n";
    const auto& reg = ComponentRegistry::global();
    for (std::size_t id = 0; id < sink.counts().size(); ++id) {
      const auto& c = sink.counts()[id];
      if (c.invocations == 0) continue;
      std::cout << "  " << std::left << std::setw(26) << reg.name(ComponentId(id)) << std::right
                << std::setw(10) << c.invocations << " calls " << std::setw(12) << c.bytes_read
                << " bytes read " << std::setw(12) << c.total_macs() << " MACs\n";
    }
  }
  return 0;
}

}  // namespace erg::cli
