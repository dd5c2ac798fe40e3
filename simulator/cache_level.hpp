#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "simulator/cache_config.hpp"
#include "simulator/level_counts.hpp"
#include "simulator/line_request.hpp"
#include "simulator/line_run.hpp"

namespace erg::simulator {

// A line leaving a level, reported to the hierarchy for inclusive back-invalidation.
struct Eviction {
  std::uint64_t address = 0;
  bool dirty = false;
};

// One cache level. The interface is virtual per batch of requests, never per request: the
// implementation (SetAssocCache<Policy>) is templated on its replacement policy.
class CacheLevel {
 public:
  explicit CacheLevel(CacheConfig config) : config_(std::move(config)) {}
  virtual ~CacheLevel() = default;
  CacheLevel(const CacheLevel&) = delete;
  CacheLevel& operator=(const CacheLevel&) = delete;

  const CacheConfig& config() const { return config_; }

  // Serves `in` in order and appends what the next level must see (fills, writebacks, forwarded
  // writes) to `out`, in the order they happen; a miss's fill goes before its dirty victim's
  // writeback, as in DineroIV.
  virtual void process(std::span<const LineRequest> in, RequestBuffer& out) = 0;
  // The same for runs of requests: identical counts, and `out` holds the same requests in the
  // same order, joined into runs. This default serves each run's requests through process().
  virtual void process_runs(std::span<const LineRun> in, RunBuffer& out);
  // Drops every line overlapping [address, address + bytes); returns whether any was dirty.
  virtual bool invalidate(std::uint64_t address, std::uint64_t bytes, ComponentId component) = 0;
  // Writes back every dirty line (they stay resident, now clean).
  virtual void flush(RequestBuffer& out) = 0;
  // Drops every line, dirty data included (DineroIV's invalidate record).
  virtual void invalidate_all() = 0;
  virtual bool contains(std::uint64_t address) const = 0;
  virtual std::vector<std::uint64_t> resident_lines() const = 0;

  void set_track_evictions(bool on) { track_evictions_ = on; }
  std::vector<Eviction>& evictions() { return evictions_; }

  // Counters indexed by component_slot(); the hierarchy sizes them before events arrive.
  void ensure_slots(std::size_t slots) {
    if (counts_.size() < slots) counts_.resize(slots);
  }
  const std::vector<LevelCounts>& counts_by_slot() const { return counts_; }
  LevelCounts total() const {
    LevelCounts sum;
    for (const auto& c : counts_)
      sum += c;
    return sum;
  }
  void reset_counts() {
    for (auto& c : counts_)
      c = LevelCounts{};
  }

 protected:
  CacheConfig config_;
  std::vector<LevelCounts> counts_ = std::vector<LevelCounts>(1);
  bool track_evictions_ = false;
  std::vector<Eviction> evictions_;

 private:
  RequestBuffer run_in_, run_out_;  // scratch for the default process_runs
};

// Builds the level for config.replacement. Throws erg::Error for an invalid config.
std::unique_ptr<CacheLevel> make_cache_level(const CacheConfig& config,
                                             const std::string& where = "cache");

}  // namespace erg::simulator
