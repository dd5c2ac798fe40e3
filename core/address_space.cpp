#include "core/address_space.hpp"

#include <string>

#include "core/error.hpp"

namespace erg {

std::uint64_t AddressSpace::allocate(std::uint64_t bytes, std::uint64_t alignment) {
  if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
    throw Error("alignment " + std::to_string(alignment) + " is not a power of two",
                "AddressSpace::allocate");
  }
  const std::uint64_t start = (next_ + alignment - 1) & ~(alignment - 1);
  if (start < next_ || bytes > UINT64_MAX - start) {
    throw Error("virtual address space exhausted",
                "allocating " + std::to_string(bytes) + " bytes");
  }
  // A zero-byte tensor still gets its own address, so no two tensors share one.
  next_ = start + (bytes == 0 ? 1 : bytes);
  return start;
}

}  // namespace erg
