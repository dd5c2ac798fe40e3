#include "sweep/config_hash.hpp"

#include <cstdio>

namespace erg::sweep {

std::uint64_t fnv1a64(const std::string& bytes, std::uint64_t seed) {
  std::uint64_t hash = seed;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

std::string config_key(const nlohmann::json& config) {
  // nlohmann::json stores objects in a std::map, so dump() is already key-sorted.
  const std::string canonical = config.dump();
  const std::uint64_t lo = fnv1a64(canonical);
  const std::uint64_t hi = fnv1a64(canonical, lo ^ 0x9e3779b97f4a7c15ULL);
  char buf[33];
  std::snprintf(buf, sizeof(buf), "%016llx%016llx", static_cast<unsigned long long>(hi),
                static_cast<unsigned long long>(lo));
  return buf;
}

}  // namespace erg::sweep
