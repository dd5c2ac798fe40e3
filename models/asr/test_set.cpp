#include "models/asr/test_set.hpp"

#include <chrono>
#include <cmath>
#include <fstream>
#include <sstream>

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
  for (std::size_t n = 2; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    const auto f = split_tabs(line);
    const std::string where = tsv.string() + ":" + std::to_string(n);
    if (f.size() < need)
      throw Error("expected " + std::to_string(need) + " tab-separated fields", where);
    const auto& h = f[std::size_t(col_heldout)];
    if (h != "0" && h != "1") throw Error("heldout must be 0 or 1, got '" + h + "'", where);
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
  TestSetResult result;
  StreamingRecognizer recognizer(model, options);
  for (const auto& u : utterances) {
    const Audio audio = load_asr_audio(u.file);
    const auto start = std::chrono::steady_clock::now();
    const std::string hyp = recognizer.recognize(audio.samples);
    result.decode_s +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    result.audio_s += audio.duration_s();
    const auto s = recognizer.stats();
    result.encoder_invocations += s.encoder_invocations;
    result.predictor_invocations += s.predictor_invocations;
    result.joiner_invocations += s.joiner_invocations;
    result.groups[u.heldout ? u.voice : std::string(kTrainVoices)].add(u.text, hyp);
    result.all.add(u.text, hyp);
    result.hypotheses.push_back(hyp);
  }
  return result;
}

}  // namespace erg::models::asr
