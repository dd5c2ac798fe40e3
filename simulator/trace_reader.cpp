#include "simulator/trace_reader.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdio>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/component_registry.hpp"
#include "core/error.hpp"
#include "simulator/trace_writer.hpp"

namespace erg::simulator {
namespace {

static_assert(std::endian::native == std::endian::little,
              "the binary trace and the din parser's word loads are little-endian");

constexpr std::size_t kBufferBytes = std::size_t{1} << 20;
// Room after the data for the parser's loads past a line's end (64-byte newline blocks, 16-byte
// digit scans), so it never checks the end first; what lies there is never taken as data.
constexpr std::size_t kPadBytes = 64;

inline bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
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

inline bool is_hex(char c) {
  return kHexValue[static_cast<unsigned char>(c)] >= 0;
}

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

// How many hex digits start at p: 0 to 16, where 16 means at least 16. Reads 16 bytes.
inline unsigned hex_digit_count(const char* p) {
#if defined(__SSE2__)
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const auto in = [](__m128i v, char lo, char hi) {
    return _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(static_cast<char>(lo - 1))),
                         _mm_cmplt_epi8(v, _mm_set1_epi8(static_cast<char>(hi + 1))));
  };
  const __m128i lower = _mm_or_si128(x, _mm_set1_epi8(0x20));  // 'A'-'F' -> 'a'-'f'
  const __m128i hex = _mm_or_si128(in(x, '0', '9'), in(lower, 'a', 'f'));
  return static_cast<unsigned>(
      std::countr_one(static_cast<unsigned>(_mm_movemask_epi8(hex))));  // bit 16 is 0
#else
  unsigned n = 0;
  while (n < 16 && is_hex(p[n]))
    ++n;
  return n;
#endif
}

// Eight hex characters (first in the lowest byte) to their digit values, one per byte.
inline std::uint64_t digit_values(std::uint64_t chars) {
  return (chars & 0x0F0F0F0F0F0F0F0FULL) + 9 * ((chars >> 6) & 0x0101010101010101ULL);
}

// Eight digit values (most significant in the lowest byte) to the 32-bit number they spell.
inline std::uint64_t pack_digits(std::uint64_t v) {
  v = ((v << 4) | (v >> 8)) & 0x00FF00FF00FF00FFULL;
  v = ((v << 8) | (v >> 16)) & 0x0000FFFF0000FFFFULL;
  return ((v << 16) | (v >> 32)) & 0xFFFFFFFFULL;
}

// The value of the n hex digits at p (1 <= n <= 16), without a loop per digit: the digits are
// shifted to the top of their word, so the bytes after them fall out and zeros lead.
inline std::uint64_t hex_value(const char* p, unsigned n) {
  std::uint64_t lo;
  std::memcpy(&lo, p, 8);
  if (n <= 8) return pack_digits(digit_values(lo) << (8 * (8 - n)));
  std::uint64_t hi;
  std::memcpy(&hi, p + 8, 8);
  return (pack_digits(digit_values(lo)) << (4 * (n - 8))) |
         pack_digits(digit_values(hi) << (8 * (16 - n)));
}

// Whether [address, address + bytes) runs past 2^64 (bytes >= 1).
inline bool wraps(std::uint64_t address, std::uint64_t bytes) {
  return bytes - 1 > ~address;
}

// Bit i set when byte i of the 64 at `block` is a newline, for the bytes before `end` only.
inline std::uint64_t newline_mask(const char* block, const char* end) {
  std::uint64_t m = 0;
#if defined(__SSE2__)
  const __m128i nl = _mm_set1_epi8('\n');
  for (int k = 0; k < 4; ++k) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 16 * k));
    m |= std::uint64_t{static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, nl)))}
         << (16 * k);
  }
#else
  for (int k = 0; k < 64; ++k)
    m |= std::uint64_t{block[k] == '\n'} << k;
