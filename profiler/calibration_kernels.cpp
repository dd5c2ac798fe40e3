#include "profiler/calibration_kernels.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "core/error.hpp"
#include "core/units.hpp"

namespace erg::profiler {
namespace {

constexpr std::uint64_t kLineBytes = 64;

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

class StreamKernel final : public CalibrationKernel {
 public:
  StreamKernel(std::string name, AccessOp op, std::uint64_t bytes)
      : name_(std::move(name)), op_(op), words_(bytes / sizeof(std::uint64_t)) {
    if (bytes < kLineBytes || bytes % kLineBytes != 0)
      throw Error(
          "stream buffer must be a positive multiple of 64 bytes, got " + std::to_string(bytes),
          "calibration kernel " + name_);
    buffer_.reset(static_cast<std::uint64_t*>(std::aligned_alloc(kLineBytes, bytes)));
    if (!buffer_) throw Error("cannot allocate " + std::to_string(bytes) + " bytes", name_);
    for (std::uint64_t i = 0; i < words_; ++i)
      buffer_.get()[i] = i;
    description_ = std::string(op == AccessOp::kRead ? "streaming reads" : "streaming writes") +
                   " over " + units::format_bytes(bytes);
  }

  std::string_view name() const override { return name_; }
  std::string_view description() const override { return description_; }

  std::uint64_t run(std::uint64_t passes) override {
    std::uint64_t* p = buffer_.get();
    const std::uint64_t n = words_;
    std::uint64_t check = 0;
    for (std::uint64_t pass = 0; pass < passes; ++pass) {
      if (op_ == AccessOp::kRead) {
        std::uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (std::uint64_t i = 0; i < n; i += 4) {
          s0 += p[i];
          s1 += p[i + 1];
          s2 += p[i + 2];
          s3 += p[i + 3];
        }
        check += s0 + s1 + s2 + s3;
      } else {
        // Value depends on the pass, so the stores are not hoisted; not a memset, so no
        // non-temporal stores that would bypass the caches.
        const std::uint64_t v = pass + check;
        for (std::uint64_t i = 0; i < n; ++i)
          p[i] = v + i;
        check += p[n - 1];
      }
      // The compiler may not assume the buffer is unchanged between passes.
      asm volatile("" : : "r"(p) : "memory");
    }
    return check;
  }

  void describe_pass(AccessSink& sink) const override {
    AccessEvent e;
    e.address = kCalibrationBufferAddress;
    e.bytes = words_ * sizeof(std::uint64_t);
    e.op = op_;
    sink.on_access(e);
  }

 private:
  std::string name_;
  std::string description_;
  AccessOp op_;
  std::uint64_t words_;
  std::unique_ptr<std::uint64_t, FreeDeleter> buffer_;
};

class MacKernel final : public CalibrationKernel {
 public:
  MacKernel(std::string name, Precision precision, std::uint64_t macs_per_pass)
      : name_(std::move(name)), precision_(precision) {
    if (precision != Precision::kFp32 && precision != Precision::kInt8)
      throw Error("MAC kernels exist for fp32 and int8, got " + std::string(to_string(precision)),
                  "calibration kernel " + name_);
    lanes_ = precision == Precision::kFp32 ? kFp32Lanes : kInt8Lanes;
    iterations_ = std::max<std::uint64_t>(1, macs_per_pass / lanes_);
    description_ = std::string(to_string(precision)) + " multiply-accumulates in registers";
  }

  std::string_view name() const override { return name_; }
  std::string_view description() const override { return description_; }

  std::uint64_t run(std::uint64_t passes) override {
    return precision_ == Precision::kFp32 ? run_fp32(passes) : run_int8(passes);
  }

  void describe_pass(AccessSink& sink) const override {
    ComputeEvent e;
    e.macs = iterations_ * lanes_;
    e.precision = precision_;
    sink.on_compute(e);
  }

 private:
  static constexpr std::uint64_t kFp32Lanes = 16;
  static constexpr std::uint64_t kInt8Lanes = 32;

  std::uint64_t run_fp32(std::uint64_t passes) const {
    float acc[kFp32Lanes];
    float w[kFp32Lanes];
    for (std::uint64_t j = 0; j < kFp32Lanes; ++j) {
      acc[j] = static_cast<float>(j);
      w[j] = 0.999f - 0.001f * static_cast<float>(j);
    }
    const float x = 0.5f;
    for (std::uint64_t pass = 0; pass < passes; ++pass) {
      for (std::uint64_t i = 0; i < iterations_; ++i)
        for (std::uint64_t j = 0; j < kFp32Lanes; ++j)
          acc[j] = acc[j] * w[j] + x;  // a recurrence: cannot be collapsed or hoisted
      asm volatile("" : : "r"(acc) : "memory");
    }
    float sum = 0;
    for (float a : acc)
      sum += a;
    std::uint32_t bits;
    std::memcpy(&bits, &sum, sizeof(bits));
    return bits;
  }

