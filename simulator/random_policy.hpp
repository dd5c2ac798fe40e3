#pragma once

#include <cstdint>

namespace erg::simulator {

// Uniform random victim from a seeded xorshift64* generator, so runs are reproducible.
class RandomPolicy {
 public:
  void init(std::uint32_t /*sets*/, std::uint32_t ways, std::uint64_t seed) {
    ways_ = ways;
    state_ = seed == 0 ? 0x9e3779b97f4a7c15ULL : seed;
  }
  void on_hit(std::uint32_t, std::uint32_t) {}
  void on_fill(std::uint32_t, std::uint32_t) {}
  void on_evict(std::uint32_t, std::uint32_t) {}
  std::uint32_t victim(std::uint32_t /*set*/) {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    const std::uint64_t r = state_ * 0x2545f4914f6cdd1dULL;
    return static_cast<std::uint32_t>((r >> 32) % ways_);
  }

 private:
  std::uint32_t ways_ = 1;
  std::uint64_t state_ = 1;
};

}  // namespace erg::simulator