#endif
  if (end - block < 64) m &= (std::uint64_t{1} << (end - block)) - 1;
  return m;
}

// The common record, "<label> <hex address>[ <hex size>]", on the line [p, nl). False for
// anything else (comments, blank lines, extra blanks, 0x prefixes, '\r', and every error): the
// general parser then takes the line and gives the same record or the error. The line's end is
// known, so successive lines parse independently; the fields are read branch-free (the address
// by a 16-byte digit scan and word arithmetic, the short size by a loop of known length) and
// checked once at the end.
inline bool parse_din_fast(const char* p, const char* nl, std::uint32_t default_bytes,
                           TraceRecord& r) {
  const int kind = kLabelKind[static_cast<unsigned char>(p[0])];
  const char* q = p + 2;
  const unsigned n = hex_digit_count(q);
  const std::uint64_t address = hex_value(q, n == 0 ? 1 : n);
  q += n;
  bool ok = kind >= 0 && p[1] == ' ' && n != 0 && !(n == 16 && is_hex(*q));
  std::uint64_t bytes = default_bytes;
  if (q != nl) {
    ok = ok && *q == ' ' && nl - q >= 2 && nl - q <= 9;  // 1 to 8 size digits
    std::uint64_t v = 0;
    int any_bad = 0;
    for (const char* d = q + 1; d < nl; ++d) {
      const int digit = kHexValue[static_cast<unsigned char>(*d)];
      any_bad |= digit;  // negative for a non-digit
      v = (v << 4) | static_cast<std::uint64_t>(digit & 0xF);
    }
    bytes = v;
    ok = ok && any_bad >= 0 && v != 0 && v <= kMaxRecordBytes;
  }
  ok = ok && !(is_access(static_cast<TraceKind>(kind)) && wraps(address, bytes));
  r = {address, static_cast<std::uint32_t>(bytes), static_cast<TraceKind>(kind), kNoComponent};
  return ok;
}

// A hex number at p (optional 0x prefix), for the general parser.
enum class HexField { kOk, kNone, kTooLong };
inline HexField parse_hex(const char*& p, const char* end, std::uint64_t& out) {
  if (end - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) p += 2;
  const char* start = p;
  std::uint64_t v = 0;
  while (p < end && is_hex(*p)) {
    v = (v << 4) | static_cast<std::uint64_t>(kHexValue[static_cast<unsigned char>(*p)]);
    ++p;
  }
  out = v;
  if (p == start) return HexField::kNone;
  return p - start > 16 ? HexField::kTooLong : HexField::kOk;
}

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string size_range() {
  return "sizes are 1 to " + hex(kMaxRecordBytes) + " bytes (1 GiB)";
}

}  // namespace

TraceReader::TraceReader(const std::filesystem::path& path, std::uint32_t default_bytes)
    : path_(path), file_(open_file(path, "rb", "trace file")), default_bytes_(default_bytes) {
  if (default_bytes == 0 || default_bytes > kMaxRecordBytes)
    throw Error("default din record size " + std::to_string(default_bytes) + " is out of range (" +
                    size_range() + ")",
                path_.string());
  buffer_ = std::make_unique<char[]>(kBufferBytes + kPadBytes);
  fill_buffer();
  if (end_ - begin_ >= sizeof(kBinaryTraceMagic) &&
      std::memcmp(buffer_.get() + begin_, kBinaryTraceMagic, sizeof(kBinaryTraceMagic)) == 0) {
    format_ = TraceFormat::kBinary;
    begin_ += sizeof(kBinaryTraceMagic);
    offset_ = sizeof(kBinaryTraceMagic);
  }
}

