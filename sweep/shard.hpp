#pragma once

#include <cstddef>
#include <string_view>

namespace erg::sweep {

// `--shard i/N`: this process evaluates jobs whose index is i modulo N (0 <= i < N).
struct Shard {
  std::size_t index = 0;
  std::size_t count = 1;

  // Parses "i/N"; throws erg::UsageError naming the text otherwise.
  static Shard parse(std::string_view text);
  bool owns(std::size_t job_index) const { return job_index % count == index; }
};

}  // namespace erg::sweep
