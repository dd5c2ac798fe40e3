#pragma once

#include <linux/perf_event.h>
#include <sys/types.h>

#include <cstddef>

namespace erg::profiler {

// A thin seam over the perf_event system calls so that tests can exercise the hardware-event
// paths on machines (such as VMs) whose PMU exposes no hardware counters.
class PerfSyscalls {
 public:
  virtual ~PerfSyscalls() = default;
  // Returns a file descriptor, or -errno.
  virtual int open(perf_event_attr& attr, pid_t pid, int cpu, int group_fd,
                   unsigned long flags) = 0;
  virtual ssize_t read(int fd, void* buf, std::size_t bytes) = 0;
  virtual int ioctl(int fd, unsigned long request, unsigned long arg) = 0;
  virtual int close(int fd) = 0;
};

// The real kernel interface.
PerfSyscalls& kernel_perf_syscalls();

}  // namespace erg::profiler