bool TraceReader::fill_buffer() {
  if (eof_) return false;
  char* data = buffer_.get();
  if (begin_ > 0) {
    std::memmove(data, data + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  const std::size_t n = std::fread(data + end_, 1, kBufferBytes - end_, file_.get());
  if (n == 0) {
    if (std::ferror(file_.get())) throw Error("cannot read trace file", path_.string());
    eof_ = true;
  }
  end_ += n;
  return n > 0;
}

std::size_t TraceReader::read(std::span<TraceRecord> out) {
  const std::size_t n = format_ == TraceFormat::kDin ? next_din(out.data(), out.size())
                                                     : next_binary(out.data(), out.size());
  records_ += n;
  return n;
}

std::span<const TraceRecord> TraceReader::next_batch(std::size_t max_records) {
  if (records_capacity_ < max_records) {
    records_buffer_ = std::make_unique<TraceRecord[]>(max_records);
    records_capacity_ = max_records;
  }
  TraceRecord* out = records_buffer_.get();
  return {out, read({out, max_records})};
}

bool TraceReader::next(std::vector<TraceRecord>& batch, std::size_t max_records) {
  const auto records = next_batch(max_records);
  batch.assign(records.begin(), records.end());
  return !batch.empty();
}

std::string TraceReader::din_where() const {
  return path_.string() + ":" + std::to_string(line_);
}

std::string TraceReader::binary_where() const {
  return path_.string() + ": byte offset " + std::to_string(offset_);
}

std::size_t TraceReader::next_din(TraceRecord* out, std::size_t max_records) {
  std::size_t n = 0;
  while (n < max_records) {
    char* const data = buffer_.get();
    const char* const end = data + end_;
    const char* p = data + begin_;
    // Every complete line in the buffer, found from a bitmap of the newlines in each 64-byte
    // block; the one-pass parser takes the common ones, the general parser the rest.
    const char* block = p;
    std::uint64_t newlines = p < end ? newline_mask(block, end) : 0;
    while (n < max_records) {
      while (newlines == 0 && end - block > 64) {
        block += 64;
        newlines = newline_mask(block, end);
      }
      if (newlines == 0) break;
      const char* nl = block + std::countr_zero(newlines);
      newlines &= newlines - 1;
      ++line_;
      if (parse_din_fast(p, nl, default_bytes_, out[n]) || parse_din_line(p, nl, out[n])) ++n;
      p = nl + 1;
    }
    begin_ = static_cast<std::size_t>(p - data);
    if (n == max_records) break;
    // No newline in [p, end): read on, or take the last line if the file ends without one.
    if (eof_) {
      if (begin_ < end_) {
        ++line_;
        if (parse_din_line(p, end, out[n])) ++n;
        begin_ = end_;
      }
      break;
    }
    if (begin_ == 0 && end_ == kBufferBytes)
      throw Error("din line longer than " + std::to_string(kBufferBytes) + " bytes",
                  path_.string() + ":" + std::to_string(line_ + 1));
    fill_buffer();
  }
  return n;
}

bool TraceReader::parse_din_line(const char* p, const char* end, TraceRecord& r) {
  const char* line_begin = p;
  while (p < end && is_blank(*p))
    ++p;
  if (p == end || *p == '#') return false;
  const auto text = [&] {
    std::string t(line_begin,
                  static_cast<std::size_t>(std::min<std::ptrdiff_t>(end - line_begin, 60)));
    while (!t.empty() && is_blank(t.back()))
      t.pop_back();
    return "din record '" + t + "'";
  };
  const auto fail = [&]() {
    throw Error("malformed " + text() +
                    " (expected '<label> <hex address> [<hex size>]' with label 0-4 or one of "
                    "r w i m c v)",
                din_where());
  };
  const int kind = kLabelKind[static_cast<unsigned char>(*p)];
  if (kind < 0) fail();
  r.kind = static_cast<TraceKind>(kind);
  r.component = kNoComponent;
  ++p;
  if (p == end || !is_blank(*p)) fail();
  while (p < end && is_blank(*p))
    ++p;
  if (parse_hex(p, end, r.address) != HexField::kOk) fail();
  std::uint64_t bytes = default_bytes_;
  bool sized = false;
  if (p < end && !is_blank(*p)) fail();
  while (p < end && is_blank(*p))
    ++p;
  if (p < end && *p != '#') {
    const HexField field = parse_hex(p, end, bytes);
    if (field == HexField::kNone || (p < end && !is_blank(*p))) fail();
    while (p < end && is_blank(*p))
      ++p;
    if (p < end && *p != '#') fail();
    if (bytes == 0) throw Error(text() + " has size 0 (" + size_range() + ")", din_where());
    if (field == HexField::kTooLong || bytes > kMaxRecordBytes)
      throw Error(
          text() + " has a size over the limit of " + hex(kMaxRecordBytes) + " bytes (1 GiB)",
          din_where());
    sized = true;
  }
  if (is_access(r.kind) && wraps(r.address, bytes))
    throw Error(text() + " runs past the end of the 64-bit address space (" + hex(r.address) +
                    " + " + hex(bytes) + " bytes" + (sized ? "" : ", the default size") +
                    ", ends above 0xffffffffffffffff)",
                din_where());
  r.bytes = static_cast<std::uint32_t>(bytes);
  return true;
}

std::size_t TraceReader::next_binary(TraceRecord* out, std::size_t max_records) {
  constexpr std::size_t kRecord = 16;
  std::size_t n = 0;
  while (n < max_records) {
    if (end_ - begin_ < kRecord) {
      if (!fill_buffer() && end_ - begin_ < kRecord) {
        if (end_ != begin_)
          throw Error(
              "truncated binary trace record (" + std::to_string(end_ - begin_) + " of 16 bytes)",
              binary_where());
        break;
      }
      continue;
    }
    const char* p = buffer_.get() + begin_;
    std::uint64_t address;
    std::uint32_t bytes;
    std::uint16_t component;
    std::memcpy(&address, p, 8);
    std::memcpy(&bytes, p + 8, 4);
    std::memcpy(&component, p + 12, 2);
    const auto kind = static_cast<std::uint8_t>(p[14]);
    if (kind == kBinaryDefineComponent) {
      if (end_ - begin_ < kRecord + bytes) {
        if (bytes > kBufferBytes / 2)
          throw Error("component name too long in binary trace", binary_where());
        if (!fill_buffer()) throw Error("truncated component name in binary trace", binary_where());
        continue;
      }
      const std::string name(p + kRecord, bytes);
      ComponentId id;
      try {
        id = ComponentRegistry::global().intern(name);
      } catch (const Error& e) {
        throw Error(e.what_text(), binary_where());
      }
      if (components_.size() <= component) components_.resize(component + 1u, kNoComponent);
      components_[component] = id;
      begin_ += kRecord + bytes;
      offset_ += kRecord + bytes;
      continue;
    }
    if (kind > static_cast<std::uint8_t>(TraceKind::kInvalidate) || p[15] != 0)
      throw Error("invalid binary trace record kind " + std::to_string(kind), binary_where());
    TraceRecord r{address, bytes, static_cast<TraceKind>(kind), kNoComponent};
    if (is_access(r.kind)) {
      if (bytes == 0)
        throw Error("binary trace record has size 0 (" + size_range() + ")", binary_where());
      if (bytes > kMaxRecordBytes)
        throw Error("binary trace record has size " + hex(bytes) + ", over the limit of " +
                        hex(kMaxRecordBytes) + " bytes (1 GiB)",
                    binary_where());
      if (wraps(address, bytes))
        throw Error("binary trace record runs past the end of the 64-bit address space (" +
                        hex(address) + " + " + hex(bytes) + " bytes)",
                    binary_where());
    }
    if (component != kBinaryNoComponent) {
      if (component >= components_.size() || components_[component] == kNoComponent)
        throw Error(
            "binary trace record uses undefined component index " + std::to_string(component),
            binary_where());
      r.component = components_[component];
    }
    out[n++] = r;
    begin_ += kRecord;
    offset_ += kRecord;
  }
  return n;
}

}  // namespace erg::simulator
