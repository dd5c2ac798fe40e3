#!/usr/bin/python3
"""Write an erg LLM in Karpathy's llama2.c `.bin` checkpoint format (version 0, 1 or 2).

Reads an erg model: a `.safetensors` file in the models/llm/TRAINING.md layout (e.g.
models/weights/llm-layerskip.safetensors; F16 tensors are widened to fp32) or a PyTorch
checkpoint of scripts/train/llm/model.py (a `.pt` with "config" and "model"). Writes one `.bin`:

- version 0 (legacy): 7 int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size,
  seq_len; vocab_size negative when the classifier is not shared), then fp32 tensors in the
  legacy order, including the freq_cis cos/sin tables, then the classifier if unshared;
- version 1: the 256-byte "ak42" header (magic, version, the 7 int32, a shared-classifier byte),
  then fp32 tensors, norms first;
- version 2 (Q8_0): the 256-byte header with the group size after the shared byte, the fp32
  norms, then every matrix as int8 values followed by one fp32 scale per group.

The layouts follow llama2.c's export.py (legacy_export, version1_export, version2_export).
erg's RoPE pairs (i, i + head_dim/2) (HF rotate_half); llama2.c pairs (2i, 2i+1), so the rows
of wq and wk are permuted within each head, as llama2.c's export does for HF models.
llama2.c fixes rope_theta = 10000, norm_eps = 1e-5 and head_dim = dim / n_heads; other models
are refused.

    /usr/bin/python3 scripts/train/llm/export_llama2c.py \
        --input models/weights/llm-layerskip.safetensors --output /tmp/llm-layerskip.bin --version 1
"""

import argparse
import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from llm import safetensors_io  # noqa: E402

MAGIC = 0x616B3432  # "ak42"
HEADER_BYTES = 256


def load_erg(path):
    """Returns (config dict, {name: float32 array}) of an erg model (.safetensors or .pt)."""
    if path.endswith(".pt"):
        from llm.export import load_model, weight_tensors

        model, ckpt = load_model(path)
        return dict(ckpt["config"]), weight_tensors(model)
    tensors, meta = safetensors_io.load(path)
    if "config" not in meta:
        raise SystemExit(f"{path}: no __metadata__.config")
    cfg = json.loads(meta["config"])
    return cfg, {k: np.asarray(v, dtype=np.float32) for k, v in tensors.items()}


def to_interleaved(w, n_heads):
    """Rows of one q/k projection, rotate_half order -> llama2.c's interleaved order.

    Within a head, rotate_half row a * half + j (a in {0, 1}) becomes interleaved row 2 j + a.
    """
    rows, cols = w.shape
    half = rows // n_heads // 2
    return w.reshape(n_heads, 2, half, cols).transpose(0, 2, 1, 3).reshape(rows, cols)


