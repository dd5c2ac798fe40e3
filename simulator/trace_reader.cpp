#include "simulator/trace_reader.hpp"

#include <array>
#include <bit>
#include <cstring>

#include "core/component_registry.hpp"
#include "core/error.hpp"
#include "simulator/trace_writer.hpp"

namespace erg::simulator {
namespace {

static_assert(std::endian::native == std::endian::little, "the binary trace is little-endian");

constexpr std::size_t kBufferBytes = std::size_t{1} << 20;

inline bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

inline int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Parses a hex number at p; returns false on no digits or overflow.
inline bool parse_hex(const char*& p, const char* end, std::uint64_t& out) {
  if (end - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) p += 2;
  const char* start = p;
  std::uint64_t v = 0;
  int d;
  while (p < end && (d = hex_digit(*p)) >= 0) {
    if (p - start >= 16) return false;
    v = (v << 4) | static_cast<std::uint64_t>(d);
    ++p;
  }
  out = v;
  return p > start;
}

// Hex digit values, -1 for anything else.
constexpr auto kHexValue = [] {
  std::array<std::int8_t, 256> t{};
  t.fill(-1);
  for (int c = 0; c < 10; ++c)
    t['0' + c] = static_cast<std::int8_t>(c);
  for (int c = 0; c < 6; ++c) {
    t['a' + c] = static_cast<std::int8_t>(10 + c);
    t['A' + c] = static_cast<std::int8_t>(10 + c);
  }
  return t;
}();

// Record kind per din label, -1 for anything else.
constexpr auto kLabelKind = [] {
  std::array<std::int8_t, 256> t{};
  t.fill(-1);
  const auto set = [&](char c, TraceKind k) {
    t[static_cast<unsigned char>(c)] = static_cast<std::int8_t>(k);
  };
  set('0', TraceKind::kRead);
  set('r', TraceKind::kRead);
  set('1', TraceKind::kWrite);
  set('w', TraceKind::kWrite);
  set('2', TraceKind::kInstructionFetch);
  set('i', TraceKind::kInstructionFetch);
  set('3', TraceKind::kMisc);
  set('m', TraceKind::kMisc);
  set('4', TraceKind::kFlush);
  set('c', TraceKind::kFlush);
  set('v', TraceKind::kInvalidate);
  return t;
}();

// Up to 16 hex digits at p (no prefix); nullptr when there are none or too many.
inline const char* scan_hex(const char* p, const char* end, std::uint64_t& out) {
  const char* start = p;
  std::uint64_t v = 0;
  int d;
  while (p < end && (d = kHexValue[static_cast<unsigned char>(*p)]) >= 0) {
    v = (v << 4) | static_cast<std::uint64_t>(d);
    ++p;
  }
  if (p == start || p - start > 16) return nullptr;
  out = v;
  return p;
}

// The common record, "<label> <hex address>[ <hex size>]\n", parsed in one pass without first
// looking for the newline. Returns the start of the next line, or nullptr for anything else
// (comments, blank lines, extra blanks, 0x prefixes, '\r', a record cut by the buffer's end,
// errors): the general parser then takes that line and gives the same record or the error.
inline const char* parse_din_fast(const char* p, const char* end, std::uint32_t default_bytes,
                                  TraceRecord& r) {
  if (end - p < 4 || p[1] != ' ') return nullptr;
  const int kind = kLabelKind[static_cast<unsigned char>(p[0])];
  if (kind < 0) return nullptr;
  p = scan_hex(p + 2, end, r.address);
  if (p == nullptr || p == end) return nullptr;
  r.bytes = default_bytes;
  if (*p == ' ') {
    std::uint64_t size = 0;
    p = scan_hex(p + 1, end, size);
    if (p == nullptr || p == end || size == 0 || size > UINT32_MAX) return nullptr;
    r.bytes = static_cast<std::uint32_t>(size);
  }
  if (*p != '\n') return nullptr;
  r.kind = static_cast<TraceKind>(kind);
  r.component = kNoComponent;
  return p + 1;
}

}  // namespace

TraceReader::TraceReader(const std::filesystem::path& path, std::uint32_t default_bytes)
    : path_(path), file_(open_file(path, "rb", "trace file")), default_bytes_(default_bytes) {
  buffer_.resize(kBufferBytes);
  fill_buffer();
  if (end_ - begin_ >= sizeof(kBinaryTraceMagic) &&
      std::memcmp(buffer_.data() + begin_, kBinaryTraceMagic, sizeof(kBinaryTraceMagic)) == 0) {
    format_ = TraceFormat::kBinary;
    begin_ += sizeof(kBinaryTraceMagic);
    offset_ = sizeof(kBinaryTraceMagic);
  }
}

bool TraceReader::fill_buffer() {
  if (eof_) return false;
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  const std::size_t n = std::fread(buffer_.data() + end_, 1, buffer_.size() - end_, file_.get());
  if (n == 0) {
    if (std::ferror(file_.get())) throw Error("cannot read trace file", path_.string());
    eof_ = true;
  }
  end_ += n;
  return n > 0;
}

bool TraceReader::next(std::vector<TraceRecord>& batch, std::size_t max_records) {
  batch.clear();
  return format_ == TraceFormat::kDin ? next_din(batch, max_records)
                                      : next_binary(batch, max_records);
}

bool TraceReader::next_din(std::vector<TraceRecord>& batch, std::size_t max_records) {
  while (batch.size() < max_records) {
    const char* data = buffer_.data();
    {
      // Fast path over as many common records as fit; the general path below takes the rest.
      const char* p = data + begin_;
      const char* end = data + end_;
      const std::size_t first = batch.size();
      TraceRecord r;
      while (batch.size() < max_records) {
        const char* next = parse_din_fast(p, end, default_bytes_, r);
        if (next == nullptr) break;
        batch.push_back(r);
        p = next;
      }
      line_ += batch.size() - first;
      begin_ = static_cast<std::size_t>(p - data);
      if (batch.size() == max_records) break;
    }
    const void* nl = std::memchr(data + begin_, '\n', end_ - begin_);
    if (nl != nullptr) {
      const char* stop = static_cast<const char*>(nl);
      ++line_;
      parse_din_line(data + begin_, stop, batch);
      begin_ = static_cast<std::size_t>(stop - data) + 1;
      continue;
    }
    if (eof_) {
      if (begin_ < end_) {
        ++line_;
        parse_din_line(data + begin_, data + end_, batch);
        begin_ = end_;
      }
      break;
    }
    if (begin_ == 0 && end_ == buffer_.size())
      throw Error("din line longer than " + std::to_string(kBufferBytes) + " bytes",
                  path_.string() + ":" + std::to_string(line_ + 1));
    fill_buffer();
  }
  records_ += batch.size();
  return !batch.empty();
}

void TraceReader::parse_din_line(const char* p, const char* end, std::vector<TraceRecord>& batch) {
  const char* line_begin = p;
  while (p < end && is_blank(*p))
    ++p;
  if (p == end || *p == '#') return;
  const auto fail = [&]() {
    std::string text(line_begin,
                     static_cast<std::size_t>(std::min<std::ptrdiff_t>(end - line_begin, 60)));
    while (!text.empty() && is_blank(text.back()))
      text.pop_back();
    throw Error("malformed din record '" + text +
                    "' (expected '<label> <hex address> [<hex size>]' with label 0-4 or one of "
                    "r w i m c v)",
                path_.string() + ":" + std::to_string(line_));
  };
  TraceRecord r;
  switch (*p) {
    case '0':
    case 'r':
      r.kind = TraceKind::kRead;
      break;
    case '1':
    case 'w':
      r.kind = TraceKind::kWrite;
      break;
    case '2':
    case 'i':
      r.kind = TraceKind::kInstructionFetch;
      break;
    case '3':
    case 'm':
      r.kind = TraceKind::kMisc;
      break;
    case '4':
    case 'c':
      r.kind = TraceKind::kFlush;
      break;
    case 'v':
      r.kind = TraceKind::kInvalidate;
      break;
    default:
      fail();
  }
  ++p;
  if (p == end || !is_blank(*p)) fail();
  while (p < end && is_blank(*p))
    ++p;
  if (!parse_hex(p, end, r.address)) fail();
  r.bytes = default_bytes_;
  if (p < end && !is_blank(*p)) fail();
  while (p < end && is_blank(*p))
    ++p;
  if (p < end && *p != '#') {
    std::uint64_t size = 0;
    if (!parse_hex(p, end, size) || size == 0 || size > UINT32_MAX) fail();
    r.bytes = static_cast<std::uint32_t>(size);
    if (p < end && !is_blank(*p)) fail();
    while (p < end && is_blank(*p))
      ++p;
    if (p < end && *p != '#') fail();
  }
  batch.push_back(r);
}

bool TraceReader::next_binary(std::vector<TraceRecord>& batch, std::size_t max_records) {
  constexpr std::size_t kRecord = 16;
  while (batch.size() < max_records) {
    if (end_ - begin_ < kRecord) {
      if (!fill_buffer() && end_ - begin_ < kRecord) {
        if (end_ != begin_)
          throw Error(
              "truncated binary trace record (" + std::to_string(end_ - begin_) + " of 16 bytes)",
              path_.string() + ": byte offset " + std::to_string(offset_));
        break;
      }
      continue;
    }
    const char* p = buffer_.data() + begin_;
    std::uint64_t address;
    std::uint32_t bytes;
    std::uint16_t component;
    std::memcpy(&address, p, 8);
    std::memcpy(&bytes, p + 8, 4);
    std::memcpy(&component, p + 12, 2);
    const auto kind = static_cast<std::uint8_t>(p[14]);
    if (kind == kBinaryDefineComponent) {
      if (end_ - begin_ < kRecord + bytes) {
        if (bytes > buffer_.size() / 2)
          throw Error("component name too long in binary trace",
                      path_.string() + ": byte offset " + std::to_string(offset_));
        if (!fill_buffer())
          throw Error("truncated component name in binary trace",
                      path_.string() + ": byte offset " + std::to_string(offset_));
        continue;
      }
      const std::string name(p + kRecord, bytes);
      ComponentId id;
      try {
        id = ComponentRegistry::global().intern(name);
      } catch (const Error& e) {
        throw Error(e.what_text(), path_.string() + ": byte offset " + std::to_string(offset_));
      }
      if (components_.size() <= component) components_.resize(component + 1u, kNoComponent);
      components_[component] = id;
      begin_ += kRecord + bytes;
      offset_ += kRecord + bytes;
      continue;
    }
    if (kind > static_cast<std::uint8_t>(TraceKind::kInvalidate) || p[15] != 0)
      throw Error("invalid binary trace record kind " + std::to_string(kind),
                  path_.string() + ": byte offset " + std::to_string(offset_));
    TraceRecord r{address, bytes, static_cast<TraceKind>(kind), kNoComponent};
    if (component != kBinaryNoComponent) {
      if (component >= components_.size() || components_[component] == kNoComponent)
        throw Error(
            "binary trace record uses undefined component index " + std::to_string(component),
            path_.string() + ": byte offset " + std::to_string(offset_));
      r.component = components_[component];
    }
    batch.push_back(r);
    begin_ += kRecord;
    offset_ += kRecord;
  }
  records_ += batch.size();
  return !batch.empty();
}

}  // namespace erg::simulator
