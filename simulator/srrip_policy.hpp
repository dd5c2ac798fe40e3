#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace erg::simulator {

// Static RRIP with 2-bit re-reference prediction values (Jaleel et al., ISCA 2010; gem5's RRIP
// with btp=100): fills predict a long re-reference (RRPV 2), hits predict near (0). The victim is
// the lowest way at the distant value 3; when none is, every RRPV ages until one is.
class SrripPolicy {
 public:
  static constexpr std::uint8_t kMaxRrpv = 3;
  static constexpr std::uint8_t kInsertRrpv = kMaxRrpv - 1;

  void init(std::uint32_t sets, std::uint32_t ways, std::uint64_t /*seed*/) {
    ways_ = ways;
    rrpv_.assign(static_cast<std::size_t>(sets) * ways, kMaxRrpv);
  }
  void on_hit(std::uint32_t set, std::uint32_t way) { rrpv_[at(set, way)] = 0; }
  void on_fill(std::uint32_t set, std::uint32_t way) { rrpv_[at(set, way)] = kInsertRrpv; }
  void on_evict(std::uint32_t set, std::uint32_t way) { rrpv_[at(set, way)] = kMaxRrpv; }
  std::uint32_t victim(std::uint32_t set) {
    std::uint8_t* r = &rrpv_[at(set, 0)];
    const std::uint8_t oldest = *std::max_element(r, r + ways_);
    if (oldest < kMaxRrpv) {
      const std::uint8_t age = kMaxRrpv - oldest;
      for (std::uint32_t w = 0; w < ways_; ++w)
        r[w] = static_cast<std::uint8_t>(r[w] + age);
    }
    return static_cast<std::uint32_t>(std::find(r, r + ways_, kMaxRrpv) - r);
  }

 private:
  std::size_t at(std::uint32_t set, std::uint32_t way) const {
    return static_cast<std::size_t>(set) * ways_ + way;
  }

  std::uint32_t ways_ = 1;
  std::vector<std::uint8_t> rrpv_;
};

}  // namespace erg::simulator
