#include "profiler/powercap_source.hpp"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/error.hpp"
#include "profiler/sysfs.hpp"

namespace erg::profiler {
namespace {

std::int64_t monotonic_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// The zone's own statement of its maximum power, when it has one.
std::optional<double> zone_max_power_w(const std::filesystem::path& zone) {
  for (const char* file : {"constraint_0_max_power_uw", "max_power_range_uw"}) {
    try {
      if (auto uw = read_sysfs_u64(zone / file); uw && *uw > 0) return *uw / 1e6;
    } catch (const Error&) {
      // A malformed optional attribute: fall back to the default cap.
    }
  }
  return std::nullopt;
}

// Energy consumed beyond a plausible bound is not a wrap but a reset or a glitch.
constexpr double kPlausibilityFactor = 4.0;
constexpr double kPlausibilitySlackS = 0.05;

}  // namespace

PowercapSource::PowercapSource(PowercapOptions options) {
  auto scan = scan_powercap(options.root);
  if (scan.zones.empty()) throw UnavailableError(scan.missing_reason);
  zones_.reserve(scan.zones.size());
  double interval_s = std::numeric_limits<double>::infinity();
  for (const auto& z : scan.zones) {
    Zone zone;
    zone.energy_file = z.path / "energy_uj";
    const int fd = ::open(zone.energy_file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      const int error = errno;
      if (error == EACCES || error == EPERM) {
        throw Error(powercap_permission_hint(zone.energy_file), zone.energy_file.string());
      }
      throw Error(std::string("cannot open energy counter: ") + std::strerror(error),
                  zone.energy_file.string());
    }
    zone.fd.reset(fd);
    zone.max_range_uj = read_sysfs_u64(z.path / "max_energy_range_uj");  // throws if malformed
    if (zone.max_range_uj && *zone.max_range_uj == 0) {
      throw Error("max_energy_range_uj is 0 (expected a positive wrap point)",
                  (z.path / "max_energy_range_uj").string());
    }
    zone.max_power_w =
        options.max_power_w.value_or(zone_max_power_w(z.path).value_or(kDefaultMaxPowerW));
    if (!(zone.max_power_w > 0)) throw Error("max power must be positive", "max_power_w");
    if (zone.max_range_uj) {
      // Seconds for the counter to wrap at full power; polling at half that never misses one.
      const double wrap_s = *zone.max_range_uj / (zone.max_power_w * 1e6);
      interval_s = std::min(interval_s, wrap_s / 2);
    }
    zone.last_raw_uj = read_raw(zone);  // validates the contents now, not in the poller
    zone.last_read_ns = monotonic_ns();
    zones_.push_back(std::move(zone));
    // package-N and package-N-die-M are both packages (multi-die parts list one per die).
    domains_.push_back({z.domain, z.name.rfind("package", 0) == 0 ? "package" : z.name, false});
  }
  mark_total_domains(domains_);
  poll_interval_s_ = interval_s;
  if (options.start_poller && std::isfinite(poll_interval_s_)) {
    poller_ = std::jthread([this](std::stop_token stop) { poller_loop(stop); });
  }
}

PowercapSource::~PowercapSource() {
  if (poller_.joinable()) {
    poller_.request_stop();
    wake_.notify_all();
    poller_.join();
  }
}

std::uint64_t PowercapSource::read_raw(const Zone& zone) const {
  // A counter is at most 20 digits and a newline; a file that fills the buffer holds something
  // else, whose unread rest must not pass for the number at its start.
  char buf[64];
  ssize_t n;
  do {
    n = ::pread(zone.fd.get(), buf, sizeof(buf), 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    const int error = errno;
    if (error == EACCES || error == EPERM) {
      throw Error(powercap_permission_hint(zone.energy_file), zone.energy_file.string());
    }
    throw Error(std::string("cannot read energy counter: ") + std::strerror(error),
                zone.energy_file.string());
  }
  std::size_t len = static_cast<std::size_t>(n);
  if (len == sizeof(buf)) {
    throw Error("contents longer than " + std::to_string(sizeof(buf) - 1) +
                    " bytes (expected an unsigned decimal integer of microjoules)",
                zone.energy_file.string());
  }
  while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
    --len;
  std::uint64_t value = 0;
  const auto [ptr, ec] = std::from_chars(buf, buf + len, value);
  if (len == 0 || ec != std::errc() || ptr != buf + len) {
    throw Error("malformed contents '" + std::string(buf, len) +
                    "' (expected an unsigned decimal integer of microjoules)",
                zone.energy_file.string());
  }
  return value;
}

void PowercapSource::fold(Zone& zone, std::uint64_t raw_uj, std::int64_t now_ns) {
  const double elapsed_s = (now_ns - zone.last_read_ns) * 1e-9;
  zone.last_read_ns = now_ns;
  if (raw_uj >= zone.last_raw_uj) {
    zone.total_uj += raw_uj - zone.last_raw_uj;
  } else {
    bool wrapped = false;
    if (zone.max_range_uj && zone.last_raw_uj <= *zone.max_range_uj) {
      const std::uint64_t delta = *zone.max_range_uj - zone.last_raw_uj + raw_uj;
      const double plausible_uj =
          kPlausibilityFactor * zone.max_power_w * 1e6 * (elapsed_s + kPlausibilitySlackS);
      if (static_cast<double>(delta) <= plausible_uj) {
        zone.total_uj += delta;
        wrapped = true;
      }
    }
    if (!wrapped) ++zone.dropped;
  }
  zone.last_raw_uj = raw_uj;
}

void PowercapSource::poll_locked() {
  if (!poll_error_.empty()) throw Error(poll_error_);
  const auto now_ns = monotonic_ns();
  for (auto& zone : zones_)
    fold(zone, read_raw(zone), now_ns);
}

void PowercapSource::poll() {
  std::lock_guard lock(mutex_);
  poll_locked();
}

void PowercapSource::read_uj(std::span<std::uint64_t> out) {
  std::lock_guard lock(mutex_);
  poll_locked();
  const auto n = std::min(out.size(), zones_.size());
  for (std::size_t i = 0; i < n; ++i)
    out[i] = zones_[i].total_uj;
}

void PowercapSource::poller_loop(std::stop_token stop) {
  const auto period = std::chrono::duration<double>(poll_interval_s_);
  std::unique_lock lock(mutex_);
  while (!stop.stop_requested()) {
    wake_.wait_for(lock, stop, std::chrono::duration_cast<std::chrono::nanoseconds>(period),
                   [] { return false; });
    if (stop.stop_requested()) break;
    try {
      poll_locked();
    } catch (const std::exception& e) {
      if (poll_error_.empty()) poll_error_ = e.what();
    }
  }
}

std::vector<std::uint64_t> PowercapSource::dropped_samples() const {
  std::lock_guard lock(mutex_);
  std::vector<std::uint64_t> out;
  for (const auto& zone : zones_)
    out.push_back(zone.dropped);
  return out;
}

std::vector<std::string> PowercapSource::warnings() const {
  std::vector<std::string> out;
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < zones_.size(); ++i) {
    const auto& zone = zones_[i];
    if (!zone.max_range_uj) {
      out.push_back(domains_[i].name +
                    ": no readable max_energy_range_uj, so a wrap cannot be "
                    "corrected (a backwards step is dropped); make it readable like energy_uj");
    }
    if (zone.dropped > 0) {
      out.push_back(domains_[i].name + ": " + std::to_string(zone.dropped) +
                    " backwards step(s) dropped (counter reset or unknown wrap); energy is a "
                    "lower bound");
    }
  }
  return out;
}

}  // namespace erg::profiler
