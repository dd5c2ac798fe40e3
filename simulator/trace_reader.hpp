#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "simulator/trace_file.hpp"
#include "simulator/trace_record.hpp"

namespace erg::simulator {

// Reads a DineroIV din trace ("label address [size]", address and size in hex, '#' comments) or
// erg's binary trace (see trace_writer.hpp), in batches. The format is detected from the first
// bytes. A malformed record throws erg::Error with "<file>:<line>" (din) or the byte offset
// (binary). So does an access record of size 0, of more than kMaxRecordBytes, or whose byte range
// runs past 2^64; the message then names the size or the range.
class TraceReader {
 public:
  static constexpr std::size_t kBatchRecords = 4096;

  // `default_bytes` is the size of a din record that gives none (1 to kMaxRecordBytes).
  explicit TraceReader(const std::filesystem::path& path, std::uint32_t default_bytes = 4);

  TraceFormat format() const { return format_; }
  // Fills `out` with the next records; returns how many (fewer only at the end, 0 past it).
  std::size_t read(std::span<TraceRecord> out);
  // The next up to `max_records` records, a view valid until the next call; empty at the end.
  std::span<const TraceRecord> next_batch(std::size_t max_records = kBatchRecords);
  // The same into `batch` (replaced); returns false at the end of the trace.
  bool next(std::vector<TraceRecord>& batch, std::size_t max_records = kBatchRecords);
  std::uint64_t records_read() const { return records_; }

 private:
  bool fill_buffer();
  std::size_t next_din(TraceRecord* out, std::size_t max_records);
  std::size_t next_binary(TraceRecord* out, std::size_t max_records);
  // Parses one din line (no newline); returns whether it held a record (else blank or comment).
  bool parse_din_line(const char* begin, const char* end, TraceRecord& r);
  std::string din_where() const;
  std::string binary_where() const;

  std::filesystem::path path_;
  FileHandle file_;
  TraceFormat format_ = TraceFormat::kDin;
  std::uint32_t default_bytes_;
  // The file is read in large blocks, with room after them for the parser's look-ahead.
  std::unique_ptr<char[]> buffer_;
  std::size_t begin_ = 0;  // unread bytes are buffer_[begin_, end_)
  std::size_t end_ = 0;
  bool eof_ = false;
  std::uint64_t line_ = 0;
  std::uint64_t offset_ = 0;  // binary: file offset of buffer_[begin_]
  std::uint64_t records_ = 0;
  std::unique_ptr<TraceRecord[]> records_buffer_;
  std::size_t records_capacity_ = 0;
  std::vector<ComponentId> components_;  // binary: file index -> registry id
};

}  // namespace erg::simulator
