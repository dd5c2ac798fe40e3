#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace erg::sweep {

// A stable key for a variant's full configuration: 128 bits of two FNV-1a hashes over the
// canonical JSON (object keys sorted, no whitespace), as 32 hex digits. Equal configs give equal
// keys on any host and in any thread order.
std::string config_key(const nlohmann::json& config);

std::uint64_t fnv1a64(const std::string& bytes, std::uint64_t seed = 0xcbf29ce484222325ULL);

}  // namespace erg::sweep
