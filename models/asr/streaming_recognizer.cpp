#include "models/asr/streaming_recognizer.hpp"

#include "core/error.hpp"
#include "models/asr/detokenize.hpp"

namespace erg::models::asr {

StreamingRecognizer::StreamingRecognizer(RnntModel& model, DecodeOptions options)
    : model_(model),
      fbank_(model.config().fbank),
      normalizer_(model.config().mean, model.config().std, model.config().name),
      stacker_(model.config().n_mels, model.config().stack_frames),
      decoder_(model, options),
      fbank_frames_(model.config().n_mels),
      stacked_(model.config().stacked_dim()) {
  reset();
}

void StreamingRecognizer::reset() {
  model_.encoder().reset();
  fbank_.reset();
  stacker_.reset();
  start_ = model_.counters();
  decoder_.reset();
  samples_ = 0;
  finished_ = false;
}

void StreamingRecognizer::decode(std::size_t frames) {
  const std::size_t e = model_.encoder().output_dim();
  for (std::size_t t = 0; t < frames; ++t)
    decoder_.push_frame(std::span<const float>(encoded_).subspan(t * e, e));
  encoded_.clear();
}

void StreamingRecognizer::push(std::span<const float> pcm) {
  if (finished_) throw Error("push after finish; call reset() for a new utterance", "asr stream");
  samples_ += pcm.size();
  fbank_frames_.clear();
  if (fbank_.push(pcm, fbank_frames_) == 0) return;
  normalizer_.apply(fbank_frames_);
  stacked_.clear();
  if (stacker_.push(fbank_frames_, stacked_) == 0) return;
  decode(model_.encoder().push(stacked_.values(), encoded_));
}

void StreamingRecognizer::finish() {
  if (finished_) return;
  decode(model_.encoder().finish(encoded_));
  finished_ = true;
}

std::string StreamingRecognizer::text() const {
  const auto ids = decoder_.tokens();
  return detokenize(model_.config().vocabulary, ids);
}

RecognizerStats StreamingRecognizer::stats() const {
  const auto now = model_.counters();
  RecognizerStats s;
  s.samples = samples_;
  s.fbank_frames = fbank_.frames_emitted();
  s.encoder_frames = now.encoder_frames - start_.encoder_frames;
  s.encoder_invocations = now.encoder_invocations - start_.encoder_invocations;
  s.predictor_invocations = now.predictor_invocations - start_.predictor_invocations;
  s.joiner_invocations = now.joiner_invocations - start_.joiner_invocations;
  s.symbols = decoder_.stats().symbols;
  return s;
}

std::string StreamingRecognizer::recognize(std::span<const float> pcm) {
  reset();
  push(pcm);
  finish();
  return text();
}

}  // namespace erg::models::asr
