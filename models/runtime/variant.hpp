#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/access_event.hpp"
#include "models/runtime/weight.hpp"

namespace erg::models::runtime {

enum class PruneKind : std::uint8_t { kMagnitude, kRows };

// What happens to one component's weights at load time: prune, then quantize; `pin` is passed
// on to TensorInfo::pinned.
struct Transform {
  double prune_ratio = 0.0;
  PruneKind prune_kind = PruneKind::kMagnitude;
  Precision precision = Precision::kFp32;
  std::size_t group_size = 0;  // int4 scale groups; 0 = per output channel
  bool pin = false;

  bool operator==(const Transform&) const = default;
};

struct VariantRule {
  std::string prefix;  // a component name; applies to it and everything below it
  Transform transform;
};

// A base model plus per-component transforms. Spec syntax, rules separated by ';':
//   "asr.joiner:prune=0.5,bits=8,pin;asr.encoder:bits=4,group=32;llm.layer.7:prune=0.3,rows"
// keys: prune=R (0 <= R < 1), rows | magnitude (pruning kind), bits=32|8|4 (or fp32|int8|int4),
// group=N (int4 columns per scale), pin. The longest matching prefix wins.
class Variant {
 public:
  Variant() = default;
  // Throws erg::Error naming the rule and key and what was expected.
  static Variant parse(std::string_view spec);

  Transform for_component(std::string_view component) const;
  const std::vector<VariantRule>& rules() const { return rules_; }
  std::string to_string() const;
  bool empty() const { return rules_.empty(); }

 private:
  std::vector<VariantRule> rules_;
};

// Throws erg::Error when a rule of `variant` names no component of a model: `components` are the
// names the model's transforms apply to (a rule applies to its prefix and everything below it).
// Without this check a typo ('asr.joinr:bits=8') leaves the model unchanged while the variant
// text, which reports and rows carry, says otherwise. `model` names the model in the message.
void check_components(const Variant& variant, const std::vector<std::string>& components,
                      std::string_view model);

// The names a rule may give for `components`: each one and every prefix above it, sorted, with
// numbered runs folded ("asr.encoder.layer.0 to asr.encoder.layer.4"), for error messages.
std::string component_choices(const std::vector<std::string>& components);

// Applies a transform to a dense fp32 weight.
Weight apply_transform(const Transform& transform, Weight dense_f32);

}  // namespace erg::models::runtime
