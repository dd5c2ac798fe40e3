#include "profiler/command_runner.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "core/error.hpp"
#include "profiler/perf_counters.hpp"
#include "profiler/unique_fd.hpp"

namespace erg::profiler {
namespace {

// Like perf stat, erg ignores Ctrl-C while the command runs so it can still report; the child
// gets the signal and ends. Restored on scope exit.
class IgnoreInterrupts {
 public:
  IgnoreInterrupts() {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGINT, &ignore, &old_int_);
    ::sigaction(SIGQUIT, &ignore, &old_quit_);
  }
  ~IgnoreInterrupts() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGQUIT, &old_quit_, nullptr);
  }
  IgnoreInterrupts(const IgnoreInterrupts&) = delete;
  IgnoreInterrupts& operator=(const IgnoreInterrupts&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_quit_ {};
};

}  // namespace

CommandResult run_measured_command(std::span<const std::string> argv, EnergyMonitor& monitor,
                                   std::string_view window_name, const CommandOptions& options) {
  if (argv.empty()) throw UsageError("no command given to run");
  std::vector<char*> cargv;
  for (const auto& a : argv)
    cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);

  int go[2], failed[2];
  if (::pipe2(go, O_CLOEXEC) != 0 || ::pipe2(failed, O_CLOEXEC) != 0) {
    throw Error(std::string("pipe failed: ") + std::strerror(errno), argv[0]);
  }
  UniqueFd go_read(go[0]), go_write(go[1]), failed_read(failed[0]), failed_write(failed[1]);
  const pid_t child = ::fork();
  if (child < 0) throw Error(std::string("fork failed: ") + std::strerror(errno), argv[0]);
  if (child == 0) {
    // Only async-signal-safe calls until exec: wait for the parent's counters, then exec.
    char byte;
    ssize_t n;
    while ((n = ::read(go[0], &byte, 1)) < 0 && errno == EINTR) {
    }
    if (n != 1) ::_exit(127);
    ::execvp(cargv[0], cargv.data());
    const int error = errno;
    [[maybe_unused]] auto written = ::write(failed[1], &error, sizeof(error));
    ::_exit(127);
  }
  go_read.reset();
  failed_write.reset();
  IgnoreInterrupts ignore;

  CommandResult result;
  std::unique_ptr<CounterSet> counters;
  try {
    if (options.count) {
      const auto paranoid = read_perf_event_paranoid(options.proc_root);
      if (!paranoid) {
        result.counters_unavailable_reason = "perf_event_open is unavailable: no " +
                                             options.proc_root + "/sys/kernel/perf_event_paranoid";
      } else {
        const CounterTarget target{child, -1, true, true};
        auto& syscalls = options.syscalls ? *options.syscalls : kernel_perf_syscalls();
        if (options.events.empty()) {
          counters = std::make_unique<CounterSet>(target, *paranoid, syscalls);
        } else {
          std::vector<std::string_view> names(options.events.begin(), options.events.end());
          counters = std::make_unique<CounterSet>(names, target, *paranoid, syscalls);
        }
      }
    }
    monitor.begin_window(window_name);
  } catch (...) {
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    throw;
  }
  const char byte = 'g';
  [[maybe_unused]] auto sent = ::write(go_write.get(), &byte, 1);
  go_write.reset();
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  result.window = monitor.end_window(window_name);
  int exec_error = 0;
  if (::read(failed_read.get(), &exec_error, sizeof(exec_error)) ==
      static_cast<ssize_t>(sizeof(exec_error))) {
    throw Error(std::string("cannot run the command: ") + std::strerror(exec_error), argv[0]);
  }
  if (WIFEXITED(status)) {
    result.exit_status = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signaled = true;
    result.exit_status = 128 + WTERMSIG(status);
  }
  if (counters) result.window.counters = counters->values();
  return result;
}

}  // namespace erg::profiler
