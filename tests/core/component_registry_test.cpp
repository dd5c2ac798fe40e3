#include "core/component_registry.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "core/error.hpp"

namespace erg {
namespace {

TEST(ComponentRegistry, InternIsIdempotentAndIdsAreDense) {
  ComponentRegistry r;
  const auto joiner = r.intern("asr.joiner");
  const auto layer = r.intern("llm.layer.3");
  EXPECT_EQ(joiner, 0u);
  EXPECT_EQ(layer, 1u);
  EXPECT_EQ(r.intern("asr.joiner"), joiner);
  EXPECT_EQ(r.name(layer), "llm.layer.3");
  EXPECT_EQ(r.size(), 2u);
  EXPECT_EQ(r.find("asr.joiner"), joiner);
  EXPECT_FALSE(r.find("asr.predictor").has_value());
}

TEST(ComponentRegistry, RejectsInvalidNames) {
  ComponentRegistry r;
  for (const char* bad : {"", ".asr", "asr.", "asr..joiner", "ASR.joiner", "asr joiner"}) {
    EXPECT_THROW(r.intern(bad), Error) << bad;
  }
  EXPECT_EQ(r.size(), 0u);
}

TEST(ComponentRegistry, UnknownIdIsAnError) {
  ComponentRegistry r;
  EXPECT_THROW((void)r.name(7), Error);
}

TEST(ComponentRegistry, PrefixRollupRespectsSegmentBoundaries) {
  EXPECT_TRUE(ComponentRegistry::is_under("asr.encoder.layer.3", "asr.encoder"));
  EXPECT_TRUE(ComponentRegistry::is_under("asr.encoder", "asr.encoder"));
  EXPECT_TRUE(ComponentRegistry::is_under("asr.encoder", ""));
  EXPECT_FALSE(ComponentRegistry::is_under("asr.encoder2", "asr.encoder"));
  EXPECT_FALSE(ComponentRegistry::is_under("asr", "asr.encoder"));
  EXPECT_EQ(ComponentRegistry::parent("asr.encoder.layer.3"), "asr.encoder.layer");
  EXPECT_EQ(ComponentRegistry::parent("asr"), "");
}

TEST(ComponentRegistry, ConcurrentInternGivesOneIdPerName) {
  ComponentRegistry r;
  std::vector<std::thread> threads;
  std::vector<std::vector<ComponentId>> seen(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i)
        seen[t].push_back(r.intern("llm.layer." + std::to_string(i)));
    });
  }
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(r.size(), 200u);
  for (int t = 1; t < 4; ++t)
    EXPECT_EQ(seen[t], seen[0]);
  for (int i = 0; i < 200; ++i)
    EXPECT_EQ(r.name(seen[0][i]), "llm.layer." + std::to_string(i));
}

}  // namespace
}  // namespace erg
