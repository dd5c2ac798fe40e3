#pragma once

#include <cstdint>

#include "models/runtime/variant.hpp"

namespace erg::models::specs {

// The bytes one use of a [rows, cols] weight reads after `transform`, computed from shapes alone
// so that paper-scale models need no weights. It follows runtime::Weight::stored_bytes exactly
// (values, scales, CSR indices, kept-row indices, bias); a test holds the two together.
std::uint64_t weight_footprint_bytes(std::uint64_t rows, std::uint64_t cols, bool has_bias,
                                     const runtime::Transform& transform);

// Weights a use multiplies by (kept entries), for MAC counts.
std::uint64_t weight_nonzeros(std::uint64_t rows, std::uint64_t cols,
                              const runtime::Transform& transform);

}  // namespace erg::models::specs
