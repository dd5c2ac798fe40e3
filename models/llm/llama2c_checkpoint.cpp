#include "models/llm/llama2c_checkpoint.hpp"

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>

#include "core/error.hpp"

namespace erg::models::llm {
namespace {

static_assert(std::endian::native == std::endian::little,
              "llama2.c checkpoints are little-endian and read in place");

constexpr std::uint32_t kMagic = 0x616b3432;  // "ak42"
constexpr std::uint64_t kHeaderBytes = 256;   // versions 1 and 2
constexpr std::uint64_t kLegacyHeaderBytes = 7 * 4;

// Upper bounds far above any llama2.c model (Llama 2 70B: dim 8192, 80 layers, vocab 32000), so
// that a corrupt header fails here instead of asking for terabytes.
struct Limit {
  const char* field;
  std::int64_t max;
};
constexpr Limit kLimits[] = {{"dim", 1 << 16},     {"hidden_dim", 1 << 20}, {"n_layers", 1 << 12},
                             {"n_heads", 1 << 12}, {"n_kv_heads", 1 << 12}, {"vocab_size", 1 << 22},
                             {"seq_len", 1 << 15}};

struct Header {
  std::int32_t dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len;
};

class Reader {
 public:
  Reader(const std::filesystem::path& path, std::uint64_t size)
      : in_(path, std::ios::binary), where_(path.string()), size_(size) {
    if (!in_) throw Error("cannot open the llama2.c checkpoint", where_);
  }

  // `bytes` from the current offset; `field` names what they hold for the error.
  void read(void* out, std::uint64_t bytes, const std::string& field) {
    if (offset_ + bytes > size_ ||
        !in_.read(static_cast<char*>(out), static_cast<std::streamsize>(bytes)))
      throw Error("truncated: " + field + " needs bytes " + std::to_string(offset_) + ".." +
                      std::to_string(offset_ + bytes) + " of a " + std::to_string(size_) +
                      "-byte file",
                  where_);
    offset_ += bytes;
  }
  void skip(std::uint64_t bytes, const std::string& field) {
    if (offset_ + bytes > size_) read(nullptr, bytes, field);
    in_.seekg(static_cast<std::streamoff>(bytes), std::ios::cur);
    offset_ += bytes;
  }
  std::vector<float> f32(std::size_t n, const std::string& field) {
    std::vector<float> v(n);
    read(v.data(), n * sizeof(float), field);
    return v;
  }
  // Q8_0: n int8 values, then n / group fp32 scales; value i is q[i] * scale[i / group].
  std::vector<float> q8(std::size_t n, std::size_t group, const std::string& field) {
    std::vector<std::int8_t> q(n);
    read(q.data(), n, field + " (int8 values)");
    const auto scales = f32(n / group, field + " (group scales)");
    for (std::size_t g = 0; g < scales.size(); ++g)
      if (!std::isfinite(scales[g]) || scales[g] < 0)
        throw Error(field + ": scale of group " + std::to_string(g) + " is " +
                        std::to_string(scales[g]) + ", expected a finite number >= 0",
                    where_);
    std::vector<float> v(n);
    for (std::size_t i = 0; i < n; ++i)
      v[i] = float(q[i]) * scales[i / group];
    return v;
  }
  std::uint64_t offset() const { return offset_; }
  const std::string& where() const { return where_; }

