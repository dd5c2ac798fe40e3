#include "core/access_event.hpp"

namespace erg {

std::string_view to_string(AccessOp op) {
  return op == AccessOp::kRead ? "read" : "write";
}

std::string_view to_string(Precision precision) {
  switch (precision) {
    case Precision::kFp32:
      return "fp32";
    case Precision::kFp16:
      return "fp16";
    case Precision::kInt8:
      return "int8";
    case Precision::kInt4:
      return "int4";
  }
  return "unknown";
}

std::optional<Precision> parse_precision(std::string_view text) {
  if (text == "fp32") return Precision::kFp32;
  if (text == "fp16") return Precision::kFp16;
  if (text == "int8") return Precision::kInt8;
  if (text == "int4") return Precision::kInt4;
  return std::nullopt;
}

int bits_of(Precision precision) {
  switch (precision) {
    case Precision::kFp32:
      return 32;
    case Precision::kFp16:
      return 16;
    case Precision::kInt8:
      return 8;
    case Precision::kInt4:
      return 4;
  }
  return 0;
}

}  // namespace erg
