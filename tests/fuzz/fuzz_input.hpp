#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

// The parsers under fuzz take paths (they mmap, stream or hand the file to libsndfile), so each
// input is written to a file on tmpfs first. One file per process and target, rewritten per run.
namespace erg::fuzz {

// Created on first use, removed at exit.
class ScratchDir {
 public:
  ScratchDir() {
    const std::filesystem::path shm = "/dev/shm";
    const auto base =
        std::filesystem::is_directory(shm) ? shm : std::filesystem::temp_directory_path();
    path_ = base / ("erg-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline const std::filesystem::path& scratch_dir() {
  static const ScratchDir dir;
  return dir.path();
}

inline void write_file(const std::filesystem::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Writes the input to <scratch>/<name> and returns that path.
inline std::filesystem::path input_file(const std::uint8_t* data, std::size_t size,
                                        const std::string& name) {
  auto path = scratch_dir() / name;
  write_file(path, {reinterpret_cast<const char*>(data), size});
  return path;
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace erg::fuzz
