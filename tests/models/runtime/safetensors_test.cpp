#include "models/runtime/safetensors.hpp"

#include <gtest/gtest.h>

#include <unistd.h>
#include <cmath>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace erg::models::runtime {
namespace {

namespace fs = std::filesystem;

fs::path temp_file(const std::string& name) {
  return fs::temp_directory_path() / ("erg_st_" + std::to_string(::getpid()) + "_" + name);
}

// Writes an 8-byte length, the header text verbatim and `data_bytes` bytes of data.
fs::path raw_file(const std::string& name, const std::string& header, std::size_t data_bytes,
                  std::uint64_t length_field = UINT64_MAX) {
  const auto path = temp_file(name);
  std::ofstream out(path, std::ios::binary);
  const std::uint64_t len = length_field == UINT64_MAX ? header.size() : length_field;
  for (int i = 0; i < 8; ++i)
    out.put(static_cast<char>((len >> (8 * i)) & 0xff));
  out << header;
  out << std::string(data_bytes, '\0');
  return path;
}

// Expects construction (or `op`) to throw an erg::Error whose message holds every fragment.
template <class F>
void expect_error(F op, std::vector<std::string> fragments) {
  try {
    op();
    FAIL() << "expected erg::Error";
  } catch (const Error& e) {
    const std::string what = e.what();
    for (const auto& f : fragments)
      EXPECT_NE(what.find(f), std::string::npos) << "message '" << what << "' lacks '" << f << "'";
  }
}

TEST(Safetensors, RoundTripsTensorsAndMetadata) {
  const auto path = temp_file("roundtrip.safetensors");
  const std::vector<float> a{1.0f, -2.5f, 3.25f, 0.0f, 7.0f, 8.0f};
  const std::vector<std::int32_t> ids{5, -1, 258};
  const std::vector<SafetensorsTensor> tensors{
      f32_tensor("a.weight", {2, 3}, a),
      {"ids", DType::kI32, {3}, std::as_bytes(std::span<const std::int32_t>(ids))}};
  write_safetensors(path, tensors, {{"format", "pt"}});
  const SafetensorsFile file(path);
  EXPECT_EQ(file.names(), (std::vector<std::string>{"a.weight", "ids"}));
  const std::vector<std::int64_t> shape{2, 3};
  EXPECT_EQ(file.read_f32("a.weight", shape), a);
  EXPECT_EQ(file.read_i64("ids"), (std::vector<std::int64_t>{5, -1, 258}));
  EXPECT_EQ(file.metadata().at("format"), "pt");
  EXPECT_EQ(file.at("ids").dtype, DType::kI32);
  fs::remove(path);
}

TEST(Safetensors, TruncatedFileIsReported) {
  // Fewer than 8 bytes: no length field at all.
  const auto tiny = temp_file("tiny.safetensors");
  std::ofstream(tiny, std::ios::binary) << "abc";
  expect_error([&] { SafetensorsFile f(tiny); }, {"truncated", tiny.string()});
  // A valid file cut in the middle of its data section: offsets then run past the end.
  const auto path = temp_file("cut.safetensors");
  const std::vector<float> a(16, 1.0f);
  write_safetensors(path, std::vector{f32_tensor("w", {16}, a)});
  fs::resize_file(path, fs::file_size(path) - 10);
  expect_error([&] { SafetensorsFile f(path); }, {"out of range", "'w'"});
  // Cut inside the header.
  fs::resize_file(path, 20);
  expect_error([&] { SafetensorsFile f(path); }, {"truncated", "header length"});
  fs::remove(tiny);
  fs::remove(path);
}

TEST(Safetensors, BadHeaderJsonIsReported) {
  const auto path = raw_file("badjson.safetensors", "{\"w\": {\"dtype\": \"F32\",", 0);
  expect_error([&] { SafetensorsFile f(path); }, {"bad header JSON", path.string()});
  const auto not_object = raw_file("array.safetensors", "[1, 2]", 0);
  expect_error([&] { SafetensorsFile f(not_object); }, {"bad header JSON", "object"});
  fs::remove(path);
  fs::remove(not_object);
}

// Found by tests/fuzz/safetensors_fuzz.cpp (corpus/safetensors/crash-number-overflow): a number
// too large for a double is the JSON library's out_of_range, not its parse_error, and escaped.
TEST(Safetensors, NumberOverflowInHeaderIsBadJson) {
  const auto path = raw_file("numoverflow.safetensors", R"({"w":{"shape":[2,1E99999]}})", 0);
  expect_error([&] { SafetensorsFile f(path); }, {"bad header JSON", path.string()});
  fs::remove(path);
}

// [2^62, 3, 0] holds no elements, but its partial product 3 * 2^62 passes INT64_MAX, which
// elements() would overflow computing (undefined behaviour).
TEST(Safetensors, ShapeWhosePartialProductOverflowsIsReported) {
  const auto path = raw_file(
      "partial.safetensors",
      R"({"w":{"dtype":"F32","shape":[4611686018427387904,3,0],"data_offsets":[0,0]}})", 0);
  expect_error([&] { SafetensorsFile f(path); }, {"too many", "'w'"});
  fs::remove(path);
}

TEST(Safetensors, HugeLengthFieldIsReported) {
  const auto path = raw_file("huge.safetensors", "{}", 0, 1ull << 40);
  expect_error([&] { SafetensorsFile f(path); }, {"header length"});
  fs::remove(path);
}

TEST(Safetensors, OffsetOverflowIsReported) {
  // 16 bytes of data, but the tensor claims [8, 24).
  const auto path = raw_file("overflow.safetensors",
                             R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}})", 16);
  expect_error([&] { SafetensorsFile f(path); }, {"out of range", "'w'", "16 bytes"});
  // An offset that does not fit in 64 bits.
  const auto big =
      raw_file("overflow64.safetensors",
               R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,99999999999999999999]}})", 16);
  expect_error([&] { SafetensorsFile f(big); }, {"'w'"});
  // Reversed offsets.
  const auto rev = raw_file("reversed.safetensors",
                            R"({"w":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}})", 16);
  expect_error([&] { SafetensorsFile f(rev); }, {"out of range", "'w'"});
  fs::remove(path);
  fs::remove(big);
  fs::remove(rev);
}

