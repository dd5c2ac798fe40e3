#!/usr/bin/python3
"""Write the llama2.c interoperability fixtures under tests/fixtures/llm/llama2c/ (seeded).

Two tiny random erg models (models/llm/TRAINING.md layout, rotate_half RoPE):
- `tiny`: vocab 294 with a llama2.c tokenizer (`tokenizer.bin`), untied classifier;
- `bytes`: erg's byte vocabulary (259), tied classifier (llama2.c's shared_classifier).
Each is exported by export_llama2c.py as versions 0, 1 and 2 (`<name>_v<N>.bin`; `bytes` also as
erg's `bytes.safetensors`), and `reference.safetensors` holds the logits of llama2c_reference.py
(an independent reader and float64 llama2.c forward pass) on a fixed token sequence.
tests/fixtures/llm/README.md describes every file.

    /usr/bin/python3 scripts/train/llm/make_llama2c_fixtures.py
"""

import argparse
import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from llm import export_llama2c, llama2c_reference, numpy_reference, safetensors_io  # noqa: E402

SEED = 20261203
TINY_VOCAB = 294
# The tokenizer's pieces above the 259 = 3 specials + 256 byte pieces; merges carry their scores.
CHARS = [" "] + [chr(c) for c in range(ord("a"), ord("z") + 1)] + ["\u00e9"]
MERGES = [("th", -1.0), ("he", -2.0), ("the", -3.0), (" the", -4.0), ("at", -5.0), (" c", -6.0),
          (" cat", -7.0)]


def config(vocab, tie):
    return {"vocab_size": vocab, "dim": 32, "n_layers": 3, "n_heads": 4, "n_kv_heads": 2,
            "head_dim": 8, "ffn_dim": 64, "context_length": 32, "rope_theta": 10000.0,
            "norm_eps": 1e-5, "tie_embeddings": tie}


def random_model(rng, cfg):
    d, f = cfg["dim"], cfg["ffn_dim"]
    qd, kvd = cfg["n_heads"] * cfg["head_dim"], cfg["n_kv_heads"] * cfg["head_dim"]
    mat = lambda r, c: (rng.standard_normal((r, c)) / np.sqrt(c)).astype(np.float32)  # noqa: E731
    norm = lambda: (1.0 + 0.1 * rng.standard_normal(d)).astype(np.float32)  # noqa: E731
    w = {"embed.weight": rng.standard_normal((cfg["vocab_size"], d)).astype(np.float32)}
    for i in range(cfg["n_layers"]):
        p = f"layers.{i}."
        w[p + "attn_norm.weight"] = norm()
        w[p + "wq.weight"] = mat(qd, d)
        w[p + "wk.weight"] = mat(kvd, d)
        w[p + "wv.weight"] = mat(kvd, d)
        w[p + "wo.weight"] = mat(d, qd)
        w[p + "mlp_norm.weight"] = norm()
        w[p + "w_gate.weight"] = mat(f, d)
        w[p + "w_up.weight"] = mat(f, d)
        w[p + "w_down.weight"] = mat(d, f)
    w["norm.weight"] = norm()
    if not cfg["tie_embeddings"]:
        w["head.weight"] = mat(cfg["vocab_size"], d)
    return w


def tokenizer_pieces():
    pieces = [("<unk>", 0.0), ("\n<s>\n", 0.0), ("\n</s>\n", 0.0)]
    pieces += [(f"<0x{b:02X}>", 0.0) for b in range(256)]
    pieces += [(c, -1000.0 - i) for i, c in enumerate(CHARS)]
    pieces += MERGES
    assert len(pieces) == TINY_VOCAB
    return pieces


def write_tokenizer(path, pieces):
    """llama2.c's tokenizer.bin: int32 max_token_length, then per token fp32 score, int32 len, bytes."""
    encoded = [(p.encode("utf-8"), s) for p, s in pieces]
    with open(path, "wb") as f:
        f.write(struct.pack("<i", max(len(b) for b, _ in encoded)))
        for b, s in encoded:
            f.write(struct.pack("<fi", s, len(b)) + b)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out-dir", default="tests/fixtures/llm/llama2c")
    args = ap.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    rng = np.random.default_rng(SEED)
    pieces = tokenizer_pieces()
    write_tokenizer(os.path.join(args.out_dir, "tokenizer.bin"), pieces)
    ids = {p: i for i, (p, _) in enumerate(pieces)}
    sequences = {
        # [BOS] " the" " cat" then assorted ids (a byte piece, single chars, merges, EOS).
        "tiny": [1, ids[" the"], ids[" cat"], ids["<0x41>"], ids["s"], ids["at"], ids[" "], 2, ids["\u00e9"], 7],
        "bytes": [256] + list(b"the cat sat"),
    }
    ref, meta = {}, {"seed": str(SEED)}
    for name, vocab, tie in (("tiny", TINY_VOCAB, False), ("bytes", 259, True)):
        cfg = config(vocab, tie)
        w = random_model(rng, cfg)
        if name == "bytes":  # erg's loader takes only byte vocabularies from safetensors
            safetensors_io.save(os.path.join(args.out_dir, "bytes.safetensors"), w,
                                {"format": "erg-llm-layerskip-v1", "config": json.dumps(cfg),
                                 "bos_id": 256, "eos_id": 257, "pad_id": 258})
        m = export_llama2c.Llama2cModel(cfg, w)
        paths = {v: os.path.join(args.out_dir, f"{name}_v{v}.bin") for v in (0, 1, 2)}
        export_llama2c.write_v0(m, paths[0])
        export_llama2c.write_v1(m, paths[1])
        meta[f"{name}.group_size"] = str(export_llama2c.write_v2(m, paths[2], 64))
        toks = sequences[name]
        full = {v: llama2c_reference.run(paths[v], toks) for v in (0, 1, 2)}
        assert np.array_equal(full[0][0], full[1][0]), "versions 0 and 1 hold the same fp32 weights"
        # erg's own forward (rotate_half, numpy_reference.py) on the weights before export must
        # agree with llama2.c's forward on the exported file: the RoPE row permutation is right.
        erg = numpy_reference.Engine({**w, "head.weight": w.get("head.weight", w["embed.weight"])}, cfg)
        erg_full = np.stack([erg.logits(erg.step(t, p)[-1]) for p, t in enumerate(toks)])
        meta[f"{name}.max_abs_erg_forward_vs_llama2c_forward"] = f"{np.abs(erg_full - full[1][0]).max():.3g}"
        assert np.abs(erg_full - full[1][0]).max() < 1e-9
        ref[f"{name}.tokens"] = np.array(toks, dtype=np.int32)
        ref[f"{name}.logits_f32"] = full[1][0].astype(np.float32)
        ref[f"{name}.logits_exit_last_f32"] = full[1][1].astype(np.float32)
        ref[f"{name}.logits_q8"] = full[2][0].astype(np.float32)
        ref[f"{name}.logits_exit_last_q8"] = full[2][1].astype(np.float32)
        meta[f"{name}.max_abs_q8_vs_f32"] = f"{np.abs(full[2][0] - full[1][0]).max():.6g}"
        print(name, {k: v for k, v in meta.items() if k.startswith(name)})
    safetensors_io.save(os.path.join(args.out_dir, "reference.safetensors"), ref, meta)
    print("wrote", args.out_dir)


if __name__ == "__main__":
    main()
