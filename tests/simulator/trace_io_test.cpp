#include <gtest/gtest.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <thread>

#include <sys/stat.h>
#include <unistd.h>

#include "core/component_registry.hpp"
#include "core/error.hpp"
#include "simulator/hierarchy.hpp"
#include "simulator/trace_reader.hpp"
#include "simulator/trace_replay.hpp"
#include "simulator/trace_writer.hpp"
#include "test_helpers.hpp"

namespace erg::simulator {
namespace {

std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::temp_directory_path() /
         ("erg_sim_" + std::to_string(::getpid()) + "_" + name);
}

std::vector<TraceRecord> read_all(const std::filesystem::path& path, std::uint32_t size = 4) {
  TraceReader reader(path, size);
  std::vector<TraceRecord> all, batch;
  while (reader.next(batch, 7))  // an odd batch size exercises the batch edges
    all.insert(all.end(), batch.begin(), batch.end());
  return all;
}

// read_all() of `path`'s bytes arriving through a FIFO: a stream the reader cannot map, so it
// reads it in blocks (a writer thread feeds it).
std::vector<TraceRecord> read_all_through_fifo(const std::filesystem::path& path,
                                               const std::string& name) {
  const auto fifo = temp_path(name);
  std::filesystem::remove(fifo);
  if (::mkfifo(fifo.c_str(), 0600) != 0) throw std::runtime_error("mkfifo failed");
  std::signal(SIGPIPE, SIG_IGN);  // a reader stopping early must fail the writer, not kill us
  std::thread writer([&] {
    std::ifstream in(path, std::ios::binary);
    std::ofstream out(fifo, std::ios::binary);
    out << in.rdbuf();
  });
  std::vector<TraceRecord> records;
  try {
    records = read_all(fifo);
  } catch (...) {
    writer.join();
    std::filesystem::remove(fifo);
    throw;
  }
  writer.join();
  std::filesystem::remove(fifo);
  return records;
}

void expect_same(const std::vector<TraceRecord>& a, const std::vector<TraceRecord>& b,
                 bool components) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].address, b[i].address) << i;
    EXPECT_EQ(a[i].bytes, b[i].bytes) << i;
    EXPECT_EQ(a[i].kind, b[i].kind) << i;
    if (components) {
      EXPECT_EQ(a[i].component, b[i].component) << i;
    }
  }
}

std::vector<TraceRecord> sample_records() {
  auto& registry = ComponentRegistry::global();
  const ComponentId enc = registry.intern("test.trace.encoder");
  const ComponentId join = registry.intern("test.trace.joiner");
  std::vector<TraceRecord> records;
  std::mt19937_64 rng(5);
  for (int i = 0; i < 3000; ++i) {
    const auto kind = static_cast<TraceKind>(rng() % 6);
    const ComponentId c = i % 3 == 0 ? kNoComponent : (i % 3 == 1 ? enc : join);
    records.push_back(
        {rng() >> (rng() % 60), static_cast<std::uint32_t>(1 + rng() % 100000), kind, c});
  }
  return records;
}

TEST(TraceIo, DinRoundTrip) {
  const auto path = temp_path("round.din");
  const auto records = sample_records();
  {
    TraceWriter writer(path, TraceFormat::kDin);
    for (const auto& r : records)
      writer.write(r);
    writer.close();
  }
  TraceReader probe(path);
  EXPECT_EQ(probe.format(), TraceFormat::kDin);
  expect_same(read_all(path), records, false);
  std::filesystem::remove(path);
}

TEST(TraceIo, BinaryRoundTripKeepsComponents) {
  const auto path = temp_path("round.bin");
  const auto records = sample_records();
  {
    TraceWriter writer(path, TraceFormat::kBinary);
    for (const auto& r : records)
      writer.write(r);
    writer.close();
  }
  TraceReader probe(path);
  EXPECT_EQ(probe.format(), TraceFormat::kBinary);
  expect_same(read_all(path), records, true);
  std::filesystem::remove(path);
}

