#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>

#include "simulator/line_request.hpp"

namespace erg::simulator {

// `count` requests of `bytes` each, back to back: request k covers
// [address + k * bytes, address + (k + 1) * bytes), all with the same op and component. A streamed
// tensor reaches a level as one run instead of thousands of requests, and a level that misses on
// every line of it sends one run below. A run means exactly its requests, in order: splitting or
// joining runs changes no count.
struct LineRun {
  std::uint64_t address = 0;
  std::uint32_t bytes = 0;
  std::uint32_t count = 1;
  AccessOp op = AccessOp::kRead;
  ComponentId component = kNoComponent;

  LineRequest request(std::uint32_t k) const {
    return {address + std::uint64_t{k} * bytes, bytes, op, component};
  }
};

// A growable array of runs; push() joins a request onto the last run when it continues it.
class RunBuffer : public GrowableBuffer<LineRun> {
 public:
  // Appends `count` requests of `bytes` from `address` on.
  [[gnu::always_inline]] void push(std::uint64_t address, std::uint32_t bytes, std::uint32_t count,
                                   AccessOp op, ComponentId component) {
    if (!empty() && address != 0) {  // a run never wraps from 2^64 to 0
      LineRun& last = back();
      if (last.address + std::uint64_t{last.count} * last.bytes == address && last.bytes == bytes &&
          last.op == op && last.component == component && last.count <= UINT32_MAX - count) {
        last.count += count;
        return;
      }
    }
    push_back({address, bytes, count, op, component});
  }
  void push(const LineRequest& r) { push(r.address, r.bytes, 1, r.op, r.component); }
};

}  // namespace erg::simulator
