#include "models/specs/shape_spec.hpp"

#include "core/error.hpp"
#include "core/paths.hpp"
#include "core/toml_reader.hpp"

namespace erg::models::specs {
namespace {

std::uint64_t positive(const TomlReader& r, const toml::table& t, const std::string& prefix,
                       const std::string& key) {
  return static_cast<std::uint64_t>(r.integer(t, prefix, key, std::nullopt, 1, INT64_MAX));
}

RnntShape read_rnnt(const TomlReader& r, const toml::table& doc) {
  RnntShape s;
  const auto& enc = *r.table(doc, "", "encoder", true);
  r.reject_unknown(
      enc, "encoder",
      {"input_dim", "input_proj_dim", "time_reduction_stride", "layers", "d_model", "ffn_dim",
       "heads", "segment_frames", "right_context_frames", "left_context_frames", "output_dim"});
  s.input_dim = positive(r, enc, "encoder", "input_dim");
  s.input_proj_dim = positive(r, enc, "encoder", "input_proj_dim");
  s.time_reduction_stride = positive(r, enc, "encoder", "time_reduction_stride");
  s.layers = positive(r, enc, "encoder", "layers");
  s.d_model = positive(r, enc, "encoder", "d_model");
  s.ffn_dim = positive(r, enc, "encoder", "ffn_dim");
  s.heads = positive(r, enc, "encoder", "heads");
  s.segment_frames = positive(r, enc, "encoder", "segment_frames");
  s.right_context_frames =
      static_cast<std::uint64_t>(r.integer(enc, "encoder", "right_context_frames", 0, 0));
  s.left_context_frames =
      static_cast<std::uint64_t>(r.integer(enc, "encoder", "left_context_frames", 0, 0));
  s.encoder_output_dim = positive(r, enc, "encoder", "output_dim");
  if (s.input_proj_dim * s.time_reduction_stride != s.d_model) {
    r.fail("encoder.d_model", "must equal input_proj_dim x time_reduction_stride", &enc);
  }
  if (s.segment_frames % s.time_reduction_stride != 0) {
    r.fail("encoder.segment_frames", "must be a multiple of time_reduction_stride", &enc);
  }
  const auto& pred = *r.table(doc, "", "predictor", true);
  r.reject_unknown(pred, "predictor",
                   {"vocab", "embed_dim", "lstm_layers", "lstm_hidden", "output_dim"});
  s.vocab = positive(r, pred, "predictor", "vocab");
  s.embed_dim = positive(r, pred, "predictor", "embed_dim");
  s.lstm_layers = positive(r, pred, "predictor", "lstm_layers");
  s.lstm_hidden = positive(r, pred, "predictor", "lstm_hidden");
  s.joiner_dim = positive(r, pred, "predictor", "output_dim");
  const auto& join = *r.table(doc, "", "joiner", true);
  r.reject_unknown(join, "joiner", {"input_dim", "vocab"});
  if (positive(r, join, "joiner", "input_dim") != s.joiner_dim ||
      s.encoder_output_dim != s.joiner_dim) {
    r.fail("joiner.input_dim", "must equal encoder.output_dim and predictor.output_dim", &join);
  }
  if (positive(r, join, "joiner", "vocab") != s.vocab) {
    r.fail("joiner.vocab", "must equal predictor.vocab", &join);
  }
  return s;
}

RnntWorkload read_rnnt_workload(const TomlReader& r, const toml::table* t) {
  RnntWorkload w;
  if (t == nullptr) return w;
  r.reject_unknown(
      *t, "workload",
      {"audio_seconds", "input_frames_per_second", "blank_ratio", "beam", "batch_hypotheses"});
  w.audio_seconds = r.number(*t, "workload", "audio_seconds", w.audio_seconds, 1e-3, 1e6);
  w.input_frames_per_second =
      r.number(*t, "workload", "input_frames_per_second", w.input_frames_per_second, 1.0, 1e5);
  w.blank_ratio = r.number(*t, "workload", "blank_ratio", w.blank_ratio, 0.05, 1.0);
  w.beam = static_cast<std::uint64_t>(r.integer(*t, "workload", "beam", 4, 1, 1024));
  w.batch_hypotheses = r.boolean(*t, "workload", "batch_hypotheses", w.batch_hypotheses);
  return w;
}

LlmShape read_llm(const TomlReader& r, const toml::table& doc) {
  LlmShape s;
  const auto& m = *r.table(doc, "", "model", true);
  r.reject_unknown(m, "model",
                   {"layers", "d_model", "ffn_dim", "heads", "kv_heads", "vocab", "tied_embeddings",
                    "kv_bytes_per_element"});
  s.layers = positive(r, m, "model", "layers");
  s.d_model = positive(r, m, "model", "d_model");
  s.ffn_dim = positive(r, m, "model", "ffn_dim");
  s.heads = positive(r, m, "model", "heads");
  s.kv_heads = positive(r, m, "model", "kv_heads");
  s.vocab = positive(r, m, "model", "vocab");
  s.tied_embeddings = r.boolean(m, "model", "tied_embeddings", false);
  s.kv_bytes_per_element =
      static_cast<std::uint64_t>(r.integer(m, "model", "kv_bytes_per_element", 2, 1, 8));
  if (s.d_model % s.heads != 0) r.fail("model.heads", "must divide model.d_model", &m);
  if (s.heads % s.kv_heads != 0) r.fail("model.kv_heads", "must divide model.heads", &m);
  return s;
}

LlmWorkload read_llm_workload(const TomlReader& r, const toml::table* t, const LlmShape& shape) {
  LlmWorkload w;
  if (t == nullptr) return w;
  r.reject_unknown(*t, "workload",
                   {"prompt_tokens", "generated_tokens", "strategy", "exit_layer", "speculations",
                    "acceptance"});
  w.prompt_tokens = static_cast<std::uint64_t>(r.integer(*t, "workload", "prompt_tokens", 128, 0));
  w.generated_tokens =
      static_cast<std::uint64_t>(r.integer(*t, "workload", "generated_tokens", 64, 1));
  try {
    w.strategy = parse_llm_strategy(r.string(*t, "workload", "strategy", std::string("ar")));
  } catch (const Error& e) {
    r.fail("workload.strategy", e.what_text(), t->get("strategy"));
  }
  w.exit_layer = static_cast<std::uint64_t>(
      r.integer(*t, "workload", "exit_layer", 0, 0, static_cast<std::int64_t>(shape.layers)));
  w.speculations = static_cast<std::uint64_t>(r.integer(*t, "workload", "speculations", 0, 0, 64));
  w.acceptance = r.number(*t, "workload", "acceptance", w.acceptance, 0.0, 1.0);
  return w;
}

}  // namespace

LlmStrategy parse_llm_strategy(std::string_view text) {
  if (text == "ar") return LlmStrategy::kAutoregressive;
  if (text == "exit") return LlmStrategy::kEarlyExit;
  if (text == "selfspec") return LlmStrategy::kSelfSpeculative;
  throw Error("unknown strategy '" + std::string(text) + "' (expected ar, exit or selfspec)");
}

std::string_view to_string(LlmStrategy strategy) {
  switch (strategy) {
    case LlmStrategy::kAutoregressive:
      return "ar";
    case LlmStrategy::kEarlyExit:
      return "exit";
    case LlmStrategy::kSelfSpeculative:
      return "selfspec";
  }
  return "ar";
}

ShapeSpec load_shape_spec(std::string_view name_or_path) {
  const auto path = resolve_named_file(name_or_path, "models/specs", ".toml", "shape spec");
  const auto doc = TomlReader::parse_file(path);
  const TomlReader r(path.string());
  ShapeSpec spec;
  spec.name = r.string(doc, "", "name");
  spec.description = r.string(doc, "", "description", std::string{});
  spec.sources = r.strings(doc, "", "sources");
  const auto kind = r.string(doc, "", "kind");
  const auto* workload = r.table(doc, "", "workload", false);
  if (kind == "rnnt") {
    r.reject_unknown(
        doc, "",
        {"name", "description", "sources", "kind", "encoder", "predictor", "joiner", "workload"});
    auto shape = read_rnnt(r, doc);
    spec.workload = read_rnnt_workload(r, workload);
    spec.shape = shape;
  } else if (kind == "llm") {
    r.reject_unknown(doc, "", {"name", "description", "sources", "kind", "model", "workload"});
    auto shape = read_llm(r, doc);
    spec.workload = read_llm_workload(r, workload, shape);
    spec.shape = shape;
  } else {
    r.fail("kind", "is '" + kind + "' (expected 'rnnt' or 'llm')", doc.get("kind"));
  }
  return spec;
}

}  // namespace erg::models::specs
