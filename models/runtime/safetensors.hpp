#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "models/runtime/mapped_file.hpp"

// safetensors (https://github.com/huggingface/safetensors): an 8-byte little-endian header
// length, a JSON header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {..}},
// then the data section that the offsets index into.
namespace erg::models::runtime {

enum class DType : std::uint8_t { kF64, kF32, kF16, kBF16, kI64, kI32, kI16, kI8, kU8, kBool };

std::string_view to_string(DType dtype);  // "F32", "I8", ...
std::optional<DType> parse_dtype(std::string_view text);
std::size_t element_bytes(DType dtype);

struct SafetensorsEntry {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<std::int64_t> shape;
  std::span<const std::byte> data;  // into the mapping

  std::int64_t elements() const;
};

// A validated, memory-mapped safetensors file. Every structural problem (truncation, bad JSON,
// unknown dtype, offsets out of range or overlapping, shape not matching the byte size) throws
// erg::Error naming the file and the tensor.
class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::filesystem::path& path);

  const std::filesystem::path& path() const { return file_.path(); }
  bool contains(std::string_view name) const;
  // Throws erg::Error naming the file when the tensor is missing.
  const SafetensorsEntry& at(std::string_view name) const;
  std::vector<std::string> names() const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

  // Copies an F32 tensor out (F16 is widened to fp32) after checking its dtype and, unless
  // `expected_shape` is empty,
  // its shape. Throws erg::Error naming the file, the tensor and what was expected.
  std::vector<float> read_f32(std::string_view name,
                              std::span<const std::int64_t> expected_shape = {}) const;
  // Reads an integer tensor (I64, I32, I16, I8 or U8) as int64.
  std::vector<std::int64_t> read_i64(std::string_view name) const;

 private:
  void parse();
  std::string where(std::string_view tensor) const;

  MappedFile file_;
  std::map<std::string, SafetensorsEntry, std::less<>> entries_;
  std::map<std::string, std::string> metadata_;
};

// One tensor to write: its bytes must hold product(shape) elements of dtype.
struct SafetensorsTensor {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<std::int64_t> shape;
  std::span<const std::byte> data;
};

SafetensorsTensor f32_tensor(std::string name, std::vector<std::int64_t> shape,
                             std::span<const float> values);

// Writes tensors in the given order (offsets aligned to 8 bytes). Throws erg::Error when a
// tensor's bytes do not match its shape or the file cannot be written.
void write_safetensors(const std::filesystem::path& path,
                       std::span<const SafetensorsTensor> tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace erg::models::runtime
