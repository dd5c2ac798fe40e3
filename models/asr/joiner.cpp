#include "models/asr/joiner.hpp"

#include <algorithm>
#include <string>

#include "core/error.hpp"

#include "models/runtime/elementwise.hpp"
#include "models/runtime/invocation_scope.hpp"
#include "models/runtime/linear.hpp"

namespace erg::models::asr {

using runtime::Probe;

namespace {
void check_size(std::size_t got, std::size_t expected, const char* what) {
  if (got != expected)
    throw Error(std::string(what) + " has " + std::to_string(got) + " values, expected " +
                    std::to_string(expected),
                "asr.joiner");
}
}  // namespace

Joiner::Joiner(const RnntConfig& config, RnntWeights& weights)
    : dim_(config.joiner_dim),
      outputs_(config.n_out),
      enc_dim_(config.encoder_dim()),
      pred_dim_(config.predictor_hidden),
      activation_(config.joiner_activation),
      component_(weights.component("asr.joiner")),
      enc_component_(weights.component("asr.joiner.enc_proj")),
      pred_component_(weights.component("asr.joiner.pred_proj")) {
  enc_proj_ = weights.linear("joiner.enc_proj.", "asr.joiner.enc_proj", dim_, enc_dim_);
  pred_proj_ = weights.linear("joiner.pred_proj.", "asr.joiner.pred_proj", dim_, pred_dim_);
  out_ = weights.linear("joiner.out.", "asr.joiner", outputs_, dim_);
  enc_in_ = weights.scratch("joiner.act.enc_in", "asr.joiner.enc_proj", enc_dim_);
  enc_p_ = weights.scratch("joiner.act.enc_proj", "asr.joiner.enc_proj", dim_);
  pred_in_ = weights.scratch("joiner.act.pred_in", "asr.joiner.pred_proj", pred_dim_);
  pred_p_ = weights.scratch("joiner.act.pred_proj", "asr.joiner.pred_proj", dim_);
  hidden_ = weights.scratch("joiner.act.hidden", "asr.joiner", dim_);
  logits_ = weights.scratch("joiner.act.logits", "asr.joiner", outputs_);
}

void Joiner::project_encoder(std::span<const float> enc, std::span<float> out) {
  const Probe probe{sink_, enc_component_};
  const runtime::InvocationScope scope(sink_, enc_component_);
  check_size(enc.size(), enc_dim_, "encoder frame");
  check_size(out.size(), dim_, "encoder projection output");
  ++enc_proj_invocations_;
  std::copy(enc.begin(), enc.end(), enc_in_.data.begin());
  runtime::matvec(enc_proj_, enc_in_.in(), enc_p_.out(), probe);
  std::copy(enc_p_.data.begin(), enc_p_.data.end(), out.begin());
}

void Joiner::project_predictor(std::span<const float> pred, std::span<float> out) {
  const Probe probe{sink_, pred_component_};
  const runtime::InvocationScope scope(sink_, pred_component_);
  check_size(pred.size(), pred_dim_, "predictor output");
  check_size(out.size(), dim_, "predictor projection output");
  ++pred_proj_invocations_;
  std::copy(pred.begin(), pred.end(), pred_in_.data.begin());
  runtime::matvec(pred_proj_, pred_in_.in(), pred_p_.out(), probe);
  std::copy(pred_p_.data.begin(), pred_p_.data.end(), out.begin());
}

std::span<const float> Joiner::join(std::span<const float> enc_proj,
                                    std::span<const float> pred_proj) {
  const Probe probe{sink_, component_};
  const runtime::InvocationScope scope(sink_, component_);
  check_size(enc_proj.size(), dim_, "encoder projection");
  check_size(pred_proj.size(), dim_, "predictor projection");
  ++invocations_;
  // The projections are read from where the hypotheses keep them; they are reported at the
  // projection buffers' addresses, where they were produced.
  runtime::add(runtime::In(enc_proj, enc_p_.address, enc_p_.tensor),
               runtime::In(pred_proj, pred_p_.address, pred_p_.tensor), hidden_.out(), probe);
  runtime::activate(activation_, hidden_.in(), hidden_.out(), probe);
  runtime::matvec(out_, hidden_.in(), logits_.out(), probe);
  return logits_.data;
}

}  // namespace erg::models::asr
