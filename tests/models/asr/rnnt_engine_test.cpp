// Behaviour of the streaming recognizer on committed test-set audio: streaming == batch, the
// invocation counts the seed paper's argument rests on (encoder per chunk, joiner per frame x
// hypothesis x symbol, predictor per emitted symbol), variants, and load errors.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/counting_sink.hpp"
#include "core/error.hpp"
#include "models/asr/audio_file.hpp"
#include "models/asr/detokenize.hpp"
#include "models/asr/fbank.hpp"
#include "models/asr/feature_normalizer.hpp"
#include "models/asr/frame_stacker.hpp"
#include "models/asr/rnnt_decoder.hpp"
#include "models/asr/rnnt_model.hpp"
#include "models/asr/streaming_recognizer.hpp"
#include "models/asr/test_set.hpp"
#include "models/runtime/safetensors.hpp"
#include "tests/models/asr/rnnt_test_support.hpp"
#include "tests/models/invocation_pairing_sink.hpp"

namespace erg::models::asr {
namespace {

using testing::model_path;
using testing::test_set_dir;

class RnntEngine : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (!testing::shipped(GetParam())) GTEST_SKIP() << "no shipped asr-" << GetParam();
    model_ = std::make_unique<RnntModel>(RnntModel::load(model_path(GetParam())));
    const auto utts = read_test_set(test_set_dir());
    // A few utterances of different voices and lengths.
    for (std::size_t i = 0; i < utts.size() && audio_.size() < 4; i += 23)
      audio_.push_back(load_asr_audio(utts[i].file).samples);
  }

  std::unique_ptr<RnntModel> model_;
  std::vector<std::vector<float>> audio_;
};

TEST_P(RnntEngine, StreamingEqualsBatchForAnyChunking) {
  for (const auto options : {DecodeOptions::greedy(4), DecodeOptions::beam_search(4)}) {
    StreamingRecognizer rec(*model_, options);
    for (const auto& pcm : audio_) {
      rec.recognize(pcm);
      const auto batch = rec.tokens();
      const auto batch_stats = rec.stats();
      // Odd chunk sizes, including ones shorter than a 10 ms hop and ones across several chunks.
      for (std::size_t chunk : {37UL, 160UL, 1234UL, 16000UL}) {
        rec.reset();
        std::vector<int> last_partial;
        for (std::size_t at = 0; at < pcm.size(); at += chunk) {
          rec.push(std::span<const float>(pcm).subspan(at, std::min(chunk, pcm.size() - at)));
          if (options.strategy == DecodeStrategy::kGreedy) {
            // Greedy partials only ever grow.
            const auto partial = rec.tokens();
            ASSERT_GE(partial.size(), last_partial.size());
            EXPECT_TRUE(std::equal(last_partial.begin(), last_partial.end(), partial.begin()));
            last_partial = partial;
          }
        }
        rec.finish();
        EXPECT_EQ(rec.tokens(), batch) << "chunk " << chunk;
        EXPECT_EQ(rec.stats().joiner_invocations, batch_stats.joiner_invocations);
        EXPECT_EQ(rec.stats().encoder_invocations, batch_stats.encoder_invocations);
      }
    }
  }
}

// Expected counts derived by hand from the pipeline (TRAINING.md): snip_edges fbank gives
// 1 + (N - 400) / 160 frames, stacking by 4 drops a partial group, the encoder runs once per
// chunk of C stacked frames (the last one shorter), the greedy joiner runs once per emitted
// symbol plus once for the blank that ends each frame (unless the cap ends it), and the
// predictor once at the start plus once per symbol.
TEST_P(RnntEngine, GreedyInvocationCountsFollowFramesAndSymbols) {
  CountingSink sink;
  model_->attach(&sink);
  auto& reg = ComponentRegistry::global();
  const auto& cfg = model_->config();
  StreamingRecognizer rec(*model_, DecodeOptions::greedy(4));
  for (const auto& pcm : audio_) {
    const CountingSink before = sink;
    rec.recognize(pcm);
    const auto s = rec.stats();
    auto calls = [&](const char* name) {
      const auto id = reg.intern(name);
      return sink.of(id).invocations - before.of(id).invocations;
    };
    const std::uint64_t fbank = 1 + (pcm.size() - 400) / 160;
    const std::uint64_t frames = fbank / cfg.stack_frames;
    const std::uint64_t chunk = model_->encoder().chunk_frames();
    EXPECT_EQ(s.fbank_frames, fbank);
    EXPECT_EQ(s.encoder_frames, frames);
    EXPECT_EQ(s.encoder_invocations, (frames + chunk - 1) / chunk);
    EXPECT_EQ(calls("asr.encoder"), s.encoder_invocations);
    EXPECT_EQ(calls("asr.encoder.layer.0"), s.encoder_invocations);
    EXPECT_EQ(calls("asr.joiner.enc_proj"), frames);
    EXPECT_EQ(calls("asr.predictor"), s.symbols + 1);
    EXPECT_EQ(calls("asr.joiner.pred_proj"), s.symbols + 1);
    EXPECT_EQ(s.predictor_invocations, s.symbols + 1);
    EXPECT_EQ(rec.tokens().size(), s.symbols);
    // joiner calls = sum over frames of (symbols + 1), minus the frames that hit the cap.
    EXPECT_EQ(calls("asr.joiner"), frames + s.symbols - rec.decoder().stats().capped_frames);
    EXPECT_EQ(calls("asr.joiner"), s.joiner_invocations);
  }
  model_->attach(nullptr);
}

