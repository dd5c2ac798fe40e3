#pragma once

#include <bit>
#include <cstdint>

// A set's recency order for up to 16 ways in one 64-bit word: nibble k holds the way at
// position k (0 most recent, ways - 1 the victim). Shared by RecencyOrderPolicy and the compact
// LRU/FIFO level.
namespace erg::simulator::recency_order {

inline constexpr std::uint64_t kOnes = 0x1111111111111111ULL;

inline std::uint64_t low_mask(std::uint32_t p) {
  return (std::uint64_t{1} << (4 * p)) - 1;
}

// Position of `way`: the lowest zero nibble of order ^ way (borrows only run upwards, so the
// lowest flag is exact; padding nibbles above the ways are never lower than the real one).
inline std::uint32_t position(std::uint64_t order, std::uint32_t way) {
  const std::uint64_t y = order ^ (way * kOnes);
  const std::uint64_t zero = (y - kOnes) & ~y & (kOnes << 3);
  return static_cast<std::uint32_t>(std::countr_zero(zero)) >> 2;
}

// `way`, at position p, moved to the front.
inline std::uint64_t promote(std::uint64_t order, std::uint32_t p, std::uint32_t way) {
  const std::uint64_t low = order & low_mask(p);
  const std::uint64_t high = order & ~((low_mask(p) << 4) | 0xF);
  return high | (low << 4) | way;
}

// `way` moved to the victim position (top_shift = 4 * (ways - 1)): a way emptied outside
// replacement is the next one filled.
inline std::uint64_t demote(std::uint64_t order, std::uint32_t way, int top_shift) {
  const std::uint32_t p = position(order, way);
  const std::uint64_t below = order & low_mask(p);
  const std::uint64_t above = order & ~((low_mask(p) << 4) | 0xF);
  return below | (above >> 4) | (std::uint64_t{way} << top_shift);
}

}  // namespace erg::simulator::recency_order
