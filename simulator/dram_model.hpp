#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "simulator/dram_config.hpp"
#include "simulator/line_request.hpp"
#include "simulator/line_run.hpp"

namespace erg::simulator {

struct DramCounts {
  std::uint64_t row_hit_count = 0;
  std::uint64_t row_miss_count = 0;      // the bank was precharged: ACT only
  std::uint64_t row_conflict_count = 0;  // another row was open: PRE then ACT
  std::uint64_t activation_count = 0;
  std::uint64_t precharge_count = 0;
  std::uint64_t read_burst_count = 0;
  std::uint64_t write_burst_count = 0;
  std::uint64_t read_bytes = 0;  // bursts x burst size
  std::uint64_t write_bytes = 0;

  DramCounts& operator+=(const DramCounts& o);
  bool operator==(const DramCounts&) const = default;
};

struct DramCoordinates {
  std::uint32_t channel = 0;
  std::uint32_t rank = 0;
  std::uint32_t bank = 0;
  std::uint64_t row = 0;
  std::uint64_t column = 0;  // in bursts
};

// Event-level DRAM: each burst is mapped to its bank, and an open-page row buffer per bank
// classifies it as a row hit, miss or conflict. No cycles are ticked; energy comes from the counts
// and from background and refresh power over the simulated time (see energy_model.hpp).
class DramModel {
 public:
  explicit DramModel(const DramConfig& config, const std::string& where = "dram");

  void process(std::span<const LineRequest> requests) {
    for (const LineRequest& r : requests)
      access(r.address, r.bytes, r.op, r.component);
  }
  void process_runs(std::span<const LineRun> runs);
  // Every burst overlapping [address, address + bytes).
  void access(std::uint64_t address, std::uint64_t bytes, AccessOp op, ComponentId component);
  DramCoordinates decode(std::uint64_t address) const;

  const DramConfig& config() const { return config_; }
  void ensure_slots(std::size_t slots) {
    if (counts_.size() < slots) counts_.resize(slots);
  }
  const std::vector<DramCounts>& counts_by_slot() const { return counts_; }
  DramCounts total() const;
  // Bytes moved so far (reads + writes); the roofline divides this by the bandwidth.
  std::uint64_t bytes_moved() const { return bytes_moved_; }

 private:
  enum Field { kRow, kBank, kRank, kColumn, kChannel, kFieldCount };
  struct BitField {
    int shift = 0;
    std::uint64_t mask = 0;
  };

  void open(std::uint64_t burst, DramCounts& c);

  DramConfig config_;
  int burst_shift_ = 0;
  // When no row bits lie below the column bits, the bursts of one column block (consecutive
  // bursts that differ in the column and lower fields only) after its first 2^low_bits each hit
  // the row their bank just opened; long runs count those as row hits in bulk.
  bool bulk_row_hits_ = false;
  int low_bits_ = 0;
  std::uint64_t block_mask_ = 0;
  std::array<BitField, kFieldCount> fields_{};
  std::vector<std::uint64_t> open_row_;  // per (channel, rank, bank); kClosed when precharged
  std::vector<DramCounts> counts_ = std::vector<DramCounts>(1);
  std::uint64_t bytes_moved_ = 0;
};

}  // namespace erg::simulator
