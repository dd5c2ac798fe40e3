#include "sweep/spec_keys.hpp"

#include <cmath>
#include <sstream>

namespace erg::sweep {
namespace {

using T = KnobRule::Type;

struct KindRule {
  const char* kind = "";
  KnobRule rule;
};

// In `in_workload`/`in_runtime` order: asr and llm read their workload once and the knobs per
// design point; a shape model's knobs override its workload, so every key goes in either table.
constexpr KindRule kRules[] = {
    {"asr", {"testset", T::kString, 0, 0, "", "", true, false, "the test set directory"}},
    {"asr",
     {"voices", T::kString, 0, 0, "all|train|heldout", "", true, false, "the voices scored"}},
    {"asr",
     {"max_utterances", T::kInteger, 0, 1e7, "", "", true, false, "utterances scored, 0 = all"}},
    {"asr",
     {"beam", T::kInteger, 1, 1024, "", "", false, true, "hypotheses kept per step, 1 = greedy"}},
    {"asr",
     {"max_symbols", T::kInteger, 1, 1000, "", "", false, true,
      "symbols the greedy decoder emits per frame at most"}},
    {"asr",
     {"blank_penalty", T::kNumber, -100, 100, "", "", false, true,
      "subtracted from the blank logit"}},

    {"llm", {"prompts", T::kString, 0, 0, "", "", true, false, "the prompts file"}},
    {"llm", {"max_prompts", T::kInteger, 1, 1e5, "", "", true, false, "prompts generated from"}},
    {"llm",
     {"max_new_tokens", T::kInteger, 1, 1e5, "", "", true, true, "tokens generated per prompt"}},
    {"llm", {"eval_text", T::kString, 0, 0, "", "", true, false, "the perplexity text"}},
    {"llm",
     {"eval_bytes", T::kInteger, 0, 1e9, "", "", true, false,
      "bytes of eval_text scored, 0 = all"}},
    {"llm",
     {"strategy", T::kString, 0, 0, "ar|exit|selfspec|autoregressive|early_exit|self_speculative",
      "", false, true, "the decoding strategy"}},
    {"llm",
     {"exit_layer", T::kInteger, 1, 1024, "", "", false, true,
      "layers run before the exit (at most the model's)"}},
    {"llm", {"speculations", T::kInteger, 1, 64, "", "", false, true, "tokens drafted per round"}},
    {"llm",
     {"draft_confidence", T::kNumber, 0, 1, "", "", false, true,
      "drafter probability below which a round stops drafting"}},

    {"shape",
     {"audio_seconds", T::kNumber, 1e-3, 1e6, "", "rnnt", true, true,
      "seconds of audio the schedule covers"}},
    {"shape",
     {"input_frames_per_second", T::kNumber, 1, 1e5, "", "rnnt", true, true,
      "feature frames per second of audio"}},
    {"shape",
     {"blank_ratio", T::kNumber, 0.05, 1, "", "rnnt", true, true,
      "fraction of joiner outputs that are blank"}},
    {"shape", {"beam", T::kInteger, 1, 1024, "", "rnnt", true, true, "hypotheses kept per step"}},
    {"shape",
     {"batch_hypotheses", T::kBoolean, 0, 0, "", "rnnt", true, true,
      "one weight read per step for all hypotheses"}},
    {"shape", {"prompt_tokens", T::kInteger, 0, 1e7, "", "llm", true, true, "tokens prefilled"}},
    {"shape", {"generated_tokens", T::kInteger, 1, 1e7, "", "llm", true, true, "tokens generated"}},
    {"shape",
     {"strategy", T::kString, 0, 0, "ar|exit|selfspec", "llm", true, true,
      "the decoding strategy"}},
    {"shape",
     {"exit_layer", T::kInteger, 0, 1024, "", "llm", true, true,
      "layers run before the exit (at most the model's)"}},
    {"shape",
     {"speculations", T::kInteger, 0, 64, "", "llm", true, true, "tokens drafted per cycle"}},
    {"shape",
     {"acceptance", T::kNumber, 0, 1, "", "llm", true, true,
      "probability that a drafted token is accepted"}},
};

bool in_table(const KnobRule& rule, bool runtime) {
  return runtime ? rule.in_runtime : rule.in_workload;
}

std::string number_text(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

std::string type_text(T type) {
  switch (type) {
    case T::kInteger:
      return "an integer";
    case T::kNumber:
      return "a number";
    case T::kString:
      return "a string";
    case T::kBoolean:
      return "a boolean";
  }
  return "a value";
}

}  // namespace

const KnobRule* find_knob(std::string_view kind, bool runtime, std::string_view name) {
  for (const auto& r : kRules) {
    if (kind == r.kind && name == r.rule.name && in_table(r.rule, runtime)) return &r.rule;
  }
  return nullptr;
}

std::string knob_names(std::string_view kind, bool runtime, std::string_view family) {
  std::string out;
  for (const auto& r : kRules) {
    const std::string_view f = r.rule.family;
    if (kind == r.kind && in_table(r.rule, runtime) && (family.empty() || f.empty() || f == family))
      out += (out.empty() ? "" : ", ") + std::string(r.rule.name);
  }
  return out.empty() ? "none" : out;
}

void check_knob(const TomlReader& reader, const std::string& key, const toml::node& node,
                const KnobRule& rule) {
  const std::string meaning = rule.meaning[0] != '\0' ? std::string(": ") + rule.meaning : "";
  const bool type_ok = rule.type == T::kInteger  ? node.is_integer()
                       : rule.type == T::kNumber ? node.is_number()
                       : rule.type == T::kString ? node.is_string()
                                                 : node.is_boolean();
  if (!type_ok) {
    reader.fail(key,
                "must be " + type_text(rule.type) + " (" + rule.meaning + "), got " +
                    TomlReader::type_name(node),
                &node);
  }
  if (rule.type == T::kInteger || rule.type == T::kNumber) {
    const double value = node.is_integer() ? static_cast<double>(node.as_integer()->get())
                                           : node.as_floating_point()->get();
    const std::string shown =
        node.is_integer() ? std::to_string(node.as_integer()->get()) : number_text(value);
    if (!std::isfinite(value))
      reader.fail(key, "is " + shown + ", expected a finite number", &node);
    if (value < rule.min) {
      reader.fail(key,
                  "is " + shown + ", too small (at least " + number_text(rule.min) + meaning + ")",
                  &node);
    }
    if (value > rule.max) {
      reader.fail(key,
                  "is " + shown + ", too large (at most " + number_text(rule.max) + meaning + ")",
                  &node);
    }
  }
  if (rule.type == T::kString && rule.choices[0] != '\0') {
    const std::string value = node.as_string()->get();
    const std::string choices = rule.choices;
    std::string list;
    std::size_t start = 0;
    bool found = false;
    while (start <= choices.size()) {
      const auto bar = choices.find('|', start);
      const auto choice = choices.substr(start, bar == std::string::npos ? bar : bar - start);
      found = found || choice == value;
      list += (list.empty() ? "" : ", ") + choice;
      if (bar == std::string::npos) break;
      start = bar + 1;
    }
    if (!found) reader.fail(key, "is '" + value + "' (expected one of: " + list + ")", &node);
  }
}

}  // namespace erg::sweep
