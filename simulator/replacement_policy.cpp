#include "simulator/replacement_policy.hpp"

namespace erg::simulator {

std::optional<ReplacementKind> parse_replacement(std::string_view name) {
  if (name == "lru") return ReplacementKind::kLru;
  if (name == "fifo") return ReplacementKind::kFifo;
  if (name == "random") return ReplacementKind::kRandom;
  if (name == "plru" || name == "tree-plru" || name == "tree_plru")
    return ReplacementKind::kTreePlru;
  if (name == "srrip") return ReplacementKind::kSrrip;
  return std::nullopt;
}

std::string_view to_string(ReplacementKind kind) {
  switch (kind) {
    case ReplacementKind::kLru:
      return "lru";
    case ReplacementKind::kFifo:
      return "fifo";
    case ReplacementKind::kRandom:
      return "random";
    case ReplacementKind::kTreePlru:
      return "plru";
    case ReplacementKind::kSrrip:
      return "srrip";
  }
  return "lru";
}

}  // namespace erg::simulator
