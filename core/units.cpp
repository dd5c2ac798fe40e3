#include "core/units.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <utility>

#include "core/error.hpp"

namespace erg::units {
namespace {

std::string format_scaled(double value, std::string_view unit) {
  struct Prefix {
    double scale;
    const char* name;
  };
  static constexpr std::array<Prefix, 7> kPrefixes{
      {{1e3, "k"}, {1.0, ""}, {1e-3, "m"}, {1e-6, "u"}, {1e-9, "n"}, {1e-12, "p"}, {1e-15, "f"}}};
  const double magnitude = std::fabs(value);
  const Prefix* chosen = &kPrefixes.back();
  if (magnitude == 0.0) {
    chosen = &kPrefixes[1];
  } else {
    for (const auto& p : kPrefixes) {
      if (magnitude >= p.scale * 0.9995) {
        chosen = &p;
        break;
      }
    }
  }
  const double scaled = value / chosen->scale;
  const double abs_scaled = std::fabs(scaled);
  const int decimals = abs_scaled >= 99.95 ? 0 : (abs_scaled >= 9.995 ? 1 : 2);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f %s%.*s", decimals, scaled, chosen->name,
                static_cast<int>(unit.size()), unit.data());
  return buf;
}

}  // namespace

std::string format_energy(double energy_j) {
  return format_scaled(energy_j, "J");
}
std::string format_power(double power_w) {
  return format_scaled(power_w, "W");
}
std::string format_time(double time_s) {
  return format_scaled(time_s, "s");
}

std::string format_bytes(std::uint64_t bytes) {
  static constexpr std::array<const char*, 4> kNames{"KiB", "MiB", "GiB", "TiB"};
  if (bytes < kKiB) return std::to_string(bytes) + " B";
  double value = static_cast<double>(bytes);
  std::size_t i = 0;
  value /= 1024.0;
  while (value >= 1024.0 && i + 1 < kNames.size()) {
    value /= 1024.0;
    ++i;
  }
  char buf[64];
  if (value == std::floor(value)) {
    std::snprintf(buf, sizeof(buf), "%.0f %s", value, kNames[i]);
  } else {
    std::snprintf(buf, sizeof(buf), "%.2f %s", value, kNames[i]);
  }
  return buf;
}

std::uint64_t parse_bytes(std::string_view text) {
  const auto fail = [&]() {
    return Error("invalid byte size '" + std::string(text) +
                 "' (expected an integer with an optional unit B, K/KiB, M/MiB or G/GiB)");
  };
  std::size_t begin = 0;
  while (begin < text.size() && text[begin] == ' ')
    ++begin;
  std::uint64_t value = 0;
  const char* first = text.data() + begin;
  const char* last = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(first, last, value);
  if (ec != std::errc() || ptr == first) throw fail();
  std::string_view suffix(ptr, static_cast<std::size_t>(last - ptr));
  while (!suffix.empty() && suffix.front() == ' ')
    suffix.remove_prefix(1);
  static constexpr std::array<std::pair<std::string_view, std::uint64_t>, 8> kSuffixes{{
      {"", 1},
      {"B", 1},
      {"K", kKiB},
      {"KiB", kKiB},
      {"M", kMiB},
      {"MiB", kMiB},
      {"G", kGiB},
      {"GiB", kGiB},
  }};
  for (const auto& [name, scale] : kSuffixes) {
    if (suffix == name) {
      if (value > UINT64_MAX / scale) throw fail();
      return value * scale;
    }
  }
  throw fail();
}

}  // namespace erg::units
