#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "simulator/cache_config.hpp"
#include "simulator/cache_level.hpp"
#include "simulator/hierarchy_config.hpp"

namespace erg::simulator::testing {

inline CacheConfig cache(std::string name, std::uint64_t lines, std::uint32_t assoc,
                         ReplacementKind replacement = ReplacementKind::kLru,
                         std::uint64_t line_bytes = 64) {
  CacheConfig c;
  c.name = std::move(name);
  c.size_bytes = lines * line_bytes;
  c.line_bytes = line_bytes;
  c.associativity = assoc;
  c.replacement = replacement;
  return c;
}

// Reads line numbers through a single level; returns 'H' or 'M' per access.
inline std::string hit_pattern(CacheLevel& level, const std::vector<std::uint64_t>& lines,
                               std::uint64_t line_bytes = 64) {
  std::string pattern;
  RequestBuffer out;
  for (const std::uint64_t line : lines) {
    const auto before = level.total().hit_count();
    const LineRequest r{line * line_bytes, static_cast<std::uint32_t>(line_bytes), AccessOp::kRead,
                        kNoComponent};
    level.process(std::span<const LineRequest>(&r, 1), out);
    pattern += level.total().hit_count() > before ? 'H' : 'M';
  }
  return pattern;
}

// One-channel, one-rank DRAM with 2 banks of 4 rows of 256 B and 64 B bursts: address bits
// [6,8) column, [8] bank, [9,11) row under the default RoBaRaCoCh mapping.
inline DramConfig tiny_dram() {
  DramConfig d;
  d.channels = 1;
  d.ranks = 1;
  d.banks = 2;
  d.rows = 4;
  d.row_bytes = 256;
  d.burst_bytes = 64;
  return d;
}

}  // namespace erg::simulator::testing