TEST(Safetensors, OverlappingTensorsAreReported) {
  const auto path = raw_file("overlap.safetensors",
                             R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                             R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                             16);
  expect_error([&] { SafetensorsFile f(path); }, {"overlap", "'a'", "'b'"});
  fs::remove(path);
}

TEST(Safetensors, WrongDtypeIsReported) {
  // Unknown dtype in the header.
  const auto path =
      raw_file("dtype.safetensors", R"({"w":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}})", 8);
  expect_error([&] { SafetensorsFile f(path); }, {"unknown dtype", "F33", "'w'"});
  // A valid I32 tensor read where F32 is expected.
  const auto ints = temp_file("ints.safetensors");
  const std::vector<std::int32_t> v{1, 2};
  write_safetensors(
      ints, std::vector<SafetensorsTensor>{{"w", DType::kI32, {2}, std::as_bytes(std::span(v))}});
  const SafetensorsFile file(ints);
  expect_error([&] { (void)file.read_f32("w"); }, {"wrong dtype I32", "expected F32", "'w'"});
  fs::remove(path);
  fs::remove(ints);
}

TEST(Safetensors, F16IsWidenedExactly) {
  // Hand-encoded binary16: 1.0 = 0x3c00, -2.5 = 0xc100, 65504 (max) = 0x7bff,
  // 2^-24 (smallest subnormal) = 0x0001, -0.0 = 0x8000, +inf = 0x7c00.
  const auto path = temp_file("f16.safetensors");
  const std::vector<std::uint16_t> v{0x3c00, 0xc100, 0x7bff, 0x0001, 0x8000, 0x7c00};
  write_safetensors(
      path, std::vector<SafetensorsTensor>{{"w", DType::kF16, {6}, std::as_bytes(std::span(v))}});
  const SafetensorsFile file(path);
  const auto w = file.read_f32("w");
  ASSERT_EQ(w.size(), 6u);
  EXPECT_EQ(w[0], 1.0f);
  EXPECT_EQ(w[1], -2.5f);
  EXPECT_EQ(w[2], 65504.0f);
  EXPECT_EQ(w[3], std::ldexp(1.0f, -24));
  EXPECT_TRUE(w[4] == 0.0f && std::signbit(w[4]));
  EXPECT_TRUE(std::isinf(w[5]) && w[5] > 0);
  fs::remove(path);
}

TEST(Safetensors, WrongShapeIsReported) {
  // Shape [3] of F32 needs 12 bytes; offsets span 8.
  const auto path =
      raw_file("shape.safetensors", R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8);
  expect_error([&] { SafetensorsFile f(path); }, {"shape [3]", "needs 12 bytes", "span 8", "'w'"});
  // A valid tensor of the wrong shape for the caller.
  const auto good = temp_file("good.safetensors");
  const std::vector<float> a(6, 0.5f);
  write_safetensors(good, std::vector{f32_tensor("w", {2, 3}, a)});
  const SafetensorsFile file(good);
  const std::vector<std::int64_t> want{3, 2};
  expect_error([&] { (void)file.read_f32("w", want); },
               {"wrong shape [2,3]", "expected [3,2]", "'w'"});
  expect_error([&] { (void)file.at("missing"); }, {"missing tensor", "'missing'"});
  fs::remove(path);
  fs::remove(good);
}

TEST(Safetensors, MissingFileIsReported) {
  expect_error([] { SafetensorsFile f("/nonexistent/erg/model.safetensors"); },
               {"cannot open", "/nonexistent/erg/model.safetensors"});
}

}  // namespace
}  // namespace erg::models::runtime
