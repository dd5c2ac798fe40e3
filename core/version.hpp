#pragma once

#include <string_view>

namespace erg {

inline constexpr std::string_view kVersion = ERG_VERSION;
// The source tree this binary was built from; used to find shipped presets and weights when no
// explicit path is given. ERG_HOME in the environment overrides it (see core/paths.hpp).
inline constexpr std::string_view kSourceDir = ERG_SOURCE_DIR;

}  // namespace erg
