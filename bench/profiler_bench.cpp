// Profiler overheads: a measurement window's begin + end (with and without energy, and with
// software counters), and the CPU the power sampler thread uses at 100 Hz. The powercap cases
// read a fake tree in a temporary directory, so they measure erg's cost (open fds, pread, parse,
// wrap fold) on tmpfs-like files; real sysfs reads add the kernel's RAPL MSR read.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "profiler/measurement_window.hpp"
#include "profiler/power_sampler.hpp"
#include "profiler/powercap_source.hpp"

namespace {

namespace fs = std::filesystem;
using namespace erg::profiler;

class FakeTree {
 public:
  explicit FakeTree(int zones) {
    std::string tmpl = (fs::temp_directory_path() / "erg-bench-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp");
    root_ = tmpl;
    const char* dirs[] = {"intel-rapl:0", "intel-rapl:0:0", "intel-rapl:0:1", "intel-rapl:0:2"};
    const char* names[] = {"package-0", "core", "uncore", "dram"};
    for (int i = 0; i < zones; ++i) {
      fs::create_directories(root_ / dirs[i]);
      std::ofstream(root_ / dirs[i] / "name") << names[i] << "\n";
      std::ofstream(root_ / dirs[i] / "energy_uj") << 123456789 << "\n";
      std::ofstream(root_ / dirs[i] / "max_energy_range_uj") << 262143328850ULL << "\n";
    }
  }
  ~FakeTree() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  const fs::path& root() const { return root_; }

 private:
  fs::path root_;
};

void BM_WindowNoEnergy(benchmark::State& state) {
  EnergyMonitor monitor(nullptr, "benchmark without energy");
  for (auto _ : state) {
    monitor.begin_window("w");
    benchmark::DoNotOptimize(monitor.end_window("w"));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WindowNoEnergy);

// Arg: number of powercap zones (1 = package only, 4 = package, core, uncore, dram).
void BM_WindowPowercapFakeTree(benchmark::State& state) {
  FakeTree tree(static_cast<int>(state.range(0)));
  PowercapOptions options;
  options.root = tree.root();
  EnergyMonitor monitor(std::make_unique<PowercapSource>(options));
  for (auto _ : state) {
    monitor.begin_window("w");
    benchmark::DoNotOptimize(monitor.end_window("w"));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WindowPowercapFakeTree)->Arg(1)->Arg(4);

void BM_WindowSoftwareCounters(benchmark::State& state) {
  const std::string_view names[] = {"task-clock", "page-faults", "context-switches"};
  EnergyMonitor monitor(nullptr, "benchmark without energy",
                        std::make_unique<CounterSet>(names, CounterTarget{}, 2));
  for (auto _ : state) {
    monitor.begin_window("w");
    benchmark::DoNotOptimize(monitor.end_window("w"));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WindowSoftwareCounters);

// The sampler at 100 Hz on a 4-zone fake tree for 2 s; cpu_percent_of_core is the sampler
// thread's CLOCK_THREAD_CPUTIME_ID time over wall time.
void BM_SamplerCpuAt100Hz(benchmark::State& state) {
  FakeTree tree(4);
  PowercapOptions options;
  options.root = tree.root();
  PowercapSource source(options);
  double cpu_s = 0, wall_s = 0;
  std::uint64_t samples = 0;
  for (auto _ : state) {
    PowerSampler sampler(source, {0.010, 1 << 12, {}});
    const auto t0 = std::chrono::steady_clock::now();
    sampler.start();
    std::this_thread::sleep_for(std::chrono::seconds(2));
    const double cpu = sampler.cpu_time_s();
    sampler.stop();
    wall_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    cpu_s += cpu;
    samples += sampler.taken();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(samples));
  state.counters["cpu_percent_of_core"] = 100.0 * cpu_s / wall_s;
  state.counters["samples_per_s"] = samples / wall_s;
}
BENCHMARK(BM_SamplerCpuAt100Hz)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
