#pragma once

#include <filesystem>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

namespace erg::sweep {

// The append-only result store: one JSON object per line (JSONL), one line per evaluated
// variant, each with a "key" (config_key of its "config"). Every append is fsync'd, so a
// finished row survives kill -9. A torn last line (a kill mid-write) is detected on open,
// reported and cut off; damage anywhere else is an error naming the line.
class ResultStore {
 public:
  // Opens (creating if needed) and loads the store at `path`.
  explicit ResultStore(std::filesystem::path path);
  ~ResultStore();
  ResultStore(const ResultStore&) = delete;
  ResultStore& operator=(const ResultStore&) = delete;

  bool contains(const std::string& key) const;
  // Appends `row`, which must hold a string "key" not yet in the store. Thread-safe.
  void append(const nlohmann::json& row);

  // The rows in file order.
  std::vector<nlohmann::json> rows() const;
  std::size_t size() const;
  const std::filesystem::path& path() const { return path_; }
  // True when opening found and discarded a torn last line.
  bool discarded_torn_line() const { return discarded_torn_line_; }

 private:
  void load();

  std::filesystem::path path_;
  int fd_ = -1;
  mutable std::mutex mutex_;
  std::vector<nlohmann::json> rows_;
  std::unordered_map<std::string, std::size_t> index_;
  bool discarded_torn_line_ = false;
};

// Writes rows as CSV: "key" first, then one column per leaf of the flattened row
// ("config.asr.joiner.bits") in first-seen order, values quoted where needed.
void write_csv(const std::vector<nlohmann::json>& rows, const std::filesystem::path& path);

}  // namespace erg::sweep