// The blank penalty lowers only the blank logit: 0 changes nothing; a huge one makes greedy
// emit the cap at every frame and beam search never keep a blank extension (one symbol per
// frame); a very negative one makes both emit nothing.
TEST_P(RnntEngine, BlankPenaltyTradesBlanksForSymbols) {
  const auto& pcm = audio_.front();
  for (const auto base : {DecodeOptions::greedy(2), DecodeOptions::beam_search(3)}) {
    StreamingRecognizer plain(*model_, base);
    StreamingRecognizer zero(*model_, base.with_blank_penalty(0.0f));
    plain.recognize(pcm);
    zero.recognize(pcm);
    EXPECT_EQ(plain.tokens(), zero.tokens());
    EXPECT_FALSE(plain.tokens().empty());

    StreamingRecognizer eager(*model_, base.with_blank_penalty(1e6f));
    eager.recognize(pcm);
    const auto frames = eager.decoder().stats().frames;
    const std::size_t per_frame = base.strategy == DecodeStrategy::kGreedy ? 2 : 1;
    EXPECT_EQ(eager.tokens().size(), frames * per_frame);
    if (base.strategy == DecodeStrategy::kGreedy) {
      EXPECT_EQ(eager.decoder().stats().capped_frames, frames);
    }

    StreamingRecognizer silent(*model_, base.with_blank_penalty(-1e6f));
    silent.recognize(pcm);
    EXPECT_TRUE(silent.tokens().empty());
  }
}

// Every invocation is closed again, innermost first: encoder layers (and the Emformer's input
// projection and output norm) nest inside the encoder's chunk; begins equal the engine counters
// and what a CountingSink beside the pairing sink (through a TeeSink) counts.
TEST_P(RnntEngine, BracketsEveryInvocationWithAnEnd) {
  models::testing::InvocationPairingSink pairing;
  CountingSink counting;
  TeeSink tee({&pairing, &counting});
  model_->attach(&tee);
  model_->reset_counters();
  StreamingRecognizer rec(*model_, DecodeOptions::beam_search(2));
  rec.recognize(audio_[0]);
  model_->attach(nullptr);
  EXPECT_EQ(pairing.open(), 0u);
  EXPECT_EQ(pairing.mismatched_ends, 0u);
  EXPECT_EQ(pairing.max_depth, 2u);  // encoder > layer
  for (const auto& [id, n] : pairing.begins) {
    EXPECT_EQ(pairing.ends[id], n) << ComponentRegistry::global().name(id);
    EXPECT_EQ(counting.of(id).invocations, n) << ComponentRegistry::global().name(id);
  }
  const auto c = model_->counters();
  auto& reg = ComponentRegistry::global();
  EXPECT_EQ(pairing.begins[reg.intern("asr.encoder")], c.encoder_invocations);
  EXPECT_EQ(pairing.begins[reg.intern("asr.predictor")], c.predictor_invocations);
  EXPECT_EQ(pairing.begins[reg.intern("asr.joiner")], c.joiner_invocations);
  EXPECT_EQ(pairing.begins[reg.intern("asr.joiner.enc_proj")], c.enc_proj_invocations);
  EXPECT_EQ(pairing.begins[reg.intern("asr.joiner.pred_proj")], c.pred_proj_invocations);
}