// DineroIV din: numeric labels, extended letters, optional 0x, optional size (else the default),
// blank lines, comments and CRLF line ends.
TEST(TraceIo, ReadsDineroForms) {
  const auto path = temp_path("forms.din");
  {
    std::ofstream out(path);
    out << "# comment\n0 1f40\n1 0x2000 10\r\n\n  2\t3000 4 # trailing\nr 40 8\nw 80\nm 0\nc 0\nv "
           "0";
  }
  const auto r = read_all(path, 4);
  ASSERT_EQ(r.size(), 8u);
  EXPECT_EQ(r[0].kind, TraceKind::kRead);
  EXPECT_EQ(r[0].address, 0x1f40u);
  EXPECT_EQ(r[0].bytes, 4u);
  EXPECT_EQ(r[1].kind, TraceKind::kWrite);
  EXPECT_EQ(r[1].address, 0x2000u);
  EXPECT_EQ(r[1].bytes, 0x10u);
  EXPECT_EQ(r[2].kind, TraceKind::kInstructionFetch);
  EXPECT_EQ(r[3].bytes, 8u);
  EXPECT_EQ(r[4].kind, TraceKind::kWrite);
  EXPECT_EQ(r[5].kind, TraceKind::kMisc);
  EXPECT_EQ(r[6].kind, TraceKind::kFlush);
  EXPECT_EQ(r[7].kind, TraceKind::kInvalidate);
  std::filesystem::remove(path);
}

TEST(TraceIo, MalformedDinNamesTheLine) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"0 100\n0 zz\n", ":2"},          // bad address
      {"0 100\n\n7 100\n", ":3"},       // unknown label
      {"0 100 8 9\n", ":1"},            // trailing field
      {"0100\n", ":1"},                 // no separator
      {"0 11112222333344445\n", ":1"},  // address overflows 64 bits
      {"1 100 8\nr\n", ":2"},           // missing address
  };
  for (const auto& [text, where] : cases) {
    SCOPED_TRACE(text);
    const auto path = temp_path("bad.din");
    {
      std::ofstream out(path);
      out << text;
    }
    try {
      read_all(path);
      FAIL() << "expected an error";
    } catch (const Error& e) {
      EXPECT_EQ(e.where(), path.string() + where);
      EXPECT_NE(e.what_text().find("malformed din record"), std::string::npos);
    }
    std::filesystem::remove(path);
  }
}

// Sizes and ranges: a size of 0 or over 1 GiB, or a record running past 2^64, is an error
// naming the line and saying what is wrong, in the one-pass form and in the general one (tab,
// 0x prefix). A record that ends exactly at 2^64 is fine, and so is a flush record's address.
TEST(TraceIo, DinSizeAndRangeErrors) {
  struct Case {
    std::string text, where, message;
  };
  const std::vector<Case> cases{
      {"0 ffffffffffffffff\n", ":1",
       "runs past the end of the 64-bit address space (0xffffffffffffffff + 0x4 bytes, the "
       "default size"},
      {"0 100\n1 fffffffffffffff0 64\n", ":2",
       "'1 fffffffffffffff0 64' runs past the end of the 64-bit address space "
       "(0xfffffffffffffff0 + 0x64 bytes, ends"},
      {"0 100\n# c\n2\t0xfffffffffffffffd 4\n", ":3", "runs past the end"},
      {"m ffffffffffffffff 2\n", ":1", "runs past the end"},
      {"0 100 0\n", ":1", "'0 100 0' has size 0 (sizes are 1 to 0x40000000 bytes (1 GiB))"},
      {"0 100\n1 100 0x0\n", ":2", "has size 0"},
      {"0 100 40000001\n", ":1", "has a size over the limit of 0x40000000 bytes (1 GiB)"},
      {"0 100 100000000\n", ":1", "over the limit"},
      {"0 100 11112222333344445\n", ":1", "over the limit"},
  };
  const auto path = temp_path("range.din");
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    {
      std::ofstream out(path, std::ios::binary);
      out << c.text;
    }
    try {
      read_all(path);
      FAIL() << "expected an error";
    } catch (const Error& e) {
      EXPECT_EQ(e.where(), path.string() + c.where);
      EXPECT_NE(e.what_text().find(c.message), std::string::npos) << e.what_text();
    }
  }
  {
    std::ofstream out(path, std::ios::binary);
    out << "0 fffffffffffffffc\n1 ffffffffffffff00 100\n0 0 40000000\n4 ffffffffffffffff\n"
           "v fffffffffffffff0 64\n";
  }
  const auto records = read_all(path);
  ASSERT_EQ(records.size(), 5u);
  EXPECT_EQ(records[1].address, 0xffffffffffffff00u);
  EXPECT_EQ(records[1].bytes, 0x100u);
  EXPECT_EQ(records[2].bytes, kMaxRecordBytes);
  EXPECT_EQ(records[3].kind, TraceKind::kFlush);
  // The default size itself must be a valid size.
  EXPECT_THROW(TraceReader r(path, 0), Error);
  EXPECT_THROW(TraceReader r(path, kMaxRecordBytes + 1), Error);
  std::filesystem::remove(path);
}

