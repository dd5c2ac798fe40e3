#pragma once

#include <cstdint>

namespace erg::simulator {

// What one cache level counted, for one component or in total. Reads and writes are the
// requests that arrived (from the processor or from the level above, writebacks included);
// fills are lines brought in from below; writebacks are dirty lines sent below.
struct LevelCounts {
  std::uint64_t read_count = 0;
  std::uint64_t write_count = 0;
  std::uint64_t read_hit_count = 0;
  std::uint64_t write_hit_count = 0;
  std::uint64_t read_miss_count = 0;
  std::uint64_t write_miss_count = 0;
  std::uint64_t compulsory_miss_count = 0;
  std::uint64_t capacity_miss_count = 0;
  std::uint64_t conflict_miss_count = 0;
  std::uint64_t fill_count = 0;
  std::uint64_t writeback_count = 0;
  std::uint64_t write_through_count = 0;  // writes forwarded below (write-through, no-allocate)
  std::uint64_t back_invalidation_count = 0;
  std::uint64_t bytes_in = 0;   // filled from below
  std::uint64_t bytes_out = 0;  // sent below: writebacks and forwarded writes

  std::uint64_t access_count() const { return read_count + write_count; }
  std::uint64_t hit_count() const { return read_hit_count + write_hit_count; }
  std::uint64_t miss_count() const { return read_miss_count + write_miss_count; }

  LevelCounts& operator+=(const LevelCounts& o) {
    read_count += o.read_count;
    write_count += o.write_count;
    read_hit_count += o.read_hit_count;
    write_hit_count += o.write_hit_count;
    read_miss_count += o.read_miss_count;
    write_miss_count += o.write_miss_count;
    compulsory_miss_count += o.compulsory_miss_count;
    capacity_miss_count += o.capacity_miss_count;
    conflict_miss_count += o.conflict_miss_count;
    fill_count += o.fill_count;
    writeback_count += o.writeback_count;
    write_through_count += o.write_through_count;
    back_invalidation_count += o.back_invalidation_count;
    bytes_in += o.bytes_in;
    bytes_out += o.bytes_out;
    return *this;
  }
  bool operator==(const LevelCounts&) const = default;
};

}  // namespace erg::simulator