// The decoder's own per-frame bookkeeping against the joiner and predictor counters, for greedy
// (with a cap of 1 and 4) and beam search.
TEST_P(RnntEngine, DecoderCountersMatchComponentInvocations) {
  auto& enc = model_->encoder();
  std::vector<float> encoded;
  // Encoder output of the first utterance, through the recognizer's own frontend path.
  FeatureMatrix raw = Fbank(model_->config().fbank).compute(audio_[0]);
  FeatureNormalizer(model_->config().mean, model_->config().std, "test").apply(raw);
  const auto stacked = FrameStacker::stack_all(raw, model_->config().stack_frames);
  enc.reset();
  enc.push(stacked.values(), encoded);
  enc.finish(encoded);
  const std::size_t e = enc.output_dim(), frames = encoded.size() / e;
  for (const auto options : {DecodeOptions::greedy(1), DecodeOptions::greedy(4),
                             DecodeOptions::beam_search(1), DecodeOptions::beam_search(4)}) {
    const auto before = model_->counters();
    RnntDecoder dec(*model_, options);
    for (std::size_t t = 0; t < frames; ++t)
      dec.push_frame(std::span<const float>(encoded).subspan(t * e, e));
    const auto after = model_->counters();
    const auto& st = dec.stats();
    EXPECT_EQ(st.frames, frames);
    EXPECT_EQ(after.joiner_invocations - before.joiner_invocations, st.joiner_calls);
    EXPECT_EQ(after.predictor_invocations - before.predictor_invocations, st.symbols + 1);
    EXPECT_EQ(after.enc_proj_invocations - before.enc_proj_invocations, frames);
    if (options.strategy == DecodeStrategy::kGreedy) {
      // Each frame: one joiner call per symbol, plus one for the closing blank unless capped.
      EXPECT_EQ(st.joiner_calls, frames + st.symbols - st.capped_frames);
      EXPECT_LE(st.symbols, frames * options.max_symbols_per_frame);
      EXPECT_EQ(dec.tokens().size(), st.symbols);
    } else {
      // One joiner call per frame and hypothesis; hypotheses grow from 1 to at most N.
      EXPECT_EQ(st.joiner_calls, st.hypothesis_frames);
      EXPECT_GE(st.joiner_calls, frames);
      EXPECT_LE(st.joiner_calls, 1 + (frames - 1) * options.beam);
      // At most one symbol per frame and per surviving hypothesis.
      EXPECT_LE(dec.tokens().size(), frames);
      EXPECT_LE(st.symbols, frames * options.beam);
    }
  }
}

TEST_P(RnntEngine, Int8VariantRunsAndShrinksWeights) {
  const auto v = runtime::Variant::parse("asr:bits=8");
  auto q = RnntModel::load(model_path(GetParam()), v);
  // int8 values + one fp32 scale per row + fp32 biases and norms: well under half of fp32.
  EXPECT_LT(q.weight_bytes(), model_->weight_bytes() / 2);
  EXPECT_GT(q.weight_bytes(), model_->weight_bytes() / 5);
  StreamingRecognizer fp(*model_, DecodeOptions::greedy(4));
  StreamingRecognizer i8(q, DecodeOptions::greedy(4));
  CountingSink sink;
  q.attach(&sink);
  for (const auto& pcm : audio_) {
    i8.recognize(pcm);
    fp.recognize(pcm);
    EXPECT_EQ(i8.stats().encoder_frames, fp.stats().encoder_frames);
  }
  const auto joiner = ComponentRegistry::global().intern("asr.joiner");
  EXPECT_GT(sink.of(joiner).macs[std::size_t(Precision::kInt8)], 0U);
}

// A rule that reaches no tensor is a typo, not a variant: loading names it and the valid ones.
TEST_P(RnntEngine, VariantOnAnUnknownComponentIsAnError) {
  try {
    (void)RnntModel::load(model_path(GetParam()), runtime::Variant::parse("asr.nothing:bits=8"));
    FAIL() << "asr.nothing:bits=8 loaded";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("unknown component 'asr.nothing' for model asr-" + std::string(GetParam())),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("asr.joiner, asr.joiner.enc_proj"), std::string::npos) << what;
  }
  EXPECT_THROW(
      (void)RnntModel::load(model_path(GetParam()), runtime::Variant::parse("llm.layer:bits=8")),
      Error);
}

