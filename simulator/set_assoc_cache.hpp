#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "simulator/line_map.hpp"
#include "simulator/tagged_cache_level.hpp"

namespace erg::simulator {

// A set-associative (or, with one set, fully associative) cache level, templated on its
// replacement policy so that serving a request inlines everything. Small sets are searched by a
// linear tag scan; above kScanWays ways a hash map finds the slot instead.
template <class Policy>
class SetAssocCache final : public TaggedCacheLevel {
 public:
  static constexpr std::uint32_t kScanWays = 32;

  explicit SetAssocCache(const CacheConfig& config)
      : TaggedCacheLevel(config),
        sets_pow2_(std::has_single_bit(sets_)),
        use_map_(ways_ > kScanWays),
        partial_shift_(sets_pow2_ ? std::countr_zero(sets_) : 0) {
    reset_contents();
  }

  void process(std::span<const LineRequest> in, RequestBuffer& out) override {
    // The common associativities get a tag search with a compile-time trip count.
    if constexpr (kOrdered) {
      switch (ways_) {
        case 4:
          return run<4>(in, out);
        case 8:
          return run<8>(in, out);
        case 16:
          return run<16>(in, out);
        default:
          break;
      }
    }
    run<0>(in, out);
  }

  void flush(RequestBuffer& out) override {
    for (std::size_t i = 0; i < tags_.size(); ++i) {
      if (tags_[i] == kInvalid || dirty_[i] == 0) continue;
      out.push_back({tags_[i] << line_shift_, line_bytes_, AccessOp::kWrite, kNoComponent});
      ++counts_[0].writeback_count;
      counts_[0].bytes_out += line_bytes_;
      dirty_[i] = 0;
    }
  }

  void invalidate_all() override { reset_contents(); }

  std::vector<std::uint64_t> resident_lines() const override {
    std::vector<std::uint64_t> lines;
    for (const std::uint64_t t : tags_)
      if (t != kInvalid) lines.push_back(t << line_shift_);
    return lines;
  }

 private:
  static constexpr std::uint64_t kInvalid = UINT64_MAX;
  static constexpr bool kFused = requires { Policy::kFusedVictim; };
  static constexpr bool kOrdered = requires { Policy::kOrdered; };

  // kWays is the associativity when known at compile time, 0 otherwise.
  template <std::uint32_t kWays>
  void run(std::span<const LineRequest> in, RequestBuffer& out) {
    LineRequest* o = out.append(2 * in.size());  // at most two requests out per request in
    const std::size_t n = in.size();
    for (std::size_t i = 0; i < n; ++i) {
      // The batch is known ahead: fetch the set a few requests on, so tag loads of large
      // levels overlap instead of stalling one after another.
      if (!use_map_ && i + kPrefetchDistance < n) prefetch_set(in[i + kPrefetchDistance].address);
      o = serve<kWays>(in[i], o);
    }
    out.commit(o);
  }

  void reset_contents() {
    const std::size_t slots = static_cast<std::size_t>(sets_) * ways_;
    tags_.assign(slots, kInvalid);
    dirty_.assign(slots, 0);
    partial_.assign(slots, 0);  // stale partial tags are harmless: candidates are confirmed
    if (use_map_) {
      free_.resize(slots);
      free_count_.assign(sets_, ways_);
      for (std::uint32_t s = 0; s < sets_; ++s)
        for (std::uint32_t k = 0; k < ways_; ++k)
          free_[index(s, k)] = ways_ - 1 - k;  // popping from the top hands out way 0 first
      map_.reset(slots);
    }
    policy_.init(sets_, ways_, config_.seed);
  }

  std::size_t index(std::uint32_t set, std::uint32_t way) const {
    return static_cast<std::size_t>(set) * ways_ + way;
  }
  std::uint32_t set_of(std::uint64_t line) const {
    return sets_pow2_ ? static_cast<std::uint32_t>(line & set_mask_)
                      : static_cast<std::uint32_t>(line % sets_);
  }
  std::uint32_t find(std::uint32_t set, std::uint64_t line) const {
    std::uint32_t free_way;
    return lookup<0>(set, line, free_way);
  }

