#pragma once

#include <cstdint>
#include <string>

#include "simulator/replacement_policy.hpp"

namespace erg::simulator {

// One cache level's organisation, DineroIV-style.
struct CacheConfig {
  std::string name = "l1";
  std::uint64_t size_bytes = 32 * 1024;
  std::uint64_t line_bytes = 64;
  std::uint32_t associativity = 8;  // 0 means fully associative
  ReplacementKind replacement = ReplacementKind::kLru;
  bool write_back = true;       // false: write-through
  bool write_allocate = true;   // false: no-write-allocate
  std::uint64_t seed = 1;       // for the random policy
  bool classify_misses = true;  // 3C split through a fully associative LRU shadow

  std::uint64_t lines() const { return size_bytes / line_bytes; }
  std::uint32_t ways() const;
  std::uint32_t sets() const;
};

// Throws erg::Error naming the field ("<where>.line_bytes") and what it must be.
void validate(const CacheConfig& config, const std::string& where);

}  // namespace erg::simulator
