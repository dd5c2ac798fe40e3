#pragma once

#include <bit>
#include <cstdint>
#include <vector>

namespace erg::simulator {

// Open-addressing hash map from a line number to a slot index, for fully associative lookups and
// the 3C shadow. Fixed capacity chosen up front (at most half full), so lookups never rehash or
// allocate; linear probing with backward-shift deletion keeps probe chains short without
// tombstones.
class LineMap {
 public:
  static constexpr std::uint32_t kAbsent = UINT32_MAX;

  explicit LineMap(std::uint64_t max_entries = 0) { reset(max_entries); }

  void reset(std::uint64_t max_entries) {
    const std::uint64_t capacity = std::bit_ceil(std::max<std::uint64_t>(16, max_entries * 2));
    keys_.assign(capacity, kEmpty);
    values_.assign(capacity, kAbsent);
    mask_ = capacity - 1;
    size_ = 0;
  }

  std::uint32_t find(std::uint64_t line) const {
    const std::uint64_t key = line + 1;
    for (std::uint64_t i = hash(key) & mask_;; i = (i + 1) & mask_) {
      if (keys_[i] == key) return values_[i];
      if (keys_[i] == kEmpty) return kAbsent;
    }
  }

  // Inserts or overwrites. The caller keeps the entry count within max_entries.
  void insert(std::uint64_t line, std::uint32_t value) {
    const std::uint64_t key = line + 1;
    std::uint64_t i = hash(key) & mask_;
    while (keys_[i] != kEmpty && keys_[i] != key)
      i = (i + 1) & mask_;
    if (keys_[i] == kEmpty) ++size_;
    keys_[i] = key;
    values_[i] = value;
  }

  void erase(std::uint64_t line) {
    const std::uint64_t key = line + 1;
    std::uint64_t i = hash(key) & mask_;
    while (keys_[i] != key) {
      if (keys_[i] == kEmpty) return;
      i = (i + 1) & mask_;
    }
    // Backward-shift: move later members of the chain into the hole so probes stay unbroken.
    std::uint64_t hole = i;
    for (std::uint64_t j = (hole + 1) & mask_; keys_[j] != kEmpty; j = (j + 1) & mask_) {
      const std::uint64_t home = hash(keys_[j]) & mask_;
      const bool movable = ((j - home) & mask_) >= ((j - hole) & mask_);
      if (movable) {
        keys_[hole] = keys_[j];
        values_[hole] = values_[j];
        hole = j;
      }
    }
    keys_[hole] = kEmpty;
    values_[hole] = kAbsent;
    --size_;
  }

  std::uint64_t size() const { return size_; }

 private:
  static constexpr std::uint64_t kEmpty = 0;
  static std::uint64_t hash(std::uint64_t key) {
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdULL;
    key ^= key >> 33;
    return key;
  }

  std::vector<std::uint64_t> keys_;
  std::vector<std::uint32_t> values_;
  std::uint64_t mask_ = 0;
  std::uint64_t size_ = 0;
};

// The set of lines ever referenced, for compulsory-miss detection: a page table of bitmaps, each
// page covering 32768 consecutive lines. Pages are allocated on first touch only.
class SeenLines {
 public:
  // Marks `line` as seen; returns true when it was seen before.
  bool test_and_set(std::uint64_t line) {
    const std::uint64_t page = line >> kPageShift;
    std::uint32_t index = page == last_page_ ? last_index_ : pages_.find(page);
    if (index == LineMap::kAbsent) {
      index = static_cast<std::uint32_t>(page_list_.size());
      bits_.resize(bits_.size() + kWordsPerPage, 0);
      page_list_.push_back(page);
      if ((pages_.size() + 1) * 2 > capacity_) grow();
      pages_.insert(page, index);
    }
    last_page_ = page;
    last_index_ = index;
    const std::uint64_t bit = line & (kLinesPerPage - 1);
    std::uint64_t& word = bits_[index * kWordsPerPage + (bit >> 6)];
    const std::uint64_t mask = std::uint64_t{1} << (bit & 63);
    const bool seen = (word & mask) != 0;
    word |= mask;
    return seen;
  }

  void clear() {
    pages_.reset(capacity_ / 2);
    bits_.clear();
    page_list_.clear();
    last_page_ = UINT64_MAX;
  }

 private:
  static constexpr int kPageShift = 15;
  static constexpr std::uint64_t kLinesPerPage = std::uint64_t{1} << kPageShift;
  static constexpr std::uint64_t kWordsPerPage = kLinesPerPage / 64;

  void grow() {
    // Rebuild with twice the capacity; pages are rare (one per 32768 lines), so this is cold.
    capacity_ *= 2;
    LineMap bigger(capacity_ / 2);
    for (std::uint64_t k = 0; k + 1 < page_list_.size(); ++k)
      bigger.insert(page_list_[k], static_cast<std::uint32_t>(k));
    pages_ = std::move(bigger);
  }

  std::uint64_t capacity_ = 64;
  LineMap pages_{32};
  std::vector<std::uint64_t> bits_;
  std::vector<std::uint64_t> page_list_;
  std::uint64_t last_page_ = UINT64_MAX;
  std::uint32_t last_index_ = 0;
};

}  // namespace erg::simulator
