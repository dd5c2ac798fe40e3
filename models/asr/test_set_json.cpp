#include "models/asr/test_set_json.hpp"

#include <cmath>
#include <cstdint>
#include <string>

#include "core/error.hpp"

namespace erg::models::asr {
namespace {

double percent(double fraction) {
  return 100.0 * fraction;
}

std::string display(std::string_view variant) {
  return variant.empty() ? "the unmodified model" : "'" + std::string(variant) + "'";
}

nlohmann::json ci95(const Interval& i) {
  return {percent(i.low), percent(i.high)};
}

nlohmann::json estimate_json(const WerEstimate& e) {
  return {{"wer", percent(e.wer.value)},       {"ci95", ci95(e.wer)},
          {"words", e.totals.reference_words}, {"sub", e.totals.substitutions},
          {"del", e.totals.deletions},         {"ins", e.totals.insertions},
          {"utterances", e.utterances}};
}

}  // namespace

nlohmann::json evaluation_json(const std::vector<TestUtterance>& utterances,
                               const TestSetResult& result, const WerSummary& summary,
                               bool with_utterances) {
  nlohmann::json out = estimate_json(summary.overall);
  out["resamples"] = summary.overall.wer.resamples;
  out["ci_level"] = summary.options.level;
  out["seed"] = summary.options.seed;
  nlohmann::json voices = nlohmann::json::array();
  for (const auto& v : summary.voices) {
    nlohmann::json j{{"voice", v.voice}, {"heldout", v.heldout}};
    j.update(estimate_json(v.estimate));
    voices.push_back(std::move(j));
  }
  out["voices"] = std::move(voices);
  const auto train = summary.groups.find(kTrainVoices);
  out["train_voices"] =
      train == summary.groups.end() ? nlohmann::json(nullptr) : estimate_json(train->second);
  out["heldout_mean"] = percent(summary.heldout_mean_wer);  // NaN prints as null

  // The fields erg printed before intervals, kept for the scripts that read them.
  nlohmann::json groups = nlohmann::json::object();
  for (const auto& [name, acc] : result.groups) {
    nlohmann::json g{{"wer_percent", percent(acc.wer())},
                     {"utterances", acc.utterances()},
                     {"reference_words", acc.totals().reference_words},
                     {"substitutions", acc.totals().substitutions},
                     {"deletions", acc.totals().deletions},
                     {"insertions", acc.totals().insertions}};
    if (const auto s = summary.groups.find(name); s != summary.groups.end())
      g["ci95"] = ci95(s->second.wer);
    groups[name] = std::move(g);
  }
  out["groups"] = std::move(groups);
  out["overall_wer_percent"] = percent(result.all.wer());
  out["heldout_mean_wer_percent"] = percent(result.heldout_mean_wer());
  out["audio_s"] = result.audio_s;
  out["decode_s"] = result.decode_s;
  out["rtf"] = result.audio_s > 0 ? result.decode_s / result.audio_s : 0.0;
  out["encoder_invocations"] = result.encoder_invocations;
  out["predictor_invocations"] = result.predictor_invocations;
  out["joiner_invocations"] = result.joiner_invocations;
  if (with_utterances) {
    nlohmann::json per = nlohmann::json::array();
    for (std::size_t i = 0; i < result.per_utterance.size(); ++i) {
      const auto& e = result.per_utterance[i];
      per.push_back({{"file", i < utterances.size() ? utterances[i].file.filename().string() : ""},
                     {"words", e.reference_words},
                     {"sub", e.substitutions},
                     {"del", e.deletions},
                     {"ins", e.insertions}});
    }
    out["per_utterance"] = std::move(per);
    out["hypotheses"] = result.hypotheses;
  }
  return out;
}

std::string comparison_verdict(const WerComparison& c, std::string_view name_a,
                               std::string_view name_b) {
  if (c.difference.resamples == 0) return "no comparison: no reference words";
  if (!c.significant()) return "no difference: the CI contains 0";
  return std::string(name_b) + (c.difference.low > 0.0 ? " is worse than " : " is better than ") +
         std::string(name_a) +
         (c.difference.low > 0.0 ? ": the CI lies above 0" : ": the CI lies below 0");
}

nlohmann::json comparison_json(const WerComparison& c, std::string_view variant_a,
                               std::string_view variant_b) {
  return {{"variant_a", std::string(variant_a)},
          {"variant_b", std::string(variant_b)},
          {"wer_a", percent(c.a.wer.value)},
          {"wer_b", percent(c.b.wer.value)},
          {"wer_difference", percent(c.difference.value)},
          {"ci95", ci95(c.difference)},
          {"words", c.a.totals.reference_words},
          {"utterances", c.difference.samples},
          {"resamples", c.difference.resamples},
          {"significant", c.significant()},
          {"verdict", comparison_verdict(c, display(variant_a), display(variant_b))}};
}

std::vector<WordErrors> per_utterance_from_json(const nlohmann::json& evaluation,
                                                std::vector<std::string>* files) {
  if (!evaluation.is_object() || !evaluation.contains("per_utterance") ||
      !evaluation["per_utterance"].is_array())
    throw Error("expected an evaluation with a per_utterance list (evaluate() gives one)",
                "per_utterance");
  std::vector<WordErrors> out;
  for (std::size_t i = 0; const auto& u : evaluation["per_utterance"]) {
    const std::string where = "per_utterance[" + std::to_string(i++) + "]";
    auto count = [&](const char* key) {
      if (!u.is_object() || !u.contains(key) || !u[key].is_number_integer() ||
          u[key].get<std::int64_t>() < 0)
        throw Error(std::string("expected a non-negative integer '") + key + "'", where);
      return std::size_t(u[key].get<std::int64_t>());
    };
    out.push_back({count("words"), count("sub"), count("del"), count("ins")});
    if (files) files->push_back(u.value("file", std::string()));
  }
  return out;
}

}  // namespace erg::models::asr
