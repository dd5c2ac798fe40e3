#!/usr/bin/python3
"""An independent reader and float64 forward pass for llama2.c `.bin` checkpoints.

Reads a llama2.c checkpoint (version 0, 1 or 2 as written by llama2.c's export.py and by
scripts/train/llm/export_llama2c.py) the way llama2.c's run.c / runq.c map it, and runs
llama2.c's forward pass one token at a time with its own interleaved RoPE (pairs (2i, 2i+1),
freq = 10000^(-2i/head_size)), so it shares no code with erg's loader or erg's engine.
Q8_0 weights are dequantized (q * scale); activations stay float64 (runq.c also quantizes the
activations, which this does not model).

    /usr/bin/python3 scripts/train/llm/llama2c_reference.py tests/fixtures/llm/llama2c/tiny_v1.bin \
        --tokens 1,5,9
prints the logits of the last position.
"""

import argparse
import struct

import numpy as np

MAGIC = 0x616B3432


def read_checkpoint(path):
    """Returns (params dict, weights dict of float64 arrays in llama2.c's names)."""
    raw = open(path, "rb").read()
    if struct.unpack_from("<I", raw, 0)[0] == MAGIC:
        version = struct.unpack_from("<i", raw, 4)[0]
        dim, hidden, L, H, KV, vocab, seq = struct.unpack_from("<7i", raw, 8)
        shared = raw[36] != 0
        gs = struct.unpack_from("<i", raw, 37)[0] if version == 2 else 0
        off = 256
    else:
        version = 0
        dim, hidden, L, H, KV, vocab, seq = struct.unpack_from("<7i", raw, 0)
        shared = vocab > 0
        vocab = abs(vocab)
        gs = 0
        off = 28
    hs = dim // H
    kvd = KV * hs
    p = dict(version=version, dim=dim, hidden_dim=hidden, n_layers=L, n_heads=H, n_kv_heads=KV,
             vocab_size=vocab, seq_len=seq, shared=shared, group_size=gs)
    pos = [off]

    def f32(n, shape):
        a = np.frombuffer(raw, dtype="<f4", count=n, offset=pos[0]).astype(np.float64)
        pos[0] += 4 * n
        return a.reshape(shape)

    def q8(n, shape):
        q = np.frombuffer(raw, dtype=np.int8, count=n, offset=pos[0]).astype(np.float64)
        pos[0] += n
        s = np.frombuffer(raw, dtype="<f4", count=n // gs, offset=pos[0]).astype(np.float64)
        pos[0] += 4 * (n // gs)
        return (q * np.repeat(s, gs)).reshape(shape)

    def layers(read, rows, cols):
        return [read(rows * cols, (rows, cols) if cols > 1 else (rows,)) for _ in range(L)]

    w = {}
    mats = [("wq", dim, dim), ("wk", kvd, dim), ("wv", kvd, dim), ("wo", dim, dim),
            ("w1", hidden, dim), ("w2", dim, hidden), ("w3", hidden, dim)]
    if version == 0:
        w["tok"] = f32(vocab * dim, (vocab, dim))
        w["rms_att"] = layers(f32, dim, 1)
        for name, r, c in mats[:4]:
            w[name] = layers(f32, r, c)
        w["rms_ffn"] = layers(f32, dim, 1)
        for name, r, c in mats[4:]:
            w[name] = layers(f32, r, c)
        w["rms_final"] = f32(dim, (dim,))
        pos[0] += 2 * 4 * seq * (hs // 2)  # freq_cis_real, freq_cis_imag
        w["cls"] = w["tok"] if shared else f32(vocab * dim, (vocab, dim))
    else:
        w["rms_att"] = layers(f32, dim, 1)
        w["rms_ffn"] = layers(f32, dim, 1)
        w["rms_final"] = f32(dim, (dim,))
        read = f32 if version == 1 else q8
        w["tok"] = read(vocab * dim, (vocab, dim))
        for name, r, c in mats:
            w[name] = layers(read, r, c)
        w["cls"] = w["tok"] if shared else read(vocab * dim, (vocab, dim))
    if pos[0] != len(raw):
        raise ValueError(f"{path}: read {pos[0]} of {len(raw)} bytes")
    return p, w


def rmsnorm(x, w):
    return w * (x / np.sqrt(np.mean(x * x) + 1e-5))


class Forward:
    """run.c's forward(): one token at a time, a KV cache per layer."""

    def __init__(self, p, w):
        self.p, self.w = p, w
        self.k = [[] for _ in range(p["n_layers"])]
        self.v = [[] for _ in range(p["n_layers"])]

    def rope(self, vec, pos):
        hs = self.p["dim"] // self.p["n_heads"]
        out = vec.copy()
        for i in range(0, len(vec), 2):
            freq = 1.0 / 10000.0 ** ((i % hs) / hs)
            c, s = np.cos(pos * freq), np.sin(pos * freq)
            out[i] = vec[i] * c - vec[i + 1] * s
            out[i + 1] = vec[i] * s + vec[i + 1] * c
        return out

    def step(self, token, pos):
        """Returns the residual stream after each layer."""
        p, w = self.p, self.w
        H, KV = p["n_heads"], p["n_kv_heads"]
        hs = p["dim"] // H
        x = w["tok"][token].copy()
        states = []
        for l in range(p["n_layers"]):
            xb = rmsnorm(x, w["rms_att"][l])
            q = self.rope(w["wq"][l] @ xb, pos)
            k = self.rope(w["wk"][l] @ xb, pos)
            self.k[l].append(k)
            self.v[l].append(w["wv"][l] @ xb)
            K, V = np.stack(self.k[l]), np.stack(self.v[l])
            att = np.zeros(p["dim"])
            for h in range(H):
                g = h // (H // KV)
                sc = K[:, g * hs:(g + 1) * hs] @ q[h * hs:(h + 1) * hs] / np.sqrt(hs)
                a = np.exp(sc - sc.max())
                a /= a.sum()
                att[h * hs:(h + 1) * hs] = a @ V[:, g * hs:(g + 1) * hs]
            x = x + w["wo"][l] @ att
            xb = rmsnorm(x, w["rms_ffn"][l])
            h1 = w["w1"][l] @ xb
            x = x + w["w2"][l] @ (h1 / (1.0 + np.exp(-h1)) * (w["w3"][l] @ xb))
            states.append(x.copy())
        return states

    def logits(self, x):
        return self.w["cls"] @ rmsnorm(x, self.w["rms_final"])


def run(path, tokens):
    """(logits at every position [T, vocab], logits of the last position after each layer [L, vocab])."""
    p, w = read_checkpoint(path)
    fwd = Forward(p, w)
    full, states = [], None
    for pos, t in enumerate(tokens):
        states = fwd.step(t, pos)
        full.append(fwd.logits(states[-1]))
    return np.stack(full), np.stack([fwd.logits(s) for s in states])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint")
    ap.add_argument("--tokens", default="1", help="comma-separated token ids")
    args = ap.parse_args()
    full, _ = run(args.checkpoint, [int(t) for t in args.tokens.split(",")])
    np.set_printoptions(precision=6, suppress=True)
    print(full[-1])


if __name__ == "__main__":
    main()
