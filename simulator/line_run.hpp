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
class RunBuffer {
 public:
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const LineRun* begin() const { return data_.get(); }
  const LineRun* end() const { return data_.get() + size_; }
  const LineRun& operator[](std::size_t i) const { return data_[i]; }
  operator std::span<const LineRun>() const { return {data_.get(), size_}; }
  void clear() { size_ = 0; }

  // Appends `count` requests of `bytes` from `address` on.
  [[gnu::always_inline]] void push(std::uint64_t address, std::uint32_t bytes, std::uint32_t count,
                                   AccessOp op, ComponentId component) {
    if (size_ != 0) {
      LineRun& last = data_[size_ - 1];
      if (last.address + std::uint64_t{last.count} * last.bytes == address && last.bytes == bytes &&
          last.op == op && last.component == component && last.count <= UINT32_MAX - count) {
        last.count += count;
        return;
      }
    }
    if (size_ == capacity_) grow();
    data_[size_++] = {address, bytes, count, op, component};
  }
  void push(const LineRequest& r) { push(r.address, r.bytes, 1, r.op, r.component); }

 private:
  [[gnu::noinline]] void grow() {
    const std::size_t capacity = std::max<std::size_t>(2 * capacity_, 64);
    auto data = std::make_unique<LineRun[]>(capacity);
    std::copy(data_.get(), data_.get() + size_, data.get());
    data_ = std::move(data);
    capacity_ = capacity;
  }

  std::unique_ptr<LineRun[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace erg::simulator
