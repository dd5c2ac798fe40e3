#pragma once

#include <cstdint>
#include <string>
#include <string_view>

// Unit helpers. Quantities are plain doubles or integers whose names carry the unit
// (energy_pj, time_s, power_w, bytes); these functions convert and format them.
namespace erg::units {

inline constexpr std::uint64_t kKiB = 1024;
inline constexpr std::uint64_t kMiB = 1024 * kKiB;
inline constexpr std::uint64_t kGiB = 1024 * kMiB;

inline constexpr double kPjPerJ = 1e12;
inline constexpr double kNjPerJ = 1e9;
inline constexpr double kUjPerJ = 1e6;
inline constexpr double kMjPerJ = 1e3;  // millijoules

constexpr double pj_to_j(double energy_pj) {
  return energy_pj / kPjPerJ;
}
constexpr double j_to_pj(double energy_j) {
  return energy_j * kPjPerJ;
}
constexpr double uj_to_j(double energy_uj) {
  return energy_uj / kUjPerJ;
}
constexpr double j_to_uj(double energy_j) {
  return energy_j * kUjPerJ;
}
constexpr double pj_to_uj(double energy_pj) {
  return energy_pj / 1e6;
}
constexpr double ns_to_s(double time_ns) {
  return time_ns * 1e-9;
}
constexpr double s_to_ns(double time_s) {
  return time_s * 1e9;
}

// Power from energy over time; 0 W for an empty interval rather than a division by zero.
constexpr double power_w(double energy_j, double time_s) {
  return time_s > 0.0 ? energy_j / time_s : 0.0;
}

// "3.10 uJ", "412 pJ", "1.25 J": the value scaled to the nearest SI prefix, 3 significant digits.
std::string format_energy(double energy_j);
// "2.50 W", "310 mW".
std::string format_power(double power_w);
// "1.20 ms", "3.00 s".
std::string format_time(double time_s);
// "512 B", "32 KiB", "1.50 MiB".
std::string format_bytes(std::uint64_t bytes);

// Parses a byte size such as "512", "32KiB", "32K", "1 MiB", "2GiB". Throws erg::Error naming
// the text and the accepted forms.
std::uint64_t parse_bytes(std::string_view text);

}  // namespace erg::units
