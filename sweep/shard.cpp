#include "sweep/shard.hpp"

#include <charconv>
#include <string>

#include "core/error.hpp"

namespace erg::sweep {

Shard Shard::parse(std::string_view text) {
  const auto fail = [&] {
    return UsageError("invalid shard '" + std::string(text) +
                      "' (expected i/N with 0 <= i < N, e.g. 0/4)");
  };
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) throw fail();
  Shard shard;
  const auto parse_part = [&](std::string_view part, std::size_t& value) {
    auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (ec != std::errc() || ptr != part.data() + part.size() || part.empty()) throw fail();
  };
  parse_part(text.substr(0, slash), shard.index);
  parse_part(text.substr(slash + 1), shard.count);
  if (shard.count == 0 || shard.index >= shard.count) throw fail();
  return shard;
}

}  // namespace erg::sweep
