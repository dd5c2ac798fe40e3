#include "models/asr/rnnt_decoder.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.hpp"

namespace erg::models::asr {

std::string_view to_string(DecodeStrategy strategy) {
  return strategy == DecodeStrategy::kGreedy ? "greedy" : "beam";
}

RnntDecoder::RnntDecoder(RnntModel& model, DecodeOptions options)
    : model_(model), options_(options), blank_(model.config().blank_id) {
  if (options_.strategy == DecodeStrategy::kBeam && options_.beam == 0)
    throw Error("beam size must be at least 1", "decode options");
  if (options_.strategy == DecodeStrategy::kGreedy && options_.max_symbols_per_frame == 0)
    throw Error("max symbols per frame must be at least 1", "decode options");
  enc_proj_.resize(model.joiner().dim());
  log_probs_.resize(model.joiner().outputs());
  order_.resize(model.joiner().outputs());
  reset();
}

void RnntDecoder::step_predictor(Hypothesis& hyp, int token) {
  model_.predictor().step(token, hyp.state);
  model_.joiner().project_predictor(hyp.state.h, hyp.pred_proj);
  ++stats_.predictor_calls;
}

void RnntDecoder::reset() {
  stats_ = {};
  hyps_.clear();
}

void RnntDecoder::start() {
  Hypothesis start;
  start.state = model_.predictor().zero_state();
  start.pred_proj.resize(model_.joiner().dim());
  step_predictor(start, blank_);
  hyps_.push_back(std::move(start));
}

void RnntDecoder::push_frame(std::span<const float> encoder_frame) {
  if (hyps_.empty()) start();
  ++stats_.frames;
  model_.joiner().project_encoder(encoder_frame, enc_proj_);
  if (options_.strategy == DecodeStrategy::kGreedy)
    greedy_frame();
  else
    beam_frame();
}

void RnntDecoder::greedy_frame() {
  Hypothesis& hyp = hyps_.front();
  ++stats_.hypothesis_frames;
  for (std::size_t s = 0; s < options_.max_symbols_per_frame; ++s) {
    const auto logits = model_.joiner().join(enc_proj_, hyp.pred_proj);
    ++stats_.joiner_calls;
    // First maximum, as numpy / torch argmax, with the blank logit lowered by the penalty.
    int k = 0;
    float best = -INFINITY;
    for (std::size_t i = 0; i < logits.size(); ++i) {
      const float x = int(i) == blank_ ? logits[i] - options_.blank_penalty : logits[i];
      if (x > best) {
        best = x;
        k = int(i);
      }
    }
    if (k == blank_) return;
    hyp.tokens.push_back(k);
    ++stats_.symbols;
    step_predictor(hyp, k);
  }
  ++stats_.capped_frames;
}

void RnntDecoder::merge(std::vector<Candidate>& cands, Candidate cand) {
  for (auto& c : cands) {
    if (c.tokens != cand.tokens) continue;
    const double m = std::max(c.log_prob, cand.log_prob);
    const double s = m + std::log(std::exp(c.log_prob - m) + std::exp(cand.log_prob - m));
    // Equal token sequences have equal predictor states; keep the better one's parent (as the
    // Python decoder does).
    if (cand.log_prob > c.log_prob) {
      c.parent = cand.parent;
      c.token = cand.token;
    }
    c.log_prob = s;
    return;
  }
  cands.push_back(std::move(cand));
}

void RnntDecoder::beam_frame() {
  const std::size_t beam = options_.beam;
  const std::size_t v = log_probs_.size();
  std::vector<Candidate> cands;
  cands.reserve(hyps_.size() * (beam + 1));
  for (std::size_t n = 0; n < hyps_.size(); ++n) {
    const Hypothesis& hyp = hyps_[n];
    const auto logits = model_.joiner().join(enc_proj_, hyp.pred_proj);
    ++stats_.joiner_calls;
    ++stats_.hypothesis_frames;
    // log_probs_ holds the logits (blank lowered by the penalty), then their log-softmax.
    std::copy(logits.begin(), logits.end(), log_probs_.begin());
    log_probs_[std::size_t(blank_)] -= options_.blank_penalty;
    const float mx = *std::max_element(log_probs_.begin(), log_probs_.end());
    double sum = 0.0;
    for (float x : log_probs_)
      sum += std::exp(double(x - mx));
    const float log_sum = float(std::log(sum));
    for (std::size_t k = 0; k < v; ++k)
      log_probs_[k] = (log_probs_[k] - mx) - log_sum;
    merge(cands, {hyp.tokens, hyp.log_prob + double(log_probs_[std::size_t(blank_)]), n, -1});
    // Top `beam` non-blank tokens, best first (ties: lower id first).
    std::iota(order_.begin(), order_.end(), 0);
    order_.erase(order_.begin() + blank_);
    const std::size_t top = std::min(beam, order_.size());
    std::partial_sort(order_.begin(), order_.begin() + std::ptrdiff_t(top), order_.end(),
                      [&](int a, int b) {
                        return log_probs_[std::size_t(a)] > log_probs_[std::size_t(b)] ||
                               (log_probs_[std::size_t(a)] == log_probs_[std::size_t(b)] && a < b);
                      });
    for (std::size_t i = 0; i < top; ++i) {
      const int k = order_[i];
      auto toks = hyp.tokens;
      toks.push_back(k);
      merge(cands, {std::move(toks), hyp.log_prob + double(log_probs_[std::size_t(k)]), n, k});
    }
    order_.resize(v);
  }
  std::stable_sort(cands.begin(), cands.end(),
                   [](const Candidate& a, const Candidate& b) { return a.log_prob > b.log_prob; });
  if (cands.size() > beam) cands.resize(beam);
  std::vector<Hypothesis> next;
  next.reserve(cands.size());
  for (auto& c : cands) {
    Hypothesis h;
    h.tokens = std::move(c.tokens);
    h.log_prob = c.log_prob;
    h.state = hyps_[c.parent].state;
    h.pred_proj = hyps_[c.parent].pred_proj;
    if (c.token >= 0) {
      ++stats_.symbols;
      step_predictor(h, c.token);
    }
    next.push_back(std::move(h));
  }
  hyps_ = std::move(next);
}

std::vector<int> RnntDecoder::tokens() const {
  if (hyps_.empty()) return {};
  const Hypothesis* best = &hyps_.front();
  for (const auto& h : hyps_)
    if (h.log_prob > best->log_prob) best = &h;
  return best->tokens;
}

}  // namespace erg::models::asr
