#include "simulator/trace_replay.hpp"

#include <array>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace erg::simulator {
namespace {

// The reader runs on its own thread, up to kSlots batches ahead, so reading and parsing the
// trace overlap the simulation instead of adding to it.
constexpr std::size_t kSlots = 3;
constexpr std::size_t kSlotRecords = 16384;

struct Slot {
  std::vector<TraceRecord> records = std::vector<TraceRecord>(kSlotRecords);
  std::size_t size = 0;
  bool last = false;         // the trace ends (or failed) here
  std::exception_ptr error;  // what the reader threw, rethrown where the records stop
};

void replay(std::span<const TraceRecord> records, Hierarchy& hierarchy, ReplaySummary& s) {
  for (const TraceRecord& r : records) {
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

}  // namespace

ReplaySummary replay_trace(TraceReader& reader, Hierarchy& hierarchy) {
  ReplaySummary s;
  std::array<Slot, kSlots> slots;
  std::mutex mutex;
  std::condition_variable changed;
  std::size_t produced = 0, consumed = 0;  // batches; slot i % kSlots holds batch i
  bool stop = false;
  std::jthread producer([&] {
    for (;;) {
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return stop || produced - consumed < kSlots; });
        if (stop) return;
      }
      Slot& slot = slots[produced % kSlots];
      try {
        slot.size = reader.read(slot.records);
        slot.last = slot.size == 0;
      } catch (...) {
        slot.error = std::current_exception();
        slot.last = true;
      }
      {
        std::lock_guard lock(mutex);
        ++produced;
      }
      changed.notify_all();
      if (slot.last) return;
    }
  });
  // However this function leaves, the producer is stopped before it is joined.
  struct Stop {
    std::mutex& mutex;
    std::condition_variable& changed;
    bool& stop;
    ~Stop() {
      {
        std::lock_guard lock(mutex);
        stop = true;
      }
      changed.notify_all();
    }
  } stop_producer{mutex, changed, stop};
  for (;;) {
    {
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] { return produced > consumed; });
    }
    const Slot& slot = slots[consumed % kSlots];
    if (slot.error) std::rethrow_exception(slot.error);
    if (slot.last) break;
    s.record_count += slot.size;
    replay({slot.records.data(), slot.size}, hierarchy, s);
    {
      std::lock_guard lock(mutex);
      ++consumed;
    }
    changed.notify_all();
  }
  hierarchy.drain();
  return s;
}

}  // namespace erg::simulator
