#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <vector>

namespace erg::simulator {

// A fully associative LRU cache of the same capacity as the level it shadows. A miss in the real
// level that this shadow would have hit is a conflict miss (Hill's 3C model, as in DineroIV).
//
// Nodes (one per line of capacity) sit on an LRU list and on a hash chain at once; both links are
// intrusive, so find, touch, evict and insert are a few loads each, with no probing, rehashing or
// allocation. The bucket count is a power of two at least the capacity (chains average under
// one node).
class FaLruShadow {
 public:
  explicit FaLruShadow(std::uint64_t lines = 0) { reset(lines); }

  void reset(std::uint64_t lines) {
    capacity_ = static_cast<std::uint32_t>(lines);
    const std::uint64_t buckets = 4 * std::bit_ceil(std::max<std::uint64_t>(lines, 16));
    bucket_shift_ = 64 - std::countr_zero(buckets);
    bucket_mask_ = buckets - 1;
    bucket_.assign(buckets, kNone);
    nodes_.assign(lines, Node{});
    head_ = tail_ = kNone;
    used_ = 0;
  }

  // References `line`; returns whether it was resident. A miss inserts it when `allocate`.
  bool access(std::uint64_t line, bool allocate) {
    std::uint32_t& chain = bucket_[bucket(line)];
    for (std::uint32_t n = chain; n != kNone; n = nodes_[n].chain_next) {
      if (nodes_[n].line != line) continue;
      if (head_ != n) {
        unlink(n);
        push_front(n);
      }
      return true;
    }
    if (!allocate || capacity_ == 0) return false;
    std::uint32_t slot;
    if (used_ < capacity_) {
      slot = used_++;
    } else {
      slot = tail_;
      unlink(slot);
      unchain(slot);
    }
    Node& node = nodes_[slot];
    node.line = line;
    node.chain_next = chain;
    chain = slot;
    push_front(slot);
    return false;
  }

 private:
  static constexpr std::uint32_t kNone = UINT32_MAX;
  struct Node {
    std::uint64_t line = 0;
    std::uint32_t prev = kNone;  // LRU list, towards the head (most recent)
    std::uint32_t next = kNone;
    std::uint32_t chain_next = kNone;  // hash chain
  };

  // Runs of 64 consecutive lines land in consecutive buckets (a stream touches one bucket cache
  // line per 16 lines instead of one per line); the runs themselves are Fibonacci-hashed.
  std::size_t bucket(std::uint64_t line) const {
    const std::uint64_t run = ((line >> 6) * 0x9e3779b97f4a7c15ULL) >> bucket_shift_;
    return static_cast<std::size_t>((run + (line & 63)) & bucket_mask_);
  }
  void unchain(std::uint32_t n) {
    std::uint32_t* link = &bucket_[bucket(nodes_[n].line)];
    while (*link != n)
      link = &nodes_[*link].chain_next;
    *link = nodes_[n].chain_next;
  }
  void unlink(std::uint32_t n) {
    const Node& node = nodes_[n];
    (node.prev == kNone ? head_ : nodes_[node.prev].next) = node.next;
    (node.next == kNone ? tail_ : nodes_[node.next].prev) = node.prev;
  }
  void push_front(std::uint32_t n) {
    nodes_[n].prev = kNone;
    nodes_[n].next = head_;
    (head_ == kNone ? tail_ : nodes_[head_].prev) = n;
    head_ = n;
  }

  std::uint32_t capacity_ = 0;
  std::uint32_t used_ = 0;
  int bucket_shift_ = 60;
  std::uint64_t bucket_mask_ = 15;
  std::vector<std::uint32_t> bucket_;
  std::vector<Node> nodes_;
  std::uint32_t head_ = kNone;
  std::uint32_t tail_ = kNone;
};

}  // namespace erg::simulator
