#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <vector>

#include "simulator/recency_order.hpp"

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

using LruListPolicy = RecencyListPolicy<true>;
using FifoListPolicy = RecencyListPolicy<false>;

// The same orders for small sets, kept as a 32-bit stamp per way: touching a way is one store,
// and the victim (oldest stamp) is found in the same pass that searches the set's tags
// (kFusedVictim), so a miss costs one scan of the set instead of three. Stamps of invalid ways
// are stale but harmless: the victim is only used when every way is valid. When the clock wraps,
// each set's stamps are renumbered in order (cold, once per 2^32 touches).
template <bool kPromoteOnHit>
class RecencyStampPolicy {
 public:
  static constexpr bool kFusedVictim = true;

  void init(std::uint32_t sets, std::uint32_t ways, std::uint64_t /*seed*/) {
    ways_ = ways;
    stamps_.assign(static_cast<std::size_t>(sets) * ways, 0);
    clock_ = 0;
  }
  const std::uint32_t* stamps(std::uint32_t set) const {
    return &stamps_[static_cast<std::size_t>(set) * ways_];
  }
  void on_hit(std::uint32_t set, std::uint32_t way) {
    if constexpr (kPromoteOnHit) stamp(set, way);
  }
  void on_fill(std::uint32_t set, std::uint32_t way) { stamp(set, way); }
  void on_evict(std::uint32_t, std::uint32_t) {}
  std::uint32_t victim(std::uint32_t set) const {
    const std::uint32_t* s = stamps(set);
    return static_cast<std::uint32_t>(std::min_element(s, s + ways_) - s);
  }

 private:
  void stamp(std::uint32_t set, std::uint32_t way) {
    if (clock_ == UINT32_MAX) renumber();
    stamps_[static_cast<std::size_t>(set) * ways_ + way] = ++clock_;
  }
  void renumber() {
    std::vector<std::uint32_t> order(ways_);
    for (std::size_t base = 0; base < stamps_.size(); base += ways_) {
      for (std::uint32_t w = 0; w < ways_; ++w)
        order[w] = w;
      std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
        return stamps_[base + a] < stamps_[base + b];
      });
      for (std::uint32_t r = 0; r < ways_; ++r)
        stamps_[base + order[r]] = r;
    }
    clock_ = ways_;
  }

  std::uint32_t ways_ = 1;
  std::uint32_t clock_ = 0;
  std::vector<std::uint32_t> stamps_;
};

using LruStampPolicy = RecencyStampPolicy<true>;
using FifoStampPolicy = RecencyStampPolicy<false>;

// The same orders for sets of at most 16 ways, kept as one 64-bit word per set: nibble k holds
// the way at recency position k (0 most recent, ways - 1 the victim). Invalid ways sit at the old
// end (a fill takes the victim position, an invalidated way is moved there), so the victim is a
// free way whenever the set has one: a miss costs no search beyond the tag match, and a hit one
// SWAR nibble search plus a shift.
template <bool kPromoteOnHit>
class RecencyOrderPolicy {
 public:
  static constexpr bool kOrdered = true;
  static constexpr std::uint32_t kMaxWays = 16;

  void init(std::uint32_t sets, std::uint32_t ways, std::uint64_t /*seed*/) {
    ways_ = ways;
    top_shift_ = 4 * (ways - 1);
    full_mask_ = ways == 16 ? ~std::uint64_t{0} : (std::uint64_t{1} << (4 * ways)) - 1;
    std::uint64_t order = 0;
    for (std::uint32_t k = 0; k < ways; ++k)
      order |= std::uint64_t{ways - 1 - k} << (4 * k);  // way 0 is the first victim
    order_.assign(sets, order);
  }
  // The way to fill next: the oldest, or a free one when the set has any.
  std::uint32_t victim(std::uint32_t set) const {
    return static_cast<std::uint32_t>(order_[set] >> top_shift_) & 0xF;
  }
  void on_hit(std::uint32_t set, std::uint32_t way) {
    if constexpr (kPromoteOnHit) {
      std::uint64_t& order = order_[set];
      if ((order & 0xF) == way) return;
      order = recency_order::promote(order, recency_order::position(order, way), way);
    }
  }
  // Fills always take victim(set), the oldest position: rotate it to the front.
  void on_fill(std::uint32_t set, std::uint32_t way) {
    std::uint64_t& order = order_[set];
    order = ((order << 4) & full_mask_) | way;
  }
  void on_evict(std::uint32_t, std::uint32_t) {}
  // A way emptied outside replacement (back-invalidation) becomes the next victim.
  void on_remove(std::uint32_t set, std::uint32_t way) {
    order_[set] = recency_order::demote(order_[set], way, top_shift_);
  }

 private:
  std::uint32_t ways_ = 1;
  int top_shift_ = 0;
  std::uint64_t full_mask_ = 0xF;
  std::vector<std::uint64_t> order_;
};

using LruOrderPolicy = RecencyOrderPolicy<true>;
using FifoOrderPolicy = RecencyOrderPolicy<false>;

}  // namespace erg::simulator