// Per-component transforms at load time: the pruned, pinned joiner reads fewer bytes per call
// (half its output rows are not stored) and its tensors are declared pinned; int4 encoder runs.
TEST_P(RnntEngine, PruneQuantizeAndPinPerComponent) {
  auto v = RnntModel::load(model_path(GetParam()),
                           runtime::Variant::parse("asr.joiner:prune=0.5,rows,pin;"
                                                   "asr.encoder:bits=4,group=32"));
  EXPECT_LT(v.weight_bytes(), model_->weight_bytes());
  bool saw_joiner_out = false;
  for (const auto& t : v.store().tensors()) {
    if (t.name == "joiner.out.weight") {
      saw_joiner_out = true;
      EXPECT_TRUE(t.pinned);
    }
    if (t.name.starts_with("encoder.")) {
      EXPECT_FALSE(t.pinned) << t.name;
    }
  }
  EXPECT_TRUE(saw_joiner_out);
  auto per_call = [&](RnntModel& m) {
    CountingSink sink;
    m.attach(&sink);
    StreamingRecognizer rec(m, DecodeOptions::greedy(4));
    rec.recognize(audio_[0]);
    m.attach(nullptr);
    const auto& c = sink.of(ComponentRegistry::global().intern("asr.joiner"));
    EXPECT_GT(c.invocations, 0U);
    return double(c.bytes_read) / double(c.invocations);
  };
  EXPECT_LT(per_call(v), 0.75 * per_call(*model_));
}

// A frame of the wrong width is an error, not a read past the buffer.
TEST_P(RnntEngine, WrongFrameSizesThrow) {
  RnntDecoder dec(*model_, DecodeOptions::greedy(4));
  const std::vector<float> frame(model_->encoder().output_dim() + 1);
  EXPECT_THROW(dec.push_frame(frame), Error);
  std::vector<float> out;
  const std::vector<float> partial(model_->encoder().input_dim() - 1);
  EXPECT_THROW(model_->encoder().push(partial, out), Error);
  auto state = model_->predictor().zero_state();
  EXPECT_THROW(model_->predictor().step(model_->config().blank_id + 1, state), Error);
}

INSTANTIATE_TEST_SUITE_P(ShippedModels, RnntEngine, ::testing::Values("lstm", "emformer"));

TEST(RnntDetokenize, WordPiecesToText) {
  // Pieces as sentencepiece writes them: U+2581 starts a word.
  const std::string w = "\xe2\x96\x81";
  const std::vector<std::string> vocab{"<unk>", w + "set", w + "a", w + "tim", "er"};
  const std::vector<int> ids{1, 2, 3, 4};
  EXPECT_EQ(detokenize(vocab, ids), "set a timer");
  EXPECT_EQ(detokenize(vocab, std::vector<int>{}), "");
  EXPECT_EQ(detokenize(vocab, std::vector<int>{4, 4}), "erer");
  EXPECT_THROW(detokenize(vocab, std::vector<int>{5}), Error);
}

