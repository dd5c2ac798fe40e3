#include "sweep/result_store.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "sweep/config_hash.hpp"

namespace erg::sweep {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("erg_store_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

nlohmann::json row_for(int i) {
  nlohmann::json config{{"prune", i * 0.1}, {"component", "asr.joiner"}};
  return {{"key", config_key(config)}, {"config", config}, {"metrics", {{"energy_uj", i}}}};
}

TEST(ConfigKey, IgnoresKeyOrderAndSeparatesValues) {
  const auto a = nlohmann::json::parse(R"({"b": 1, "a": {"y": 2, "x": 3}})");
  const auto b = nlohmann::json::parse(R"({"a": {"x": 3, "y": 2}, "b": 1})");
  const auto c = nlohmann::json::parse(R"({"a": {"x": 3, "y": 2}, "b": 2})");
  EXPECT_EQ(config_key(a), config_key(b));
  EXPECT_NE(config_key(a), config_key(c));
  EXPECT_EQ(config_key(a).size(), 32u);
}

TEST(Fnv1a, MatchesPublishedVectors) {
  // Reference values of 64-bit FNV-1a from the FNV authors' test suite.
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(fnv1a64("foobar"), 0x85944171f73967e8ULL);
}

TEST(ResultStore, AppendsAndReloadsRows) {
  const auto dir = temp_dir("reload");
  {
    ResultStore store(dir / "results.jsonl");
    store.append(row_for(1));
    store.append(row_for(2));
    EXPECT_THROW(store.append(row_for(1)), Error);
    EXPECT_THROW(store.append(nlohmann::json{{"config", 1}}), Error);
  }
  ResultStore again(dir / "results.jsonl");
  EXPECT_EQ(again.size(), 2u);
  EXPECT_TRUE(again.contains(row_for(2)["key"]));
  EXPECT_FALSE(again.discarded_torn_line());
  EXPECT_EQ(again.rows()[1]["metrics"]["energy_uj"], 2);
  // Rows read from the file are an earlier run's; one appended now is not.
  EXPECT_TRUE(again.loaded_at_open(row_for(1)["key"]));
  again.append(row_for(3));
  EXPECT_TRUE(again.contains(row_for(3)["key"]));
  EXPECT_FALSE(again.loaded_at_open(row_for(3)["key"]));
  EXPECT_FALSE(again.loaded_at_open(row_for(4)["key"]));
}

TEST(ResultStore, DiscardsATornLastLineAndAppendsCleanly) {
  const auto dir = temp_dir("torn");
  const auto path = dir / "results.jsonl";
  {
    ResultStore store(path);
    store.append(row_for(1));
  }
  {
    std::ofstream out(path, std::ios::app);
    out << R"({"key": "abc", "config": {"prune")";  // what kill -9 mid-write leaves
  }
  {
    ResultStore store(path);
    EXPECT_TRUE(store.discarded_torn_line());
    EXPECT_EQ(store.size(), 1u);
    store.append(row_for(3));
  }
  const auto text = slurp(path);
  EXPECT_EQ(text, row_for(1).dump() + "\n" + row_for(3).dump() + "\n");
}

// What readers that must not write (erg report) use: the same rows the store keeps, the torn
// tail left out and reported, the file unchanged.
TEST(ReadResultStore, LeavesOutATornLastLineWithoutChangingTheFile) {
  const auto dir = temp_dir("read_torn");
  const auto path = dir / "results.jsonl";
  const std::string intact = row_for(1).dump() + "\n" + row_for(2).dump() + "\n";
  const std::string torn = R"({"key": "abc", "config": {"prune")";
  std::ofstream(path) << intact << torn;
  const auto contents = read_result_store(path);
  ASSERT_EQ(contents.rows.size(), 2u);
  EXPECT_EQ(contents.rows[1], row_for(2));
  EXPECT_EQ(contents.line_numbers, (std::vector<std::size_t>{1, 2}));
  EXPECT_TRUE(contents.torn_last_line);
  EXPECT_EQ(contents.torn_line_number, 3u);
  EXPECT_EQ(contents.intact_bytes, intact.size());
  EXPECT_EQ(slurp(path), intact + torn);
  // A complete last row that lacks only its newline was never fsync'd as finished either.
  std::ofstream(path) << intact << row_for(3).dump();
  EXPECT_EQ(read_result_store(path).rows.size(), 2u);
  std::ofstream(path) << intact;
  EXPECT_FALSE(read_result_store(path).torn_last_line);
  EXPECT_EQ(read_result_store(path).intact_bytes, intact.size());
}

TEST(ResultStore, DamageBeforeTheLastLineIsAnErrorNamingTheLine) {
  const auto dir = temp_dir("damaged");
  const auto path = dir / "results.jsonl";
  {
    std::ofstream out(path);
    out << row_for(1).dump() << "\nnot json\n" << row_for(2).dump() << "\n";
  }
  try {
    ResultStore store(path);
    FAIL() << "opened a damaged store";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("results.jsonl:2"), std::string::npos) << e.what();
  }
  // Nothing was cut: the rows already written survive.
  EXPECT_EQ(slurp(path).size(), row_for(1).dump().size() + 10 + row_for(2).dump().size() + 1);
}

TEST(WriteCsv, FlattensNestedColumnsAndQuotes) {
  const auto dir = temp_dir("csv");
  std::vector<nlohmann::json> rows{
      {{"key", "k1"}, {"config", {{"name", "a,b"}}}, {"metrics", {{"energy_uj", 1.5}}}},
      {{"key", "k2"}, {"config", {{"name", "say \"hi\""}}}, {"extra", true}},
  };
  write_csv(rows, dir / "results.csv");
  EXPECT_EQ(slurp(dir / "results.csv"),
            "key,config.name,metrics.energy_uj,extra\n"
            "k1,\"a,b\",1.5,\n"
            "k2,\"say \"\"hi\"\"\",,true\n");
}

}  // namespace
}  // namespace erg::sweep
