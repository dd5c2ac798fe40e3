#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <utility>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "simulator/line_map.hpp"
#include "simulator/recency_order.hpp"
#include "simulator/tagged_cache_level.hpp"

namespace erg::simulator {

// LRU (kPromoteOnHit) or FIFO for sets of at most 16 ways and a power-of-two set count: the
// common geometry, kept compact so that a large level's state stays in the host's caches. Per set
// it holds the tags (line >> set bits) contiguously, 32 bits each while every address seen fits
// (one 64-byte line for a 16-way set, compared with vector instructions), and a 16-byte record:
// the recency order word (nibble k = way at position k, 0 most recent, as RecencyOrderPolicy),
// a valid bitmask and a dirty bitmask. The first request whose tag needs more than 32 bits
// widens the tags to 64 bits in place (cold, once), so every address is simulated exactly.
//
// Invalid ways sit at the old end of the order, so the victim is a free way whenever the set has
// one, and a fill never searches. The counts and the order of requests sent below are exactly
// those of SetAssocCache<RecencyOrderPolicy<kPromoteOnHit>>.
template <bool kPromoteOnHit>
class CompactOrderedCache final : public TaggedCacheLevel {
 public:
  static constexpr std::uint32_t kMaxWays = 16;

  explicit CompactOrderedCache(const CacheConfig& config)
      : TaggedCacheLevel(config),
        set_bits_(std::countr_zero(sets_)),
        top_shift_(4 * (ways_ - 1)),
        full_mask_(ways_ == 16 ? ~std::uint64_t{0} : (std::uint64_t{1} << (4 * ways_)) - 1) {
    reset_contents();
  }

  // Whether `config` has the geometry this class serves.
  static bool supports(const CacheConfig& config) {
    return config.ways() <= kMaxWays && std::has_single_bit(config.sets());
  }

  void process(std::span<const LineRequest> in, RequestBuffer& out) override {
    dispatch(in, [&]<class Tag, std::uint32_t kWays>() { run<Tag, kWays>(in, out); });
  }

  void process_runs(std::span<const LineRun> in, RunBuffer& out) override {
    dispatch(in, [&]<class Tag, std::uint32_t kWays>() { serve_runs<Tag, kWays>(in, out); });
  }

  void flush(RequestBuffer& out) override {
    for (std::uint32_t set = 0; set < sets_; ++set) {
      Meta& m = meta_[set];
      for (std::uint32_t way = 0; way < ways_; ++way) {
        if (((m.valid & m.dirty) >> way & 1u) == 0) continue;
        out.push_back({address_of(set, way), line_bytes_, AccessOp::kWrite, kNoComponent});
        ++counts_[0].writeback_count;
        counts_[0].bytes_out += line_bytes_;
      }
      m.dirty = 0;
    }
  }

  void invalidate_all() override { reset_contents(); }

  std::vector<std::uint64_t> resident_lines() const override {
    std::vector<std::uint64_t> lines;
    for (std::uint32_t set = 0; set < sets_; ++set)
      for (std::uint32_t way = 0; way < ways_; ++way)
        if ((meta_[set].valid >> way & 1u) != 0) lines.push_back(address_of(set, way));
    return lines;
  }

  // Whether the tags have been widened to 64 bits (for tests).
  bool wide_tags() const { return wide_; }

 private:
  static constexpr std::size_t kPrefetchDistance = 8;

  // Calls f.template operator()<Tag, kWays>() for this level's tag width (64-bit once any
  // address has needed it, widening first if `in` does) and, for the common associativities, a
  // compile-time way count (0: ways_ at run time).
  template <class Requests, class F>
  void dispatch(std::span<const Requests> in, F&& f) {
    if (!wide_ && !fits_narrow(in)) widen();
    if (wide_) return by_ways<std::uint64_t>(f);
    return by_ways<std::uint32_t>(f);
  }
  template <class Tag, class F>
  void by_ways(F&& f) {
    switch (ways_) {
      case 4:
        return f.template operator()<Tag, 4>();
      case 8:
        return f.template operator()<Tag, 8>();
      case 16:
        return f.template operator()<Tag, 16>();
      default:
        return f.template operator()<Tag, 0>();
    }
  }

