#include "simulator/cache_level.hpp"

#include "simulator/lru_policy.hpp"
#include "simulator/random_policy.hpp"
#include "simulator/set_assoc_cache.hpp"
#include "simulator/srrip_policy.hpp"
#include "simulator/tree_plru_policy.hpp"

namespace erg::simulator {

std::unique_ptr<CacheLevel> make_cache_level(const CacheConfig& config, const std::string& where) {
  validate(config, where);
  // Small sets keep recency as stamps; large (fully associative) ones as linked lists.
  const bool small = config.ways() <= 32;
  switch (config.replacement) {
    case ReplacementKind::kLru:
      if (small) return std::make_unique<SetAssocCache<LruStampPolicy>>(config);
      return std::make_unique<SetAssocCache<LruListPolicy>>(config);
    case ReplacementKind::kFifo:
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
