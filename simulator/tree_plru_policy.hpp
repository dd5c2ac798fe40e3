#pragma once

#include <cstdint>
#include <vector>

namespace erg::simulator {

// Tree pseudo-LRU (ways a power of two): ways-1 one-bit nodes per set in heap order (root 1,
// children 2n and 2n+1, leaf of way w at ways+w). A node's bit names the subtree holding the
// victim: 0 left, 1 right. A touch points every node on the way's path away from it.
class TreePlruPolicy {
 public:
  void init(std::uint32_t sets, std::uint32_t ways, std::uint64_t /*seed*/) {
    ways_ = ways;
    bits_.assign(static_cast<std::size_t>(sets) * ways, 0);
  }
  void on_hit(std::uint32_t set, std::uint32_t way) { touch(set, way); }
  void on_fill(std::uint32_t set, std::uint32_t way) { touch(set, way); }
  void on_evict(std::uint32_t, std::uint32_t) {}
  std::uint32_t victim(std::uint32_t set) const {
    const std::uint8_t* node = &bits_[static_cast<std::size_t>(set) * ways_];
    std::uint32_t n = 1;
    while (n < ways_)
      n = 2 * n + node[n];
    return n - ways_;
  }

 private:
  void touch(std::uint32_t set, std::uint32_t way) {
    std::uint8_t* node = &bits_[static_cast<std::size_t>(set) * ways_];
    for (std::uint32_t n = ways_ + way; n > 1; n /= 2)
      node[n / 2] = (n % 2 == 0) ? 1 : 0;  // came from the left: the victim is to the right
  }

  std::uint32_t ways_ = 1;
  std::vector<std::uint8_t> bits_;
};

}  // namespace erg::simulator
