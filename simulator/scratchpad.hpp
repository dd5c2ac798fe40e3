#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/access_event.hpp"

namespace erg::simulator {

struct ScratchpadConfig {
  std::uint64_t size_bytes = 0;  // 0: no scratchpad
  std::uint32_t word_bytes = 8;  // one access moves one word
};

struct ScratchpadCounts {
  std::uint64_t read_word_count = 0;
  std::uint64_t write_word_count = 0;
  std::uint64_t read_bytes = 0;
  std::uint64_t write_bytes = 0;

  ScratchpadCounts& operator+=(const ScratchpadCounts& o) {
    read_word_count += o.read_word_count;
    write_word_count += o.write_word_count;
    read_bytes += o.read_bytes;
    write_bytes += o.write_bytes;
    return *this;
  }
  bool operator==(const ScratchpadCounts&) const = default;
};

// Software-managed local SRAM. Address ranges pinned to it are served here, word by word, and
// never reach the caches or DRAM.
class Scratchpad {
 public:
  explicit Scratchpad(ScratchpadConfig config = {});

  // Pins [address, address + bytes). Throws erg::Error naming `what` when the ranges would
  // exceed the capacity or overlap an existing range.
  void pin(std::uint64_t address, std::uint64_t bytes, const std::string& what);
  bool empty() const { return ranges_.empty(); }
  std::uint64_t pinned_bytes() const { return pinned_bytes_; }
  const ScratchpadConfig& config() const { return config_; }

  // How many bytes from `address` on are pinned (0 when `address` is not) and, when it is not,
  // how many bytes until the next pinned range starts (UINT64_MAX when none follows).
  struct Span {
    std::uint64_t pinned_bytes = 0;
    std::uint64_t unpinned_bytes = 0;
  };
  Span classify(std::uint64_t address) const;

  void access(std::uint64_t address, std::uint64_t bytes, AccessOp op, ComponentId component);

  void ensure_slots(std::size_t slots) {
    if (counts_.size() < slots) counts_.resize(slots);
  }
  const std::vector<ScratchpadCounts>& counts_by_slot() const { return counts_; }
  ScratchpadCounts total() const;

 private:
  struct Range {
    std::uint64_t begin;
    std::uint64_t end;
  };
  ScratchpadConfig config_;
  std::vector<Range> ranges_;  // sorted, disjoint
  std::uint64_t pinned_bytes_ = 0;
  std::vector<ScratchpadCounts> counts_ = std::vector<ScratchpadCounts>(1);
};

}  // namespace erg::simulator
