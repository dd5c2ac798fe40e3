#pragma once

#include <cstdint>
#include <string>

namespace erg::simulator {

// DRAM organisation and address mapping. `mapping` lists the address fields from the most to the
// least significant bits, Ramulator-style: Ro (row), Ba (bank), Ra (rank), Co (column, in bursts),
// Ch (channel). Below them sit the log2(burst_bytes) offset bits. Every count is a power of two.
struct DramConfig {
  std::uint32_t channels = 1;
  std::uint32_t ranks = 1;
  std::uint32_t banks = 8;  // per rank
  std::uint64_t rows = 65536;
  std::uint64_t row_bytes = 2048;  // bytes per row (page) across the rank
  std::uint32_t burst_bytes = 64;  // bytes one read or write burst moves
  std::string mapping = "RoBaRaCoCh";
};

// Throws erg::Error naming "<where>.<field>" and what it must be.
void validate(const DramConfig& config, const std::string& where);

}  // namespace erg::simulator