  // Where serve() puts requests for the level below: a raw buffer, or runs.
  struct PointerSink {
    LineRequest* o;
    void put(std::uint64_t address, std::uint32_t bytes, AccessOp op, ComponentId component) {
      *o++ = {address, bytes, op, component};
    }
  };
  struct RunSink {
    RunBuffer* out;
    [[gnu::always_inline]] void put(std::uint64_t address, std::uint32_t bytes, AccessOp op,
                                    ComponentId component) {
      out->push(address, bytes, 1, op, component);
    }
  };

  struct Meta {
    std::uint64_t order = 0;
    std::uint16_t valid = 0;
    std::uint16_t dirty = 0;
    std::uint32_t unused = 0;
  };

  // 64-byte aligned storage, so a 16-way set of 32-bit tags is exactly one host cache line.
  template <class T>
  struct AlignedArray {
    struct Free {
      void operator()(T* p) const { ::operator delete[](p, std::align_val_t{64}); }
    };
    std::unique_ptr<T[], Free> data;
    void assign(std::size_t n, T value) {
      data.reset(static_cast<T*>(::operator new[](n * sizeof(T), std::align_val_t{64})));
      std::fill(data.get(), data.get() + n, value);
    }
    void reset() { data.reset(); }
  };

  void reset_contents() {
    std::uint64_t order = 0;
    for (std::uint32_t k = 0; k < ways_; ++k)
      order |= std::uint64_t{ways_ - 1 - k} << (4 * k);  // way 0 is the first victim
    meta_.assign(sets_, Meta{order, 0, 0, 0});
    const std::size_t slots = static_cast<std::size_t>(sets_) * ways_;
    if (wide_) {
      tags64_.assign(slots, 0);
    } else {
      tags32_.assign(slots, 0);
    }
  }

  // Every request's tag fits 32 bits: the OR of the addresses is below 2^(tag shift + 32).
  bool fits_narrow(std::span<const LineRequest> in) const {
    const int shift = line_shift_ + set_bits_ + 32;
    if (shift >= 64) return true;
    std::uint64_t any = 0;
    for (const LineRequest& r : in)
      any |= r.address;
    return (any >> shift) == 0;
  }

  bool fits_narrow(std::span<const LineRun> in) const {
    const int shift = line_shift_ + set_bits_ + 32;
    if (shift >= 64) return true;
    std::uint64_t any = 0;
    for (const LineRun& r : in)
      any |= r.address | (r.address + std::uint64_t{r.count} * r.bytes - 1);  // first and last
    return (any >> shift) == 0;
  }

  void widen() {
    const std::size_t slots = static_cast<std::size_t>(sets_) * ways_;
    tags64_.assign(slots, 0);
    for (std::size_t i = 0; i < slots; ++i)
      tags64_.data[i] = tags32_.data[i];
    tags32_.reset();
    wide_ = true;
  }

  std::uint32_t set_of(std::uint64_t line) const {
    return static_cast<std::uint32_t>(line & set_mask_);
  }
  std::uint64_t address_of(std::uint32_t set, std::uint32_t way) const {
    const std::size_t i = static_cast<std::size_t>(set) * ways_ + way;
    const std::uint64_t tag = wide_ ? tags64_.data[i] : tags32_.data[i];
    return ((tag << set_bits_) | set) << line_shift_;
  }

  std::uint32_t find(std::uint32_t set, std::uint64_t line) const {
    const std::uint64_t tag = line >> set_bits_;
    const std::uint32_t valid = meta_[set].valid;
    const std::size_t base = static_cast<std::size_t>(set) * ways_;
    for (std::uint32_t w = 0; w < ways_; ++w) {
      if ((valid >> w & 1u) == 0) continue;
      if ((wide_ ? tags64_.data[base + w] : tags32_.data[base + w]) == tag) return w;
    }
    return kNone;
  }

  bool holds(std::uint64_t line) const override { return find(set_of(line), line) != kNone; }

  // The emptied way becomes the next victim.
  bool drop(std::uint64_t line, bool& dirty) override {
    const std::uint32_t set = set_of(line);
    const std::uint32_t way = find(set, line);
    if (way == kNone) return false;
    Meta& m = meta_[set];
    const std::uint16_t bit = static_cast<std::uint16_t>(1u << way);
    dirty = (m.dirty & bit) != 0;
    m.valid &= static_cast<std::uint16_t>(~bit);
    m.dirty &= static_cast<std::uint16_t>(~bit);
    m.order = recency_order::demote(m.order, way, top_shift_);
    return true;
  }

