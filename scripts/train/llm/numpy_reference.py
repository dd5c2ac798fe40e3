#!/usr/bin/python3
"""Independent NumPy forward pass from the exported safetensors, checked against the golden fixture.

Reads models/weights/llm-layerskip.safetensors and tests/fixtures/llm/golden.safetensors and
prints the max abs logit error (float64 NumPy vs the stored float32/float64 PyTorch logits).
It follows models/llm/TRAINING.md op by op with a KV cache and one token at a time, the way
the C++ engine decodes, so it also checks that the document is complete.
"""

import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from llm import safetensors_io  # noqa: E402


def rmsnorm(x, w, eps):
    return x / np.sqrt(np.mean(x * x) + eps) * w


def rope(v, pos, theta):
    """v: [n, head_dim]; rotate-half pairing (i, i + head_dim/2)."""
    hd = v.shape[-1]
    half = hd // 2
    inv = theta ** (-2.0 * np.arange(half) / hd)
    c, s = np.cos(pos * inv), np.sin(pos * inv)
    x1, x2 = v[:, :half], v[:, half:]
    return np.concatenate([x1 * c - x2 * s, x2 * c + x1 * s], axis=-1)


class Engine:
    def __init__(self, w, cfg):
        self.w = {k: v.astype(np.float64) for k, v in w.items()}
        self.c = cfg
        L = cfg["n_layers"]
        self.k = [[] for _ in range(L)]
        self.v = [[] for _ in range(L)]

    def step(self, token, pos):
        """Feeds one token at position pos; returns the hidden state after each layer."""
        c, w = self.c, self.w
        H, KV, hd = c["n_heads"], c["n_kv_heads"], c["head_dim"]
        x = w["embed.weight"][token].copy()
        hs = []
        for l in range(c["n_layers"]):
            p = f"layers.{l}."
            a = rmsnorm(x, w[p + "attn_norm.weight"], c["norm_eps"])
            q = rope((w[p + "wq.weight"] @ a).reshape(H, hd), pos, c["rope_theta"])
            k = rope((w[p + "wk.weight"] @ a).reshape(KV, hd), pos, c["rope_theta"])
            v = (w[p + "wv.weight"] @ a).reshape(KV, hd)
            self.k[l].append(k)
            self.v[l].append(v)
            K = np.stack(self.k[l])  # [T, KV, hd]
            V = np.stack(self.v[l])
            out = np.zeros((H, hd))
            for h in range(H):
                g = h // (H // KV)
                sc = K[:, g, :] @ q[h] / np.sqrt(hd)
                pr = np.exp(sc - sc.max())
                pr /= pr.sum()
                out[h] = pr @ V[:, g, :]
            x = x + w[p + "wo.weight"] @ out.reshape(-1)
            m = rmsnorm(x, w[p + "mlp_norm.weight"], c["norm_eps"])
            gate = w[p + "w_gate.weight"] @ m
            x = x + w[p + "w_down.weight"] @ (gate / (1 + np.exp(-gate)) * (w[p + "w_up.weight"] @ m))
            hs.append(x.copy())
        return hs

    def logits(self, h):
        return self.w["head.weight"] @ rmsnorm(h, self.w["norm.weight"], self.c["norm_eps"])


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--weights", default="models/weights/llm-layerskip.safetensors")
    ap.add_argument("--fixture", default="tests/fixtures/llm/golden.safetensors")
    args = ap.parse_args()
    w, meta = safetensors_io.load(args.weights)
    cfg = json.loads(meta["config"])
    fx, _ = safetensors_io.load(args.fixture)
    eng = Engine(w, cfg)
    toks = fx["tokens"].tolist()
    full, hs = [], None
    for pos, t in enumerate(toks):
        hs = eng.step(t, pos)
        full.append(eng.logits(hs[-1]))
    full = np.stack(full)
    exits = np.stack([eng.logits(h) for h in hs])
    gen = []
    nxt = int(full[-1].argmax())
    for i in range(len(fx["greedy_tokens"])):
        gen.append(nxt)
        hs = eng.step(nxt, len(toks) + i)
        nxt = int(eng.logits(hs[-1]).argmax())
    report = {
        "full_vs_f32": float(np.abs(full - fx["logits_full"]).max()),
        "full_vs_f64": float(np.abs(full - fx["logits_full_f64"]).max()),
        "exit_vs_f32": float(np.abs(exits - fx["logits_exit_last"]).max()),
        "exit_vs_f64": float(np.abs(exits - fx["logits_exit_last_f64"]).max()),
        "greedy_match": gen == fx["greedy_tokens"].tolist(),
    }
    print(json.dumps(report, indent=1))
    ok = max(report["full_vs_f32"], report["exit_vs_f32"]) < 1e-4 and report["greedy_match"]
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
