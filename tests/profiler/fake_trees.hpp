#pragma once

#include <linux/perf_event.h>
#include <sys/ioctl.h>

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "profiler/perf_syscalls.hpp"

// Helpers that build fake sysfs trees in temporary directories and a scriptable perf syscall
// layer, so the profiler's hardware paths run on machines without RAPL or a hardware PMU.
namespace erg::profiler::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "erg-prof-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline void write_file(const std::filesystem::path& file, const std::string& text) {
  std::filesystem::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::trunc);
  out << text;
}

// One powercap zone directory, as the kernel lays it out under /sys/class/powercap. The
// default max range is a real package value (unit 2^-14 J).
inline void add_zone(const std::filesystem::path& root, const std::string& dir_name,
                     const std::string& name, std::uint64_t energy_uj = 0,
                     std::optional<std::uint64_t> max_energy_range_uj = 262143328850ULL,
                     std::optional<std::uint64_t> max_power_uw = std::nullopt) {
  const auto dir = root / dir_name;
  write_file(dir / "name", name + "\n");
  write_file(dir / "energy_uj", std::to_string(energy_uj) + "\n");
  if (max_energy_range_uj) {
    write_file(dir / "max_energy_range_uj", std::to_string(*max_energy_range_uj) + "\n");
  }
  if (max_power_uw) {
    write_file(dir / "constraint_0_max_power_uw", std::to_string(*max_power_uw) + "\n");
  }
  write_file(dir / "enabled", "1\n");
}

// The control-type directory ("intel-rapl") that sits beside the zones and is not a zone.
inline void add_control_type(const std::filesystem::path& root, const std::string& dir) {
  write_file(root / dir / "enabled", "1\n");
}

inline void set_energy(const std::filesystem::path& root, const std::string& dir,
                       std::uint64_t energy_uj) {
  write_file(root / dir / "energy_uj", std::to_string(energy_uj) + "\n");
}

inline std::int64_t monotonic_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// The loop of a stand-in meter thread: calls on_tick every period_ns on an absolute schedule
// until stop. A real meter keeps counting however busy the machine is; a real-time priority
// keeps the stand-in close to that on a loaded test machine (ignored where not permitted).
template <typename OnTick>
void tick_every(std::int64_t period_ns, const std::atomic<bool>& stop, OnTick on_tick) {
  sched_param param{};
  param.sched_priority = 1;
  ::pthread_setschedparam(::pthread_self(), SCHED_FIFO, &param);
  timespec next{};
  ::clock_gettime(CLOCK_MONOTONIC, &next);
  while (!stop) {
    next.tv_nsec += period_ns;
    while (next.tv_nsec >= 1'000'000'000) {
      next.tv_nsec -= 1'000'000'000;
      ++next.tv_sec;
    }
    ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, nullptr);
    on_tick();
  }
}

