#pragma once

#include <bit>
#include <cstdint>

#include "simulator/cache_level.hpp"
#include "simulator/fa_lru_shadow.hpp"
#include "simulator/line_map.hpp"

namespace erg::simulator {

// What the tag-array cache levels (SetAssocCache, CompactOrderedCache) share: the geometry and
// write policy read once from the config, 3C miss classification against a fully associative
// LRU shadow and the set of lines seen, and the operations that need only a tag lookup.
// A level provides holds(line) and drop(line); neither is on the per-access path.
class TaggedCacheLevel : public CacheLevel {
 public:
  bool invalidate(std::uint64_t address, std::uint64_t bytes, ComponentId component) override {
    bool any_dirty = false;
    const std::uint64_t first = address >> line_shift_;
    const std::uint64_t last = (address + (bytes == 0 ? 1 : bytes) - 1) >> line_shift_;
    for (std::uint64_t line = first; line <= last; ++line) {
      bool dirty = false;
      if (!drop(line, dirty)) continue;
      any_dirty |= dirty;
      ++counts_[component_slot(component)].back_invalidation_count;
    }
    return any_dirty;
  }

  bool contains(std::uint64_t address) const override { return holds(address >> line_shift_); }

 protected:
  static constexpr std::uint32_t kNone = UINT32_MAX;

  explicit TaggedCacheLevel(const CacheConfig& config)
      : CacheLevel(config),
        sets_(config.sets()),
        ways_(config.ways()),
        line_bytes_(static_cast<std::uint32_t>(config.line_bytes)),
        line_shift_(std::countr_zero(config.line_bytes)),
        set_mask_(sets_ - 1),
        write_back_(config.write_back),
        write_allocate_(config.write_allocate),
        classify_(config.classify_misses) {
    if (classify_) shadow_.reset(config.lines());
  }

  // Counts a miss as compulsory (line never seen), capacity (the fully associative shadow
  // misses too) or conflict; every access updates the shadow.
  [[gnu::always_inline]] void classify(std::uint64_t line, bool hit, bool allocate,
                                       LevelCounts& c) {
    const bool seen = seen_.test_and_set(line);
    const bool shadow_hit = shadow_.access(line, allocate);
    if (hit) return;
    if (!seen) {
      ++c.compulsory_miss_count;
    } else if (!shadow_hit) {
      ++c.capacity_miss_count;
    } else {
      ++c.conflict_miss_count;
    }
  }

  // Whether `line` is resident.
  virtual bool holds(std::uint64_t line) const = 0;
  // Frees the way holding `line` if there is one (false when absent); `dirty`: it was dirty.
  virtual bool drop(std::uint64_t line, bool& dirty) = 0;

  std::uint32_t sets_;
  std::uint32_t ways_;
  std::uint32_t line_bytes_;
  int line_shift_;
  std::uint64_t set_mask_;
  bool write_back_;
  bool write_allocate_;
  bool classify_;
  FaLruShadow shadow_;
  SeenLines seen_;
};

}  // namespace erg::simulator
