#include "models/runtime/safetensors.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace erg::models::runtime {
namespace {

// IEEE 754 binary16 -> binary32, exact for every value (normals, subnormals, inf, NaN).
float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = (h & 0x8000u) << 16;
  const std::uint32_t exponent = (h >> 10) & 0x1fu;
  const std::uint32_t mantissa = h & 0x3ffu;
  if (exponent == 0) {
    const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  std::uint32_t bits = sign | (exponent == 31 ? 0x7f800000u | (mantissa << 13)
                                              : ((exponent + 112) << 23) | (mantissa << 13));
  float out;
  std::memcpy(&out, &bits, sizeof(out));
  return out;
}

struct DTypeName {
  DType dtype;
  std::string_view name;
  std::size_t bytes;
};
constexpr std::array<DTypeName, 10> kDTypes{{{DType::kF64, "F64", 8},
                                             {DType::kF32, "F32", 4},
                                             {DType::kF16, "F16", 2},
                                             {DType::kBF16, "BF16", 2},
                                             {DType::kI64, "I64", 8},
                                             {DType::kI32, "I32", 4},
                                             {DType::kI16, "I16", 2},
                                             {DType::kI8, "I8", 1},
                                             {DType::kU8, "U8", 1},
                                             {DType::kBool, "BOOL", 1}}};

// The header is at most this large; a larger length field means a corrupt or foreign file.
constexpr std::uint64_t kMaxHeaderBytes = 100ull << 20;

std::string shape_text(std::span<const std::int64_t> shape) {
  std::string out = "[";
  for (std::size_t i = 0; i < shape.size(); ++i)
    out += (i ? "," : "") + std::to_string(shape[i]);
  return out + "]";
}

}  // namespace

std::string_view to_string(DType dtype) {
  for (const auto& d : kDTypes)
    if (d.dtype == dtype) return d.name;
  return "?";
}

std::optional<DType> parse_dtype(std::string_view text) {
  for (const auto& d : kDTypes)
    if (d.name == text) return d.dtype;
  return std::nullopt;
}

std::size_t element_bytes(DType dtype) {
  for (const auto& d : kDTypes)
    if (d.dtype == dtype) return d.bytes;
  return 0;
}

std::int64_t SafetensorsEntry::elements() const {
  std::int64_t n = 1;
  for (auto s : shape)
    n *= s;
  return n;
}

SafetensorsFile::SafetensorsFile(const std::filesystem::path& path) : file_(path) {
  parse();
}

std::string SafetensorsFile::where(std::string_view tensor) const {
  std::string out = path().string();
  if (!tensor.empty()) out += ", tensor '" + std::string(tensor) + "'";
  return out;
}

