#include "simulator/cache_config.hpp"

#include <bit>

#include "core/error.hpp"

namespace erg::simulator {

std::uint32_t CacheConfig::ways() const {
  return associativity == 0 ? static_cast<std::uint32_t>(lines()) : associativity;
}

std::uint32_t CacheConfig::sets() const {
  return static_cast<std::uint32_t>(lines() / ways());
}

void validate(const CacheConfig& c, const std::string& where) {
  const auto fail = [&](const std::string& field, const std::string& expected) {
    throw Error("invalid cache level '" + c.name + "': " + field + " " + expected,
                where + "." + field);
  };
  if (c.line_bytes == 0 || !std::has_single_bit(c.line_bytes))
    fail("line_bytes", "must be a power of two (got " + std::to_string(c.line_bytes) + ")");
  if (c.size_bytes == 0 || c.size_bytes % c.line_bytes != 0)
    fail("size_bytes", "must be a positive multiple of line_bytes");
  if (c.lines() > (std::uint64_t{1} << 31)) fail("size_bytes", "holds too many lines (max 2^31)");
  if (c.associativity != 0 && c.lines() % c.associativity != 0)
    fail("associativity", "must divide the number of lines (" + std::to_string(c.lines()) + ")");
  if (c.replacement == ReplacementKind::kTreePlru && !std::has_single_bit(c.ways()))
    fail("associativity", "must be a power of two for tree-PLRU");
}

}  // namespace erg::simulator
