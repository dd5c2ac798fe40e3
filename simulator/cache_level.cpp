#include "simulator/cache_level.hpp"

#include "simulator/lru_policy.hpp"
#include "simulator/random_policy.hpp"
#include "simulator/set_assoc_cache.hpp"
#include "simulator/srrip_policy.hpp"
#include "simulator/tree_plru_policy.hpp"

namespace erg::simulator {

std::unique_ptr<CacheLevel> make_cache_level(const CacheConfig& config, const std::string& where) {
  validate(config, where);
  switch (config.replacement) {
    case ReplacementKind::kLru:
      return std::make_unique<SetAssocCache<LruPolicy>>(config);
    case ReplacementKind::kFifo:
      return std::make_unique<SetAssocCache<FifoPolicy>>(config);
    case ReplacementKind::kRandom:
      return std::make_unique<SetAssocCache<RandomPolicy>>(config);
    case ReplacementKind::kTreePlru:
      return std::make_unique<SetAssocCache<TreePlruPolicy>>(config);
    case ReplacementKind::kSrrip:
      return std::make_unique<SetAssocCache<SrripPolicy>>(config);
  }
  return std::make_unique<SetAssocCache<LruPolicy>>(config);
}

}  // namespace erg::simulator
