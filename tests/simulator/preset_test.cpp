#include <gtest/gtest.h>

#include <filesystem>

#include "core/error.hpp"
#include "core/paths.hpp"
#include "simulator/hierarchy.hpp"
#include "simulator/preset.hpp"

namespace erg::simulator {
namespace {

const char* kShipped[] = {"mobile-7nm-lpddr4x", "mobile-5nm-lpddr5", "wearable-sram2m-lpddr4x",
                          "desktop-ddr4", "horowitz-45nm"};

TEST(Preset, ShippedPresetsLoadAndBuild) {
  for (const char* name : kShipped) {
    SCOPED_TRACE(name);
    const Preset p = load_named_preset(name);
    EXPECT_EQ(p.name, name);
    EXPECT_FALSE(p.hierarchy.levels.empty());
    EXPECT_EQ(p.energy.levels.size(), p.hierarchy.levels.size());
    for (const double e : p.energy.mac_energy_pj)
      EXPECT_GT(e, 0.0);
    EXPECT_GT(p.energy.dram.read_energy_pj_per_bit, 0.0);
    EXPECT_GT(p.hierarchy.roofline.dram_bandwidth_bytes_per_s, 0.0);
    Hierarchy h(p.hierarchy);  // builds: geometry and DRAM mapping are valid
    h.access(0, 4096, AccessOp::kRead);
    EXPECT_EQ(h.stats().dram_total().read_bytes, 4096u);
  }
  // The wearable preset has 2 MiB of local SRAM; Horowitz prices int8 MACs at 0.2 + 0.03 pJ.
  EXPECT_EQ(load_named_preset("wearable-sram2m-lpddr4x").hierarchy.scratchpad.size_bytes, 2u << 20);
  EXPECT_DOUBLE_EQ(load_named_preset("horowitz-45nm").energy.mac_energy_pj[2], 0.23);
  EXPECT_DOUBLE_EQ(load_named_preset("horowitz-45nm").energy.levels[0].read_energy_pj, 160.0);
}

TEST(Preset, AcceptsAPath) {
  const auto path = data_root() / "simulator/presets/desktop-ddr4.toml";
  EXPECT_EQ(load_named_preset(path.string()).name, "desktop-ddr4");
  EXPECT_THROW(load_named_preset("no-such-preset"), Error);
}

constexpr const char* kMinimal = R"(name = "mini"
[[level]]
name = "l1"
size_bytes = { value = "4KiB", source = "test" }
line_bytes = { value = 64, source = "test" }
associativity = { value = 4, source = "test" }
read_energy_pj = { value = 1.5, source = "test" }
write_energy_pj = { value = 2, source = "test" }
static_power_w = { value = 0.0, source = "test" }
[dram]
channels = { value = 1, source = "test" }
ranks = { value = 1, source = "test" }
banks = { value = 8, source = "test" }
rows = { value = 1024, source = "test" }
row_bytes = { value = 2048, source = "test" }
burst_bytes = { value = 64, source = "test" }
read_energy_pj_per_bit = { value = 5.0, source = "test" }
write_energy_pj_per_bit = { value = 5.0, source = "test" }
activation_energy_pj = { value = 1000.0, source = "test" }
background_power_w = { value = 0.1, source = "test" }
refresh_power_w = { value = 0.01, source = "test" }
[mac_energy_pj]
fp32 = { value = 4.6, source = "test" }
fp16 = { value = 1.5, source = "test" }
int8 = { value = 0.23, source = "test" }
int4 = { value = 0.065, source = "test" }
)";

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

TEST(Preset, ParsesAMinimalUserPreset) {
  const Preset p = parse_preset(kMinimal, "user.toml");
  EXPECT_EQ(p.hierarchy.levels[0].size_bytes, 4096u);
  EXPECT_EQ(p.hierarchy.levels[0].associativity, 4u);
  EXPECT_DOUBLE_EQ(p.energy.levels[0].write_energy_pj, 2.0);
  EXPECT_EQ(p.hierarchy.dram.mapping, "RoBaRaCoCh");
  EXPECT_FALSE(p.hierarchy.scratchpad.size_bytes);
}

struct BadCase {
  std::string from;
  std::string to;
  std::string key;       // must appear in what()
  std::string expected;  // the expected type or form, must appear in what()
  std::string where;     // file and line
};

TEST(Preset, ValidationNamesFileKeyAndExpectedType) {
  const std::vector<BadCase> cases{
      {"banks = { value = 8, source = \"test\" }\n", "", "dram.banks", "expected {", "bad.toml:10"},
      {"banks = { value = 8,", "banks = { value = \"eight\",", "dram.banks.value",
       "must be an integer, got a string", "bad.toml:13"},
      {"read_energy_pj = { value = 1.5, source = \"test\" }", "read_energy_pj = 1.5",
       "level[0].read_energy_pj", "must be a table { value = a number", "bad.toml:7"},
      {"read_energy_pj = { value = 1.5, source = \"test\" }", "read_energy_pj = { value = 1.5 }",
       "level[0].read_energy_pj.source", "expected a string citation", "bad.toml:7"},
      {"int4 = { value = 0.065,", "int4 = { value = true,", "mac_energy_pj.int4.value",
       "must be a number, got a boolean", "bad.toml:26"},
      {"name = \"mini\"", "name = 3", "name", "must be a string, got an integer", "bad.toml:1"},
      {"[dram]", "colour = \"red\"\n[dram]", "level[0].colour", "not a known key", "bad.toml:10"},
      {"size_bytes = { value = \"4KiB\"", "size_bytes = { value = \"4 parsecs\"",
       "level[0].size_bytes.value", "invalid byte size", "bad.toml:4"},
      {"line_bytes = { value = 64,", "line_bytes = { value = 48,", "line_bytes", "power of two",
       "bad.toml"},
      {"name = \"l1\"", "name = \"l1\"\nreplacement = \"mru\"", "level[0].replacement",
       "must be one of lru", "bad.toml:4"},
      {"fp32 = { value = 4.6, source = \"test\" }\n", "", "mac_energy_pj.fp32", "is missing",
       "bad.toml"},
      {"[mac_energy_pj]", "[mac_energy_pj", "invalid TOML", "", "bad.toml:22"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.key);
    try {
      parse_preset(replace(kMinimal, c.from, c.to), "bad.toml");
      FAIL() << "expected an error";
    } catch (const Error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(c.key), std::string::npos) << what;
      EXPECT_NE(what.find(c.expected), std::string::npos) << what;
      EXPECT_EQ(e.where().rfind(c.where, 0), 0u) << what;
    }
  }
}

}  // namespace
}  // namespace erg::simulator
