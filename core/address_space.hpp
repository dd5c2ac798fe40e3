#pragma once

#include <cstdint>

namespace erg {

// Hands out stable, aligned virtual addresses for tensors at load time, so that the same model
// and variant produce the same trace on any host (real pointers would differ run to run).
class AddressSpace {
 public:
  static constexpr std::uint64_t kDefaultBase = 0x10000000;
  static constexpr std::uint64_t kDefaultAlignment = 64;

  explicit AddressSpace(std::uint64_t base = kDefaultBase) : next_(base) {}

  // Reserves `bytes` bytes aligned to `alignment` (a power of two) and returns the first address.
  // Throws erg::Error when the alignment is not a power of two or the space is exhausted.
  std::uint64_t allocate(std::uint64_t bytes, std::uint64_t alignment = kDefaultAlignment);
  std::uint64_t next() const { return next_; }

 private:
  std::uint64_t next_;
};

}  // namespace erg
