#pragma once

#include <filesystem>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

namespace erg::sweep {

// What a store file holds, read without changing it: the rows in file order (the first of each
// key) and whether the last line was torn (it lacks its newline: a write that kill -9
// interrupted), which is left out. Damage anywhere else is an erg::Error naming the line.
struct StoreContents {
  std::vector<nlohmann::json> rows;
  std::vector<std::size_t> line_numbers;  // of each row, 1-based
  bool torn_last_line = false;
  std::size_t torn_line_number = 0;  // 1-based, when torn
  std::size_t intact_bytes = 0;      // the bytes before the torn line (the whole file otherwise)
};
StoreContents read_result_store(const std::filesystem::path& path);

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
  // True when `key` was in the file when this store was opened (a row of an earlier run), false
  // for a row appended since or one not stored.
  bool loaded_at_open(const std::string& key) const;
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
  std::size_t rows_at_open_ = 0;
};

// Writes rows as CSV: "key" first, then one column per leaf of the flattened row
// ("config.asr.joiner.bits") in first-seen order, values quoted where needed.
void write_csv(const std::vector<nlohmann::json>& rows, const std::filesystem::path& path);

}  // namespace erg::sweep
