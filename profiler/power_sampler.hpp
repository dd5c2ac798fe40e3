#pragma once

#include <pthread.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "profiler/energy_source.hpp"

namespace erg::profiler {

struct SamplerOptions {
  double interval_s = 0.010;
  std::size_t capacity = 1 << 16;  // samples kept in memory; older ones are overwritten
  // When set, every sample is also appended to this CSV file as it is taken, so a run longer
  // than the ring loses nothing.
  std::filesystem::path stream_csv;
};

struct PowerSample {
  double time_s = 0;            // since start()
  std::vector<double> power_w;  // per domain, average over the interval ending at time_s
};

// A thread that reads the energy source every interval and records (t, power per domain) in a
// fixed-size ring buffer (bounded memory), optionally streaming each row to a CSV file. Ticks
// are scheduled on absolute CLOCK_MONOTONIC deadlines so the interval does not drift.
class PowerSampler {
 public:
  PowerSampler(EnergySource& source, SamplerOptions options = {});
  ~PowerSampler();
  PowerSampler(const PowerSampler&) = delete;
  PowerSampler& operator=(const PowerSampler&) = delete;

  void start();
  void stop();  // idempotent; also flushes the stream

  std::vector<PowerSample> samples() const;  // oldest first
  std::uint64_t taken() const { return taken_.load(); }
  std::uint64_t overwritten() const;  // samples the ring no longer holds
  // CPU time the sampling thread has used (CLOCK_THREAD_CPUTIME_ID of that thread).
  double cpu_time_s() const;
  const std::vector<EnergyDomain>& domains() const { return source_.domains(); }
  double interval_s() const { return options_.interval_s; }

  void write_csv(std::ostream& out) const;
  nlohmann::json to_json() const;
  // The CSV header: time_s,<domain>_power_w,...
  std::string csv_header() const;

 private:
  void run();

  EnergySource& source_;
  SamplerOptions options_;
  std::size_t width_;         // 1 + domains
  std::vector<double> ring_;  // capacity x width_
  std::size_t head_ = 0;      // next row to write
  std::size_t count_ = 0;
  std::atomic<std::uint64_t> taken_{0};
  std::atomic<bool> stop_{false};
  std::ofstream stream_;
  std::thread thread_;
  std::atomic<clockid_t> cpu_clock_{0};
  std::atomic<bool> have_cpu_clock_{false};
  std::atomic<bool> running_{false};
  std::atomic<double> final_cpu_s_{0};
  std::string error_;
  mutable std::mutex mutex_;
};

}  // namespace erg::profiler
