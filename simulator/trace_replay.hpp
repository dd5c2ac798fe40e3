#pragma once

#include <cstdint>

#include "simulator/hierarchy.hpp"
#include "simulator/trace_reader.hpp"

namespace erg::simulator {

struct ReplaySummary {
  std::uint64_t record_count = 0;
  std::uint64_t ignored_record_count = 0;  // din label 3 / m
  std::uint64_t flush_count = 0;
  std::uint64_t invalidate_count = 0;
};

// Feeds every record of `reader` into `hierarchy`: reads and instruction fetches as reads,
// writes as writes, flush records as Hierarchy::flush, invalidate records as invalidate_all.
ReplaySummary replay_trace(TraceReader& reader, Hierarchy& hierarchy);

}  // namespace erg::simulator
