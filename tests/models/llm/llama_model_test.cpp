#include "models/llm/llama_model.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "core/counting_sink.hpp"
#include "core/error.hpp"
#include "tests/models/invocation_pairing_sink.hpp"
#include "tests/models/llm/tiny_model.hpp"

namespace erg::models::llm {
namespace {

using testing::TinyModel;
using testing::write_tiny_model;

// An independent float64 implementation of TRAINING.md's forward pass: no cache, the whole
// sequence recomputed, direct formulas. Returns logits [T, vocab] after `exit` layers.
std::vector<std::vector<double>> reference_logits(const TinyModel& m, const std::vector<int>& ids,
                                                  std::size_t exit) {
  const auto& c = m.config;
  const std::size_t T = ids.size(), d = c.dim, hd = c.head_dim, H = c.n_heads, KV = c.n_kv_heads;
  auto W = [&](const std::string& n) { return m.tensors.at(n); };
  auto linear = [](const std::vector<float>& w, const std::vector<double>& x, std::size_t rows) {
    std::vector<double> y(rows, 0.0);
    const std::size_t cols = x.size();
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t j = 0; j < cols; ++j)
        y[r] += double(w[r * cols + j]) * x[j];
    return y;
  };
  auto rms = [&](const std::vector<double>& x, const std::vector<float>& g) {
    double ss = 0;
    for (double v : x)
      ss += v * v;
    const double inv = 1.0 / std::sqrt(ss / double(x.size()) + double(c.norm_eps));
    std::vector<double> y(x.size());
    for (std::size_t i = 0; i < x.size(); ++i)
      y[i] = x[i] * inv * g[i];
    return y;
  };
  auto rope = [&](std::vector<double>& v, std::size_t heads, std::size_t pos) {
    for (std::size_t h = 0; h < heads; ++h)
      for (std::size_t i = 0; i < hd / 2; ++i) {
        const double a = double(pos) * std::pow(c.rope_theta, -2.0 * double(i) / double(hd));
        const double x1 = v[h * hd + i], x2 = v[h * hd + i + hd / 2];
        v[h * hd + i] = x1 * std::cos(a) - x2 * std::sin(a);
        v[h * hd + i + hd / 2] = x2 * std::cos(a) + x1 * std::sin(a);
      }
  };
  std::vector<std::vector<double>> x(T);
  const auto emb = W("embed.weight");
  for (std::size_t t = 0; t < T; ++t)
    x[t].assign(emb.begin() + std::ptrdiff_t(ids[t] * d),
                emb.begin() + std::ptrdiff_t((ids[t] + 1) * d));
  for (std::size_t l = 0; l < exit; ++l) {
    const std::string p = "layers." + std::to_string(l) + ".";
    std::vector<std::vector<double>> q(T), k(T), v(T);
    for (std::size_t t = 0; t < T; ++t) {
      const auto a = rms(x[t], W(p + "attn_norm.weight"));
      q[t] = linear(W(p + "wq.weight"), a, H * hd);
      k[t] = linear(W(p + "wk.weight"), a, KV * hd);
      v[t] = linear(W(p + "wv.weight"), a, KV * hd);
      rope(q[t], H, t);
      rope(k[t], KV, t);
    }
    for (std::size_t t = 0; t < T; ++t) {
      std::vector<double> o(H * hd, 0.0);
      for (std::size_t h = 0; h < H; ++h) {
        const std::size_t g = h / (H / KV);
        std::vector<double> s(t + 1);
        double mx = -1e300, sum = 0;
        for (std::size_t j = 0; j <= t; ++j) {
          double dot = 0;
          for (std::size_t i = 0; i < hd; ++i)
            dot += q[t][h * hd + i] * k[j][g * hd + i];
          s[j] = dot / std::sqrt(double(hd));
          mx = std::max(mx, s[j]);
        }
        for (auto& e : s)
          sum += (e = std::exp(e - mx));
        for (std::size_t j = 0; j <= t; ++j)
          for (std::size_t i = 0; i < hd; ++i)
            o[h * hd + i] += s[j] / sum * v[j][g * hd + i];
      }
      const auto proj = linear(W(p + "wo.weight"), o, d);
      std::vector<double> h1(d);
      for (std::size_t i = 0; i < d; ++i)
        h1[i] = x[t][i] + proj[i];
      const auto mm = rms(h1, W(p + "mlp_norm.weight"));
      auto gate = linear(W(p + "w_gate.weight"), mm, c.ffn_dim);
      const auto up = linear(W(p + "w_up.weight"), mm, c.ffn_dim);
      for (std::size_t i = 0; i < gate.size(); ++i)
        gate[i] = gate[i] / (1.0 + std::exp(-gate[i])) * up[i];
      const auto down = linear(W(p + "w_down.weight"), gate, d);
      for (std::size_t i = 0; i < d; ++i)
        x[t][i] = h1[i] + down[i];
    }
  }
  std::vector<std::vector<double>> out;
  for (std::size_t t = 0; t < T; ++t)
    out.push_back(linear(W("head.weight"), rms(x[t], W("norm.weight")), c.vocab_size));
  return out;
}

const std::vector<int> kIds{256, 72, 101, 108, 108, 111, 44, 32, 119, 111, 114, 108, 100, 33};

TEST(LlamaModel, MatchesIndependentFloat64ReferenceAtEveryExit) {
  const auto tiny = write_tiny_model("ref", 11);
  auto model = LlamaModel::load(tiny.path);
  const std::size_t T = kIds.size(), V = tiny.config.vocab_size;
  for (std::size_t exit = 1; exit <= tiny.config.n_layers; ++exit) {
    const auto ref = reference_logits(tiny, kIds, exit);
    model.reset();
    model.embed(kIds);
    model.run_layers(0, exit, 0, T);
    const auto logits = model.exit_logits(T);
    double worst = 0;
    for (std::size_t t = 0; t < T; ++t)
      for (std::size_t v = 0; v < V; ++v)
        worst = std::max(worst, std::fabs(logits[t * V + v] - ref[t][v]));
    EXPECT_LT(worst, 1e-4) << "exit " << exit;
  }
  std::filesystem::remove(tiny.path);
}

TEST(LlamaModel, IncrementalDecodingIsBitIdenticalToTheBatchedPass) {
  const auto tiny = write_tiny_model("incr", 12);
  auto model = LlamaModel::load(tiny.path);
  const std::size_t T = kIds.size(), V = tiny.config.vocab_size, L = tiny.config.n_layers;
  model.embed(kIds);
  model.run_layers(0, L, 0, T);
  const auto batch = model.exit_logits(T);
  const std::vector<float> batched(batch.begin(), batch.end());
  model.reset();
  for (std::size_t t = 0; t < T; ++t) {
    model.embed(std::span(&kIds[t], 1));
    // Split the depth in two calls, as self-speculation does.
    model.run_layers(0, 2, t, 1);
    model.run_layers(2, L, t, 1);
    const auto step = model.exit_logits(1);
    for (std::size_t v = 0; v < V; ++v)
      ASSERT_EQ(step[v], batched[t * V + v]) << "position " << t;
  }
  std::filesystem::remove(tiny.path);
}

TEST(LlamaModel, ReportsInvocationsTensorsAndBytesToTheSink) {
  const auto tiny = write_tiny_model("sink", 13);
  auto model = LlamaModel::load(tiny.path);
  CountingSink sink;
  model.attach(&sink);
  // Every weight, norm, cache and activation buffer is declared once, with distinct addresses.
  const std::size_t L = tiny.config.n_layers;
  EXPECT_EQ(sink.tensors().size(), 1 + L * 11 + 2 + 11);
  std::set<std::uint64_t> addresses;
  for (const auto& [id, t] : sink.tensors())
    addresses.insert(t.address);
  EXPECT_EQ(addresses.size(), sink.tensors().size());
  model.embed(kIds);
  model.run_layers(0, L, 0, kIds.size());
  (void)model.exit_logits(1);
  auto& reg = ComponentRegistry::global();
  for (std::size_t l = 0; l < L; ++l) {
    const auto& c = sink.of(*reg.find("llm.layer." + std::to_string(l)));
    EXPECT_EQ(c.invocations, 1u);
    EXPECT_GE(c.bytes_read, model.layer_weight_bytes(l));
    EXPECT_GT(c.total_macs(), 0u);
  }
  EXPECT_EQ(sink.of(*reg.find("llm.head")).invocations, 1u);
  // Hand count of one layer's fp32 weight bytes: (q 32x32 + k,v 16x32 + o 32x32 + 3 * 48x32
  // + two 32-gains) * 4 bytes.
  EXPECT_EQ(model.layer_weight_bytes(0), (32 * 32 + 2 * 16 * 32 + 32 * 32 + 3 * 48 * 32 + 64) * 4u);
  model.attach(nullptr);
  std::filesystem::remove(tiny.path);
}

// Every invocation the engine reports is closed again (no nesting in the LLM: embed, each
// layer and the head run one after another), and the begins equal the engine's own counters.
TEST(LlamaModel, BracketsEveryInvocationWithAnEnd) {
  const auto tiny = write_tiny_model("brackets", 15);
  auto model = LlamaModel::load(tiny.path);
  models::testing::InvocationPairingSink sink;
  model.attach(&sink);
  const std::size_t L = tiny.config.n_layers;
  model.embed(kIds);
  model.run_layers(0, L, 0, kIds.size());
  (void)model.exit_logits(1);
  model.embed(std::span(&kIds[0], 1));
  model.run_layers(0, 2, kIds.size(), 1);  // an early exit after two layers
  (void)model.exit_logits(1);
  EXPECT_THROW(model.run_layers(0, 1, 0, 1), Error);  // wrong position: no invocation opened
  model.attach(nullptr);
  auto& reg = ComponentRegistry::global();
  EXPECT_EQ(sink.open(), 0u);
  EXPECT_EQ(sink.mismatched_ends, 0u);
  EXPECT_EQ(sink.max_depth, 1u);
  for (std::size_t l = 0; l < L; ++l) {
    const auto id = *reg.find("llm.layer." + std::to_string(l));
    EXPECT_EQ(sink.begins[id], model.layer_invocations()[l]) << l;
    EXPECT_EQ(sink.ends[id], sink.begins[id]) << l;
  }
  const auto head = *reg.find("llm.head");
  EXPECT_EQ(sink.begins[head], 2u);
  EXPECT_EQ(sink.ends[head], 2u);
  EXPECT_EQ(sink.ends[*reg.find("llm.embed")], 2u);
  std::filesystem::remove(tiny.path);
}

// A rule that reaches no layer is a typo (llm.layer.9 of a 4-layer model), not a variant.
TEST(LlamaModel, VariantOnAnUnknownComponentIsAnError) {
  const auto tiny = write_tiny_model("unknown", 14);
  try {
    (void)LlamaModel::load(tiny.path, runtime::Variant::parse("llm.layer.9:bits=8"));
    FAIL() << "llm.layer.9 loaded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown component 'llm.layer.9'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("llm.layer.0 to llm.layer.3"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW((void)LlamaModel::load(tiny.path, runtime::Variant::parse("asr.joiner:pin")), Error);
  std::filesystem::remove(tiny.path);
}

TEST(LlamaModel, VariantQuantizesPrunesAndPinsPerComponent) {
  const auto tiny = write_tiny_model("variant", 14);
  const auto variant =
      runtime::Variant::parse("llm.layer.0:bits=8,pin;llm.layer.1:prune=0.5;llm.head:bits=4");
  auto model = LlamaModel::load(tiny.path, variant);
  auto base = LlamaModel::load(tiny.path);
  const std::uint64_t gains = 64 * 4;
  // int8: a quarter of the fp32 matrix bytes plus one fp32 scale per output row.
  const std::uint64_t rows = 32 + 16 + 16 + 32 + 48 + 48 + 32;
  EXPECT_EQ(model.layer_weight_bytes(0),
            (base.layer_weight_bytes(0) - gains) / 4 + rows * 4 + gains);
  EXPECT_LT(model.layer_weight_bytes(1), base.layer_weight_bytes(1));
  EXPECT_EQ(model.layer_weight_bytes(2), base.layer_weight_bytes(2));
  bool pinned_q = false;
  for (const auto& t : model.store().tensors())
    if (t.name == "layers.0.wq.weight") pinned_q = t.pinned;
  EXPECT_TRUE(pinned_q);
  // The quantized model still computes nearly the same logits.
  model.embed(kIds);
  base.embed(kIds);
  model.run_layers(0, 4, 0, kIds.size());
  base.run_layers(0, 4, 0, kIds.size());
  const auto a = model.exit_logits(kIds.size());
  const std::vector<float> qa(a.begin(), a.end());
  const auto b = base.exit_logits(kIds.size());
  double diff = 0, mag = 0;
  for (std::size_t i = 0; i < b.size(); ++i) {
    diff += std::fabs(qa[i] - b[i]);
    mag += std::fabs(b[i]);
  }
  EXPECT_LT(diff / mag, 0.5);  // loose: 50% pruning of a random layer is a real change
  EXPECT_THROW(LlamaModel::load(tiny.path, runtime::Variant::parse("llm.embed:bits=8")), Error);
  std::filesystem::remove(tiny.path);
}

TEST(LlamaModel, BadInputsGiveErrors) {
  const auto tiny = write_tiny_model("bad", 15);
  auto model = LlamaModel::load(tiny.path);
  const std::vector<int> bad{300};
  EXPECT_THROW(model.embed(bad), Error);
  model.embed(kIds);
  EXPECT_THROW(model.run_layers(0, 2, 5, 1), Error);  // cache holds 0 positions, not 5
  EXPECT_THROW(model.run_layers(0, 9, 0, 1), Error);
  EXPECT_THROW(model.run_layers(0, 1, 95, 2), Error);  // past the 96-position context
  // A file without the tensors the architecture needs names the tensor.
  const std::vector<float> one{1.0f};
  const auto path = std::filesystem::temp_directory_path() / "erg_llm_missing.safetensors";
  runtime::write_safetensors(path, std::vector{runtime::f32_tensor("x", {1}, one)},
                             {{"config", tiny.config.to_json().dump()}});
  try {
    (void)LlamaModel::load(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("embed.weight"), std::string::npos);
  }
  std::filesystem::remove(path);
  std::filesystem::remove(tiny.path);
}

}  // namespace
}  // namespace erg::models::llm
