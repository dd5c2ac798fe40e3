#include "profiler/perf_syscalls.hpp"

#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace erg::profiler {
namespace {

class KernelPerfSyscalls final : public PerfSyscalls {
 public:
  int open(perf_event_attr& attr, pid_t pid, int cpu, int group_fd, unsigned long flags) override {
    const long fd = ::syscall(SYS_perf_event_open, &attr, pid, cpu, group_fd, flags);
    return fd < 0 ? -errno : static_cast<int>(fd);
  }
  ssize_t read(int fd, void* buf, std::size_t bytes) override { return ::read(fd, buf, bytes); }
  int ioctl(int fd, unsigned long request, unsigned long arg) override {
    return ::ioctl(fd, request, arg);
  }
  int close(int fd) override { return ::close(fd); }
};

}  // namespace

PerfSyscalls& kernel_perf_syscalls() {
  static KernelPerfSyscalls syscalls;
  return syscalls;
}

}  // namespace erg::profiler
