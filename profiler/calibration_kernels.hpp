#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/access_sink.hpp"

namespace erg::profiler {

// A calibration microkernel: a loop that stresses one thing (streaming reads or writes over a
// buffer sized to one memory level, multiply-accumulates of one precision in registers, or an
// event-free spin) and can describe one pass of itself to an AccessSink, so the simulator
// counts exactly the events that pass makes. `erg calibrate` runs each for a while under the
// energy monitor and fits per-event energies to what it measured.
class CalibrationKernel {
 public:
  virtual ~CalibrationKernel() = default;
  virtual std::string_view name() const = 0;         // "read-l2", "mac-int8", "spin"
  virtual std::string_view description() const = 0;  // one line for tables
  // Runs `passes` passes of the real loop. Returns a checksum so the work cannot be elided.
  virtual std::uint64_t run(std::uint64_t passes) = 0;
  // Describes one pass (same addresses every pass) to `sink`: accesses per contiguous buffer,
  // MACs per precision. A pass of `spin` describes nothing.
  virtual void describe_pass(AccessSink& sink) const = 0;
};

// Where a stream kernel's buffer starts in erg's virtual address space (any 4 KiB-aligned value
// works: the simulator sees only this description, never the host pointer).
inline constexpr std::uint64_t kCalibrationBufferAddress = 0x4000'0000;

// Streaming reads (sum of 64-bit words) or writes (a store to every 64-bit word) over `bytes`
// bytes, allocated 64-byte aligned and touched once at construction.
std::unique_ptr<CalibrationKernel> make_stream_kernel(std::string name, AccessOp op,
                                                      std::uint64_t bytes);
// `macs_per_pass` multiply-accumulates of fp32 or int8 (acc += x * w, int8 into int32) on
// 16 fp32 or 32 int8 accumulators kept in registers: no memory traffic.
std::unique_ptr<CalibrationKernel> make_mac_kernel(std::string name, Precision precision,
                                                   std::uint64_t macs_per_pass);
// An integer recurrence in one register: the core busy with no memory or MAC events, which is
// what identifies static (active, not idle) power.
std::unique_ptr<CalibrationKernel> make_spin_kernel(std::uint64_t iterations_per_pass);

// One cache level of the machine being calibrated (from the preset that describes it).
struct CalibrationLevel {
  std::string name;  // "l1"
  std::uint64_t size_bytes = 0;
};

// The standard set: for each level a read and a write stream over half of it (or, when that
// would not exceed the level above, midway between the two sizes), a read and a write stream
// over 4x the last level (DRAM), fp32 and int8 MAC loops, and the spin. Throws erg::Error when
// `levels` is empty or its sizes do not grow.
std::vector<std::unique_ptr<CalibrationKernel>> make_calibration_kernels(
    const std::vector<CalibrationLevel>& levels);

// The streaming buffer size make_calibration_kernels uses for level `index` (levels.size() for
// DRAM).
std::uint64_t stream_bytes_for_level(const std::vector<CalibrationLevel>& levels,
                                     std::size_t index);

}  // namespace erg::profiler
