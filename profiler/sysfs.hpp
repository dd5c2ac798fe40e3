#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

// Small readers for sysfs and procfs files. They report why a read failed instead of
// returning a silent default.
namespace erg::profiler {

struct SysfsRead {
  std::optional<std::string> value;  // trimmed contents when the read succeeded
  int error = 0;                     // errno when it did not
};

SysfsRead read_sysfs(const std::filesystem::path& path);
// The trimmed contents, or nullopt on any error.
std::optional<std::string> read_sysfs_string(const std::filesystem::path& path);
// Parses a decimal unsigned integer file; throws erg::Error naming the file for malformed
// contents, returns nullopt when the file cannot be read.
std::optional<std::uint64_t> read_sysfs_u64(const std::filesystem::path& path);

}  // namespace erg::profiler
