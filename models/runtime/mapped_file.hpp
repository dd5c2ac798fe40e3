#pragma once

#include <cstddef>
#include <filesystem>
#include <span>

namespace erg::models::runtime {

// A read-only memory mapping of a whole file. Owns the descriptor and the mapping; both are
// released by the destructor. An empty file maps to an empty span.
class MappedFile {
 public:
  // Throws erg::Error naming the file when it cannot be opened, stat'ed or mapped.
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::span<const std::byte> bytes() const { return {data_, size_}; }
  const std::filesystem::path& path() const { return path_; }

 private:
  void release() noexcept;

  std::filesystem::path path_;
  int fd_ = -1;
  const std::byte* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace erg::models::runtime
