#pragma once

#include <cstdint>
#include <vector>

namespace erg::simulator {

// A per-set doubly linked list of the valid ways, most recent at the head. With promotion on hit
// it is LRU; without, the list is insertion order and the tail is the oldest fill (FIFO). Every
// operation is O(1), so it also serves fully associative caches with many thousands of ways.
template <bool kPromoteOnHit>
class RecencyListPolicy {
 public:
  void init(std::uint32_t sets, std::uint32_t ways, std::uint64_t /*seed*/) {
    ways_ = ways;
    prev_.assign(static_cast<std::size_t>(sets) * ways, kNone);
    next_.assign(static_cast<std::size_t>(sets) * ways, kNone);
    head_.assign(sets, kNone);
    tail_.assign(sets, kNone);
  }
  void on_hit(std::uint32_t set, std::uint32_t way) {
    if constexpr (kPromoteOnHit) {
      if (head_[set] == way) return;
      unlink(set, way);
      push_front(set, way);
    }
  }
  void on_fill(std::uint32_t set, std::uint32_t way) { push_front(set, way); }
  void on_evict(std::uint32_t set, std::uint32_t way) { unlink(set, way); }
  std::uint32_t victim(std::uint32_t set) const { return tail_[set]; }

 private:
  static constexpr std::uint32_t kNone = UINT32_MAX;
  std::size_t at(std::uint32_t set, std::uint32_t way) const {
    return static_cast<std::size_t>(set) * ways_ + way;
  }
  void unlink(std::uint32_t set, std::uint32_t way) {
    const std::uint32_t p = prev_[at(set, way)];
    const std::uint32_t n = next_[at(set, way)];
    (p == kNone ? head_[set] : next_[at(set, p)]) = n;
    (n == kNone ? tail_[set] : prev_[at(set, n)]) = p;
  }
  void push_front(std::uint32_t set, std::uint32_t way) {
    const std::uint32_t h = head_[set];
    prev_[at(set, way)] = kNone;
    next_[at(set, way)] = h;
    (h == kNone ? tail_[set] : prev_[at(set, h)]) = way;
    head_[set] = way;
  }

  std::uint32_t ways_ = 0;
  std::vector<std::uint32_t> prev_;
  std::vector<std::uint32_t> next_;
  std::vector<std::uint32_t> head_;
  std::vector<std::uint32_t> tail_;
};

using LruPolicy = RecencyListPolicy<true>;
using FifoPolicy = RecencyListPolicy<false>;

}  // namespace erg::simulator
