#include "models/runtime/variant.hpp"

#include <gtest/gtest.h>

#include "core/counting_sink.hpp"
#include "core/error.hpp"
#include "models/runtime/weight_store.hpp"

namespace erg::models::runtime {
namespace {

TEST(Variant, ParsesRulesAndPicksLongestPrefix) {
  const auto v = Variant::parse(
      "asr.joiner:prune=0.5,bits=8,pin; asr.encoder:bits=4,group=32;"
      "asr.encoder.layer.3:prune=0.25,rows");
  ASSERT_EQ(v.rules().size(), 3u);
  const auto joiner = v.for_component("asr.joiner");
  EXPECT_DOUBLE_EQ(joiner.prune_ratio, 0.5);
  EXPECT_EQ(joiner.precision, Precision::kInt8);
  EXPECT_TRUE(joiner.pin);
  EXPECT_EQ(v.for_component("asr.encoder.layer.1").precision, Precision::kInt4);
  EXPECT_EQ(v.for_component("asr.encoder.layer.1").group_size, 32u);
  const auto l3 = v.for_component("asr.encoder.layer.3");
  EXPECT_EQ(l3.prune_kind, PruneKind::kRows);
  EXPECT_EQ(l3.precision, Precision::kFp32);  // the most specific rule replaces the broader one
  EXPECT_EQ(v.for_component("asr.predictor"), Transform{});
  EXPECT_EQ(v.for_component("asr.encoder2"), Transform{});  // not under asr.encoder
  EXPECT_EQ(Variant::parse(v.to_string()).to_string(), v.to_string());
  EXPECT_TRUE(Variant::parse("").empty());
}

TEST(Variant, ErrorsNameTheRuleAndKey) {
  auto message = [](const char* spec) {
    try {
      (void)Variant::parse(spec);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("asr.joiner:bits=7").find("bits must be 32, 8 or 4"), std::string::npos);
  EXPECT_NE(message("asr.joiner:bits=8;llm:prune=1.5").find("rule 2"), std::string::npos);
  EXPECT_NE(message("asr.joiner:color=red").find("unknown key 'color'"), std::string::npos);
  EXPECT_NE(message("asr.joiner").find("expected 'component:key=value"), std::string::npos);
  EXPECT_NE(message("Asr:bits=8").find("invalid component name"), std::string::npos);
  EXPECT_NE(message("asr:prune=abc").find("needs a number"), std::string::npos);
  EXPECT_NE(message("asr:bits=8,group=16").find("bits=4 only"), std::string::npos);
}

// The names a model's transforms apply to; a rule must reach one of them (itself or a prefix).
TEST(Variant, UnknownComponentsAreErrorsThatListTheValidOnes) {
  const std::vector<std::string> asr{"asr.encoder.input",   "asr.encoder.layer.0",
                                     "asr.encoder.layer.1", "asr.encoder.layer.2",
                                     "asr.joiner",          "asr.predictor"};
  EXPECT_NO_THROW(check_components(Variant::parse("asr.joiner:bits=8"), asr, "m"));
  EXPECT_NO_THROW(check_components(Variant::parse("asr.encoder:bits=8;asr:pin"), asr, "m"));
  EXPECT_NO_THROW(check_components(Variant::parse("asr.encoder.layer.2:bits=4"), asr, "m"));
  try {
    check_components(Variant::parse("asr.joiner:bits=8;asr.nothing:bits=8"), asr, "asr-lstm");
    FAIL() << "asr.nothing was accepted";
  } catch (const Error& e) {
    // Every name a rule may give, prefixes included, the numbered layers folded into one run.
    EXPECT_EQ(std::string(e.what()),
              "unknown component 'asr.nothing' for model asr-lstm (expected one of: asr, "
              "asr.encoder, asr.encoder.input, asr.encoder.layer, asr.encoder.layer.0 to "
              "asr.encoder.layer.2, asr.joiner, asr.predictor): variant rule 'asr.nothing'");
  }
  // A name below a component is not a prefix of it ("asr.joiner.x" reaches no tensor), nor is a
  // sibling with a shared spelling.
  EXPECT_THROW(check_components(Variant::parse("asr.joiner.x:bits=8"), asr, "m"), Error);
  EXPECT_THROW(check_components(Variant::parse("asr.encoder.layer.3:bits=8"), asr, "m"), Error);
  EXPECT_EQ(component_choices({"llm.layer.0", "llm.layer.1", "llm.layer.3", "llm.head"}),
            "llm, llm.head, llm.layer, llm.layer.0 to llm.layer.1, llm.layer.3");
}

TEST(Variant, ApplyPrunesThenQuantizes) {
  Transform t;
  t.prune_ratio = 0.5;
  t.precision = Precision::kInt8;
  const auto w = apply_transform(t, dense_weight(2, 4, {1, -8, 3, 0.5f, 2, 2, -4, 1}));
  EXPECT_EQ(w.format, WeightFormat::kCsr);
  EXPECT_EQ(w.precision, Precision::kInt8);
  EXPECT_EQ(w.nonzeros(), 4u);
}

TEST(WeightStore, AssignsStableAlignedAddressesAndDeclaresPins) {
  ComponentRegistry registry;
  WeightStore store(registry);
  auto w = dense_weight(3, 5, std::vector<float>(15, 1.0f));
  Buffer act{std::vector<float>(7)};
  store.place(w, "joiner.linear", "asr.joiner", true);
  store.place(act, "joiner.out", "asr.joiner");
  EXPECT_EQ(w.address, AddressSpace::kDefaultBase);
  EXPECT_EQ(act.address, AddressSpace::kDefaultBase + 64);  // 60 bytes rounded up to 64
  EXPECT_EQ(w.tensor, 0u);
  EXPECT_EQ(act.tensor, 1u);
  CountingSink sink;
  store.declare(sink);
  ASSERT_EQ(sink.tensors().size(), 2u);
  EXPECT_TRUE(sink.tensors().at(0).pinned);
  EXPECT_EQ(sink.tensors().at(0).bytes, 60u);
  EXPECT_EQ(registry.name(sink.tensors().at(1).component), "asr.joiner");
  // A sub-view of a buffer reports the address of its first element.
  EXPECT_EQ(act.in(2, 3).address, act.address + 8);
}

}  // namespace
}  // namespace erg::models::runtime
