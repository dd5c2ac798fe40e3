"""Evaluate a trained RNN-T checkpoint and export weights, metadata and golden fixtures.

Reads <work>/best.pt (or --ckpt), <data>/test.tsv + WAVs, <data>/bpe.model and the committed
test set tests/fixtures/asr/testset/ (FLAC + testset.tsv).
Writes models/weights/asr-<enc>.safetensors, models/weights/asr-<enc>.json (with --export-dir,
only those two and asr-bpe.model, in that directory, without any evaluation),
models/weights/asr-bpe.model, tests/fixtures/asr/<enc>_golden.safetensors and
tests/fixtures/asr/frontend_golden.safetensors (see tests/fixtures/asr/README.md).
"""
import json
import os
import shutil
import struct
import time

import numpy as np
import torch

from . import data as D
from . import decode
from .model import RnntModel, count_params

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "asr")
WEIGHTS = os.path.join(ROOT, "models", "weights")


def write_safetensors(path, tensors, metadata=None):
    """Minimal safetensors writer: 8-byte LE header length, JSON header (padded with spaces
    to a multiple of 8), then the raw little-endian tensor bytes in header order."""
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        a = np.ascontiguousarray(t.detach().cpu().numpy() if torch.is_tensor(t) else t)
        a = a.astype("<f4")
        b = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def export_name(key):
    """A state_dict key's exported tensor name."""
    n = key.replace("_l0", "").replace("encoder.inp.", "encoder.input.")
    return n.replace("feat_mean", "frontend.mean").replace("feat_std", "frontend.std")


def export_names(model):
    """state_dict -> exported tensor names (ctc_head, a training-only head, is dropped)."""
    return {export_name(k): v.float() for k, v in model.state_dict().items()
            if not k.startswith("ctc_head")}