  // The way holding `line`, or kNone; on a miss of a scanned set, `free_way` is its first
  // invalid way (kNone when full). Map-searched sets keep a free stack instead.
  // Ordered policies keep free ways at the victim position, so they need the tag match only.
  template <std::uint32_t kWays>
  std::uint32_t lookup(std::uint32_t set, std::uint64_t line, std::uint32_t& free_way) const {
    free_way = kNone;
    if (use_map_) {
      const std::uint32_t slot = map_.find(line);
      return slot == LineMap::kAbsent ? kNone : slot - set * ways_;
    }
    const std::uint64_t* tags = &tags_[index(set, 0)];
    if constexpr (kOrdered) {
      if constexpr (kWays == 8 || kWays == 16) {
        // Match the 16-bit partial tags first (one or two vector compares, no loads of the full
        // tags on a miss), then confirm candidates against the full tag.
        for (std::uint32_t m = partial_matches<kWays>(set, partial_tag(line)); m != 0; m &= m - 1) {
          const auto w = static_cast<std::uint32_t>(std::countr_zero(m));
          if (tags[w] == line) return w;
        }
        return kNone;
      }
      const std::uint32_t ways = kWays != 0 ? kWays : ways_;
      for (std::uint32_t w = 0; w < ways; ++w)
        if (tags[w] == line) return w;
      return kNone;
    }
    if constexpr (kFused) {
      for (std::uint32_t w = 0; w < ways_; ++w) {
        if (tags[w] == line) return w;
        if (tags[w] == kInvalid && free_way == kNone) free_way = w;
      }
      if (free_way == kNone) fused_victim_ = oldest_way(policy_.stamps(set));
      return kNone;
    }
    for (std::uint32_t w = 0; w < ways_; ++w) {
      if (tags[w] == line) return w;
      if (tags[w] == kInvalid && free_way == kNone) free_way = w;
    }
    return kNone;
  }

  std::uint16_t partial_tag(std::uint64_t line) const {
    return static_cast<std::uint16_t>(line >> partial_shift_);
  }
  // Bit w set when way w's partial tag equals p (candidates; false positives are possible).
  template <std::uint32_t kWays>
  std::uint32_t partial_matches(std::uint32_t set, std::uint16_t p) const {
    const std::uint16_t* pt = &partial_[index(set, 0)];
#if defined(__SSE2__)
    const __m128i key = _mm_set1_epi16(static_cast<short>(p));
    const __m128i lo = _mm_cmpeq_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(pt)), key);
    __m128i hi = _mm_setzero_si128();
    if constexpr (kWays == 16)
      hi = _mm_cmpeq_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(pt + 8)), key);
    return static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_packs_epi16(lo, hi)));
#else
    std::uint32_t m = 0;
    for (std::uint32_t w = 0; w < kWays; ++w)
      m |= std::uint32_t{pt[w] == p} << w;
    return m;
