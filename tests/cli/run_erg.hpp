#pragma once
// Runs the real erg binary (ERG_BINARY, set by tests/CMakeLists.txt) with a shell command line and
// collects its exit status and output, for the CLI tests that check what a user sees.
#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace erg::cli {

struct Result {
  int exit_status = -1;
  std::string output;  // stdout (stderr too when merged)
};

inline Result run_erg(const std::string& args, bool merge_stderr = false) {
  const std::string cmd = std::string(ERG_BINARY) + " " + args + (merge_stderr ? " 2>&1" : "");
  Result r;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return r;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;)
    r.output.append(buf, n);
  const int status = ::pclose(pipe);
  r.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

inline Result run_erg_merged(const std::string& args) {
  return run_erg(args, true);
}

}  // namespace erg::cli
