#include "sweep/result_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/error.hpp"

namespace erg::sweep {
namespace {

std::string errno_text() {
  return std::strerror(errno);
}

void write_all(int fd, const std::string& data, const std::filesystem::path& path) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error("cannot append to result store (" + errno_text() + ")", path.string());
    }
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

StoreContents read_result_store(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  StoreContents out;
  std::unordered_map<std::string, bool> seen;
  std::size_t pos = 0;
  std::size_t line_no = 0;
  while (pos < text.size()) {
    ++line_no;
    const std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) {
      // Only the last line can lack its newline: a write that kill -9 interrupted.
      out.torn_last_line = true;
      out.torn_line_number = line_no;
      break;
    }
    const std::string where = path.string() + ":" + std::to_string(line_no);
    nlohmann::json row = nlohmann::json::parse(text.substr(pos, end - pos), nullptr, false);
    if (row.is_discarded() || !row.is_object() || !row.contains("key") || !row["key"].is_string()) {
      throw Error("malformed result row (expected a JSON object with a string \"key\")", where);
    }
    if (seen.emplace(row["key"].get<std::string>(), true).second) {
      out.rows.push_back(std::move(row));
      out.line_numbers.push_back(line_no);
    }
    pos = end + 1;
  }
  out.intact_bytes = pos;
  return out;
}

ResultStore::ResultStore(std::filesystem::path path) : path_(std::move(path)) {
  if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path());
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error("cannot open result store (" + errno_text() + ")", path_.string());
  try {
    load();
  } catch (...) {
    ::close(fd_);
    throw;
  }
  if (::lseek(fd_, 0, SEEK_END) < 0) {
    ::close(fd_);
    throw Error("cannot seek result store (" + errno_text() + ")", path_.string());
  }
}

ResultStore::~ResultStore() {
  if (fd_ >= 0) ::close(fd_);
}

void ResultStore::load() {
  auto contents = read_result_store(path_);
  if (contents.torn_last_line) {
    // It was never fsync'd as a finished row, so dropping it loses nothing.
    discarded_torn_line_ = true;
    if (::ftruncate(fd_, static_cast<off_t>(contents.intact_bytes)) != 0) {
      throw Error("cannot cut the torn last line (" + errno_text() + ")",
                  path_.string() + ":" + std::to_string(contents.torn_line_number));
    }
  }
  rows_ = std::move(contents.rows);
  for (std::size_t i = 0; i < rows_.size(); ++i)
    index_.emplace(rows_[i]["key"].get<std::string>(), i);
  rows_at_open_ = rows_.size();
}

bool ResultStore::contains(const std::string& key) const {
  std::lock_guard lock(mutex_);
  return index_.count(key) != 0;
}

bool ResultStore::loaded_at_open(const std::string& key) const {
  std::lock_guard lock(mutex_);
  const auto it = index_.find(key);
  return it != index_.end() && it->second < rows_at_open_;
}

void ResultStore::append(const nlohmann::json& row) {
  if (!row.is_object() || !row.contains("key") || !row["key"].is_string()) {
    throw Error("result row needs a string \"key\"", path_.string());
  }
  const std::string key = row["key"].get<std::string>();
  const std::string line = row.dump() + "\n";
  std::lock_guard lock(mutex_);
  if (index_.count(key)) throw Error("duplicate result key '" + key + "'", path_.string());
  write_all(fd_, line, path_);
  if (::fsync(fd_) != 0) throw Error("fsync failed (" + errno_text() + ")", path_.string());
  index_.emplace(key, rows_.size());
  rows_.push_back(row);
}

std::vector<nlohmann::json> ResultStore::rows() const {
  std::lock_guard lock(mutex_);
  return rows_;
}

std::size_t ResultStore::size() const {
  std::lock_guard lock(mutex_);
  return rows_.size();
}

namespace {

void flatten(const nlohmann::json& value, const std::string& prefix,
             std::vector<std::pair<std::string, std::string>>& out) {
  if (value.is_object()) {
    for (const auto& [k, v] : value.items())
      flatten(v, prefix.empty() ? k : prefix + "." + k, out);
    return;
  }
  out.emplace_back(prefix, value.is_string() ? value.get<std::string>() : value.dump());
}

std::string csv_quote(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

void write_csv(const std::vector<nlohmann::json>& rows, const std::filesystem::path& path) {
  std::vector<std::string> columns{"key"};  // the row identity leads; the rest in first-seen order
  std::vector<std::unordered_map<std::string, std::string>> cells;
  for (const auto& row : rows) {
    std::vector<std::pair<std::string, std::string>> flat;
    flatten(row, "", flat);
    auto& map = cells.emplace_back();
    for (auto& [name, value] : flat) {
      if (std::find(columns.begin(), columns.end(), name) == columns.end()) columns.push_back(name);
      map.emplace(name, std::move(value));
    }
  }
  const auto tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) throw Error("cannot write CSV", tmp);
    for (std::size_t i = 0; i < columns.size(); ++i)
      out << (i ? "," : "") << csv_quote(columns[i]);
    out << "\n";
    for (const auto& map : cells) {
      for (std::size_t i = 0; i < columns.size(); ++i) {
        auto it = map.find(columns[i]);
        out << (i ? "," : "") << (it == map.end() ? "" : csv_quote(it->second));
      }
      out << "\n";
    }
    if (!out.flush()) throw Error("cannot write CSV", tmp);
  }
  std::filesystem::rename(tmp, path);  // readers never see a half-written CSV
}

}  // namespace erg::sweep
