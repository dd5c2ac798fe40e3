#include "core/paths.hpp"

#include <cstdlib>
#include <string>

#include "core/error.hpp"
#include "core/version.hpp"

namespace erg {

std::filesystem::path data_root() {
  if (const char* home = std::getenv("ERG_HOME"); home != nullptr && *home != '\0') return home;
  return std::filesystem::path(std::string(kSourceDir));
}

std::filesystem::path resolve_named_file(std::string_view name_or_path, std::string_view folder,
                                         std::string_view extension, std::string_view what) {
  const std::filesystem::path direct{std::string(name_or_path)};
  std::error_code ec;
  if (std::filesystem::is_regular_file(direct, ec)) return direct;
  const auto named =
      data_root() / std::string(folder) / (std::string(name_or_path) + std::string(extension));
  if (std::filesystem::is_regular_file(named, ec)) return named;
  throw Error("no " + std::string(what) + " named '" + std::string(name_or_path) + "'",
              "looked for the file '" + direct.string() + "' and '" + named.string() + "'");
}

}  // namespace erg
