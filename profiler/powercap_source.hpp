#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "profiler/energy_source.hpp"
#include "profiler/unique_fd.hpp"

namespace erg::profiler {

// Zeus's default cap on a zone's power when the zone states none.
inline constexpr double kDefaultMaxPowerW = 1000.0;

struct PowercapOptions {
  std::filesystem::path root = kDefaultPowercapRoot;
  std::optional<double> max_power_w;  // overrides every zone's constraint_0_max_power_uw
  bool start_poller = true;
};

// Energy from powercap sysfs (intel-rapl zones, also used by AMD on kernel >= 5.8). Each
// zone's energy_uj stays open and is re-read with pread. The raw counter wraps at
// max_energy_range_uj; a background poller reads every zone at least every
// max_energy_range_uj / max_power / 2 seconds, so at most one wrap happens between two reads
// and the delta cur + (max - prev) is exact. A backwards step that cannot be a wrap (no max
// range, or more energy than max power allows in the elapsed time: a reset) is dropped and
// counted instead of becoming a negative or a phantom max-range of energy.
class PowercapSource final : public EnergySource {
 public:
  explicit PowercapSource(PowercapOptions options = {});
  ~PowercapSource() override;
  PowercapSource(const PowercapSource&) = delete;
  PowercapSource& operator=(const PowercapSource&) = delete;

  std::string_view kind() const override { return "powercap"; }
  const std::vector<EnergyDomain>& domains() const override { return domains_; }
  void read_uj(std::span<std::uint64_t> out) override;
  std::vector<std::string> warnings() const override;

  // The wrap-safe poll interval; infinity when no zone states a max_energy_range_uj.
  double poll_interval_s() const { return poll_interval_s_; }
  // Backwards steps dropped so far, per domain.
  std::vector<std::uint64_t> dropped_samples() const;
  // Reads every zone once, folding wraps (what the poller does).
  void poll();

 private:
  struct Zone {
    std::filesystem::path energy_file;
    UniqueFd fd;
    std::optional<std::uint64_t> max_range_uj;
    double max_power_w = kDefaultMaxPowerW;
    std::uint64_t last_raw_uj = 0;
    std::uint64_t total_uj = 0;
    std::uint64_t dropped = 0;
    std::int64_t last_read_ns = 0;
  };
  std::uint64_t read_raw(const Zone& zone) const;
  void fold(Zone& zone, std::uint64_t raw_uj, std::int64_t now_ns);
  void poll_locked();
  void poller_loop(std::stop_token stop);

  std::vector<EnergyDomain> domains_;
  std::vector<Zone> zones_;
  double poll_interval_s_ = 0;
  mutable std::mutex mutex_;
  std::string poll_error_;  // an error the poller hit; rethrown by the next read_uj
  std::condition_variable_any wake_;
  std::jthread poller_;
};

}  // namespace erg::profiler
