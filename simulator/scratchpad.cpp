#include "simulator/scratchpad.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "core/units.hpp"
#include "simulator/line_request.hpp"

namespace erg::simulator {

Scratchpad::Scratchpad(ScratchpadConfig config) : config_(config) {
  if (config_.word_bytes == 0) throw Error("scratchpad word_bytes must be positive", "scratchpad");
}

void Scratchpad::pin(std::uint64_t address, std::uint64_t bytes, const std::string& what) {
  if (bytes == 0) return;
  if (bytes > UINT64_MAX - address)  // ranges are half-open: the end must be below 2^64
    throw Error("pinned range of " + units::format_bytes(bytes) +
                    " runs past the end of the 64-bit address space",
                what);
  if (pinned_bytes_ + bytes > config_.size_bytes)
    throw Error("cannot pin " + units::format_bytes(bytes) +
                    " to local memory: " + units::format_bytes(pinned_bytes_) + " of " +
                    units::format_bytes(config_.size_bytes) + " already pinned",
                what);
  const Range r{address, address + bytes};
  auto it = std::lower_bound(ranges_.begin(), ranges_.end(), r,
                             [](const Range& a, const Range& b) { return a.begin < b.begin; });
  if ((it != ranges_.end() && it->begin < r.end) ||
      (it != ranges_.begin() && std::prev(it)->end > r.begin))
    throw Error("pinned range overlaps another pinned range", what);
  ranges_.insert(it, r);
  pinned_bytes_ += bytes;
}

Scratchpad::Span Scratchpad::classify(std::uint64_t address) const {
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), address,
                             [](std::uint64_t a, const Range& r) { return a < r.begin; });
  if (it != ranges_.begin() && std::prev(it)->end > address)
    return {std::prev(it)->end - address, 0};
  return {0, it == ranges_.end() ? UINT64_MAX : it->begin - address};
}

void Scratchpad::access(std::uint64_t address, std::uint64_t bytes, AccessOp op,
                        ComponentId component) {
  if (bytes == 0) return;
  const std::uint64_t words =
      (address + bytes - 1) / config_.word_bytes - address / config_.word_bytes + 1;
  ScratchpadCounts& c = counts_[component_slot(component)];
  if (op == AccessOp::kRead) {
    c.read_word_count += words;
    c.read_bytes += bytes;
  } else {
    c.write_word_count += words;
    c.write_bytes += bytes;
  }
}

ScratchpadCounts Scratchpad::total() const {
  ScratchpadCounts sum;
  for (const auto& c : counts_)
    sum += c;
  return sum;
}

}  // namespace erg::simulator
