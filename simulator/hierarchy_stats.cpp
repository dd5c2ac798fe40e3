#include "simulator/hierarchy_stats.hpp"

#include <algorithm>

namespace erg::simulator {

std::size_t HierarchyStats::slot_count() const {
  std::size_t n =
      std::max({scratchpad_counts.size(), dram_counts.size(), macs.size(), invocations.size()});
  for (const auto& l : level_counts)
    n = std::max(n, l.size());
  return n;
}

LevelCounts HierarchyStats::level_total(std::size_t level) const {
  LevelCounts sum;
  for (const auto& c : level_counts.at(level))
    sum += c;
  return sum;
}

ScratchpadCounts HierarchyStats::scratchpad_total() const {
  ScratchpadCounts sum;
  for (const auto& c : scratchpad_counts)
    sum += c;
  return sum;
}

DramCounts HierarchyStats::dram_total() const {
  DramCounts sum;
  for (const auto& c : dram_counts)
    sum += c;
  return sum;
}

std::array<std::uint64_t, kPrecisionCount> HierarchyStats::macs_total() const {
  std::array<std::uint64_t, kPrecisionCount> sum{};
  for (const auto& m : macs)
    for (std::size_t p = 0; p < sum.size(); ++p)
      sum[p] += m[p];
  return sum;
}

}  // namespace erg::simulator
