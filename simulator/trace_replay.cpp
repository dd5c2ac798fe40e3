#include "simulator/trace_replay.hpp"

namespace erg::simulator {

ReplaySummary replay_trace(TraceReader& reader, Hierarchy& hierarchy) {
  ReplaySummary s;
  for (auto batch = reader.next_batch(); !batch.empty(); batch = reader.next_batch()) {
    s.record_count += batch.size();
    for (const TraceRecord& r : batch) {
      switch (r.kind) {
        case TraceKind::kRead:
        case TraceKind::kInstructionFetch:
          hierarchy.access(r.address, r.bytes, AccessOp::kRead, r.component);
          break;
        case TraceKind::kWrite:
          hierarchy.access(r.address, r.bytes, AccessOp::kWrite, r.component);
          break;
        case TraceKind::kMisc:
          ++s.ignored_record_count;
          break;
        case TraceKind::kFlush:
          ++s.flush_count;
          hierarchy.flush();
          break;
        case TraceKind::kInvalidate:
          ++s.invalidate_count;
          hierarchy.invalidate_all();
          break;
      }
    }
  }
  hierarchy.drain();
  return s;
}

}  // namespace erg::simulator