def read_safetensors(path):
    """Minimal F32 safetensors reader (the format write_safetensors writes): name -> tensor."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, h in header.items():
        if name == "__metadata__":
            continue
        if h["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name}: dtype {h['dtype']}, expected F32")
        a, b = h["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data[a:b], "<f4").copy()).reshape(h["shape"])
    return out


def load_exported(model, path):
    """Load exported weights into a model built with the same config (inverse of export_names);
    the training-only CTC head keeps its initialization."""
    tensors = read_safetensors(path)
    state = model.state_dict()
    names = {k: export_name(k) for k in state if not k.startswith("ctc_head")}
    missing = [n for k, n in names.items() if n not in tensors]
    if missing:
        raise ValueError(f"{path}: missing tensors {missing[:5]}")
    for k, n in names.items():
        if tuple(tensors[n].shape) != tuple(state[k].shape):
            raise ValueError(f"{path}: {n} has shape {tuple(tensors[n].shape)}, "
                             f"expected {tuple(state[k].shape)}")
        state[k] = tensors[n]
    model.load_state_dict(state)


def load_model(ckpt_path, sp):
    ck = torch.load(ckpt_path)
    model = RnntModel(ck["encoder"], sp.get_piece_size(), len(D.CHARS), ck["cfg"])
    model.load_state_dict(ck["model"])
    model.eval()
    return model, ck


def read_flac(path):
    import torchaudio
    w, sr = torchaudio.load(path)
    assert sr == 16000
    return w[0].numpy()


@torch.no_grad()
def eval_sets(model, sp, rows, feats_of, log, label, beams=(0, 4)):
    """WER per voice group ('train voices' and each held-out voice), greedy and beam."""
    groups = {}
    for r in rows:
        g = "train_voices" if r["heldout"] == "0" else r["voice"]
        groups.setdefault(g, []).append(r)
    res = {}
    t0 = time.time()
    encs = {}
    for r in rows:
        f = feats_of(r)
        e, _, _ = model.encode(f[None], torch.tensor([f.shape[0]]))
        encs[r["id"]] = e[0]
    for beam in beams:
        key = "greedy" if beam == 0 else f"beam{beam}"
        res[key] = {}
        allr, allh = [], []
        for g, rs in groups.items():
            refs, hyps = [], []
            for r in rs:
                e = encs[r["id"]]
                ids = decode.beam_search(model, e, beam) if beam else decode.greedy(model, e)
                hyps.append(sp.decode(ids))
                refs.append(r["text"])
            res[key][g] = {"wer": round(decode.wer(refs, hyps), 2), "utts": len(rs),
                           "words": sum(len(x.split()) for x in refs)}
            if g != "train_voices":
                allr += refs
                allh += hyps
        ho = [v["wer"] for g, v in res[key].items() if g != "train_voices"]
        res[key]["heldout_mean"] = round(sum(ho) / max(1, len(ho)), 2)
        log(f"{label} {key}: " + ", ".join(f"{g}={v if isinstance(v, float) else v['wer']}"
                                           for g, v in res[key].items()))
    res["eval_seconds"] = round(time.time() - t0, 1)
    return res


def streaming_lstm(model, feats, chunk_frames):
    """Run the LSTM encoder chunk by chunk (chunk_frames raw frames) carrying (h, c)."""
    enc = model.encoder
    x = model.normalize(feats)[None]
    state, outs, state0 = None, [], None
    for s in range(0, x.shape[1] - x.shape[1] % enc.stack, chunk_frames):
        xs = x[:, s:s + chunk_frames]
        o, _, state = enc(xs, torch.tensor([xs.shape[1]]), state)
        outs.append(o[0])
        if state0 is None:
            state0 = state
    return torch.cat(outs, 0), state0


def golden(model, sp, feats, text, path, cfg):
    t = {}
    t["features"] = feats
    t["features_normalized"] = model.normalize(feats)
    if model.kind == "lstm":
        chunk_frames = cfg["stack"] * 8
        enc, st0 = streaming_lstm(model, feats, chunk_frames)
        full, _, _ = model.encode(feats[None], torch.tensor([feats.shape[0]]))
        assert torch.allclose(full[0], enc, atol=1e-5)
        for i, (h, c) in enumerate(st0):
            t[f"encoder.state_after_chunk0.layer{i}.h"] = h[0, 0]
            t[f"encoder.state_after_chunk0.layer{i}.c"] = c[0, 0]
        meta = {"encoder_chunk_raw_frames": chunk_frames}
    else:
        enc, _, _ = model.encode(feats[None], torch.tensor([feats.shape[0]]))
        enc = enc[0]
        # caches after the first chunk, for debugging the state carry
        e = model.encoder
        x = e.inp(model.normalize(feats)[None, : (e.chunk + e.right) * e.stack]
                  .reshape(1, -1, e.stack * feats.shape[1]))
        w = x.shape[1]
        _, st = e.forward_window(x, torch.ones(1, w, dtype=torch.bool), e.chunk,
                                 e.init_state(1))
        for i, (k, v) in enumerate(st["kv"]):
            t[f"encoder.kcache_after_chunk0.layer{i}"] = k[0]
            t[f"encoder.vcache_after_chunk0.layer{i}"] = v[0]
        meta = {"encoder_chunk_stacked_frames": e.chunk}
    t["encoder_out"] = enc
    toks = sp.encode(text)
    t["predictor_tokens"] = torch.tensor(toks, dtype=torch.float32)
    pin = torch.tensor([[model.blank] + toks])
    pout, _ = model.predictor(pin)
    t["predictor_out"] = pout[0]
    n = min(8, enc.shape[0], pout.shape[1])
    ti = torch.linspace(0, enc.shape[0] - 1, n).round().long()
    ui = torch.linspace(0, pout.shape[1] - 1, n).round().long()
    ein, pinp = enc[ti], pout[0, ui]
    t["joiner_enc_in"] = ein
    t["joiner_pred_in"] = pinp
    t["joiner_out"] = model.joiner(model.joiner.enc_proj(ein), model.joiner.pred_proj(pinp))
    g = decode.greedy(model, enc, 4)
    b = decode.beam_search(model, enc, 4)
    t["greedy_ids"] = torch.tensor(g, dtype=torch.float32)
    t["beam4_ids"] = torch.tensor(b, dtype=torch.float32)
    meta.update({"text": text, "greedy_text": sp.decode(g), "beam4_text": sp.decode(b),
                 "blank_id": model.blank, "max_symbols_per_frame": 4})
    write_safetensors(path, t, meta)
    return meta


def frontend_golden(path, wav):
    x = wav[: int(0.6 * 16000)]
    write_safetensors(path, {"waveform": torch.from_numpy(x.copy()),
                             "fbank80": D.fbank(x, 80), "fbank40": D.fbank(x, 40)},
                      {"sample_rate": 16000, "scale": "waveform in [-1,1) is multiplied by 32768 "
                       "before fbank", "options": json.dumps(D.FBANK_OPTS)})


def run(args, log):
    import sentencepiece as spm
    sp = spm.SentencePieceProcessor(model_file=os.path.join(args.data, "bpe.model"))
    ckpt = args.ckpt or os.path.join(args.work, "best.pt")
    if not os.path.exists(ckpt):
        ckpt = os.path.join(args.work, "last.pt")
    model, ck = load_model(ckpt, sp)
    torch.set_grad_enabled(False)
    log("exporting", ckpt, "step", ck["state"]["step"])

    # A candidate export (--export-dir) writes only weights and metadata, for comparing
    # checkpoints with the C++ engine on the dev split: no test-set evaluation, no fixtures.
    candidate = bool(args.export_dir)
    out_dir = args.export_dir or WEIGHTS
    # committed FLAC test set (what the C++ engine is checked on)
    ts_dir = os.path.join(FIXTURES, "testset")
    ts_rows = D.read_tsv(os.path.join(ts_dir, "testset.tsv"))
    if args.eval_utts and args.eval_utts < 20:      # smoke test
        ts_rows = ts_rows[: args.eval_utts]
    for r in ts_rows:
        r["id"] = r["file"]
    wavs = {r["id"]: read_flac(os.path.join(ts_dir, r["file"])) for r in ts_rows}
    res_ts = res_test = "not evaluated (candidate export)"
    n_test_corpus = 0
    if not candidate:
        res_ts = eval_sets(model, sp, ts_rows, lambda r: D.fbank(wavs[r["id"]], 80), log,
                           "testset(committed)")
        # make_corpus's own test split, when the corpus has one (the session-6 corpus has none:
        # the held-out split is scripts/asr-testset's, measured with the C++ engine)
        test_tsv = os.path.join(args.data, "test.tsv")
        rows = D.read_tsv(test_tsv) if os.path.exists(test_tsv) else []
        n_test_corpus = len(rows)
        if args.eval_utts:
            rows = rows[: args.eval_utts]
        if rows:
            cache = D.FeatCache(D.build_cache(args.data, "test", 0, 80, args.seed, 1))
            index = {r["id"]: i for i, r in enumerate(D.read_tsv(test_tsv))}
            res_test = eval_sets(model, sp, rows, lambda r: cache.get(index[r["id"]]), log,
                                 "test split")
        else:
            res_test = ("no make_corpus test split; held-out split erg-asr-test/1: "
                        "erg run asr --model M --eval <scripts/asr-testset DIR> (TRAINING.md)")

    name = f"asr-{model.kind}"
    os.makedirs(out_dir, exist_ok=True)
    tensors = export_names(model)
    st = ck["state"]
    n_params = {k: count_params(getattr(model, k)) for k in ("encoder", "predictor", "joiner")}
    cfg = ck["cfg"]
    arch = {"encoder": model.kind, "n_mels": cfg["n_mels"], "stack_frames": cfg["stack"],
            "frame_shift_ms": 10, "encoder_frame_ms": 10 * cfg["stack"],
            "predictor": {"vocab_rows": model.n_out, "embed_dim": cfg["pred_embed"],
                          "lstm_layers": 1, "hidden": cfg["pred_hidden"],
                          "start_token": model.blank},
            "joiner": {"dim": cfg["joiner_dim"], "activation": "tanh", "n_out": model.n_out},
            "lstm_gate_order": "i,f,g,o (PyTorch); bias_ih and bias_hh both applied",
            "linear_convention": "y = x @ weight.T + bias, weight is (out, in)"}
    if model.kind == "lstm":
        arch["lstm"] = {"layers": cfg["layers"], "hidden": cfg["hidden"],
                        "input_dim": cfg["n_mels"] * cfg["stack"], "projection": None}
    else:
        e = model.encoder
        arch["emformer"] = {"d_model": cfg["d"], "heads": cfg["heads"], "ffn_dim": cfg["ffn"],
                            "layers": cfg["layers"], "chunk": cfg["chunk"], "left": cfg["left"],
                            "right": cfg["right"], "n_rel": e.n_rel, "rel_offset": e.rel_offset,
                            "ffn_activation": "relu", "norm": "pre-LN, eps 1e-5, final LN",
                            "attention_scale": "1/sqrt(d_model/heads)", "mask_value": -1e9}
    vocab = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    meta = {
        "name": name, "format": "erg-asr-rnnt/1",
        "architecture": arch,
        "blank_id": model.blank,
        "vocabulary": vocab,
        "vocabulary_note": "index = token id; sentencepiece BPE; a piece starting with "
                           "U+2581 ('\u2581') begins a new word (replace it by a space, strip "
                           "the leading space); id 0 '<unk>' is never produced in training; "
                           "blank is the extra id blank_id = len(vocabulary)",
        "bpe_model": "asr-bpe.model",
        "features": {"type": "kaldi_fbank", "sample_rate": 16000,
                     "input_scale": "float samples in [-1,1) times 32768", **D.FBANK_OPTS,
                     "num_mel_bins": cfg["n_mels"]},
        "normalization": {"formula": "(fbank - mean) / std, per bin",
                          "mean": [round(float(v), 6) for v in model.feat_mean],
                          "std": [round(float(v), 6) for v in model.feat_std]},
        "parameters": {**n_params, "total": sum(n_params.values())},
        "size_bytes_fp32": 4 * sum(n_params.values()),
        "training": {"script": f"scripts/train/asr_rnnt.py --encoder {model.kind}",
                     "corpus": "scripts/data/asr/make_corpus.py --out data/asr --train 16000 "
                               f"--dev 300 --test {n_test_corpus}",
                     "steps": st["step"], "phase2_steps": st["phase2_step"],
                     "train_minutes": round(st["train_s"] / 60, 1),
                     "ctc_pretrain_minutes": round(st["phase1_s"] / 60, 1),
                     "args": ck.get("args", {}), "dev_history": st["history"],
                     "checkpoint": os.path.basename(ckpt),
                     **({"averaged_from": st["averaged_from"]} if "averaged_from" in st else {})},
        "wer": {"testset_committed": res_ts, "test_split": res_test,
                "decoding": "greedy: max 4 symbols/frame; beam: modified beam search, "
                            "1 symbol/frame (scripts/train/asr/decode.py)"},
        "tensors": {k: list(v.shape) for k, v in tensors.items()},
    }
    write_safetensors(os.path.join(out_dir, name + ".safetensors"), tensors,
                      {"format": "erg-asr-rnnt/1", "metadata": name + ".json"})
    with open(os.path.join(out_dir, name + ".json"), "w") as f:
        json.dump(meta, f, indent=1, ensure_ascii=False)
    shutil.copy(os.path.join(args.data, "bpe.model"), os.path.join(out_dir, "asr-bpe.model"))
    log("wrote", os.path.join(out_dir, name + ".safetensors"))
    if candidate:
        return meta

    # golden fixtures from a short committed test utterance
    r = min(ts_rows, key=lambda r: abs(len(wavs[r["id"]]) - 28000))
    feats = D.fbank(wavs[r["id"]], 80)
    gm = golden(model, sp, feats, r["text"], os.path.join(FIXTURES, f"{model.kind}_golden.safetensors"),
                cfg)
    gm["source"] = r["file"]
    log("golden fixture", gm)
    frontend_golden(os.path.join(FIXTURES, "frontend_golden.safetensors"), wavs[r["id"]])
    return meta
