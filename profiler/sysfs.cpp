#include "profiler/sysfs.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "core/error.hpp"

namespace erg::profiler {

SysfsRead read_sysfs(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {std::nullopt, errno};
  std::string out;
  char buf[4096];
  int error = 0;
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      error = errno;
      break;
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (error != 0) return {std::nullopt, error};
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ' || out.back() == '\t')) {
    out.pop_back();
  }
  return {std::move(out), 0};
}

std::optional<std::string> read_sysfs_string(const std::filesystem::path& path) {
  return read_sysfs(path).value;
}

std::optional<std::uint64_t> read_sysfs_u64(const std::filesystem::path& path) {
  auto text = read_sysfs_string(path);
  if (!text) return std::nullopt;
  std::uint64_t value = 0;
  const char* first = text->data();
  const char* last = first + text->size();
  auto [ptr, ec] = std::from_chars(first, last, value);
  if (ec != std::errc() || ptr != last || text->empty()) {
    throw Error("malformed contents '" + *text + "' (expected an unsigned decimal integer)",
                path.string());
  }
  return value;
}

}  // namespace erg::profiler
