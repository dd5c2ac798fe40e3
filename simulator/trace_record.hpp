#pragma once

#include <cstdint>
#include <optional>

#include "core/access_event.hpp"

namespace erg::simulator {

// DineroIV's record kinds: din labels 0-4 and the extended letters r, w, i, m, c, v.
enum class TraceKind : std::uint8_t {
  kRead = 0,              // 0 / r
  kWrite = 1,             // 1 / w
  kInstructionFetch = 2,  // 2 / i: simulated as a read
  kMisc = 3,              // 3 / m: ignored
  kFlush = 4,             // 4 / c: copy back every dirty line
  kInvalidate = 5,        // v: drop every line
};

struct TraceRecord {
  std::uint64_t address = 0;
  std::uint32_t bytes = 0;
  TraceKind kind = TraceKind::kRead;
  ComponentId component = kNoComponent;
};

enum class TraceFormat { kDin, kBinary };

// The largest size one access record may carry: 1 GiB (the writer splits longer accesses). A
// record's [address, address + bytes) must also end at or below 2^64.
inline constexpr std::uint32_t kMaxRecordBytes = std::uint32_t{1} << 30;

// Whether the record is an access (read, write, instruction fetch, misc), whose address and size
// mean a byte range; flush and invalidate records act on the whole hierarchy.
inline bool is_access(TraceKind kind) {
  return kind <= TraceKind::kMisc;
}

}  // namespace erg::simulator
