#pragma once

#include <filesystem>
#include <string_view>

namespace erg {

// The root holding erg's shipped data (simulator/presets, models/weights, configs):
// $ERG_HOME when set, else the source tree the binary was built from.
std::filesystem::path data_root();

// Resolves a CLI argument that may be a name or a path: an existing file is returned as is;
// otherwise "<data_root>/<folder>/<name><extension>". Throws erg::Error listing both places
// when neither exists.
std::filesystem::path resolve_named_file(std::string_view name_or_path, std::string_view folder,
                                         std::string_view extension, std::string_view what);

}  // namespace erg
