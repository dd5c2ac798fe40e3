#include "profiler/power_sampler.hpp"

#include <time.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "core/error.hpp"

namespace erg::profiler {
namespace {

timespec now_monotonic() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts;
}

double diff_s(const timespec& a, const timespec& b) {
  return (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) * 1e-9;
}

void advance(timespec& ts, std::int64_t ns) {
  ts.tv_nsec += ns;
  while (ts.tv_nsec >= 1'000'000'000) {
    ts.tv_nsec -= 1'000'000'000;
    ++ts.tv_sec;
  }
}

}  // namespace

PowerSampler::PowerSampler(EnergySource& source, SamplerOptions options)
    : source_(source), options_(std::move(options)), width_(1 + source.domains().size()) {
  if (!(options_.interval_s >= 1e-4)) {
    throw Error("sampling interval must be at least 0.1 ms, got " +
                    std::to_string(options_.interval_s * 1e3) + " ms",
                "interval");
  }
  if (options_.capacity == 0) throw Error("sampler capacity must be positive", "capacity");
  ring_.assign(options_.capacity * width_, 0.0);
  if (!options_.stream_csv.empty()) {
    stream_.open(options_.stream_csv, std::ios::trunc);
    if (!stream_) {
      throw Error(std::string("cannot write the timeline: ") + std::strerror(errno),
                  options_.stream_csv.string());
    }
    stream_ << csv_header() << "\n";
  }
}

PowerSampler::~PowerSampler() {
  try {
    stop();
  } catch (const Error&) {
    // Reported by an explicit stop(); a destructor must not throw.
  }
}

std::string PowerSampler::csv_header() const {
  std::string header = "time_s";
  for (const auto& d : source_.domains())
    header += "," + d.name + "_power_w";
  return header;
}

void PowerSampler::start() {
  if (thread_.joinable()) throw Error("the sampler is already running", "sampler");
  stop_ = false;
  thread_ = std::thread([this] { run(); });
}

void PowerSampler::stop() {
  if (!thread_.joinable()) return;
  stop_ = true;
  thread_.join();
  std::lock_guard lock(mutex_);
  if (stream_.is_open()) stream_.flush();
  if (!error_.empty()) throw Error("the sampler stopped: " + error_, "sampler");
}

void PowerSampler::run() {
  clockid_t clock{};
  if (::pthread_getcpuclockid(::pthread_self(), &clock) == 0) {
    cpu_clock_ = clock;
    have_cpu_clock_ = true;
  }
  running_ = true;
  const std::size_t n = width_ - 1;
  std::vector<std::uint64_t> prev(n), cur(n);
  std::vector<double> row(width_);
  const auto period_ns = static_cast<std::int64_t>(options_.interval_s * 1e9);
  try {
    const timespec start = now_monotonic();
    source_.read_uj(prev);
    timespec prev_time = start;
    timespec deadline = start;
    while (!stop_.load(std::memory_order_relaxed)) {
      advance(deadline, period_ns);
      while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nullptr) == EINTR) {
      }
      source_.read_uj(cur);
      const timespec now = now_monotonic();
      const double dt = diff_s(prev_time, now);
      row[0] = diff_s(start, now);
      for (std::size_t i = 0; i < n; ++i)
        row[i + 1] = dt > 0 ? (cur[i] - prev[i]) * 1e-6 / dt : 0.0;
      prev.swap(cur);
      prev_time = now;
      std::lock_guard lock(mutex_);
      std::copy(row.begin(), row.end(),
                ring_.begin() + static_cast<std::ptrdiff_t>(head_ * width_));
      head_ = (head_ + 1) % options_.capacity;
      if (count_ < options_.capacity) ++count_;
      taken_.fetch_add(1, std::memory_order_relaxed);
      if (stream_.is_open()) {
        stream_ << row[0];
        for (std::size_t i = 1; i < width_; ++i)
          stream_ << ',' << row[i];
        stream_ << '\n';
      }
      // A tick that overran its deadline starts the next period from now instead of bursting.
      if (diff_s(deadline, now) > options_.interval_s) deadline = now;
    }
  } catch (const std::exception& e) {
    std::lock_guard lock(mutex_);
    error_ = e.what();
  }
  final_cpu_s_ = cpu_time_s();
  running_ = false;
}

std::vector<PowerSample> PowerSampler::samples() const {
  std::lock_guard lock(mutex_);
  std::vector<PowerSample> out;
  out.reserve(count_);
  const std::size_t first = (head_ + options_.capacity - count_) % options_.capacity;
  for (std::size_t k = 0; k < count_; ++k) {
    const auto row =
        ring_.begin() + static_cast<std::ptrdiff_t>(((first + k) % options_.capacity) * width_);
    out.push_back(
        {row[0], std::vector<double>(row + 1, row + static_cast<std::ptrdiff_t>(width_))});
  }
  return out;
}

std::uint64_t PowerSampler::overwritten() const {
  std::lock_guard lock(mutex_);
  return taken_.load() - count_;
}

double PowerSampler::cpu_time_s() const {
  if (!have_cpu_clock_) return 0;
  if (!running_) return final_cpu_s_;
  timespec ts{};
  if (::clock_gettime(cpu_clock_.load(), &ts) != 0) return 0;  // the thread has exited
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

void PowerSampler::write_csv(std::ostream& out) const {
  out << csv_header() << "\n";
  for (const auto& s : samples()) {
    out << s.time_s;
    for (double p : s.power_w)
      out << ',' << p;
    out << '\n';
  }
}

nlohmann::json PowerSampler::to_json() const {
  nlohmann::json domains = nlohmann::json::array();
  for (const auto& d : source_.domains())
    domains.push_back(d.name);
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& s : samples()) {
    nlohmann::json power = nlohmann::json::object();
    for (std::size_t i = 0; i < s.power_w.size(); ++i)
      power[source_.domains()[i].name] = s.power_w[i];
    rows.push_back({{"time_s", s.time_s}, {"power_w", power}});
  }
  return {{"interval_s", options_.interval_s},
          {"domains", domains},
          {"samples_taken", taken_.load()},
          {"samples_overwritten", overwritten()},
          {"samples", rows}};
}

}  // namespace erg::profiler
