// llama2.c `.bin` checkpoints (models/llm/llama2c_checkpoint.hpp) against the fixtures of
// scripts/train/llm/make_llama2c_fixtures.py (tests/fixtures/llm/README.md, "llama2.c"): erg's
// logits on every version against the logits of an independent float64 NumPy llama2.c forward
// pass (scripts/train/llm/llama2c_reference.py, interleaved RoPE on the .bin as written), the
// same logits as erg on the model's own safetensors, and hostile headers.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/paths.hpp"
#include "models/llm/generator.hpp"
#include "models/llm/llama2c_checkpoint.hpp"
#include "models/llm/llama_model.hpp"
#include "models/runtime/safetensors.hpp"

namespace erg::models::llm {
namespace {

namespace fs = std::filesystem;

fs::path fixture(const std::string& name) {
  return data_root() / "tests/fixtures/llm/llama2c" / name;
}

struct Logits {
  std::vector<float> full;       // [T, vocab] after every layer
  std::vector<float> exit_last;  // [L, vocab]: the last position after 1..L layers
};

Logits run(LlamaModel& m, const std::vector<int>& tokens) {
  const std::size_t T = tokens.size(), V = m.config().vocab_size;
  Logits out;
  m.reset();
  m.embed(tokens);
  for (std::size_t l = 0; l < m.n_layers(); ++l) {
    m.run_layers(l, l + 1, 0, T);
    const auto logits = m.exit_logits(T);
    out.exit_last.insert(out.exit_last.end(), logits.end() - std::ptrdiff_t(V), logits.end());
    if (l + 1 == m.n_layers()) out.full.assign(logits.begin(), logits.end());
  }
  return out;
}

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double worst = 0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    worst = std::max(worst, std::abs(double(a[i]) - double(b[i])));
  return worst;
}

struct Reference {
  std::vector<int> tokens;
  std::vector<float> f32, exit_f32, q8, exit_q8;
  double q8_vs_f32 = 0;  // the reference's own gap between its Q8_0 and fp32 logits
};

Reference reference(const std::string& model) {
  const runtime::SafetensorsFile f(fixture("reference.safetensors"));
  Reference r;
  for (const auto id : f.read_i64(model + ".tokens"))
    r.tokens.push_back(int(id));
  r.f32 = f.read_f32(model + ".logits_f32");
  r.exit_f32 = f.read_f32(model + ".logits_exit_last_f32");
  r.q8 = f.read_f32(model + ".logits_q8");
  r.exit_q8 = f.read_f32(model + ".logits_exit_last_q8");
  r.q8_vs_f32 = std::stod(f.metadata().at(model + ".max_abs_q8_vs_f32"));
  return r;
}

// The reference is float64 from the same float32 weights; erg's float32 engine differs by
// rounding only: ~1e-5 on these logits (|logit| up to 4 tiny, 28 bytes).
constexpr double kFp32Tolerance = 1e-4;

TEST(Llama2c, Fp32VersionsMatchTheReferenceForward) {
  for (const std::string model : {"tiny", "bytes"}) {
    const auto ref = reference(model);
    for (const char* v : {"_v0.bin", "_v1.bin"}) {
      SCOPED_TRACE(model + v);
      auto m = LlamaModel::load(fixture(model + v));
      const auto got = run(m, ref.tokens);
      const double full = max_abs_diff(got.full, ref.f32),
                   exits = max_abs_diff(got.exit_last, ref.exit_f32);
      std::printf("  %s%s: max |logit diff| vs reference %.3g (full), %.3g (exits)\n",
                  model.c_str(), v, full, exits);
      EXPECT_LT(full, kFp32Tolerance);
      EXPECT_LT(exits, kFp32Tolerance);
    }
  }
}

// Q8_0 (version 2): erg dequantizes the weights at load (q * scale, as runq.c's dequantize) and
// computes in fp32, so it matches the reference run on the same dequantized weights at the fp32
// tolerance. Against the fp32 logits the quantization itself moves the logits (each weight by up
// to max|w| / 254 in its group): by the reference's own recorded gap (0.068 tiny, 0.50 bytes,
// whose tied std-1 embedding gives larger logits), so that comparison allows 1.5x that gap.
// (runq.c also quantizes activations to int8; neither erg nor the reference models that.)
TEST(Llama2c, Q8VersionMatchesTheDequantizedReference) {
  for (const std::string model : {"tiny", "bytes"}) {
    SCOPED_TRACE(model);
    const auto ref = reference(model);
    auto m = LlamaModel::load(fixture(model + "_v2.bin"));
    const auto got = run(m, ref.tokens);
    const double full = max_abs_diff(got.full, ref.q8),
                 exits = max_abs_diff(got.exit_last, ref.exit_q8),
                 gap = max_abs_diff(got.full, ref.f32);
    std::printf(
        "  %s_v2.bin: max |logit diff| vs dequantized reference %.3g (full), %.3g "
        "(exits); vs fp32 reference %.3g\n",
        model.c_str(), full, exits, gap);
    EXPECT_LT(full, kFp32Tolerance);
    EXPECT_LT(exits, kFp32Tolerance);
    EXPECT_GT(gap, 0.0);  // the weights really are quantized
    EXPECT_LT(gap, 1.5 * ref.q8_vs_f32);
  }
}

// bytes_v1.bin is export_llama2c.py's conversion of bytes.safetensors: loading undoes the RoPE row
// permutation exactly, so both give bit-identical logits through the same engine.
TEST(Llama2c, SameLogitsAsTheSafetensorsItWasExportedFrom) {
  const auto ref = reference("bytes");
  auto bin = LlamaModel::load(fixture("bytes_v1.bin"));
  auto st = LlamaModel::load(fixture("bytes.safetensors"));
  const auto a = run(bin, ref.tokens), b = run(st, ref.tokens);
  EXPECT_EQ(a.full, b.full);
  EXPECT_EQ(a.exit_last, b.exit_last);
  EXPECT_EQ(bin.layer_weight_bytes(0), st.layer_weight_bytes(0));
  EXPECT_EQ(bin.head_weight_bytes(), st.head_weight_bytes());
}

TEST(Llama2c, ConfigComesFromTheHeader) {
  const auto tiny = Llama2cCheckpoint::read(fixture("tiny_v0.bin"));
  EXPECT_EQ(tiny.version, 0);
  EXPECT_FALSE(tiny.shared_classifier);  // vocab_size was written negative
  const auto& c = tiny.config;
  EXPECT_EQ(c.vocab_size, 294u);
  EXPECT_EQ(c.dim, 32u);
  EXPECT_EQ(c.n_layers, 3u);
  EXPECT_EQ(c.n_heads, 4u);
  EXPECT_EQ(c.n_kv_heads, 2u);
  EXPECT_EQ(c.head_dim, 8u);
  EXPECT_EQ(c.ffn_dim, 64u);
  EXPECT_EQ(c.context_length, 32u);
  EXPECT_EQ(c.bos_id, 1);
  EXPECT_EQ(c.eos_id, 2);
  EXPECT_TRUE(tiny.tensors.count("head.weight"));

  const auto bytes = Llama2cCheckpoint::read(fixture("bytes_v2.bin"));
  EXPECT_EQ(bytes.version, 2);
  EXPECT_EQ(bytes.group_size, 32u);  // export.py's 64 halved until it divides dim 32
  EXPECT_TRUE(bytes.shared_classifier);
  EXPECT_TRUE(bytes.config.tie_embeddings);
  EXPECT_FALSE(bytes.tensors.count("head.weight"));
  EXPECT_EQ(bytes.config.bos_id, 256);  // erg's byte vocabulary
  EXPECT_EQ(bytes.config.eos_id, 257);
}

// Hand-made: 2 heads of head_dim 4, one column; interleaved rows (0,1),(2,3) per head are the
// pairs (2j, 2j+1), rotate_half wants (j, j+2).
TEST(Llama2c, InterleavedRowsMoveToRotateHalfOrder) {
  const std::vector<float> w{0, 1, 2, 3, 10, 11, 12, 13};
  EXPECT_EQ(interleaved_to_rotate_half(w, 2, 4, 1),
            (std::vector<float>{0, 2, 1, 3, 10, 12, 11, 13}));
}

// A self-speculative greedy run on a converted checkpoint returns the autoregressive tokens.
TEST(Llama2c, SelfSpeculationOnAConvertedCheckpointEqualsAr) {
  auto m = LlamaModel::load(fixture("tiny_v2.bin"));
  const std::vector<int> prompt{1, 290, 293};
  GenerateOptions ar;
  ar.max_new_tokens = 12;
  ar.stop_at_eos = false;
  GenerateOptions ss = ar;
  ss.strategy = Strategy::kSelfSpeculative;
  ss.exit_layer = 1;
  ss.speculations = 3;
  const auto a = generate(m, prompt, ar), s = generate(m, prompt, ss);
  EXPECT_EQ(a.tokens, s.tokens);
  EXPECT_EQ(a.tokens.size(), 12u);
}

// The shipped model through scripts/train/llm/export_llama2c.py (run here, so the test needs
// /usr/bin/python3 with NumPy) against its golden fixture (tests/fixtures/llm/README.md): versions
// 0 and 1 within the fixture's 1e-4 and bit-identical to erg on the safetensors; Q8_0 within the
// 0.154 the independent reference (llama2c_reference.py) shows against the fp32 float64 golden
// logits (bounded at 0.25 here), with the same argmax at every position.
TEST(Llama2c, ShippedModelExportedByTheScriptMatchesGolden) {
  const fs::path shipped = data_root() / "models/weights/llm-layerskip.safetensors";
  const fs::path golden = data_root() / "tests/fixtures/llm/golden.safetensors";
  if (!fs::exists(shipped) || !fs::exists(golden)) GTEST_SKIP() << "no shipped model";
  if (std::system("/usr/bin/python3 -c 'import numpy' > /dev/null 2>&1") != 0)
    GTEST_SKIP() << "no /usr/bin/python3 with NumPy to run export_llama2c.py";
  const fs::path dir = fs::temp_directory_path() / ("erg_l2c_ship_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const runtime::SafetensorsFile g(golden);
  std::vector<int> tokens;
  for (const auto id : g.read_i64("tokens"))
    tokens.push_back(int(id));
  const auto expected = g.read_f32("logits_full");
  auto st = LlamaModel::load(shipped);
  const auto from_safetensors = run(st, tokens).full;
  const std::size_t V = st.config().vocab_size;
  for (const int version : {0, 1, 2}) {
    SCOPED_TRACE(version);
    const fs::path out = dir / ("llm-layerskip_v" + std::to_string(version) + ".bin");
    const std::string cmd = "/usr/bin/python3 " +
                            (data_root() / "scripts/train/llm/export_llama2c.py").string() +
                            " --input " + shipped.string() + " --output " + out.string() +
                            " --version " + std::to_string(version) + " > /dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    auto m = LlamaModel::load(out);
    const auto got = run(m, tokens).full;
    const double diff = max_abs_diff(got, expected);
    std::printf("  shipped model, version %d: max |logit diff| vs golden %.3g\n", version, diff);
    if (version < 2) {
      EXPECT_LT(diff, 1e-4);
      EXPECT_EQ(got, from_safetensors);
      continue;
    }
    EXPECT_LT(diff, 0.25);
    for (std::size_t t = 0; t < tokens.size(); ++t) {
      const auto row = [&](const std::vector<float>& v) {
        return std::max_element(v.begin() + std::ptrdiff_t(t * V),
                                v.begin() + std::ptrdiff_t((t + 1) * V)) -
               v.begin();
      };
      EXPECT_EQ(row(got), row(expected)) << "position " << t;
    }
  }
  fs::remove_all(dir);
}

// --- hostile files -------------------------------------------------------------------------

std::vector<char> bytes_of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void put_i32(std::vector<char>& b, std::size_t at, std::int32_t v) {
  std::memcpy(b.data() + at, &v, 4);
}

struct Hostile {
  const char* name;
  const char* base;  // fixture the bytes start from
  std::function<void(std::vector<char>&)> edit;
  const char* expect;  // a fragment of the message
};

TEST(Llama2c, HostileFilesThrowNamingTheFileAndField) {
  // Version 1/2 header: magic @0, version @4, dim hidden layers heads kv vocab seq @8..36,
  // shared byte @36, group size @37 (v2). Version 0: the 7 int32 @0..28.
  const std::vector<Hostile> cases{
      {"empty", "tiny_v1.bin", [](auto& b) { b.clear(); }, "truncated: the header"},
      {"short header", "tiny_v1.bin", [](auto& b) { b.resize(100); }, "256-byte 'ak42' header"},
      {"truncated data", "tiny_v1.bin", [](auto& b) { b.pop_back(); }, "truncated: the file is"},
      {"trailing bytes", "tiny_v1.bin", [](auto& b) { b.push_back(0); }, "size mismatch"},
      {"bad magic", "tiny_v1.bin", [](auto& b) { b[0] = 'X'; }, "neither the magic 0x616b3432"},
      {"unknown version", "tiny_v1.bin", [](auto& b) { put_i32(b, 4, 3); },
       "header field version is 3, expected 1 (fp32) or 2 (Q8_0)"},
      {"absurd layers", "tiny_v1.bin", [](auto& b) { put_i32(b, 16, 1000000000); },
       "header field n_layers is 1000000000, expected 1..4096"},
      {"negative heads", "tiny_v1.bin", [](auto& b) { put_i32(b, 20, -4); },
       "header field n_heads is -4"},
      {"zero seq_len", "tiny_v1.bin", [](auto& b) { put_i32(b, 32, 0); },
       "header field seq_len is 0"},
      {"heads do not divide dim", "tiny_v1.bin", [](auto& b) { put_i32(b, 20, 3); },
       "not a multiple of n_heads"},
      {"kv heads do not divide heads", "tiny_v1.bin", [](auto& b) { put_i32(b, 24, 3); },
       "not a multiple of n_kv_heads"},
      {"dims disagree with the size", "tiny_v1.bin", [](auto& b) { put_i32(b, 12, 128); },
       "implies"},
      {"shared flag not 0/1", "tiny_v1.bin", [](auto& b) { b[36] = 7; }, "shared_classifier is 7"},
      {"group size 0", "tiny_v2.bin", [](auto& b) { put_i32(b, 37, 0); }, "group_size is 0"},
      {"group size not dividing dim", "tiny_v2.bin", [](auto& b) { put_i32(b, 37, 5); },
       "group_size is 5"},
      {"NaN scale", "tiny_v2.bin",
       [](auto& b) {
         // The first Q8_0 tensor (the embedding, 294 x 32 int8) follows the fp32 norms.
         const std::size_t at = 256 + 4 * (2 * 3 + 1) * 32 + 294 * 32;
         const float nan = std::nanf("");
         std::memcpy(b.data() + at, &nan, 4);
       },
       "token_embedding_table: scale of group 0 is nan"},
      {"legacy vocab INT32_MIN", "tiny_v0.bin",
       [](auto& b) { put_i32(b, 20, std::numeric_limits<std::int32_t>::min()); }, "INT32_MIN"},
      {"legacy truncated", "tiny_v0.bin", [](auto& b) { b.resize(b.size() - 4); },
       "truncated: the file is"},
      {"legacy absurd vocab", "tiny_v0.bin", [](auto& b) { put_i32(b, 20, -(1 << 30)); },
       "header field vocab_size is 1073741824"},
  };
  const fs::path dir = fs::temp_directory_path() / ("erg_llama2c_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto b = bytes_of(fixture(c.base));
    ASSERT_FALSE(b.empty());
    c.edit(b);
    const fs::path p = dir / "hostile.bin";
    std::ofstream(p, std::ios::binary).write(b.data(), std::streamsize(b.size()));
    try {
      LlamaModel::load(p);
      ADD_FAILURE() << "loaded";
    } catch (const Error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(c.expect), std::string::npos) << what;
      EXPECT_NE(what.find(p.string()), std::string::npos) << what;
    }
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace erg::models::llm
