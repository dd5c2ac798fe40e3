#include "reports/plot_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "core/error.hpp"
#include "core/paths.hpp"
#include "profiler/unique_fd.hpp"

namespace erg::reports {
namespace {

namespace fs = std::filesystem;
using profiler::UniqueFd;
constexpr std::size_t kMaxOutputBytes = 64 * 1024;

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, double timeout_s) {
  if (argv.empty()) throw Error("no program to run", "run_process");
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw Error(std::string("pipe: ") + std::strerror(errno));
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  // Exec failure is reported through a second close-on-exec pipe: it stays empty on success.
  int efds[2];
  if (::pipe2(efds, O_CLOEXEC) != 0) throw Error(std::string("pipe: ") + std::strerror(errno));
  UniqueFd err_read(efds[0]), err_write(efds[1]);
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw Error(std::string("fork: ") + std::strerror(errno), argv[0]);
  if (pid == 0) {
    ::dup2(write_end.get(), STDOUT_FILENO);
    ::dup2(write_end.get(), STDERR_FILENO);
    ::execv(args[0], args.data());
    const int e = errno;
    [[maybe_unused]] auto n = ::write(err_write.get(), &e, sizeof(e));
    ::_exit(127);
  }
  write_end.reset();
  err_write.reset();
  ProcessResult result;
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<long>(timeout_s * 1e3));
  char buf[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) {
      result.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    pollfd p{read_end.get(), POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min<long>(left, 1000)));
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    const auto n = ::read(read_end.get(), buf, sizeof(buf));
    if (n <= 0) break;  // EOF: the child closed its output
    if (result.output.size() < kMaxOutputBytes)
      result.output.append(buf, static_cast<std::size_t>(n));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  int exec_errno = 0;
  if (::read(err_read.get(), &exec_errno, sizeof(exec_errno)) == sizeof(exec_errno)) {
    throw Error(std::string("cannot run: ") + std::strerror(exec_errno), argv[0]);
  }
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

PlotRunner::PlotRunner(fs::path python, fs::path scripts_dir, double timeout_s)
    : python_(std::move(python)), scripts_dir_(std::move(scripts_dir)), timeout_s_(timeout_s) {}

PlotRunner PlotRunner::from_environment() {
  const char* env = std::getenv("ERG_PYTHON");
  return PlotRunner(env != nullptr && *env != '\0' ? fs::path(env) : fs::path("/usr/bin/python3"),
                    data_root() / "scripts" / "plots", 120.0);
}

std::optional<std::string> PlotRunner::unavailable_reason() const {
  if (::access(python_.c_str(), X_OK) != 0) {
    return "no Python interpreter at " + python_.string() +
           " (set ERG_PYTHON to one with matplotlib)";
  }
  if (!fs::exists(scripts_dir_ / "plot_common.py")) {
    return "the plot scripts are missing from " + scripts_dir_.string();
  }
  ProcessResult r;
  try {
    r = run_process({python_.string(), "-c", "import matplotlib, numpy"}, 60.0);
  } catch (const Error& e) {
    return std::string("cannot run ") + python_.string() + ": " + e.what();
  }
  if (r.timed_out) return python_.string() + " did not import matplotlib within 60 s";
  if (r.exit_status != 0) {
    return python_.string() + " cannot import matplotlib and numpy: " + r.output;
  }
  return std::nullopt;
}

std::optional<std::string> PlotRunner::plot(const std::string& name, const fs::path& input,
                                            const fs::path& out_stem) const {
  const auto script = scripts_dir_ / (name + ".py");
  ProcessResult r;
  try {
    r = run_process(
        {python_.string(), script.string(), "--input", input.string(), "--out", out_stem.string()},
        timeout_s_);
  } catch (const Error& e) {
    return e.what();
  }
  if (r.timed_out) {
    return script.string() + " timed out after " + std::to_string(static_cast<int>(timeout_s_)) +
           " s; output: " + r.output;
  }
  if (r.exit_status != 0) {
    return script.string() + " failed with exit status " + std::to_string(r.exit_status) + ": " +
           r.output;
  }
  for (const char* ext : {".png", ".svg"}) {
    if (!fs::exists(out_stem.string() + ext)) {
      return script.string() + " exited 0 but wrote no " + out_stem.string() + ext;
    }
  }
  return std::nullopt;
}

}  // namespace erg::reports
