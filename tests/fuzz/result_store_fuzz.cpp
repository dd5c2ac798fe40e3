// The sweep's JSONL result store (sweep/result_store.hpp): the read-only reader that `erg report`
// uses, then the store itself, which repairs a torn last line on open.
#include <cstddef>
#include <cstdint>

#include "core/error.hpp"
#include "sweep/result_store.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = erg::fuzz::input_file(data, size, "results.jsonl");
  try {
    const auto contents = erg::sweep::read_result_store(path);
    (void)contents.rows.size();
  } catch (const erg::Error&) {
  }
  try {
    const erg::sweep::ResultStore store(path);
    for (const auto& row : store.rows())
      (void)row.size();
  } catch (const erg::Error&) {
  }
  return 0;
}
