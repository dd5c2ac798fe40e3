#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "core/toml_reader.hpp"

namespace erg::sweep {

// A key one model kind takes under [workload] or [runtime]: its type, range and meaning. Specs
// are checked against these when loaded, so a typo, a wrong type or a meaningless value
// (beam = -3, audio_seconds = 0) is an error naming the key and its file:line before anything
// runs or is written. The ranges are those of the engines and of models/specs' own workloads.
struct KnobRule {
  enum class Type { kInteger, kNumber, kString, kBoolean };
  const char* name = "";
  Type type = Type::kNumber;
  double min = 0.0;  // integers and numbers: the inclusive range
  double max = 0.0;
  const char* choices = "";  // strings: "a|b|c" ("" = any string)
  const char* family = "";   // shape models: "rnnt" or "llm" ("" = every model of the kind)
  bool in_workload = true;
  bool in_runtime = true;
  const char* meaning = "";
};

// The keys model kind `kind` ("asr", "llm", "shape") takes in [workload] (runtime = false) or in
// [runtime] (runtime = true); nullptr for an unknown name.
const KnobRule* find_knob(std::string_view kind, bool runtime, std::string_view name);
// Their names, comma-separated, for "expected one of" messages; with `family`, only those of
// that family (and those of every family).
std::string knob_names(std::string_view kind, bool runtime, std::string_view family = {});

// Throws (through `reader`, so with file:line) unless `node` is a value of `rule`'s type within
// its range; `key` is the dotted key named in the message.
void check_knob(const TomlReader& reader, const std::string& key, const toml::node& node,
                const KnobRule& rule);

}  // namespace erg::sweep
