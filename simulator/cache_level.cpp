#include "simulator/cache_level.hpp"

#include "simulator/compact_ordered_cache.hpp"
#include "simulator/lru_policy.hpp"
#include "simulator/random_policy.hpp"
#include "simulator/set_assoc_cache.hpp"
#include "simulator/srrip_policy.hpp"
#include "simulator/tree_plru_policy.hpp"

namespace erg::simulator {

void CacheLevel::process_runs(std::span<const LineRun> in, RunBuffer& out) {
  constexpr std::size_t kChunk = 1024;
  const auto serve = [&] {
    run_out_.clear();
    process(run_in_, run_out_);
    for (const LineRequest& r : run_out_)
      out.push(r);
    run_in_.clear();
  };
  for (const LineRun& run : in)
    for (std::uint32_t k = 0; k < run.count; ++k) {
      run_in_.push_back(run.request(k));
      if (run_in_.size() == kChunk) serve();
    }
  if (!run_in_.empty()) serve();
}

std::unique_ptr<CacheLevel> make_cache_level(const CacheConfig& config, const std::string& where) {
  validate(config, where);
  // Up to 16 ways over a power-of-two set count use the compact layout; otherwise up to 16 ways
  // keep recency as a packed order word, up to 32 as stamps; larger (fully
  // associative) sets as linked lists.
  const bool tiny = config.ways() <= LruOrderPolicy::kMaxWays;
  const bool small = config.ways() <= 32;
  const bool compact = CompactOrderedCache<true>::supports(config);
  switch (config.replacement) {
    case ReplacementKind::kLru:
      if (compact) return std::make_unique<CompactOrderedCache<true>>(config);
      if (tiny) return std::make_unique<SetAssocCache<LruOrderPolicy>>(config);
      if (small) return std::make_unique<SetAssocCache<LruStampPolicy>>(config);
      return std::make_unique<SetAssocCache<LruListPolicy>>(config);
    case ReplacementKind::kFifo:
      if (compact) return std::make_unique<CompactOrderedCache<false>>(config);
      if (tiny) return std::make_unique<SetAssocCache<FifoOrderPolicy>>(config);
      if (small) return std::make_unique<SetAssocCache<FifoStampPolicy>>(config);
      return std::make_unique<SetAssocCache<FifoListPolicy>>(config);
    case ReplacementKind::kRandom:
      return std::make_unique<SetAssocCache<RandomPolicy>>(config);
    case ReplacementKind::kTreePlru:
      return std::make_unique<SetAssocCache<TreePlruPolicy>>(config);
    case ReplacementKind::kSrrip:
      return std::make_unique<SetAssocCache<SrripPolicy>>(config);
  }
  return std::make_unique<SetAssocCache<LruListPolicy>>(config);
}

}  // namespace erg::simulator
