"""NumPy reference of the exported RNN-T models, written from models/asr/TRAINING.md.

Reads models/weights/asr-<enc>.safetensors + .json and tests/fixtures/asr/<enc>_golden.safetensors
(no torch needed) and checks that a plain re-implementation of the documented forward pass
(streaming encoder with state carry, predictor, joiner, greedy decode) reproduces the golden
tensors. Writes nothing. Usage:
  /usr/bin/python3 scripts/train/asr/reference_numpy.py --encoder lstm
"""
import argparse
import json
import os
import struct

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        blob = f.read()
    meta = header.pop("__metadata__", {})
    out = {}
    for k, v in header.items():
        assert v["dtype"] == "F32"
        s, e = v["data_offsets"]
        out[k] = np.frombuffer(blob[s:e], "<f4").reshape(v["shape"])
    return out, meta


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def lstm_step(x, h, c, w_ih, w_hh, b_ih, b_hh):
    g = w_ih @ x + b_ih + w_hh @ h + b_hh
    i, f, gg, o = np.split(g, 4)
    c = sigmoid(f) * c + sigmoid(i) * np.tanh(gg)
    h = sigmoid(o) * np.tanh(c)
    return h, c


def layer_norm(x, w, b, eps=1e-5):
    m = x.mean(-1, keepdims=True)
    v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) / np.sqrt(v + eps) * w + b


def lstm_encoder(W, a, feats):
    s = a["stack_frames"]
    T = feats.shape[0] // s
    x = feats[: T * s].reshape(T, -1)
    L, H = a["lstm"]["layers"], a["lstm"]["hidden"]
    h = [np.zeros(H, np.float32) for _ in range(L)]
    c = [np.zeros(H, np.float32) for _ in range(L)]
    out = []
    for t in range(T):          # frame-synchronous: streaming is the same loop
        v = x[t]
        for l in range(L):
            p = f"encoder.lstm.{l}."
            h[l], c[l] = lstm_step(v, h[l], c[l], W[p + "weight_ih"], W[p + "weight_hh"],
                                   W[p + "bias_ih"], W[p + "bias_hh"])
            v = h[l]
        out.append(v)
    return np.stack(out)


def emformer_encoder(W, a, feats):
    e = a["emformer"]
    s = a["stack_frames"]
    T = feats.shape[0] // s
    x = feats[: T * s].reshape(T, -1) @ W["encoder.input.weight"].T + W["encoder.input.bias"]
    d, H, C, R, Lft = e["d_model"], e["heads"], e["chunk"], e["right"], e["left"]
    hd = d // H
    caches = [(np.zeros((0, d), np.float32), np.zeros((0, d), np.float32))
              for _ in range(e["layers"])]
    out = []
    for st in range(0, T, C):
        en = min(st + C, T)
        z = x[st:min(en + R, T)]          # window: chunk + lookahead
        n_emit = en - st
        for l in range(e["layers"]):
            p = f"encoder.layers.{l}."
            kc, vc = caches[l]
            y = layer_norm(z, W[p + "ln_attn.weight"], W[p + "ln_attn.bias"])
            q = y @ W[p + "q.weight"].T + W[p + "q.bias"]
            k = y @ W[p + "k.weight"].T + W[p + "k.bias"]
            v = y @ W[p + "v.weight"].T + W[p + "v.bias"]
            K = np.concatenate([kc, k])
            V = np.concatenate([vc, v])
            lc = kc.shape[0]
            qpos = np.arange(z.shape[0])[:, None]
            kpos = np.arange(-lc, z.shape[0])[None, :]
            rel = kpos - qpos + e["rel_offset"]
            att_out = np.zeros_like(z)
            for h in range(H):
                sl = slice(h * hd, (h + 1) * hd)
                sc = q[:, sl] @ K[:, sl].T / np.sqrt(hd) + W[p + "rel_bias"][h][rel]
                sc = np.exp(sc - sc.max(-1, keepdims=True))
                sc /= sc.sum(-1, keepdims=True)
                att_out[:, sl] = sc @ V[:, sl]
            z = z + att_out @ W[p + "o.weight"].T + W[p + "o.bias"]
            y = layer_norm(z, W[p + "ln_ffn.weight"], W[p + "ln_ffn.bias"])
            y = np.maximum(0, y @ W[p + "ffn1.weight"].T + W[p + "ffn1.bias"])
            z = z + y @ W[p + "ffn2.weight"].T + W[p + "ffn2.bias"]
            caches[l] = (np.concatenate([kc, k[:n_emit]])[-Lft:],
                         np.concatenate([vc, v[:n_emit]])[-Lft:])
        out.append(layer_norm(z[:n_emit], W["encoder.ln_out.weight"], W["encoder.ln_out.bias"]))
    return np.concatenate(out)