  // Bit w set when way w holds `tag` (valid or not; the caller masks with the valid bits).
  template <class Tag, std::uint32_t kWays>
  std::uint32_t match(const Tag* tags, Tag tag) const {
#if defined(__SSE2__)
    if constexpr (sizeof(Tag) == 4 && kWays != 0) {
      const __m128i key = _mm_set1_epi32(static_cast<int>(tag));
      const auto cmp = [&](std::uint32_t k) {
        return _mm_cmpeq_epi32(_mm_load_si128(reinterpret_cast<const __m128i*>(tags + k)), key);
      };
      if constexpr (kWays == 4) {
        return static_cast<std::uint32_t>(_mm_movemask_ps(_mm_castsi128_ps(cmp(0))));
      } else if constexpr (kWays == 8) {
        const __m128i w16 = _mm_packs_epi32(cmp(0), cmp(4));
        return static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_packs_epi16(w16, w16))) & 0xFF;
      } else if constexpr (kWays == 16) {
        const __m128i lo = _mm_packs_epi32(cmp(0), cmp(4));
        const __m128i hi = _mm_packs_epi32(cmp(8), cmp(12));
        return static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_packs_epi16(lo, hi)));
      }
    }
    if constexpr (sizeof(Tag) == 8 && kWays != 0) {
      // Two tags per compare: a 64-bit lane matches when both of its 32-bit halves do.
      const __m128i key = _mm_set1_epi64x(static_cast<long long>(tag));
      const auto pair = [&](std::uint32_t k) {
        const __m128i c =
            _mm_cmpeq_epi32(_mm_load_si128(reinterpret_cast<const __m128i*>(tags + k)), key);
        const __m128i both = _mm_and_si128(c, _mm_shuffle_epi32(c, _MM_SHUFFLE(2, 3, 0, 1)));
        return static_cast<std::uint32_t>(_mm_movemask_pd(_mm_castsi128_pd(both))) << k;
      };
      return [&]<std::size_t... K>(std::index_sequence<K...>) {
        return (pair(2 * K) | ...);
      }
      (std::make_index_sequence<kWays / 2>{});
    }
