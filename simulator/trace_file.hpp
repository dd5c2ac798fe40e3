#pragma once

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

namespace erg::simulator {

// An owned stdio stream; closing is RAII.
struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f != nullptr) std::fclose(f);
  }
};
using FileHandle = std::unique_ptr<std::FILE, FileCloser>;

// Opens `path` with `mode`; throws erg::Error naming the path and the reason.
FileHandle open_file(const std::filesystem::path& path, const char* mode, const std::string& what);

}  // namespace erg::simulator
