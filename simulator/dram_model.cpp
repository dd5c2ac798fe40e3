#include "simulator/dram_model.hpp"

#include <algorithm>
#include <bit>
#include <string_view>

#include "core/error.hpp"

namespace erg::simulator {
namespace {

constexpr std::uint64_t kClosed = UINT64_MAX;

void require_pow2(std::uint64_t value, const std::string& where, const char* field) {
  if (value == 0 || !std::has_single_bit(value))
    throw Error("DRAM " + std::string(field) + " must be a power of two (got " +
                    std::to_string(value) + ")",
                where + "." + field);
}

}  // namespace

DramCounts& DramCounts::operator+=(const DramCounts& o) {
  row_hit_count += o.row_hit_count;
  row_miss_count += o.row_miss_count;
  row_conflict_count += o.row_conflict_count;
  activation_count += o.activation_count;
  precharge_count += o.precharge_count;
  read_burst_count += o.read_burst_count;
  write_burst_count += o.write_burst_count;
  read_bytes += o.read_bytes;
  write_bytes += o.write_bytes;
  return *this;
}

void validate(const DramConfig& c, const std::string& where) {
  require_pow2(c.channels, where, "channels");
  require_pow2(c.ranks, where, "ranks");
  require_pow2(c.banks, where, "banks");
  require_pow2(c.rows, where, "rows");
  require_pow2(c.row_bytes, where, "row_bytes");
  require_pow2(c.burst_bytes, where, "burst_bytes");
  if (c.row_bytes < c.burst_bytes)
    throw Error("DRAM row_bytes must be at least burst_bytes", where + ".row_bytes");
  std::string_view m = c.mapping;
  std::string seen;
  if (m.size() != 10)
    throw Error(
        "DRAM mapping must name Ro, Ba, Ra, Co and Ch once each, most significant first "
        "(e.g. \"RoBaRaCoCh\"), got \"" +
            c.mapping + "\"",
        where + ".mapping");
  for (std::size_t i = 0; i < m.size(); i += 2) {
    const std::string_view token = m.substr(i, 2);
    if (token != "Ro" && token != "Ba" && token != "Ra" && token != "Co" && token != "Ch")
      throw Error("DRAM mapping has unknown field '" + std::string(token) +
                      "' (expected Ro, Ba, Ra, Co, Ch)",
                  where + ".mapping");
    if (seen.find(token) != std::string::npos)
      throw Error("DRAM mapping names '" + std::string(token) + "' twice", where + ".mapping");
    seen += std::string(token) + ",";
  }
}

DramModel::DramModel(const DramConfig& config, const std::string& where) : config_(config) {
  validate(config_, where);
  burst_shift_ = std::countr_zero(std::uint64_t{config_.burst_bytes});
  const auto bits = [](std::uint64_t count) { return std::countr_zero(count); };
  std::array<int, kFieldCount> width{};
  width[kRow] = bits(config_.rows);
  width[kBank] = bits(config_.banks);
  width[kRank] = bits(config_.ranks);
  width[kColumn] = bits(config_.row_bytes / config_.burst_bytes);
  width[kChannel] = bits(config_.channels);
  // Walk the mapping from its least significant field upwards.
  int shift = 0;
  for (int i = static_cast<int>(config_.mapping.size()) - 2; i >= 0; i -= 2) {
    const std::string_view token = std::string_view(config_.mapping).substr(i, 2);
    const Field f = token == "Ro"   ? kRow
                    : token == "Ba" ? kBank
                    : token == "Ra" ? kRank
                    : token == "Co" ? kColumn
                                    : kChannel;
    fields_[f] = {shift, (std::uint64_t{1} << width[f]) - 1};
    shift += width[f];
  }
  open_row_.assign(static_cast<std::size_t>(config_.channels) * config_.ranks * config_.banks,
                   kClosed);
  low_bits_ = fields_[kColumn].shift;
  block_mask_ = (std::uint64_t{1} << (low_bits_ + width[kColumn])) - 1;
  bulk_row_hits_ = width[kRow] == 0 || fields_[kRow].shift > fields_[kColumn].shift;
}

DramCoordinates DramModel::decode(std::uint64_t address) const {
  const std::uint64_t burst = address >> burst_shift_;
  const auto get = [&](Field f) { return (burst >> fields_[f].shift) & fields_[f].mask; };
  return {static_cast<std::uint32_t>(get(kChannel)), static_cast<std::uint32_t>(get(kRank)),
          static_cast<std::uint32_t>(get(kBank)), get(kRow), get(kColumn)};
}

// One burst meets its bank's row buffer: a hit, a miss (precharged bank) or a conflict.
[[gnu::always_inline]] inline void DramModel::open(std::uint64_t burst, DramCounts& c) {
  const auto get = [&](Field f) { return (burst >> fields_[f].shift) & fields_[f].mask; };
  const std::size_t bank =
      (get(kChannel) * config_.ranks + get(kRank)) * config_.banks + get(kBank);
  const std::uint64_t row = get(kRow);
  std::uint64_t& open = open_row_[bank];
  if (open == row) {
    ++c.row_hit_count;
    return;
  }
  if (open == kClosed) {
    ++c.row_miss_count;
  } else {
    ++c.row_conflict_count;
    ++c.precharge_count;
  }
  ++c.activation_count;
  open = row;
}

void DramModel::process_runs(std::span<const LineRun> runs) {
  const std::uint64_t burst_mask = config_.burst_bytes - 1;
  for (const LineRun& r : runs) {
    if (((r.address | r.bytes) & burst_mask) == 0) {
      // Whole aligned bursts: the run's requests cover consecutive bursts, each once, in order.
      access(r.address, std::uint64_t{r.count} * r.bytes, r.op, r.component);
      continue;
    }
    for (std::uint32_t k = 0; k < r.count; ++k)
      access(r.address + std::uint64_t{k} * r.bytes, r.bytes, r.op, r.component);
  }
}

void DramModel::access(std::uint64_t address, std::uint64_t bytes, AccessOp op,
                       ComponentId component) {
  DramCounts& c = counts_[component_slot(component)];
  const std::uint64_t first = address >> burst_shift_;
  const std::uint64_t last = (address + (bytes == 0 ? 1 : bytes) - 1) >> burst_shift_;
  const std::uint64_t low_count = std::uint64_t{1} << low_bits_;
  if (bulk_row_hits_ && last - first >= 2 * low_count) {
    // Within one column block, the first 2^low_bits consecutive bursts touch every bank the
    // block maps to (each bank one row); every later burst of the block finds its row open.
    for (std::uint64_t burst = first; burst <= last;) {
      const std::uint64_t segment_last = std::min(burst | block_mask_, last);
      const std::uint64_t length = segment_last - burst + 1;
      const std::uint64_t full = std::min(length, low_count);
      for (std::uint64_t k = 0; k < full; ++k)
        open(burst + k, c);
      c.row_hit_count += length - full;
      burst = segment_last + 1;
    }
  } else {
    for (std::uint64_t burst = first; burst <= last; ++burst)
      open(burst, c);
  }
  const std::uint64_t bursts = last - first + 1;
  const std::uint64_t moved = bursts * config_.burst_bytes;
  if (op == AccessOp::kRead) {
    c.read_burst_count += bursts;
    c.read_bytes += moved;
  } else {
    c.write_burst_count += bursts;
    c.write_bytes += moved;
  }
  bytes_moved_ += moved;
}

DramCounts DramModel::total() const {
  DramCounts sum;
  for (const auto& c : counts_)
    sum += c;
  return sum;
}

}  // namespace erg::simulator
