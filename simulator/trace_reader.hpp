#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "simulator/trace_file.hpp"
#include "simulator/trace_record.hpp"

namespace erg::simulator {

// Reads a DineroIV din trace ("label address [size]", address and size in hex, '#' comments) or
// erg's binary trace (see trace_writer.hpp), in batches. The format is detected from the first
// bytes. A malformed record throws erg::Error with "<file>:<line>" (din) or the byte offset
// (binary).
class TraceReader {
 public:
  // `default_bytes` is the size of a din record that gives none.
  explicit TraceReader(const std::filesystem::path& path, std::uint32_t default_bytes = 4);

  TraceFormat format() const { return format_; }
  // Replaces `batch` with up to `max_records` records; returns false at the end of the trace.
  bool next(std::vector<TraceRecord>& batch, std::size_t max_records = 4096);
  std::uint64_t records_read() const { return records_; }

 private:
  bool fill_buffer();
  bool next_din(std::vector<TraceRecord>& batch, std::size_t max_records);
  bool next_binary(std::vector<TraceRecord>& batch, std::size_t max_records);
  void parse_din_line(const char* begin, const char* end, std::vector<TraceRecord>& batch);

  std::filesystem::path path_;
  FileHandle file_;
  TraceFormat format_ = TraceFormat::kDin;
  std::uint32_t default_bytes_;
  std::vector<char> buffer_;
  std::size_t begin_ = 0;  // unread bytes are buffer_[begin_, end_)
  std::size_t end_ = 0;
  bool eof_ = false;
  std::uint64_t line_ = 0;
  std::uint64_t offset_ = 0;  // binary: file offset of buffer_[begin_]
  std::uint64_t records_ = 0;
  std::vector<ComponentId> components_;  // binary: file index -> registry id
};

}  // namespace erg::simulator
