// Traces: DineroIV din text and erg's binary format (simulator/trace_reader.hpp), detected from
// the first bytes, read to the end in small batches so records straddle batch boundaries.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/error.hpp"
#include "simulator/trace_reader.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = erg::fuzz::input_file(data, size, "input.trace");
  try {
    erg::simulator::TraceReader reader(path, 4);
    std::vector<erg::simulator::TraceRecord> batch;
    std::uint64_t bytes = 0;
    while (reader.next(batch, 7)) {
      for (const auto& r : batch)
        bytes += r.bytes;
    }
    (void)bytes;
  } catch (const erg::Error&) {
  }
  return 0;
}
