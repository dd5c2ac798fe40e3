#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <utility>

#include "core/access_event.hpp"

namespace erg::simulator {

// One request between adjacent levels: a line fill, a line writeback, or (below the first level)
// a forwarded partial write. `address` lies inside one line of the receiving level.
struct LineRequest {
  std::uint64_t address = 0;
  std::uint32_t bytes = 0;
  AccessOp op = AccessOp::kRead;
  ComponentId component = kNoComponent;
};

// A growable array of trivially copyable records whose hot path writes through a raw pointer:
// a level reserves room for its worst case (two requests out per request in), writes, then
// commits the new end, so serving a request does no capacity check and no call.
template <class T>
class GrowableBuffer {
 public:
  GrowableBuffer() = default;
  GrowableBuffer(GrowableBuffer&&) noexcept = default;
  GrowableBuffer& operator=(GrowableBuffer&&) noexcept = default;

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const T* data() const { return data_.get(); }
  const T* begin() const { return data_.get(); }
  const T* end() const { return data_.get() + size_; }
  const T& operator[](std::size_t i) const { return data_[i]; }
  operator std::span<const T>() const { return {data_.get(), size_}; }

  void clear() { size_ = 0; }
  void reserve(std::size_t n) {
    if (n > capacity_) grow(n);
  }
  void push_back(const T& r) {
    if (size_ == capacity_) grow(size_ + 1);
    data_[size_++] = r;
  }
  // Room for `n` more records: write them through the pointer, then commit() the new end.
  T* append(std::size_t n) {
    reserve(size_ + n);
    return data_.get() + size_;
  }
  void commit(const T* new_end) { size_ = static_cast<std::size_t>(new_end - data_.get()); }
  void swap(GrowableBuffer& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(capacity_, other.capacity_);
  }

 protected:
  T& back() { return data_[size_ - 1]; }

 private:
  [[gnu::noinline]] void grow(std::size_t n) {
    const std::size_t capacity = std::max<std::size_t>({n, 2 * capacity_, 64});
    auto data = std::make_unique<T[]>(capacity);
    std::copy(data_.get(), data_.get() + size_, data.get());
    data_ = std::move(data);
    capacity_ = capacity;
  }

  std::unique_ptr<T[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

using RequestBuffer = GrowableBuffer<LineRequest>;

// Counters are kept per component; slot 0 collects events that carry no component, so the
// index is component + 1 with kNoComponent wrapping to 0.
inline std::uint32_t component_slot(ComponentId component) {
  return component + 1;
}
inline ComponentId slot_component(std::uint32_t slot) {
  return slot - 1;
}

}  // namespace erg::simulator
