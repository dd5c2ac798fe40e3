#include "models/asr/test_set.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "core/error.hpp"
#include "models/asr/audio_file.hpp"
#include "models/asr/streaming_recognizer.hpp"

namespace erg::models::asr {
namespace {

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, '\t'))
    out.push_back(field);
  return out;
}

}  // namespace

std::vector<TestUtterance> read_test_set(const std::filesystem::path& dir_or_tsv) {
  const auto tsv =
      std::filesystem::is_directory(dir_or_tsv) ? dir_or_tsv / "testset.tsv" : dir_or_tsv;
  std::ifstream in(tsv);
  if (!in) throw Error("cannot read the test set listing", tsv.string());
  std::string line;
  if (!std::getline(in, line)) throw Error("empty test set listing", tsv.string());
  const auto header = split_tabs(line);
  int col_file = -1, col_text = -1, col_voice = -1, col_heldout = -1;
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == "file") col_file = int(i);
    if (header[i] == "text") col_text = int(i);
    if (header[i] == "voice") col_voice = int(i);
    if (header[i] == "heldout") col_heldout = int(i);
  }
  if (col_file < 0 || col_text < 0 || col_voice < 0 || col_heldout < 0)
    throw Error("header must have the columns file, text, voice, heldout", tsv.string() + ":1");
  const std::size_t need =
      std::size_t(std::max(std::max(col_file, col_text), std::max(col_voice, col_heldout))) + 1;
  std::vector<TestUtterance> out;
  std::map<std::string, bool> heldout_of_voice;
  for (std::size_t n = 2; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    const auto f = split_tabs(line);
    const std::string where = tsv.string() + ":" + std::to_string(n);
    if (f.size() < need)
      throw Error("expected " + std::to_string(need) + " tab-separated fields", where);
    const auto& h = f[std::size_t(col_heldout)];
    if (h != "0" && h != "1") throw Error("heldout must be 0 or 1, got '" + h + "'", where);
    const auto& voice = f[std::size_t(col_voice)];
    const auto [it, first] = heldout_of_voice.emplace(voice, h == "1");
    if (!first && it->second != (h == "1"))
      throw Error("voice '" + voice + "' is held out on some lines and not on others", where);
    out.push_back({tsv.parent_path() / f[std::size_t(col_file)], f[std::size_t(col_text)],
                   f[std::size_t(col_voice)], h == "1"});
  }
  if (out.empty()) throw Error("test set listing has no utterances", tsv.string());
  return out;
}

double TestSetResult::heldout_mean_wer() const {
  double sum = 0.0;
  int n = 0;
  for (const auto& [name, acc] : groups)
    if (name != kTrainVoices) {
      sum += acc.wer();
      ++n;
    }
  return n == 0 ? std::nan("") : sum / n;
}

TestSetResult evaluate_test_set(RnntModel& model, const std::vector<TestUtterance>& utterances,
                                const DecodeOptions& options) {
  RnntModel* const one[] = {&model};
  return evaluate_test_set(one, utterances, options);
}

TestSetResult evaluate_test_set(std::span<RnntModel* const> models,
                                const std::vector<TestUtterance>& utterances,
                                const DecodeOptions& options) {
  if (models.empty()) throw Error("no model to evaluate with", "evaluate_test_set");
  // Each worker decodes whole utterances on its own model (a model holds one stream's state);
  // results are gathered in listing order, so the outcome never depends on the thread count.
  struct Outcome {
    std::string hyp;
    double audio_s = 0.0, decode_s = 0.0;
    RecognizerStats stats;
    std::exception_ptr error;
  };
  std::vector<Outcome> outcomes(utterances.size());
  std::atomic<std::size_t> next{0};
  std::mutex setup_mutex;
  std::exception_ptr setup_error;  // a worker that could not start
  auto work = [&](RnntModel& model) {
    try {
      StreamingRecognizer recognizer(model, options);
      for (std::size_t i = next++; i < utterances.size(); i = next++) {
        Outcome& o = outcomes[i];
        try {
          const Audio audio = load_asr_audio(utterances[i].file);
          const auto start = std::chrono::steady_clock::now();
          o.hyp = recognizer.recognize(audio.samples);
          o.decode_s =
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
          o.audio_s = audio.duration_s();
          o.stats = recognizer.stats();
        } catch (...) {
          o.error = std::current_exception();
        }
      }
    } catch (...) {  // the recognizer could not be set up
      const std::lock_guard lock(setup_mutex);
      if (!setup_error) setup_error = std::current_exception();
    }
  };
  const std::size_t workers = std::min(models.size(), std::max<std::size_t>(1, utterances.size()));
  {
    std::vector<std::jthread> threads;  // joined on every way out of this scope
    for (std::size_t k = 1; k < workers; ++k)
      threads.emplace_back(work, std::ref(*models[k]));
    work(*models[0]);
  }
  if (setup_error) std::rethrow_exception(setup_error);

  TestSetResult result;
  for (std::size_t i = 0; i < utterances.size(); ++i) {
    const Outcome& o = outcomes[i];
    if (o.error) std::rethrow_exception(o.error);  // the first failure in listing order
    const auto& u = utterances[i];
    result.decode_s += o.decode_s;
    result.audio_s += o.audio_s;
    result.encoder_invocations += o.stats.encoder_invocations;
    result.predictor_invocations += o.stats.predictor_invocations;
    result.joiner_invocations += o.stats.joiner_invocations;
    result.groups[u.heldout ? u.voice : std::string(kTrainVoices)].add(u.text, o.hyp);
    result.per_utterance.push_back(result.all.add(u.text, o.hyp));
    result.hypotheses.push_back(o.hyp);
  }
  return result;
}

WerSummary summarize(const std::vector<TestUtterance>& utterances, const TestSetResult& result,
                     const BootstrapOptions& options) {
  if (result.per_utterance.size() != utterances.size())
    throw Error("the result scores " + std::to_string(result.per_utterance.size()) +
                    " utterances, the listing has " + std::to_string(utterances.size()),
                "summarize");
  WerSummary out;
  out.options = options;
  out.overall = estimate_wer(result.per_utterance, options);
  std::map<std::string, std::vector<WordErrors>> by_voice, by_group;
  std::map<std::string, bool> heldout;
  for (std::size_t i = 0; i < utterances.size(); ++i) {
    const auto& u = utterances[i];
    by_voice[u.voice].push_back(result.per_utterance[i]);
    heldout[u.voice] = u.heldout;
    by_group[u.heldout ? u.voice : std::string(kTrainVoices)].push_back(result.per_utterance[i]);
  }
  for (const auto& [voice, errors] : by_voice)
    out.voices.push_back({voice, heldout.at(voice), estimate_wer(errors, options)});
  for (const auto& [group, errors] : by_group)
    out.groups.emplace(group, estimate_wer(errors, options));
  out.heldout_mean_wer = result.heldout_mean_wer();
  return out;
}

}  // namespace erg::models::asr