def check_config(cfg):
    dim, heads = cfg["dim"], cfg["n_heads"]
    if cfg.get("head_dim", dim // heads) * heads != dim:
        raise SystemExit("llama2.c needs head_dim = dim / n_heads")
    if float(cfg.get("rope_theta", 10000.0)) != 10000.0:
        raise SystemExit("llama2.c fixes rope_theta = 10000")
    if abs(float(cfg.get("norm_eps", 1e-5)) - 1e-5) > 1e-12:
        raise SystemExit("llama2.c fixes norm_eps = 1e-5")


class Llama2cModel:
    """The tensors of one model in llama2.c's names and interleaved-RoPE layout."""

    def __init__(self, cfg, w):
        check_config(cfg)
        self.dim, self.n_layers = cfg["dim"], cfg["n_layers"]
        self.n_heads, self.n_kv_heads = cfg["n_heads"], cfg.get("n_kv_heads", cfg["n_heads"])
        self.vocab_size, self.seq_len = cfg["vocab_size"], cfg["context_length"]
        self.hidden_dim = cfg["ffn_dim"]
        self.tok_embeddings = w["embed.weight"]
        head = w.get("head.weight")
        self.shared = head is None or np.array_equal(head, self.tok_embeddings)
        self.output = self.tok_embeddings if self.shared else head
        self.norm = w["norm.weight"]
        L = range(self.n_layers)
        p = [f"layers.{i}." for i in L]
        self.attention_norm = [w[q + "attn_norm.weight"] for q in p]
        self.ffn_norm = [w[q + "mlp_norm.weight"] for q in p]
        self.wq = [to_interleaved(w[q + "wq.weight"], self.n_heads) for q in p]
        self.wk = [to_interleaved(w[q + "wk.weight"], self.n_kv_heads) for q in p]
        self.wv = [w[q + "wv.weight"] for q in p]
        self.wo = [w[q + "wo.weight"] for q in p]
        self.w1 = [w[q + "w_gate.weight"] for q in p]
        self.w2 = [w[q + "w_down.weight"] for q in p]
        self.w3 = [w[q + "w_up.weight"] for q in p]

    def params(self, vocab_size):
        return struct.pack("<7i", self.dim, self.hidden_dim, self.n_layers, self.n_heads,
                           self.n_kv_heads, vocab_size, self.seq_len)

    def matrices(self):
        """The matrices in the order of versions 1 and 2 (classifier last, only if unshared)."""
        out = [self.tok_embeddings, *self.wq, *self.wk, *self.wv, *self.wo, *self.w1, *self.w2,
               *self.w3]
        return out + ([] if self.shared else [self.output])

    def freqs(self):
        """llama2.c's freq_cis tables [seq_len, head_dim/2] (cos, sin), float32."""
        hd = self.dim // self.n_heads
        inv = 1.0 / (10000.0 ** (np.arange(0, hd, 2)[: hd // 2].astype(np.float32) / hd))
        angles = np.outer(np.arange(self.seq_len, dtype=np.float32), inv).astype(np.float32)
        return np.cos(angles), np.sin(angles)


def fp32(f, t):
    f.write(np.ascontiguousarray(t, dtype="<f4").tobytes())


def write_v0(m, path):
    with open(path, "wb") as f:
        f.write(m.params(m.vocab_size if m.shared else -m.vocab_size))
        fp32(f, m.tok_embeddings)
        for group in (m.attention_norm, m.wq, m.wk, m.wv, m.wo, m.ffn_norm, m.w1, m.w2, m.w3):
            for t in group:
                fp32(f, t)
        fp32(f, m.norm)
        cos, sin = m.freqs()
        fp32(f, cos)
        fp32(f, sin)
        if not m.shared:
            fp32(f, m.output)


def header(f, m, version, extra=b""):
    f.write(struct.pack("<Ii", MAGIC, version))
    f.write(m.params(m.vocab_size))
    f.write(struct.pack("<B", int(m.shared)) + extra)
    f.write(b"\0" * (HEADER_BYTES - f.tell()))


def write_v1(m, path):
    with open(path, "wb") as f:
        header(f, m, 1)
        for t in (*m.attention_norm, *m.ffn_norm, m.norm):
            fp32(f, t)
        for t in m.matrices():
            fp32(f, t)


def quantize_q80(w, group_size):
    """Symmetric int8 in [-127, 127] per group of `group_size` consecutive values, as export.py;
    returns (int8 values, fp32 scales) with w ~ q * scale. An all-zero group gets scale 0."""
    g = np.asarray(w, dtype=np.float32).reshape(-1, group_size)
    scale = (np.abs(g).max(axis=1) / np.float32(127.0)).astype(np.float32)
    safe = np.where(scale > 0, scale, np.float32(1.0))
    q = np.round(g / safe[:, None]).astype(np.int8)
    return q.reshape(-1), scale


def group_size_for(m, group_size):
    while m.dim % group_size != 0:
        group_size //= 2
    for t in m.matrices():
        if t.size % group_size:
            raise SystemExit(f"a tensor of {t.size} values is not a multiple of group {group_size}")
    return group_size


def write_v2(m, path, group_size=64):
    gs = group_size_for(m, group_size)
    with open(path, "wb") as f:
        header(f, m, 2, struct.pack("<i", gs))
        for t in (*m.attention_norm, *m.ffn_norm, m.norm):
            fp32(f, t)
        for t in m.matrices():
            q, s = quantize_q80(t, gs)
            f.write(q.tobytes())
            fp32(f, s)
    return gs


WRITERS = {0: write_v0, 1: write_v1, 2: write_v2}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--input", default="models/weights/llm-layerskip.safetensors",
                    help="erg model: .safetensors (TRAINING.md layout) or a model.py .pt checkpoint")
    ap.add_argument("--output", required=True, help="the .bin to write")
    ap.add_argument("--version", type=int, choices=sorted(WRITERS), default=1)
    ap.add_argument("--group-size", type=int, default=64, help="Q8_0 group (version 2; halved until it divides dim)")
    args = ap.parse_args()
    cfg, w = load_erg(args.input)
    m = Llama2cModel(cfg, w)
    if args.version == 2:
        gs = write_v2(m, args.output, args.group_size)
        print(f"wrote {args.output} (version 2, Q8_0 group {gs})")
    else:
        WRITERS[args.version](m, args.output)
        print(f"wrote {args.output} (version {args.version})")


if __name__ == "__main__":
    main()