// Accesses ending exactly at 2^64 are simulated line by line like any other: 0xff..fc (4 B) is
// the last line; 0xff..00 + 256 B is the last four 64 B lines (3 misses, then the line already
// read hits). The old arithmetic took the end, 2^64, as 0.
TEST(TraceIo, ReplayAtTheTopOfTheAddressSpace) {
  const auto path = temp_path("top.din");
  {
    std::ofstream out(path, std::ios::binary);
    out << "0 fffffffffffffffc\n1 ffffffffffffff00 100\n";
  }
  HierarchyConfig config;
  config.levels = {testing::cache("l1", 16, 4)};
  config.dram = testing::tiny_dram();
  Hierarchy h(config);
  TraceReader reader(path);
  replay_trace(reader, h);
  const auto s = h.stats();
  EXPECT_EQ(s.line_access_count, 5u);
  EXPECT_EQ(s.level_total(0).read_count, 1u);
  EXPECT_EQ(s.level_total(0).write_count, 4u);
  EXPECT_EQ(s.level_total(0).write_miss_count, 3u);
  EXPECT_EQ(s.level_total(0).write_hit_count, 1u);
  EXPECT_EQ(s.dram_total().read_burst_count, 4u);
  std::filesystem::remove(path);
}

// Binary records carry a 32-bit size: 0, over 1 GiB and ranges past 2^64 are errors naming the
// record's byte offset; flush records carry no size. The writer refuses to write them at all.
TEST(TraceIo, BinarySizeAndRangeErrors) {
  const auto raw = [](std::uint64_t address, std::uint32_t bytes, TraceKind kind) {
    std::string record(16, '\0');
    std::memcpy(record.data(), &address, 8);
    std::memcpy(record.data() + 8, &bytes, 4);
    const std::uint16_t none = kBinaryNoComponent;
    std::memcpy(record.data() + 12, &none, 2);
    record[14] = static_cast<char>(kind);
    return record;
  };
  const std::string magic(kBinaryTraceMagic, sizeof(kBinaryTraceMagic));
  const std::string ok = raw(0x40, 8, TraceKind::kRead) + raw(0, 0, TraceKind::kFlush);
  const std::vector<std::pair<std::string, std::string>> cases{
      {raw(0x40, 0, TraceKind::kWrite), "has size 0"},
      {raw(0x40, kMaxRecordBytes + 1, TraceKind::kRead),
       "has size 0x40000001, over the limit of 0x40000000 bytes"},
      {raw(0xfffffffffffffff0, 100, TraceKind::kInstructionFetch),
       "runs past the end of the 64-bit address space (0xfffffffffffffff0 + 0x64 bytes)"},
  };
  const auto path = temp_path("range.bin");
  for (const auto& [record, message] : cases) {
    SCOPED_TRACE(message);
    {
      std::ofstream out(path, std::ios::binary);
      out << magic << ok << record;
    }
    try {
      read_all(path);
      FAIL() << "expected an error";
    } catch (const Error& e) {
      EXPECT_EQ(e.where(), path.string() + ": byte offset 40");  // 8 + 2 x 16
      EXPECT_NE(e.what_text().find(message), std::string::npos) << e.what_text();
    }
  }
  {
    std::ofstream out(path, std::ios::binary);
    out << magic << ok << raw(0xffffffffffffff00, 0x100, TraceKind::kRead);
  }
  EXPECT_EQ(read_all(path).size(), 3u);
  TraceWriter writer(path, TraceFormat::kBinary);
  EXPECT_THROW(writer.write({0xfffffffffffffff0, 100, TraceKind::kRead, kNoComponent}), Error);
  EXPECT_THROW(writer.write({0x40, 0, TraceKind::kWrite, kNoComponent}), Error);
  writer.write({0, 0, TraceKind::kFlush, kNoComponent});
  writer.close();
  std::filesystem::remove(path);
}

