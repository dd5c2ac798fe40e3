#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace erg::sweep {

// A constraint on an accuracy metric, relative to the uncompressed baseline or absolute:
// "base + 0.5", "base * 1.05" or a plain number.
struct Constraint {
  std::string metric;  // "wer", "perplexity", ...
  enum class Kind { kAbsolute, kPlus, kTimes } kind = Kind::kAbsolute;
  double value = 0.0;

  static Constraint parse(const std::string& metric, const std::string& text);
  double limit(double baseline) const;
  std::string to_string() const;
};

// An experiment spec (TOML, see configs/*.toml and sweep/README.md).
struct ExperimentSpec {
  std::filesystem::path file;
  std::string text;          // the TOML source, copied into the output directory as spec.toml
  std::string content_hash;  // config_key of the parsed document: comments and layout aside
  // Where each key was given, "file:line:col" by dotted key ("workload.beam", "axes.asr.joiner"),
  // for the checks that need the model (components, metric) and run before anything is written.
  std::map<std::string, std::string> locations;
  std::string name;
  std::string description;

  std::string model_kind;  // "asr", "llm" or "shape"
  std::string model;       // shipped model name, shape spec name, or a path
  nlohmann::json workload = nlohmann::json::object();  // kind-specific (testset, prompts, ...)

  std::vector<std::string> presets;
  std::string evaluator = "analytic";  // analytic | trace | rapl

  std::string strategy = "grid";        // grid | random | sensitivity
  std::vector<std::string> components;  // empty: the workload's own list
  // grid/random: per component, the transforms to try ("" = unchanged, "bits=8,prune=0.5").
  std::map<std::string, std::vector<std::string>> axes;
  // Runtime knobs and their values (beam, exit_layer, speculations, ...). The first value of
  // each is the baseline's.
  std::map<std::string, std::vector<nlohmann::json>> runtime_axes;
  std::size_t samples = 16;  // random
  std::uint64_t seed = 1;    // random
  // sensitivity: the compression ladder each component climbs, least to most compressed.
  std::vector<std::string> ladder;
  bool pin = true;  // sensitivity: pin components that fit the preset's local memory
  std::size_t max_steps = 32;

  std::vector<Constraint> constraints;
  std::string energy_unit;  // "audio_second" or "token"; empty: from the workload

  // [hypothesis]: a claim the summary tests against the numbers, given as data so that no code
  // names a component. first: the component a source says to compress first (empty: no claim);
  // statement and source: the claim in words and where it comes from.
  std::string hypothesis_first;
  std::string hypothesis_statement;
  std::string hypothesis_source;

  // The location of `key`, or the file when the key was not given.
  std::string where(const std::string& key) const;
};

// Loads and validates a spec; errors name the file, line, key and what was expected. Every key
// is known (see sweep/spec_keys.hpp for [workload] and [runtime]), of its type and in range.
ExperimentSpec load_experiment_spec(const std::filesystem::path& path);
ExperimentSpec parse_experiment_spec(const std::string& text, const std::filesystem::path& origin);

}  // namespace erg::sweep
