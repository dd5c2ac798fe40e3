#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "core/access_sink.hpp"
#include "simulator/trace_file.hpp"
#include "simulator/trace_record.hpp"

namespace erg::simulator {

// erg's binary trace: the 8-byte magic "ERGTRC01", then 16-byte little-endian records
//   u64 address | u32 bytes | u16 component index (0xffff: none) | u8 kind | u8 0
// A record of kind 0x80 defines component index `component` as the `bytes`-long name that
// immediately follows it, so components can appear mid-stream.
inline constexpr char kBinaryTraceMagic[8] = {'E', 'R', 'G', 'T', 'R', 'C', '0', '1'};
inline constexpr std::uint8_t kBinaryDefineComponent = 0x80;
inline constexpr std::uint16_t kBinaryNoComponent = 0xffff;

// Writes din text or the binary format. As an AccessSink it records an engine's accesses (MACs
// and invocations have no record in either format and are dropped).
class TraceWriter final : public AccessSink {
 public:
  TraceWriter(const std::filesystem::path& path, TraceFormat format);

  void write(const TraceRecord& record);
  // Flushes and closes; throws erg::Error if the data could not be written.
  void close();

  void on_invocation(ComponentId) override {}
  void on_access(const AccessEvent& event) override;
  void on_compute(const ComputeEvent&) override {}

 private:
  std::uint16_t component_index(ComponentId component);

  std::filesystem::path path_;
  TraceFormat format_;
  FileHandle file_;
  std::vector<std::uint16_t> indices_;  // registry id -> file index + 1 (0: not yet defined)
  std::uint16_t next_index_ = 0;
};

}  // namespace erg::simulator
