#pragma once

#include <optional>
#include <string_view>

namespace erg::simulator {

// The replacement policy families. Each is a small class in its own header (lru_policy.hpp,
// random_policy.hpp, tree_plru_policy.hpp, srrip_policy.hpp) with the same static interface:
//   init(sets, ways, seed); on_hit(set, way); on_fill(set, way); on_evict(set, way);
//   victim(set) -> way (called only when the set has no free way).
// SetAssocCache is templated on it, so the per-access path makes no virtual call; the policy is
// picked by name once, when the level is built (make_cache_level).
enum class ReplacementKind { kLru, kFifo, kRandom, kTreePlru, kSrrip };

// "lru", "fifo", "random", "plru" (tree-PLRU), "srrip"; nullopt otherwise.
std::optional<ReplacementKind> parse_replacement(std::string_view name);
std::string_view to_string(ReplacementKind kind);
inline constexpr std::string_view kReplacementNames = "lru, fifo, random, plru, srrip";

}  // namespace erg::simulator