 private:
  std::ifstream in_;
  std::string where_;
  std::uint64_t size_;
  std::uint64_t offset_ = 0;
};

std::int32_t le_i32(const unsigned char* p) {
  std::int32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Checks the header fields and fills the config; `shared` comes from the header (version 0:
// the sign of vocab_size).
LlmConfig make_config(Header h, bool shared, const std::string& where) {
  const std::int32_t fields[] = {h.dim,        h.hidden_dim, h.n_layers, h.n_heads,
                                 h.n_kv_heads, h.vocab_size, h.seq_len};
  for (std::size_t i = 0; i < std::size(kLimits); ++i)
    if (fields[i] <= 0 || fields[i] > kLimits[i].max)
      throw Error(std::string("header field ") + kLimits[i].field + " is " +
                      std::to_string(fields[i]) + ", expected 1.." + std::to_string(kLimits[i].max),
                  where);
  if (h.dim % h.n_heads != 0)
    throw Error("header field dim " + std::to_string(h.dim) + " is not a multiple of n_heads " +
                    std::to_string(h.n_heads) + " (llama2.c's head_dim = dim / n_heads)",
                where);
  if ((h.dim / h.n_heads) % 2 != 0)
    throw Error("head_dim = dim / n_heads = " + std::to_string(h.dim / h.n_heads) +
                    " must be even for RoPE",
                where);
  if (h.n_kv_heads > h.n_heads || h.n_heads % h.n_kv_heads != 0)
    throw Error("header field n_heads " + std::to_string(h.n_heads) +
                    " is not a multiple of n_kv_heads " + std::to_string(h.n_kv_heads),
                where);
  LlmConfig c;
  c.vocab_size = std::size_t(h.vocab_size);
  c.dim = std::size_t(h.dim);
  c.n_layers = std::size_t(h.n_layers);
  c.n_heads = std::size_t(h.n_heads);
  c.n_kv_heads = std::size_t(h.n_kv_heads);
  c.head_dim = c.dim / c.n_heads;
  c.ffn_dim = std::size_t(h.hidden_dim);
  c.context_length = std::size_t(h.seq_len);
  c.rope_theta = 10000.0;  // fixed by llama2.c's run.c
  c.norm_eps = 1e-5f;
  c.tie_embeddings = shared;
  if (c.vocab_size == 259) {
    // erg's byte vocabulary: its specials (TRAINING.md, "Tokenizer").
    c.bos_id = 256, c.eos_id = 257, c.pad_id = 258;
    c.validate(where);
  } else {
    // SentencePiece Llama vocabulary: <unk> 0, BOS 1, EOS 2.
    if (c.vocab_size < 3)
      throw Error("header field vocab_size is " + std::to_string(c.vocab_size) +
                      ", expected at least 3 (<unk>, BOS 1, EOS 2)",
                  where);
    c.bos_id = 1, c.eos_id = 2, c.pad_id = 0;
  }
  return c;
}

}  // namespace

bool is_llama2c_checkpoint(const std::filesystem::path& path) {
  return path.extension() == ".bin";
}

std::vector<float> interleaved_to_rotate_half(std::span<const float> w, std::size_t heads,
                                              std::size_t head_dim, std::size_t cols) {
  std::vector<float> out(w.size());
  const std::size_t half = head_dim / 2;
  for (std::size_t h = 0; h < heads; ++h)
    for (std::size_t j = 0; j < half; ++j)
      for (std::size_t a = 0; a < 2; ++a) {
        const float* src = w.data() + (h * head_dim + 2 * j + a) * cols;
        std::memcpy(out.data() + (h * head_dim + a * half + j) * cols, src, cols * sizeof(float));
      }
  return out;
}

Llama2cCheckpoint Llama2cCheckpoint::read(const std::filesystem::path& path) {
  const std::string where = path.string();
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) throw Error("cannot read the llama2.c checkpoint: " + ec.message(), where);
  Reader in(path, size);

  Llama2cCheckpoint ck;
  unsigned char head[kHeaderBytes] = {};
  in.read(head, 4, "the header (magic or dim)");
  Header h{};
  if (std::uint32_t magic; std::memcpy(&magic, head, 4), magic == kMagic) {
    in.read(head + 4, kHeaderBytes - 4, "the 256-byte 'ak42' header");
    ck.version = le_i32(head + 4);
    if (ck.version != 1 && ck.version != 2)
      throw Error("header field version is " + std::to_string(ck.version) +
                      ", expected 1 (fp32) or 2 (Q8_0)",
                  where);
    std::memcpy(&h, head + 8, sizeof h);
    if (head[36] > 1)
      throw Error(
          "header field shared_classifier is " + std::to_string(head[36]) + ", expected 0 or 1",
          where);
    ck.shared_classifier = head[36] == 1;
    if (ck.version == 2) {
      const std::int32_t gs = le_i32(head + 37);
      if (gs <= 0 || h.dim <= 0 || h.dim % gs != 0)
        throw Error("header field group_size is " + std::to_string(gs) +
                        ", expected a positive divisor of dim " + std::to_string(h.dim),
                    where);
      ck.group_size = std::size_t(gs);
    }
  } else {
    // Version 0: no magic; the 7 int32 start the file (a file shorter than that is truncated).
    in.read(head + 4, kLegacyHeaderBytes - 4, "the 28-byte legacy header");
    std::memcpy(&h, head, sizeof h);
    if (h.dim <= 0 || h.dim > kLimits[0].max)
      throw Error(
          "the file starts with neither the magic 0x616b3432 ('ak42') nor a legacy "
          "version 0 header: its first int32 (dim) is " +
              std::to_string(h.dim) + ", expected 1.." + std::to_string(kLimits[0].max),
          where);
    if (h.vocab_size == std::numeric_limits<std::int32_t>::min())
      throw Error("header field vocab_size is INT32_MIN", where);
    ck.shared_classifier = h.vocab_size > 0;
    h.vocab_size = h.vocab_size < 0 ? -h.vocab_size : h.vocab_size;
  }
  ck.config = make_config(h, ck.shared_classifier, where);
  const auto& c = ck.config;

  // The byte size the header implies (every factor is bounded above, so no overflow).
  const std::uint64_t d = c.dim, f = c.ffn_dim, L = c.n_layers, V = c.vocab_size,
                      kvd = c.n_kv_heads * c.head_dim, qd = c.n_heads * c.head_dim;
  const std::uint64_t norms = (2 * L + 1) * d;
  const std::uint64_t per_layer = qd * d + 2 * kvd * d + d * qd + 3 * f * d;
  const std::uint64_t matrices = V * d + L * per_layer + (ck.shared_classifier ? 0 : V * d);
  std::uint64_t expected = 0;
  if (ck.version == 0)
    expected = kLegacyHeaderBytes + 4 * (norms + matrices + c.context_length * c.head_dim);
  else if (ck.version == 1)
    expected = kHeaderBytes + 4 * (norms + matrices);
  else
    expected = kHeaderBytes + 4 * norms + matrices + 4 * (matrices / ck.group_size);
  if (size != expected)
    throw Error(std::string(size < expected ? "truncated: " : "size mismatch: ") + "the file is " +
                    std::to_string(size) + " bytes, but its version " + std::to_string(ck.version) +
                    " header (dim " + std::to_string(d) + ", hidden_dim " + std::to_string(f) +
                    ", n_layers " + std::to_string(L) + ", n_heads " + std::to_string(c.n_heads) +
                    ", n_kv_heads " + std::to_string(c.n_kv_heads) + ", vocab_size " +
                    std::to_string(V) + ", seq_len " + std::to_string(c.context_length) +
                    ", shared_classifier " + (ck.shared_classifier ? "1" : "0") + ") implies " +
                    std::to_string(expected),
                where);

  auto& t = ck.tensors;
  auto layer = [](std::size_t l, const char* name) {
    return "layers." + std::to_string(l) + "." + name;
  };
  // Erg name, llama2.c name, rows, cols, in the order versions 1 and 2 store the matrices.
  struct Matrix {
    const char* erg;
    const char* llama2c;
    std::uint64_t rows, cols;
  };
  const Matrix mats[] = {{"wq.weight", "wq", qd, d},    {"wk.weight", "wk", kvd, d},
                         {"wv.weight", "wv", kvd, d},   {"wo.weight", "wo", d, qd},
                         {"w_gate.weight", "w1", f, d}, {"w_down.weight", "w2", d, f},
                         {"w_up.weight", "w3", f, d}};
  auto read_matrices = [&](const Matrix& m) {
    for (std::size_t l = 0; l < L; ++l) {
      const std::string field = std::string(m.llama2c) + "[" + std::to_string(l) + "]";
      t[layer(l, m.erg)] = ck.version == 2 ? in.q8(m.rows * m.cols, ck.group_size, field)
                                           : in.f32(m.rows * m.cols, field);
    }
  };
  auto read_norms = [&](const char* erg, const char* llama2c) {
    for (std::size_t l = 0; l < L; ++l)
      t[layer(l, erg)] = in.f32(d, std::string(llama2c) + "[" + std::to_string(l) + "]");
  };
  auto read_table = [&](const char* erg, const char* llama2c) {
    t[erg] = ck.version == 2 ? in.q8(V * d, ck.group_size, llama2c) : in.f32(V * d, llama2c);
  };

  if (ck.version == 0) {
    // run.c's legacy order: embedding, attention norms and q/k/v/o, MLP norms and w1/w2/w3,
    // final norm, the freq_cis tables (erg computes its own), the classifier if unshared.
    read_table("embed.weight", "token_embedding_table");
    read_norms("attn_norm.weight", "rms_att_weight");
    for (std::size_t i = 0; i < 4; ++i)
      read_matrices(mats[i]);
    read_norms("mlp_norm.weight", "rms_ffn_weight");
    // w1, w2, w3 as in mats[4..6].
    for (std::size_t i = 4; i < 7; ++i)
      read_matrices(mats[i]);
    t["norm.weight"] = in.f32(d, "rms_final_weight");
    in.skip(4 * c.context_length * c.head_dim, "freq_cis_real and freq_cis_imag");
  } else {
    // export.py's version 1 / 2 order: every norm (fp32), embedding, q/k/v/o, w1, w2, w3.
    read_norms("attn_norm.weight", "rms_att_weight");
    read_norms("mlp_norm.weight", "rms_ffn_weight");
    t["norm.weight"] = in.f32(d, "rms_final_weight");
    read_table("embed.weight", "token_embedding_table");
    for (const auto& m : mats)
      read_matrices(m);
  }
  if (!ck.shared_classifier) read_table("head.weight", "wcls");
  if (in.offset() != size)
    throw Error("read " + std::to_string(in.offset()) + " of " + std::to_string(size) + " bytes",
                where);

  for (std::size_t l = 0; l < L; ++l) {
    auto& wq = t[layer(l, "wq.weight")];
    wq = interleaved_to_rotate_half(wq, c.n_heads, c.head_dim, d);
    auto& wk = t[layer(l, "wk.weight")];
    wk = interleaved_to_rotate_half(wk, c.n_kv_heads, c.head_dim, d);
  }
  return ck;
}

}  // namespace erg::models::llm