#endif
    const std::uint32_t ways = kWays != 0 ? kWays : ways_;
    std::uint32_t m = 0;
    for (std::uint32_t w = 0; w < ways; ++w)
      m |= std::uint32_t{tags[w] == tag} << w;
    return m;
  }

  template <class Tag>
  Tag* tags() {
    if constexpr (sizeof(Tag) == 4) {
      return tags32_.data.get();
    } else {
      return tags64_.data.get();
    }
  }

  template <class Tag, std::uint32_t kWays>
  void run(std::span<const LineRequest> in, RequestBuffer& out) {
    PointerSink sink{out.append(2 * in.size())};  // at most two requests out per request in
    const std::size_t n = in.size();
    Tag* const all_tags = tags<Tag>();
    for (std::size_t i = 0; i < n; ++i) {
      // The batch is known ahead: fetch the set a few requests on, so that state loads of large
      // levels overlap instead of stalling one after another.
      if (i + kPrefetchDistance < n) prefetch_set<Tag>(all_tags, in[i + kPrefetchDistance].address);
      serve<Tag, kWays>(in[i], all_tags, sink);
    }
    out.commit(sink.o);
  }

  template <class Tag, std::uint32_t kWays>
  void serve_runs(std::span<const LineRun> in, RunBuffer& out) {
    Tag* const all_tags = tags<Tag>();
    RunSink sink{&out};
    const std::size_t n = in.size();
    for (std::size_t i = 0; i < n; ++i) {
      // Short runs (single accesses) are the random case: fetch the set a few runs on.
      if (i + kPrefetchDistance < n) prefetch_set<Tag>(all_tags, in[i + kPrefetchDistance].address);
      const LineRun& r = in[i];
      if (r.count > 1 && r.bytes == line_bytes_ && (r.address & (line_bytes_ - 1)) == 0 &&
          r.op == AccessOp::kRead) {
        if (classify_) {
          read_lines<Tag, kWays, true>(r, all_tags, out);
        } else {
          read_lines<Tag, kWays, false>(r, all_tags, out);
        }
        continue;
      }
      for (std::uint32_t k = 0; k < r.count; ++k) {
        const LineRequest request = r.request(k);
        if (k + kPrefetchDistance < r.count)
          prefetch_set<Tag>(all_tags, request.address + kPrefetchDistance * r.bytes);
        serve<Tag, kWays>(request, all_tags, sink);
      }
    }
  }

  template <class Tag>
  void prefetch_set(const Tag* all_tags, std::uint64_t address) const {
    const std::uint32_t s = set_of(address >> line_shift_);
    const char* t = reinterpret_cast<const char*>(all_tags + std::size_t{s} * ways_);
    __builtin_prefetch(t);
    if (ways_ * sizeof(Tag) > 64) __builtin_prefetch(t + ways_ * sizeof(Tag) - 1);
    __builtin_prefetch(&meta_[s]);
  }

  void push_fills(RunBuffer& out, std::uint64_t first_line, std::uint32_t count,
                  ComponentId component) const {
    if (count != 0)
      out.push(first_line << line_shift_, line_bytes_, count, AccessOp::kRead, component);
  }
  [[gnu::noinline]] void write_back(RunBuffer& out, std::uint64_t address, ComponentId component,
                                    LevelCounts& c) const {
    out.push(address, line_bytes_, 1, AccessOp::kWrite, component);
    ++c.writeback_count;
    c.bytes_out += line_bytes_;
  }

  // A run of whole-line reads of this level, one line per request: consecutive lines fall in
  // consecutive sets, and the fills for consecutive misses leave as one run.
  template <class Tag, std::uint32_t kWays, bool kClassify>
  void read_lines(const LineRun& r, Tag* all_tags, RunBuffer& out) {
    // Locals, not members: the stores to tags and order words below could alias `this`, which
    // would make the compiler reload every member on every line.
    const std::uint32_t ways = kWays != 0 ? kWays : ways_;
    const int set_bits = set_bits_;
    const int line_shift = line_shift_;
    const int top_shift = top_shift_;
    const std::uint64_t set_mask = set_mask_;
    const std::uint64_t full_mask = full_mask_;
    const bool track_evictions = track_evictions_;
    Meta* const meta = meta_.data();
    const std::uint32_t count = r.count;
    LevelCounts& c = counts_[component_slot(r.component)];
    const std::uint64_t first = r.address >> line_shift;
    std::uint64_t fill_first = first;  // fills not yet pushed: lines [fill_first, + fill_count)
    std::uint32_t fill_count = 0;
    std::uint64_t misses = 0;
    for (std::uint32_t k = 0; k < count; ++k) {
      const std::uint64_t line = first + k;
      const auto set = static_cast<std::uint32_t>(line & set_mask);
      const Tag tag = static_cast<Tag>(line >> set_bits);
      Tag* const set_tags = all_tags + std::size_t{set} * ways;
      Meta& m = meta[set];
      const std::uint32_t hits = match<Tag, kWays>(set_tags, tag) & m.valid;
      if constexpr (kClassify) classify(line, hits != 0, true, c);
      if (hits != 0) {
        if constexpr (kPromoteOnHit) {
          const auto way = static_cast<std::uint32_t>(std::countr_zero(hits));
          if ((m.order & 0xF) != way)
            m.order = recency_order::promote(m.order, recency_order::position(m.order, way), way);
        }
        continue;
      }
      ++misses;
      const auto way = static_cast<std::uint32_t>(m.order >> top_shift) & 0xF;
      const std::uint32_t bit = 1u << way;
      if (fill_first + fill_count != line) {  // a hit or a writeback broke the run of fills
        push_fills(out, fill_first, fill_count, r.component);
        fill_first = line;
        fill_count = 0;
      }
      ++fill_count;
      if ((m.valid & bit) != 0 && ((m.dirty & bit) != 0 || track_evictions)) {
        const bool dirty = (m.dirty & bit) != 0;
        const std::uint64_t victim = ((std::uint64_t{set_tags[way]} << set_bits) | set)
                                     << line_shift;
        if (dirty) {
          // The writeback goes below after this line's fill (DineroIV's order).
          push_fills(out, fill_first, fill_count, r.component);
          fill_first = line + 1;
          fill_count = 0;
          write_back(out, victim, r.component, c);
        }
        if (track_evictions) evictions_.push_back({victim, dirty});
      }
      set_tags[way] = tag;
      m.valid = static_cast<std::uint16_t>(m.valid | bit);
      m.dirty = static_cast<std::uint16_t>(m.dirty & ~bit);
      m.order = ((m.order << 4) & full_mask) | way;
    }
    push_fills(out, fill_first, fill_count, r.component);
    c.read_count += r.count;
    c.read_hit_count += r.count - misses;
    c.read_miss_count += misses;
    c.fill_count += misses;
    c.bytes_in += misses * line_bytes_;
  }

  template <class Tag, std::uint32_t kWays, class Sink>
  [[gnu::always_inline]] void serve(const LineRequest& r, Tag* all_tags, Sink& sink) {
    const std::uint64_t line = r.address >> line_shift_;
    const std::uint32_t set = set_of(line);
    const Tag tag = static_cast<Tag>(line >> set_bits_);
    Tag* const set_tags = all_tags + std::size_t{set} * (kWays != 0 ? kWays : ways_);
    Meta& m = meta_[set];
    const std::uint32_t hits = match<Tag, kWays>(set_tags, tag) & m.valid;
    LevelCounts& c = counts_[component_slot(r.component)];
    const bool is_write = r.op == AccessOp::kWrite;
    if (classify_) classify(line, hits != 0, !is_write || write_allocate_, c);
    std::uint32_t way = kNone;
    if (hits != 0) {
      way = static_cast<std::uint32_t>(std::countr_zero(hits));
      if constexpr (kPromoteOnHit) {
        if ((m.order & 0xF) != way)
          m.order = recency_order::promote(m.order, recency_order::position(m.order, way), way);
      }
      // A hit counts and marks without a branch on the op: reads and writes mix at random.
      const std::uint64_t w = is_write ? 1 : 0;
      c.read_count += 1 - w;
      c.read_hit_count += 1 - w;
      c.write_count += w;
      c.write_hit_count += w;
      if (write_back_) {
        m.dirty = static_cast<std::uint16_t>(m.dirty | (w << way));
        return;
      }
      if (!is_write) return;
    } else if (!is_write) {
      ++c.read_count;
      ++c.read_miss_count;
      fill(set_tags, m, set, tag, r.component, c, sink, way);
      return;
    } else {
      ++c.write_count;
      ++c.write_miss_count;
      if (write_allocate_) fill(set_tags, m, set, tag, r.component, c, sink, way);
    }
    if (way != kNone && write_back_) {
      m.dirty |= static_cast<std::uint16_t>(1u << way);
      return;
    }
    // Write-through, or a no-write-allocate miss: the write itself goes below.
    ++c.write_through_count;
    c.bytes_out += r.bytes;
    sink.put(r.address, r.bytes, r.op, r.component);
  }

  template <class Tag, class Sink>
  [[gnu::always_inline]] void fill(Tag* set_tags, Meta& m, std::uint32_t set, Tag tag,
                                   ComponentId component, LevelCounts& c, Sink& sink,
                                   std::uint32_t& way) {
    way = static_cast<std::uint32_t>(m.order >> top_shift_) & 0xF;
    const std::uint32_t bit = 1u << way;
    sink.put(((std::uint64_t{tag} << set_bits_) | set) << line_shift_, line_bytes_, AccessOp::kRead,
             component);
    ++c.fill_count;
    c.bytes_in += line_bytes_;
    if ((m.valid & bit) != 0) {
      // Evict the victim: a dirty one goes below after the fill is requested (DineroIV's order).
      const std::uint64_t victim = ((std::uint64_t{set_tags[way]} << set_bits_) | set)
                                   << line_shift_;
      const bool dirty = (m.dirty & bit) != 0;
      if (dirty) {
        sink.put(victim, line_bytes_, AccessOp::kWrite, component);
        ++c.writeback_count;
        c.bytes_out += line_bytes_;
      }
      if (track_evictions_) evictions_.push_back({victim, dirty});
    }
    set_tags[way] = tag;
    m.valid = static_cast<std::uint16_t>(m.valid | bit);
    m.dirty = static_cast<std::uint16_t>(m.dirty & ~bit);
    m.order = ((m.order << 4) & full_mask_) | way;  // the victim position rotates to the front
  }

  int set_bits_;
  int top_shift_;
  std::uint64_t full_mask_;
  bool wide_ = false;
  AlignedArray<std::uint32_t> tags32_;
  AlignedArray<std::uint64_t> tags64_;
  std::vector<Meta> meta_;
};

}  // namespace erg::simulator
