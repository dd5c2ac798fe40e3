#include "simulator/trace_file.hpp"

#include <cerrno>
#include <cstring>

#include "core/error.hpp"

namespace erg::simulator {

FileHandle open_file(const std::filesystem::path& path, const char* mode, const std::string& what) {
  FileHandle f(std::fopen(path.c_str(), mode));
  if (!f) throw Error("cannot open " + what + " (" + std::strerror(errno) + ")", path.string());
  return f;
}

}  // namespace erg::simulator
