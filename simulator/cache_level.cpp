#include "simulator/cache_level.hpp"

#include "simulator/compact_ordered_cache.hpp"
#include "simulator/lru_policy.hpp"
#include "simulator/random_policy.hpp"
#include "simulator/set_assoc_cache.hpp"
#include "simulator/srrip_policy.hpp"
#include "simulator/tree_plru_policy.hpp"

namespace erg::simulator {

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