// A thread that makes a fake zone consume `power_w`: every 0.5 ms it writes
// start_uj + power x elapsed, modulo max_range_uj, into energy_uj. It rewrites the file in
// place with a fixed-width number (leading zeros), so a reader never sees it empty.
class EnergyWriter {
 public:
  EnergyWriter(const std::filesystem::path& energy_file, double power_w, std::uint64_t start_uj,
               std::uint64_t max_range_uj)
      : power_w_(power_w), start_uj_(start_uj), max_range_uj_(max_range_uj) {
    fd_ = ::open(energy_file.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd_ < 0) throw std::runtime_error("cannot open " + energy_file.string());
    t0_ns_ = monotonic_ns();
    write_value(t0_ns_);
    thread_ = std::thread(
        [this] { tick_every(500'000, stop_, [this] { write_value(monotonic_ns()); }); });
  }
  ~EnergyWriter() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  EnergyWriter(const EnergyWriter&) = delete;
  EnergyWriter& operator=(const EnergyWriter&) = delete;

  int wraps() const { return wraps_; }
  // Blocks until the thread has written a few times, so a reader that starts next does not see
  // the value written before the thread was first scheduled (a stale start on a busy machine).
  void wait_until_running() const {
    while (writes_ < 10)
      std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  // CLOCK_MONOTONIC time of the first wrap, or 0.
  std::int64_t first_wrap_ns() const { return first_wrap_ns_; }
  // The longest time between two writes so far, in seconds. A reader may see a value this stale,
  // so an energy difference read from the file can be off by up to 2 x power x this (one stale
  // read at each end): the bound a test under load may allow, beyond its relative tolerance.
  double max_write_gap_s() const { return static_cast<double>(max_gap_ns_) * 1e-9; }
  double power_w() const { return power_w_; }

 private:
  void write_value(std::int64_t now_ns) {
    const auto total = static_cast<std::uint64_t>(start_uj_ + power_w_ * (now_ns - t0_ns_) * 1e-3);
    const auto wraps = static_cast<int>(total / max_range_uj_);
    if (wraps > wraps_ && first_wrap_ns_ == 0) first_wrap_ns_ = now_ns;
    wraps_ = wraps;
    if (last_write_ns_ != 0 && now_ns - last_write_ns_ > max_gap_ns_)
      max_gap_ns_ = now_ns - last_write_ns_;
    last_write_ns_ = now_ns;
    ++writes_;
    char buf[32];
    const int n = std::snprintf(buf, sizeof(buf), "%020llu\n",
                                static_cast<unsigned long long>(total % max_range_uj_));
    if (::pwrite(fd_, buf, static_cast<std::size_t>(n), 0) != n) std::abort();
  }

  double power_w_;
  std::uint64_t start_uj_;
  std::uint64_t max_range_uj_;
  int fd_ = -1;
  std::int64_t t0_ns_ = 0;
  std::atomic<int> wraps_{0};
  std::atomic<int> writes_{0};
  std::atomic<std::int64_t> first_wrap_ns_{0};
  std::int64_t last_write_ns_ = 0;  // only the writer thread (and the constructor) touch it
  std::atomic<std::int64_t> max_gap_ns_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A perf_event layer whose answers the test scripts: it records every open, hands out fds from
// 100 up, and returns per-fd counts in whatever read_format the attr asked for.
class FakePerfSyscalls final : public PerfSyscalls {
 public:
  static constexpr int kFirstFd = 100;
  struct Opened {
    perf_event_attr attr{};
    pid_t pid = 0;
    int cpu = 0;
    int group_fd = -1;
    unsigned long flags = 0;
    bool closed = false;
  };

  std::vector<Opened> opened;
  // Returns an errno to refuse an open (0 accepts it).
  std::function<int(const perf_event_attr&, pid_t, int)> refuse;
  std::map<int, std::uint64_t> counts;  // value per fd
  std::uint64_t time_enabled_ns = 1000;
  std::uint64_t time_running_ns = 1000;
  std::vector<std::pair<int, unsigned long>> ioctls;  // (fd, request)

  int open(perf_event_attr& attr, pid_t pid, int cpu, int group_fd, unsigned long flags) override {
    if (refuse) {
      if (const int error = refuse(attr, pid, cpu)) return -error;
    }
    opened.push_back({attr, pid, cpu, group_fd, flags, false});
    return kFirstFd + static_cast<int>(opened.size()) - 1;
  }

  ssize_t read(int fd, void* buf, std::size_t bytes) override {
    const auto& attr = at(fd).attr;
    std::vector<std::uint64_t> words;
    if (attr.read_format & PERF_FORMAT_GROUP) {
      std::vector<int> members{fd};
      for (std::size_t i = 0; i < opened.size(); ++i) {
        if (opened[i].group_fd == fd && !opened[i].closed) {
          members.push_back(kFirstFd + static_cast<int>(i));
        }
      }
      words.push_back(members.size());
      if (attr.read_format & PERF_FORMAT_TOTAL_TIME_ENABLED) words.push_back(time_enabled_ns);
      if (attr.read_format & PERF_FORMAT_TOTAL_TIME_RUNNING) words.push_back(time_running_ns);
      for (int member : members) {
        words.push_back(counts[member]);
        if (attr.read_format & PERF_FORMAT_ID) words.push_back(static_cast<std::uint64_t>(member));
      }
    } else {
      words.push_back(counts[fd]);
      if (attr.read_format & PERF_FORMAT_TOTAL_TIME_ENABLED) words.push_back(time_enabled_ns);
      if (attr.read_format & PERF_FORMAT_TOTAL_TIME_RUNNING) words.push_back(time_running_ns);
      if (attr.read_format & PERF_FORMAT_ID) words.push_back(static_cast<std::uint64_t>(fd));
    }
    const auto size = words.size() * sizeof(std::uint64_t);
    if (bytes < size) {
      errno = ENOSPC;
      return -1;
    }
    std::memcpy(buf, words.data(), size);
    return static_cast<ssize_t>(size);
  }

  int ioctl(int fd, unsigned long request, unsigned long arg) override {
    ioctls.emplace_back(fd, request);
    if (request == PERF_EVENT_IOC_ID) {
      *reinterpret_cast<std::uint64_t*>(arg) = static_cast<std::uint64_t>(fd);
    }
    return 0;
  }

  int close(int fd) override {
    at(fd).closed = true;
    return 0;
  }

  Opened& at(int fd) { return opened.at(static_cast<std::size_t>(fd - kFirstFd)); }
  int open_count() const {
    int n = 0;
    for (const auto& o : opened)
      n += o.closed ? 0 : 1;
    return n;
  }
};

}  // namespace erg::profiler::testing