  std::uint64_t run_int8(std::uint64_t passes) const {
    std::int32_t acc[kInt8Lanes];
    std::int8_t x[kInt8Lanes];
    std::int8_t w[kInt8Lanes];
    for (std::uint64_t j = 0; j < kInt8Lanes; ++j) {
      acc[j] = 0;
      x[j] = static_cast<std::int8_t>(j + 1);
      w[j] = static_cast<std::int8_t>(3 - static_cast<int>(j % 7));
    }
    for (std::uint64_t pass = 0; pass < passes; ++pass) {
      for (std::uint64_t i = 0; i < iterations_; ++i)
        for (std::uint64_t j = 0; j < kInt8Lanes; ++j) {
          acc[j] += static_cast<std::int32_t>(x[j]) * w[j];
          x[j] = static_cast<std::int8_t>(acc[j]);  // next input depends on this MAC
        }
      asm volatile("" : : "r"(acc), "r"(x) : "memory");
    }
    std::uint64_t sum = 0;
    for (std::int32_t a : acc)
      sum += static_cast<std::uint32_t>(a);
    return sum;
  }

  std::string name_;
  std::string description_;
  Precision precision_;
  std::uint64_t lanes_ = 0;
  std::uint64_t iterations_ = 0;
};

class SpinKernel final : public CalibrationKernel {
 public:
  explicit SpinKernel(std::uint64_t iterations) : iterations_(iterations) {}
  std::string_view name() const override { return "spin"; }
  std::string_view description() const override {
    return "integer recurrence in one register (busy, no events)";
  }
  std::uint64_t run(std::uint64_t passes) override {
    std::uint64_t s = 0x9e3779b97f4a7c15ULL;
    for (std::uint64_t pass = 0; pass < passes; ++pass) {
      for (std::uint64_t i = 0; i < iterations_; ++i) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
      }
      asm volatile("" : "+r"(s));
    }
    return s;
  }
  void describe_pass(AccessSink&) const override {}

 private:
  std::uint64_t iterations_;
};

}  // namespace

std::unique_ptr<CalibrationKernel> make_stream_kernel(std::string name, AccessOp op,
                                                      std::uint64_t bytes) {
  return std::make_unique<StreamKernel>(std::move(name), op, bytes);
}

std::unique_ptr<CalibrationKernel> make_mac_kernel(std::string name, Precision precision,
                                                   std::uint64_t macs_per_pass) {
  return std::make_unique<MacKernel>(std::move(name), precision, macs_per_pass);
}

std::unique_ptr<CalibrationKernel> make_spin_kernel(std::uint64_t iterations_per_pass) {
  return std::make_unique<SpinKernel>(iterations_per_pass);
}

std::uint64_t stream_bytes_for_level(const std::vector<CalibrationLevel>& levels,
                                     std::size_t index) {
  if (levels.empty()) throw Error("no cache levels to calibrate", "calibration kernels");
  for (std::size_t i = 0; i < levels.size(); ++i) {
    if (levels[i].size_bytes < 2 * kLineBytes)
      throw Error(
          "level size must be at least 128 bytes, got " + std::to_string(levels[i].size_bytes),
          "level " + levels[i].name + ".size_bytes");
    if (i > 0 && levels[i].size_bytes <= levels[i - 1].size_bytes)
      throw Error("level sizes must grow away from the processor: " +
                      units::format_bytes(levels[i].size_bytes) + " is not above " +
                      levels[i - 1].name + "'s " + units::format_bytes(levels[i - 1].size_bytes),
                  "level " + levels[i].name + ".size_bytes");
  }
  if (index >= levels.size()) return 4 * levels.back().size_bytes;
  std::uint64_t bytes = levels[index].size_bytes / 2;
  if (index > 0 && bytes <= levels[index - 1].size_bytes)
    bytes = (levels[index - 1].size_bytes + levels[index].size_bytes) / 2;
  return bytes / kLineBytes * kLineBytes;
}

std::vector<std::unique_ptr<CalibrationKernel>> make_calibration_kernels(
    const std::vector<CalibrationLevel>& levels) {
  std::vector<std::unique_ptr<CalibrationKernel>> kernels;
  for (AccessOp op : {AccessOp::kRead, AccessOp::kWrite}) {
    const std::string prefix = op == AccessOp::kRead ? "read-" : "write-";
    for (std::size_t i = 0; i <= levels.size(); ++i) {
      const std::string where = i < levels.size() ? levels[i].name : "dram";
      kernels.push_back(make_stream_kernel(prefix + where, op, stream_bytes_for_level(levels, i)));
    }
  }
  kernels.push_back(make_mac_kernel("mac-fp32", Precision::kFp32, 1 << 16));
  kernels.push_back(make_mac_kernel("mac-int8", Precision::kInt8, 1 << 16));
  kernels.push_back(make_spin_kernel(1 << 16));
  return kernels;
}

}  // namespace erg::profiler