#endif
  }

  static constexpr std::size_t kPrefetchDistance = 8;

  void prefetch_set(std::uint64_t address) const {
    const std::size_t first = index(set_of(address >> line_shift_), 0);
    if (kOrdered && (ways_ == 8 || ways_ == 16)) {
      // The partial tags find hits; a miss still reads the victim's full tag (to evict it), so
      // the set's full tags are fetched too: without them every fill of a large level stalls.
      __builtin_prefetch(&partial_[first]);
      const char* tags = reinterpret_cast<const char*>(&tags_[first]);
      __builtin_prefetch(tags);
      if (ways_ == 16) __builtin_prefetch(tags + 64);
      __builtin_prefetch(tags + ways_ * sizeof(std::uint64_t) - 1);  // the set may straddle
      __builtin_prefetch(&dirty_[first]);
      return;
    }
    const char* tags = reinterpret_cast<const char*>(&tags_[first]);
    for (std::size_t b = 0; b < ways_ * sizeof(std::uint64_t); b += 64)
      __builtin_prefetch(tags + b);
    if constexpr (kFused) __builtin_prefetch(policy_.stamps(set_of(address >> line_shift_)));
  }

  // The way with the smallest stamp. Stamp and way are packed into one 64-bit key so that a
  // plain min finds both, over four independent chains (the loop is latency-bound otherwise).
  std::uint32_t oldest_way(const std::uint32_t* stamps) const {
    const auto key = [&](std::uint32_t w) { return (std::uint64_t{stamps[w]} << 32) | w; };
    std::uint64_t best[4] = {UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX};
    std::uint32_t w = 0;
    for (; w + 4 <= ways_; w += 4)
      for (std::uint32_t k = 0; k < 4; ++k)
        best[k] = std::min(best[k], key(w + k));
    for (; w < ways_; ++w)
      best[0] = std::min(best[0], key(w));
    return static_cast<std::uint32_t>(
        std::min(std::min(best[0], best[1]), std::min(best[2], best[3])));
  }

  template <std::uint32_t kWays>
  [[gnu::always_inline]] LineRequest* serve(const LineRequest& r, LineRequest* o) {
    const std::uint64_t line = r.address >> line_shift_;
    const std::uint32_t set = set_of(line);
    std::uint32_t free_way;
    std::uint32_t way = lookup<kWays>(set, line, free_way);
    LevelCounts& c = counts_[component_slot(r.component)];
    const bool is_write = r.op == AccessOp::kWrite;
    if (classify_) classify(line, way != kNone, !is_write || write_allocate_, c);
    if (!is_write) {
      ++c.read_count;
      if (way != kNone) {
        ++c.read_hit_count;
        policy_.on_hit(set, way);
      } else {
        ++c.read_miss_count;
        o = fill(set, free_way, line, r.component, c, o, way);
      }
      return o;
    }
    ++c.write_count;
    if (way != kNone) {
      ++c.write_hit_count;
      policy_.on_hit(set, way);
    } else {
      ++c.write_miss_count;
      if (write_allocate_) o = fill(set, free_way, line, r.component, c, o, way);
    }
    if (way != kNone && write_back_) {
      dirty_[index(set, way)] = 1;
      return o;
    }
    // Write-through, or a no-write-allocate miss: the write itself goes below.
    ++c.write_through_count;
    c.bytes_out += r.bytes;
    *o++ = r;
    return o;
  }

  // DineroIV's order below: the demand fetch first, then the victim's writeback (its pending
  // references are a stack, popped fetch first), so the next level's LRU/FIFO state matches.
  [[gnu::always_inline]] LineRequest* fill(std::uint32_t set, std::uint32_t free_way,
                                           std::uint64_t line, ComponentId component,
                                           LevelCounts& c, LineRequest* o, std::uint32_t& way) {
    std::uint64_t written_back = kInvalid;  // the dirty victim's line, if any
    if constexpr (kOrdered) {
      way = policy_.victim(set);
      if (tags_[index(set, way)] != kInvalid) written_back = evict(set, way);
    } else if (use_map_ && free_count_[set] > 0) {
      way = free_[index(set, --free_count_[set])];
    } else if (!use_map_ && free_way != kNone) {
      way = free_way;
    } else {
      if constexpr (kFused) {
        way = use_map_ ? policy_.victim(set) : fused_victim_;
      } else {
        way = policy_.victim(set);
      }
      written_back = evict(set, way);
    }
    *o++ = {line << line_shift_, line_bytes_, AccessOp::kRead, component};
    ++c.fill_count;
    c.bytes_in += line_bytes_;
    if (written_back != kInvalid) {
      *o++ = {written_back << line_shift_, line_bytes_, AccessOp::kWrite, component};
      ++c.writeback_count;
      c.bytes_out += line_bytes_;
    }
    const std::size_t i = index(set, way);
    tags_[i] = line;
    dirty_[i] = 0;
    partial_[i] = partial_tag(line);
    if (use_map_) map_.insert(line, static_cast<std::uint32_t>(i));
    policy_.on_fill(set, way);
    return o;
  }

  // Frees the victim's way; returns its line when it was dirty (to be written back), else kInvalid.
  std::uint64_t evict(std::uint32_t set, std::uint32_t way) {
    const std::size_t i = index(set, way);
    const std::uint64_t victim = tags_[i];
    const bool dirty = dirty_[i] != 0;
    policy_.on_evict(set, way);
    if (use_map_) map_.erase(victim);
    if (track_evictions_) evictions_.push_back({victim << line_shift_, dirty});
    tags_[i] = kInvalid;
    dirty_[i] = 0;
    return dirty ? victim : kInvalid;
  }

  // Frees a slot outside the replacement path (back-invalidation).
  bool holds(std::uint64_t line) const override {
    return find(set_of(line), line) != kNone;
  }

  bool drop(std::uint64_t line, bool& dirty) override {
    const std::uint32_t set = set_of(line);
    const std::uint32_t way = find(set, line);
    if (way == kNone) return false;
    dirty = dirty_[index(set, way)] != 0;
    policy_.on_evict(set, way);
    remove(set, way);
    return true;
  }

  void remove(std::uint32_t set, std::uint32_t way) {
    const std::size_t i = index(set, way);
    if (use_map_) map_.erase(tags_[i]);
    tags_[i] = kInvalid;
    dirty_[i] = 0;
    if constexpr (kOrdered) policy_.on_remove(set, way);
    if (use_map_) free_[index(set, free_count_[set]++)] = way;
  }

  bool sets_pow2_;
  bool use_map_;
  std::vector<std::uint64_t> tags_;  // line numbers; kInvalid marks a free way
  std::vector<std::uint8_t> dirty_;
  std::vector<std::uint16_t> partial_;  // low 16 bits of each way's tag (line >> set bits)
  int partial_shift_;
  std::vector<std::uint32_t> free_;  // map-searched sets: per set, a stack of free ways
  std::vector<std::uint32_t> free_count_;
  LineMap map_;
  Policy policy_;
  mutable std::uint32_t fused_victim_ = 0;  // set by lookup() on a miss, used by the fill after it
};

}  // namespace erg::simulator