void SafetensorsFile::parse() {
  const auto bytes = file_.bytes();
  if (bytes.size() < 8) {
    throw Error("truncated safetensors file: " + std::to_string(bytes.size()) +
                    " bytes, expected at least the 8-byte header length",
                where({}));
  }
  std::uint64_t header_bytes = 0;
  for (int i = 7; i >= 0; --i)
    header_bytes = (header_bytes << 8) | static_cast<std::uint8_t>(bytes[i]);
  if (header_bytes > kMaxHeaderBytes) {
    throw Error("header length " + std::to_string(header_bytes) + " exceeds the " +
                    std::to_string(kMaxHeaderBytes) + "-byte limit (corrupt length field?)",
                where({}));
  }
  if (header_bytes > bytes.size() - 8) {
    throw Error("truncated safetensors file: header length " + std::to_string(header_bytes) +
                    " but only " + std::to_string(bytes.size() - 8) + " bytes follow",
                where({}));
  }
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()) + 8, header_bytes);
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("bad header JSON: ") + e.what(), where({}));
  }
  if (!header.is_object()) throw Error("bad header JSON: expected an object", where({}));

  const std::span<const std::byte> data = bytes.subspan(8 + header_bytes);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__") {
      if (!value.is_object()) throw Error("__metadata__ must be an object", where({}));
      for (const auto& [key, v] : value.items()) {
        if (!v.is_string())
          throw Error("__metadata__ value must be a string", where({}) + ", key '" + key + "'");
        metadata_[key] = v.get<std::string>();
      }
      continue;
    }
    if (!value.is_object() || !value.contains("dtype") || !value.contains("shape") ||
        !value.contains("data_offsets")) {
      throw Error("expected an object with dtype, shape and data_offsets", where(name));
    }
    SafetensorsEntry entry;
    entry.name = name;
    const auto& dt = value["dtype"];
    const auto parsed = dt.is_string() ? parse_dtype(dt.get<std::string>()) : std::nullopt;
    if (!parsed) {
      throw Error("unknown dtype " + dt.dump() +
                      ", expected one of F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL",
                  where(name));
    }
    entry.dtype = *parsed;
    const auto& shape = value["shape"];
    if (!shape.is_array()) throw Error("shape must be an array", where(name));
    std::uint64_t count = 1;
    bool overflow = false;
    for (const auto& s : shape) {
      if (!s.is_number_integer() || s.get<std::int64_t>() < 0)
        throw Error("shape entries must be non-negative integers, got " + shape.dump(),
                    where(name));
      const auto dim = s.get<std::uint64_t>();
      if (dim != 0 && count > UINT64_MAX / dim) overflow = true;
      count *= dim;
      // elements() multiplies in int64: no partial product may pass INT64_MAX, even when a
      // later 0 brings the count back down.
      if (count > static_cast<std::uint64_t>(INT64_MAX)) overflow = true;
      entry.shape.push_back(static_cast<std::int64_t>(dim));
    }
    const auto& offsets = value["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned()) {
      throw Error("data_offsets must be two non-negative integers, got " + offsets.dump(),
                  where(name));
    }
    const auto begin = offsets[0].get<std::uint64_t>();
    const auto end = offsets[1].get<std::uint64_t>();
    if (begin > end || end > data.size()) {
      throw Error("data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                      "] out of range: the data section holds " + std::to_string(data.size()) +
                      " bytes",
                  where(name));
    }
    const std::uint64_t elem = element_bytes(entry.dtype);
    if (overflow || count > UINT64_MAX / elem || count * elem != end - begin) {
      throw Error("shape " + shape_text(entry.shape) + " of " +
                      std::string(to_string(entry.dtype)) + " needs " +
                      (overflow ? std::string("too many") : std::to_string(count * elem)) +
                      " bytes but data_offsets span " + std::to_string(end - begin),
                  where(name));
    }
    entry.data = data.subspan(begin, end - begin);
    if (end > begin) ranges.emplace_back(begin, end);
    entries_.emplace(name, std::move(entry));
  }
  std::sort(ranges.begin(), ranges.end());
  for (std::size_t i = 1; i < ranges.size(); ++i) {
    if (ranges[i].first < ranges[i - 1].second) {
      std::string a, b;
      for (const auto& [n, e] : entries_) {
        const auto off = static_cast<std::uint64_t>(e.data.data() - data.data());
        if (off == ranges[i - 1].first && a.empty())
          a = n;
        else if (off == ranges[i].first)
          b = n;
      }
      throw Error("data_offsets overlap tensor '" + a + "' at bytes [" +
                      std::to_string(ranges[i - 1].first) + ", " +
                      std::to_string(ranges[i - 1].second) + ")",
                  where(b));
    }
  }
}

bool SafetensorsFile::contains(std::string_view name) const {
  return entries_.find(name) != entries_.end();
}

const SafetensorsEntry& SafetensorsFile::at(std::string_view name) const {
  const auto it = entries_.find(name);
  if (it == entries_.end()) throw Error("missing tensor", where(name));
  return it->second;
}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<std::string> out;
  for (const auto& [name, e] : entries_)
    out.push_back(name);
  return out;
}