class Predictor:
    def __init__(self, W):
        self.W = W
        self.H = W["predictor.lstm.weight_hh"].shape[1]

    def step(self, tok, h, c):
        W = self.W
        x = W["predictor.embed.weight"][tok]
        return lstm_step(x, h, c, W["predictor.lstm.weight_ih"], W["predictor.lstm.weight_hh"],
                         W["predictor.lstm.bias_ih"], W["predictor.lstm.bias_hh"])


def joiner(W, e, p):
    z = np.tanh(e @ W["joiner.enc_proj.weight"].T + W["joiner.enc_proj.bias"] +
                p @ W["joiner.pred_proj.weight"].T + W["joiner.pred_proj.bias"])
    return z @ W["joiner.out.weight"].T + W["joiner.out.bias"]


def greedy(W, enc, blank, max_sym=4):
    P = Predictor(W)
    h = c = np.zeros(P.H, np.float32)
    h, c = P.step(blank, h, c)
    hyp = []
    for t in range(enc.shape[0]):
        for _ in range(max_sym):
            k = int(np.argmax(joiner(W, enc[t], h)))
            if k == blank:
                break
            hyp.append(k)
            h, c = P.step(k, h, c)
    return hyp


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--encoder", choices=["lstm", "emformer"], required=True)
    args = ap.parse_args()
    name = f"asr-{args.encoder}"
    W, _ = read_safetensors(os.path.join(ROOT, "models", "weights", name + ".safetensors"))
    with open(os.path.join(ROOT, "models", "weights", name + ".json")) as f:
        meta = json.load(f)
    G, gmeta = read_safetensors(os.path.join(ROOT, "tests", "fixtures", "asr",
                                             f"{args.encoder}_golden.safetensors"))
    a = meta["architecture"]
    blank = meta["blank_id"]
    norm = (G["features"] - W["frontend.mean"]) / W["frontend.std"]
    errs = {"features_normalized": np.abs(norm - G["features_normalized"]).max()}
    enc = (lstm_encoder if args.encoder == "lstm" else emformer_encoder)(W, a, norm)
    errs["encoder_out"] = np.abs(enc - G["encoder_out"]).max()
    P = Predictor(W)
    h = c = np.zeros(P.H, np.float32)
    outs = []
    for tok in [blank] + [int(t) for t in G["predictor_tokens"]]:
        h, c = P.step(tok, h, c)
        outs.append(h)
    errs["predictor_out"] = np.abs(np.stack(outs) - G["predictor_out"]).max()
    errs["joiner_out"] = np.abs(joiner(W, G["joiner_enc_in"], G["joiner_pred_in"]) -
                                G["joiner_out"]).max()
    g = greedy(W, G["encoder_out"], blank)
    ok = all(v < 1e-4 for v in errs.values()) and g == [int(t) for t in G["greedy_ids"]]
    vocab = meta["vocabulary"]
    text = "".join(vocab[i] for i in g).replace("\u2581", " ").strip()
    print({k: float(v) for k, v in errs.items()}, "greedy match:",
          g == [int(t) for t in G["greedy_ids"]], repr(text), "ref:", repr(gmeta.get("text")))
    print("OK" if ok else "MISMATCH")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