// The reader parses the common "<label> <hex> [<hex>]\n" form in one pass and hands anything
// else to the general parser. Mixing both forms over several 1 MiB buffers (records cut at buffer
// edges) must give exactly the records written, and an error must still name its line.
TEST(TraceIo, DinFastAndGeneralFormsAgree) {
  const auto path = temp_path("mixed.din");
  std::vector<TraceRecord> want;
  constexpr std::uint64_t kLines = 300000;  // about 5 MiB
  {
    std::ofstream out(path, std::ios::binary);
    std::mt19937_64 rng(5);
    const char* labels[] = {"0", "1", "2", "r", "w", "i"};
    for (std::uint64_t i = 0; i < kLines; ++i) {
      const int l = static_cast<int>(rng() % 6);
      const std::uint64_t address = rng() >> (rng() % 64);
      bool sized = rng() % 2;
      std::uint32_t bytes = sized ? 1 + static_cast<std::uint32_t>(rng() % 4096) : 4;
      char buf[96];
      switch (rng() % 8) {
        case 0:  // general path: prefix, extra blanks, CRLF, trailing comment
          std::snprintf(buf, sizeof buf, "%s\t0x%llx  %x\r\n", labels[l],
                        static_cast<unsigned long long>(address), bytes);
          sized = true;
          break;
        case 1:
          std::snprintf(buf, sizeof buf, "# comment %llu\n%s %llX # note\n",
                        static_cast<unsigned long long>(i), labels[l],
                        static_cast<unsigned long long>(address));
          sized = false;
          break;
        case 2:  // the common form in upper case, any size up to the limit
          bytes = 1 + static_cast<std::uint32_t>(rng() % kMaxRecordBytes);
          std::snprintf(buf, sizeof buf, "%s %llX %X\n", labels[l],
                        static_cast<unsigned long long>(address), bytes);
          sized = true;
          break;
        default:  // the common form
          if (sized)
            std::snprintf(buf, sizeof buf, "%s %llx %x\n", labels[l],
                          static_cast<unsigned long long>(address), bytes);
          else
            std::snprintf(buf, sizeof buf, "%s %llx\n", labels[l],
                          static_cast<unsigned long long>(address));
      }
      out << buf;
      const TraceKind kinds[] = {TraceKind::kRead, TraceKind::kWrite, TraceKind::kInstructionFetch,
                                 TraceKind::kRead, TraceKind::kWrite, TraceKind::kInstructionFetch};
      want.push_back({address, sized ? bytes : 4u, kinds[l], kNoComponent});
    }
    out << "0 10";  // last line without a newline
    want.push_back({0x10, 4, TraceKind::kRead, kNoComponent});
  }
  expect_same(read_all(path), want, false);
  expect_same(read_all_through_fifo(path, "mixed.fifo"), want, false);
  {
    TraceReader reader(path);  // default batch size
    std::vector<TraceRecord> all, batch;
    while (reader.next(batch))
      all.insert(all.end(), batch.begin(), batch.end());
    expect_same(all, want, false);
  }
  // A malformed line after many fast-path lines is still named by its number (comment lines
  // count as lines).
  {
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < 200000; ++i)
      out << (i % 1000 == 0 ? "# c\n" : "0 1000 8\n");
    out << "0 1000 8 x\n";
  }
  try {
    read_all(path);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.where(), path.string() + ":200001");
  }
  try {
    read_all_through_fifo(path, "bad.fifo");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.where(), temp_path("bad.fifo").string() + ":200001");
  }
  std::filesystem::remove(path);
}