std::vector<float> SafetensorsFile::read_f32(std::string_view name,
                                             std::span<const std::int64_t> expected_shape) const {
  const auto& e = at(name);
  if (e.dtype != DType::kF32 && e.dtype != DType::kF16) {
    throw Error("wrong dtype " + std::string(to_string(e.dtype)) + ", expected F32 or F16",
                where(name));
  }
  if (!expected_shape.empty() &&
      !std::equal(e.shape.begin(), e.shape.end(), expected_shape.begin(), expected_shape.end())) {
    throw Error("wrong shape " + shape_text(e.shape) + ", expected " + shape_text(expected_shape),
                where(name));
  }
  std::vector<float> out(static_cast<std::size_t>(e.elements()));
  if (e.dtype == DType::kF32) {
    if (!out.empty()) std::memcpy(out.data(), e.data.data(), out.size() * sizeof(float));
    return out;
  }
  // F16 is widened exactly: shipped weights are stored at half size, computed in fp32.
  for (std::size_t i = 0; i < out.size(); ++i) {
    std::uint16_t h;
    std::memcpy(&h, e.data.data() + 2 * i, 2);
    out[i] = half_to_float(h);
  }
  return out;
}

std::vector<std::int64_t> SafetensorsFile::read_i64(std::string_view name) const {
  const auto& e = at(name);
  const auto n = static_cast<std::size_t>(e.elements());
  std::vector<std::int64_t> out(n);
  const auto* p = e.data.data();
  for (std::size_t i = 0; i < n; ++i) {
    switch (e.dtype) {
      case DType::kI64: {
        std::int64_t v;
        std::memcpy(&v, p + 8 * i, 8);
        out[i] = v;
        break;
      }
      case DType::kI32: {
        std::int32_t v;
        std::memcpy(&v, p + 4 * i, 4);
        out[i] = v;
        break;
      }
      case DType::kI16: {
        std::int16_t v;
        std::memcpy(&v, p + 2 * i, 2);
        out[i] = v;
        break;
      }
      case DType::kI8:
        out[i] = static_cast<std::int8_t>(p[i]);
        break;
      case DType::kU8:
        out[i] = static_cast<std::uint8_t>(p[i]);
        break;
      default:
        throw Error("wrong dtype " + std::string(to_string(e.dtype)) +
                        ", expected an integer type (I64, I32, I16, I8, U8)",
                    where(name));
    }
  }
  return out;
}

SafetensorsTensor f32_tensor(std::string name, std::vector<std::int64_t> shape,
                             std::span<const float> values) {
  return {std::move(name), DType::kF32, std::move(shape), std::as_bytes(values)};
}

void write_safetensors(const std::filesystem::path& path,
                       std::span<const SafetensorsTensor> tensors,
                       const std::map<std::string, std::string>& metadata) {
  nlohmann::json header = nlohmann::json::object();
  std::uint64_t offset = 0;
  std::vector<std::uint64_t> begins;
  for (const auto& t : tensors) {
    std::uint64_t count = 1;
    for (auto s : t.shape)
      count *= static_cast<std::uint64_t>(s);
    if (count * element_bytes(t.dtype) != t.data.size()) {
      throw Error("tensor bytes " + std::to_string(t.data.size()) + " do not match shape " +
                      shape_text(t.shape) + " of " + std::string(to_string(t.dtype)),
                  path.string() + ", tensor '" + t.name + "'");
    }
    offset = (offset + 7) & ~std::uint64_t{7};
    begins.push_back(offset);
    header[t.name] = {{"dtype", std::string(to_string(t.dtype))},
                      {"shape", t.shape},
                      {"data_offsets", {offset, offset + t.data.size()}}};
    offset += t.data.size();
  }
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw Error("cannot open for writing", path.string());
  std::array<char, 8> len{};
  for (int i = 0; i < 8; ++i)
    len[i] = static_cast<char>((text.size() >> (8 * i)) & 0xff);
  out.write(len.data(), 8);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  std::uint64_t written = 0;
  const char zeros[8] = {};
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    out.write(zeros, static_cast<std::streamsize>(begins[i] - written));
    out.write(reinterpret_cast<const char*>(tensors[i].data.data()),
              static_cast<std::streamsize>(tensors[i].data.size()));
    written = begins[i] + tensors[i].data.size();
  }
  if (!out) throw Error("write failed", path.string());
}

}  // namespace erg::models::runtime
