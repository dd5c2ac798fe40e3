#include "simulator/trace_writer.hpp"

#include <charconv>
#include <cstring>

#include "core/component_registry.hpp"
#include "core/error.hpp"

namespace erg::simulator {

TraceWriter::TraceWriter(const std::filesystem::path& path, TraceFormat format)
    : path_(path), format_(format), file_(open_file(path, "wb", "trace file for writing")) {
  if (format_ == TraceFormat::kBinary)
    std::fwrite(kBinaryTraceMagic, 1, sizeof(kBinaryTraceMagic), file_.get());
}

std::uint16_t TraceWriter::component_index(ComponentId component) {
  if (component == kNoComponent) return kBinaryNoComponent;
  if (component < indices_.size() && indices_[component] != 0) return indices_[component] - 1;
  if (next_index_ == kBinaryNoComponent)
    throw Error("too many components for the binary trace format (max 65535)", path_.string());
  if (indices_.size() <= component) indices_.resize(component + std::size_t{1}, 0);
  const std::uint16_t index = next_index_++;
  indices_[component] = static_cast<std::uint16_t>(index + 1);
  const std::string& name = ComponentRegistry::global().name(component);
  char record[16] = {};
  const std::uint64_t zero = 0;
  const auto length = static_cast<std::uint32_t>(name.size());
  std::memcpy(record, &zero, 8);
  std::memcpy(record + 8, &length, 4);
  std::memcpy(record + 12, &index, 2);
  record[14] = static_cast<char>(kBinaryDefineComponent);
  std::fwrite(record, 1, sizeof(record), file_.get());
  std::fwrite(name.data(), 1, name.size(), file_.get());
  return index;
}

void TraceWriter::write(const TraceRecord& r) {
  if (!file_) throw Error("trace writer already closed", path_.string());
  // What the reader would reject is refused here, where the caller can still be named.
  if (is_access(r.kind) &&
      (r.bytes == 0 || r.bytes > kMaxRecordBytes || r.bytes - 1 > UINT64_MAX - r.address))
    throw Error("trace record of " + std::to_string(r.bytes) + " bytes at address " +
                    std::to_string(r.address) +
                    " is not a range of 1 B to 1 GiB ending at or below 2^64",
                path_.string());
  if (format_ == TraceFormat::kBinary) {
    const std::uint16_t component = component_index(r.component);
    char record[16] = {};
    std::memcpy(record, &r.address, 8);
    std::memcpy(record + 8, &r.bytes, 4);
    std::memcpy(record + 12, &component, 2);
    record[14] = static_cast<char>(r.kind);
    std::fwrite(record, 1, sizeof(record), file_.get());
    return;
  }
  // din: numeric labels for kinds 0-4, the extended letter 'v' for invalidate; hex fields.
  char line[48];
  char* p = line;
  *p++ = r.kind == TraceKind::kInvalidate ? 'v' : static_cast<char>('0' + static_cast<int>(r.kind));
  *p++ = ' ';
  p = std::to_chars(p, line + sizeof(line), r.address, 16).ptr;
  if (r.bytes > 0) {  // flush and invalidate records carry no size
    *p++ = ' ';
    p = std::to_chars(p, line + sizeof(line), r.bytes, 16).ptr;
  }
  *p++ = '\n';
  std::fwrite(line, 1, static_cast<std::size_t>(p - line), file_.get());
}

void TraceWriter::on_access(const AccessEvent& event) {
  std::uint64_t address = event.address;
  std::uint64_t bytes = event.bytes;
  const TraceKind kind = event.op == AccessOp::kRead ? TraceKind::kRead : TraceKind::kWrite;
  while (bytes > 0) {  // records carry 32-bit sizes
    const auto n = static_cast<std::uint32_t>(std::min<std::uint64_t>(bytes, kMaxRecordBytes));
    write({address, n, kind, event.component});
    address += n;
    bytes -= n;
  }
}

void TraceWriter::close() {
  if (!file_) return;
  const bool failed = std::ferror(file_.get()) != 0;
  const int rc = std::fclose(file_.release());
  if (failed || rc != 0) throw Error("cannot write trace file", path_.string());
}

}  // namespace erg::simulator
