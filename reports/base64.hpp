#pragma once

#include <string>
#include <string_view>

namespace erg::reports {

// RFC 4648 base64 with padding, for data: URIs.
std::string base64_encode(std::string_view bytes);

}  // namespace erg::reports
