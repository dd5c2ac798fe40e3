#pragma once

#include <cstdint>
#include <vector>

#include "simulator/line_map.hpp"

namespace erg::simulator {

// A fully associative LRU cache of the same capacity as the level it shadows. A miss in the real
// level that this shadow would have hit is a conflict miss (Hill's 3C model, as in DineroIV).
class FaLruShadow {
 public:
  explicit FaLruShadow(std::uint64_t lines = 0) { reset(lines); }

  void reset(std::uint64_t lines) {
    capacity_ = static_cast<std::uint32_t>(lines);
    map_.reset(lines);
    line_.assign(lines, 0);
    prev_.assign(lines, kNone);
    next_.assign(lines, kNone);
    head_ = tail_ = kNone;
    used_ = 0;
  }

  // References `line`; returns whether it was resident. A miss inserts it when `allocate`.
  bool access(std::uint64_t line, bool allocate) {
    const std::uint32_t node = map_.find(line);
    if (node != LineMap::kAbsent) {
      if (head_ != node) {
        unlink(node);
        push_front(node);
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
      map_.erase(line_[slot]);
    }
    line_[slot] = line;
    map_.insert(line, slot);
    push_front(slot);
    return false;
  }

 private:
  static constexpr std::uint32_t kNone = UINT32_MAX;
  void unlink(std::uint32_t n) {
    (prev_[n] == kNone ? head_ : next_[prev_[n]]) = next_[n];
    (next_[n] == kNone ? tail_ : prev_[next_[n]]) = prev_[n];
  }
  void push_front(std::uint32_t n) {
    prev_[n] = kNone;
    next_[n] = head_;
    (head_ == kNone ? tail_ : prev_[head_]) = n;
    head_ = n;
  }

  std::uint32_t capacity_ = 0;
  std::uint32_t used_ = 0;
  LineMap map_;
  std::vector<std::uint64_t> line_;
  std::vector<std::uint32_t> prev_;
  std::vector<std::uint32_t> next_;
  std::uint32_t head_ = kNone;
  std::uint32_t tail_ = kNone;
};

}  // namespace erg::simulator