TEST(TraceIo, MalformedBinaryNamesTheOffset) {
  const auto path = temp_path("bad.bin");
  {
    TraceWriter writer(path, TraceFormat::kBinary);
    writer.write({0x40, 8, TraceKind::kRead, kNoComponent});
    writer.close();
  }
  {
    std::ofstream out(path, std::ios::app | std::ios::binary);
    out.write("\x01\x02\x03", 3);  // a truncated second record
  }
  try {
    read_all(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(e.where().find("byte offset 24"), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
  EXPECT_THROW(TraceReader r(temp_path("missing.din")), Error);
}

// Replaying a written trace gives the same statistics as the accesses themselves.
TEST(TraceIo, ReplayMatchesDirectAccess) {
  HierarchyConfig config;
  config.levels = {testing::cache("l1", 16, 2), testing::cache("l2", 64, 4)};
  config.dram = testing::tiny_dram();
  Hierarchy direct(config), replayed(config);
  const auto path = temp_path("replay.din");
  {
    TraceWriter writer(path, TraceFormat::kDin);
    std::mt19937_64 rng(9);
    for (int i = 0; i < 5000; ++i) {
      const AccessEvent e{(rng() % 4096) * 8, 1 + rng() % 64,
                          rng() % 4 ? AccessOp::kRead : AccessOp::kWrite, kNoComponent, kNoTensor};
      writer.on_access(e);
      direct.on_access(e);
    }
    writer.write({0, 0, TraceKind::kFlush, kNoComponent});
    writer.close();
    direct.flush();
  }
  TraceReader reader(path);
  const auto summary = replay_trace(reader, replayed);
  EXPECT_EQ(summary.record_count, 5001u);
  EXPECT_EQ(summary.flush_count, 1u);
  const auto a = direct.stats(), b = replayed.stats();
  EXPECT_EQ(a.level_total(0), b.level_total(0));
  EXPECT_EQ(a.level_total(1), b.level_total(1));
  EXPECT_EQ(a.dram_total(), b.dram_total());
  std::filesystem::remove(path);
}

// replay_trace reads on its own thread, a few batches of 16384 records ahead. Over many batches,
// with flush and invalidate records among the accesses, it must count what the same calls made
// in order count; and a malformed line after them is still the error, named by its line.
TEST(TraceIo, ReplayAcrossReaderBatchesKeepsTheOrder) {
  HierarchyConfig config;
  config.levels = {testing::cache("l1", 16, 2), testing::cache("l2", 64, 4)};
  config.dram = testing::tiny_dram();
  Hierarchy direct(config), replayed(config);
  const auto path = temp_path("batches.din");
  constexpr int kRecords = 100000;  // about six batches
  {
    std::ofstream out(path, std::ios::binary);
    std::mt19937_64 rng(12);
    for (int i = 0; i < kRecords; ++i) {
      const std::uint64_t address = (rng() % 4096) * 8;
      if (i % 9999 == 0) {
        out << "4 0\n";
        direct.flush();
      } else if (i % 30001 == 0) {
        out << "v 0\n";
        direct.invalidate_all();
      } else {
        const bool write = rng() % 4 == 0;
        out << (write ? "1 " : "0 ") << std::hex << address << std::dec << "\n";
        direct.access(address, 4, write ? AccessOp::kWrite : AccessOp::kRead);
      }
    }
  }
  {
    TraceReader reader(path);
    const auto summary = replay_trace(reader, replayed);
    EXPECT_EQ(summary.record_count, static_cast<std::uint64_t>(kRecords));
    EXPECT_EQ(summary.flush_count, 11u);      // i = 0, 9999, ..., 99990
    EXPECT_EQ(summary.invalidate_count, 3u);  // i = 30001, 60002, 90003
  }
  const auto a = direct.stats(), b = replayed.stats();
  EXPECT_EQ(a.level_total(0), b.level_total(0));
  EXPECT_EQ(a.level_total(1), b.level_total(1));
  EXPECT_EQ(a.dram_total(), b.dram_total());
  {
    std::ofstream out(path, std::ios::app | std::ios::binary);
    out << "0 zz\n";
  }
  Hierarchy failing(config);
  TraceReader reader(path);
  try {
    replay_trace(reader, failing);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.where(), path.string() + ":" + std::to_string(kRecords + 1));
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace erg::simulator