// Load errors name the file; each corruption is made from a real shipped model.
class RnntLoadErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::shipped("emformer")) GTEST_SKIP() << "no shipped asr-emformer";
    dir_ = std::filesystem::temp_directory_path() / ("erg_rnnt_load_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  // Copies the shipped model to dir_/name.{safetensors,json}; returns the .safetensors path.
  std::filesystem::path copy_model(const std::string& name) {
    const auto src = model_path("emformer");
    auto json = src;
    json.replace_extension(".json");
    const auto dst = dir_ / (name + ".safetensors");
    std::filesystem::copy_file(src, dst);
    std::filesystem::copy_file(json, dir_ / (name + ".json"));
    return dst;
  }
  static std::string error_of(const std::filesystem::path& p) {
    try {
      RnntModel::load(p);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return "no error";
  }
  std::filesystem::path dir_;
};

TEST_F(RnntLoadErrors, MissingFiles) {
  EXPECT_NE(error_of(dir_ / "absent.safetensors").find("not found"), std::string::npos);
  const auto p = copy_model("nojson");
  std::filesystem::remove(dir_ / "nojson.json");
  const auto msg = error_of(p);
  EXPECT_NE(msg.find("nojson.json"), std::string::npos) << msg;
}

TEST_F(RnntLoadErrors, TruncatedWeights) {
  const auto p = copy_model("truncated");
  std::filesystem::resize_file(p, std::filesystem::file_size(p) / 2);
  const auto msg = error_of(p);
  EXPECT_NE(msg.find("truncated.safetensors"), std::string::npos) << msg;
}

TEST_F(RnntLoadErrors, BadJson) {
  const auto p = copy_model("badjson");
  std::ofstream(dir_ / "badjson.json") << "{\"architecture\": ";
  EXPECT_NE(error_of(p).find("invalid JSON"), std::string::npos);
  std::ofstream(dir_ / "badjson.json") << R"({"architecture": {"encoder": "gru"}})";
  const auto msg = error_of(p);
  EXPECT_NE(msg.find("architecture"), std::string::npos) << msg;
}

// The optional "decoding" object: a model's recommended blank penalty, or a clear error.
TEST_F(RnntLoadErrors, DecodingBlankPenaltyIsReadOrRejected) {
  const auto p = copy_model("decoding");
  const auto json_path = dir_ / "decoding.json";
  nlohmann::json meta;
  std::ifstream(json_path) >> meta;
  meta.erase("decoding");
  std::ofstream(json_path) << meta.dump();
  EXPECT_EQ(RnntModel::load(p).config().blank_penalty, 0.0f);
  meta["decoding"] = {{"blank_penalty", 0.75}};
  std::ofstream(json_path) << meta.dump();
  EXPECT_EQ(RnntModel::load(p).config().blank_penalty, 0.75f);
  meta["decoding"] = {{"blank_penalty", "high"}};
  std::ofstream(json_path) << meta.dump();
  const auto msg = error_of(p);
  EXPECT_NE(msg.find("decoding.blank_penalty"), std::string::npos) << msg;
  EXPECT_NE(msg.find("decoding.json"), std::string::npos) << msg;
  // Finite as a double but not as a float: converting it was undefined behaviour (UBSan).
  meta["decoding"] = {{"blank_penalty", 1e300}};
  std::ofstream(json_path) << meta.dump();
  EXPECT_NE(error_of(p).find("decoding.blank_penalty"), std::string::npos);
}

// A tensor of the wrong shape (joiner.out with one row too few) and a missing tensor.
TEST_F(RnntLoadErrors, WrongShapeAndMissingTensor) {
  const runtime::SafetensorsFile src(model_path("emformer"));
  std::vector<std::vector<float>> values;
  std::vector<runtime::SafetensorsTensor> tensors;
  for (const auto& name : src.names())
    values.push_back(src.read_f32(name));
  const auto names = src.names();
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto shape = src.at(names[i]).shape;
    auto data = std::span<const float>(values[i]);
    if (names[i] == "joiner.out.weight") {
      shape[0] -= 1;
      data = data.first(data.size() - std::size_t(shape[1]));
    }
    tensors.push_back(runtime::f32_tensor(names[i], shape, data));
  }
  const auto p = copy_model("shape");
  runtime::write_safetensors(p, tensors, src.metadata());
  auto msg = error_of(p);
  EXPECT_NE(msg.find("joiner.out.weight"), std::string::npos) << msg;

  std::erase_if(tensors, [](const auto& t) { return t.name == "predictor.embed.weight"; });
  runtime::write_safetensors(p, tensors, src.metadata());
  msg = error_of(p);
  EXPECT_NE(msg.find("predictor.embed.weight"), std::string::npos) << msg;
}

}  // namespace
}  // namespace erg::models::asr

namespace erg::models::asr {
namespace {

// The committed listing: 100 lines, 40 training-voice and 60 held-out utterances
// (tests/fixtures/asr/README.md).
TEST(RnntTestSet, ReadsTheCommittedListing) {
  const auto utts = read_test_set(testing::test_set_dir());
  ASSERT_EQ(utts.size(), 100U);
  EXPECT_EQ(std::count_if(utts.begin(), utts.end(), [](const auto& u) { return u.heldout; }), 60);
  EXPECT_TRUE(std::filesystem::exists(utts.front().file));
}

TEST(RnntTestSet, BadListingsNameFileAndLine) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("erg_rnnt_tsv_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto tsv = dir / "testset.tsv";
  auto error_of = [&](const std::string& text) {
    std::ofstream(tsv) << text;
    try {
      read_test_set(dir);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of("file\ttext\tvoice\n").find("testset.tsv:1"), std::string::npos);
  EXPECT_NE(error_of("file\ttext\tvoice\theldout\na.flac\thi\tv\tyes\n").find("testset.tsv:2"),
            std::string::npos);
  EXPECT_NE(error_of("file\ttext\tvoice\theldout\na.flac\thi\n").find("testset.tsv:2"),
            std::string::npos);
  EXPECT_NE(error_of("file\ttext\tvoice\theldout\n").find("no utterances"), std::string::npos);
  std::filesystem::remove_all(dir);
  EXPECT_NE(error_of("").find("cannot read"), std::string::npos);
}

}  // namespace
}  // namespace erg::models::asr
