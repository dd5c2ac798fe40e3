"""Train, evaluate and export erg's streaming RNN-T ASR models (LSTM or Emformer-lite).

Reads the corpus from scripts/data/asr/make_corpus.py (--data, default data/asr: *.tsv,
wav/, bpe.model) and caches features under <data>/feats/.
Writes checkpoints and a progress log to --work (default data/asr/run-<encoder>):
  last.pt (every --ckpt-minutes), best.pt (best dev greedy WER), log.txt.
With --export (after or instead of training) it evaluates best.pt on the test split and on
tests/fixtures/asr/testset, then writes models/weights/asr-<encoder>.safetensors + .json,
models/weights/asr-bpe.model and the golden fixtures tests/fixtures/asr/<encoder>_golden.safetensors.

Recipe (issue 4): phase 1 trains the encoder with character CTC alone on clean audio;
phase 2 trains RNN-T on BPE pieces + 0.3 x character CTC, phasing augmentation (augmented
feature copies, SpecAugment-style masks) in over --aug-rampup steps, with the learning rate
decaying exponentially to --lr-final.

  nice -n 10 /usr/bin/python3 scripts/train/asr_rnnt.py --encoder lstm
  /usr/bin/python3 scripts/train/asr_rnnt.py --encoder lstm --export --no-train
"""
import argparse
import json
import math
import os
import shutil
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import torchaudio.functional as AF  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from asr import data as D  # noqa: E402
from asr import decode  # noqa: E402
from asr.model import RnntModel, count_params  # noqa: E402

CONFIGS = {
    "lstm": dict(n_mels=80, stack=4, hidden=240, layers=3, dropout=0.1, pred_embed=128,
                 pred_hidden=192, joiner_dim=256),
    "emformer": dict(n_mels=80, stack=4, d=192, heads=4, ffn=512, layers=4, chunk=8, left=24,
                     right=2, dropout=0.1, pred_embed=128, pred_hidden=192, joiner_dim=256),
}


class Log:
    def __init__(self, path):
        self.f = open(path, "a")

    def __call__(self, *a):
        msg = time.strftime("%H:%M:%S ") + " ".join(str(x) for x in a)
        print(msg, flush=True)
        self.f.write(msg + "\n")
        self.f.flush()


def load_sp(path):
    import sentencepiece as spm
    return spm.SentencePieceProcessor(model_file=path)


def build_model(args, sp):
    cfg = dict(CONFIGS[args.encoder])
    return RnntModel(args.encoder, sp.get_piece_size(), len(D.CHARS), cfg)


def ctc_loss(model, enc, enc_lens, chars, char_lens):
    lp = F.log_softmax(model.ctc_head(enc), -1).transpose(0, 1)
    return F.ctc_loss(lp, chars, enc_lens, char_lens, blank=0, reduction="sum",
                      zero_infinity=True) / chars.shape[0]


def rnnt_loss(model, enc, enc_lens, toks, tok_lens):
    b = toks.shape[0]
    start = torch.full((b, 1), model.blank, dtype=torch.long)
    pred, _ = model.predictor(torch.cat([start, toks], 1))
    e = model.joiner.enc_proj(enc)[:, :, None]
    p = model.joiner.pred_proj(pred)[:, None]
    logits = model.joiner(e, p)
    return AF.rnnt_loss(logits, toks.int(), enc_lens.int(), tok_lens.int(),
                        blank=model.blank, reduction="mean")


def pad_ids(seqs):
    lens = torch.tensor([len(s) for s in seqs], dtype=torch.long)
    out = torch.zeros(len(seqs), max(1, int(lens.max())), dtype=torch.long)
    for i, s in enumerate(seqs):
        out[i, : len(s)] = torch.tensor(s, dtype=torch.long)
    return out, lens


@torch.no_grad()
def evaluate(model, sp, cache, rows, idx, beam=0):
    model.eval()
    refs, hyps = [], []
    for i in idx:
        f = cache.get(i)
        enc, _, _ = model.encode(f[None], torch.tensor([f.shape[0]]))
        ids = decode.beam_search(model, enc[0], beam) if beam else decode.greedy(model, enc[0])
        hyps.append(sp.decode(ids))
        refs.append(rows[i]["text"])
    model.train()
    return decode.wer(refs, hyps), hyps


def compute_stats(cache, n=3000):
    idx = np.linspace(0, len(cache) - 1, min(n, len(cache))).astype(int)
    x = torch.cat([cache.get(int(i)) for i in idx], 0).double()
    return x.mean(0).float(), x.std(0).clamp_min(1e-3).float()


def train(args, log):
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    sp = load_sp(os.path.join(args.data, "bpe.model"))
    rows = D.read_tsv(os.path.join(args.data, "train.tsv"))
    dev_rows = D.read_tsv(os.path.join(args.data, "dev.tsv"))
    log("building clean feature caches")
    clean = D.FeatCache(D.build_cache(args.data, "train", 0, 80, args.seed, args.jobs))
    dev = D.FeatCache(D.build_cache(args.data, "dev", 0, 80, args.seed, args.jobs))
    aug_caches = []

    model = build_model(args, sp)
    mean, std = compute_stats(clean)
    model.feat_mean.copy_(mean)
    model.feat_std.copy_(std)
    toks = [sp.encode(r["text"]) for r in rows]
    chars = [D.char_ids(r["text"]) for r in rows]
    lengths = [clean.length(i) for i in range(len(clean))]
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.98))
    n_params = {k: count_params(getattr(model, k)) for k in ("encoder", "predictor", "joiner")}
    log("params", n_params, "total", sum(n_params.values()))

    state = {"step": 0, "phase": 1, "phase2_step": 0, "train_s": 0.0, "phase1_s": 0.0,
             "best_wer": 1e9, "history": []}
    if args.init_from:
        # Fine-tune shipped weights: their frontend statistics replace the corpus's, and the
        # run starts in phase 2 (the CTC head is not exported, so it starts untrained).
        from asr import export
        export.load_exported(model, args.init_from)
        state["phase"] = 2
        state["init_from"] = args.init_from
        log("initialized from", args.init_from)
    last = os.path.join(args.work, "last.pt")
    if os.path.exists(last) and not args.fresh:
        ck = torch.load(last)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        state = ck["state"]
        log("resumed from", last, "at step", state["step"])

    def save(path):
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "state": state,
                    "cfg": model.cfg, "encoder": args.encoder, "args": vars(args)}, path + ".tmp")
        os.replace(path + ".tmp", path)

    dev_idx = list(range(0, len(dev), max(1, len(dev) // args.dev_utts)))[: args.dev_utts]
    if args.init_from and state["step"] == 0:
        w, _ = evaluate(model, sp, dev, dev_rows, dev_idx)
        state["history"].append({"step": 0, "min": 0.0, "dev_wer_greedy": w})
        log(f"dev greedy WER of the initial weights {w:.2f}% ({len(dev_idx)} utts)")
    t_start = time.time() - state["train_s"]
    t_ckpt = time.time()
    t_eval = time.time()
    mean_np = model.feat_mean.clone()
    phase2_s = args.minutes * 60
    model.train()
    done = False
    prog0 = None
    while not done:
        for batch in D.make_batches(lengths, args.max_frames, rng):
            now = time.time()
            elapsed = now - t_start
            state["train_s"] = elapsed
            ctc_hist = state.setdefault("ctc_hist", [])
            ctc_ok = (len(ctc_hist) >= 20 and state["step"] >= args.ctc_min_steps and
                      sum(ctc_hist[-20:]) / 20 < args.ctc_target)
            if state["phase"] == 1 and (state["step"] >= args.ctc_steps or ctc_ok or
                                        elapsed >= args.ctc_minutes * 60):
                state["phase"] = 2
                state["phase1_s"] = elapsed
                log(f"phase 2 (RNN-T + {args.ctc_weight} CTC) from step {state['step']}")
            # augmented copies are used once their caches exist (built by --prepare-only
            # or, with --build-aug, here)
            if state["phase"] == 2 and len(aug_caches) < args.aug_copies and \
                    state["step"] % 25 == 0:
                k = len(aug_caches) + 1
                prefix = D.cache_prefix(args.data, "train", k, 80, args.aug_recipe)
                if args.build_aug or os.path.exists(prefix + ".idx.npy"):
                    aug_caches.append(D.FeatCache(D.build_cache(
                        args.data, "train", k, 80, args.seed, args.jobs, args.aug_recipe)))
                    log(f"using augmented feature copy {k}")
            n_primary = min(len(aug_caches), args.aug_copies)
            if state["phase"] == 2 and n_primary == args.aug_copies and \
                    len(aug_caches) < args.aug_copies + args.voice_copies and \
                    state["step"] % 25 == 0:
                k = len(aug_caches) - args.aug_copies + 1
                prefix = D.cache_prefix(args.data, "train", k, 80, "voice")
                if args.build_aug or os.path.exists(prefix + ".idx.npy"):
                    aug_caches.append(D.FeatCache(D.build_cache(
                        args.data, "train", k, 80, args.seed, args.jobs, "voice")))
                    log(f"using voice-augmented feature copy {k}")
            p2 = state["phase2_step"]
            if state["phase"] == 1:
                lr = args.lr * min(1.0, (state["step"] + 1) / args.warmup)
                aug = 0.0
            else:
                budget = phase2_s
                if args.deadline:
                    budget = min(budget, args.deadline - (t_start + state["phase1_s"]))
                prog = max(p2 / args.steps, (elapsed - state["phase1_s"]) / max(1.0, budget))
                if prog >= 1.0:
                    done = True
                    break
                if args.resume_lr > 0:
                    # a resumed run restarts its exponential decay at --resume-lr
                    if prog0 is None:
                        prog0 = min(prog, 0.99)
                    frac = (prog - prog0) / (1.0 - prog0)
                    lr = args.resume_lr * (args.lr_final / args.resume_lr) ** frac
                else:
                    lr = args.lr * (args.lr_final / args.lr) ** prog
                if args.init_from:
                    lr *= min(1.0, (p2 + 1) / args.warmup)   # a fresh optimizer on old weights
                aug = min(1.0, p2 / args.aug_rampup)
            for g in opt.param_groups:
                g["lr"] = lr
            feats = []
            for i in batch:
                if aug > 0 and aug_caches and rng.random() < aug * args.aug_prob:
                    f = aug_caches[int(rng.integers(len(aug_caches)))].get(i)
                else:
                    f = clean.get(i)
                if aug > 0 and rng.random() < aug * args.tempo_prob:
                    f = D.tempo(f, rng.uniform(1.0 - args.tempo_range, 1.0 + args.tempo_range))
                feats.append(f)
            x, xl = D.pad(feats)
            if aug > 0:
                D.vtlp(x, rng, aug * args.vtlp_prob, args.vtlp_warp)
                D.spec_augment(x, xl, rng, aug, mean_np)
                x = x + torch.from_numpy(rng.normal(0, 0.5 * aug, (x.shape[0], 1, 1))).float()
            enc, el, _ = model.encode(x, xl)
            ch, chl = pad_ids([chars[i] for i in batch])
            lc = ctc_loss(model, enc, el, ch, chl)
            # per-character CTC loss, to decide when the encoder has left the blank plateau
            ctc_hist.append(lc.item() / float(chl.float().mean()))
            del ctc_hist[:-50]
            if state["phase"] == 1:
                loss, lr_ = lc, torch.tensor(0.0)
            else:
                tk, tkl = pad_ids([toks[i] for i in batch])
                lr_ = rnnt_loss(model, enc, el, tk, tkl)
                loss = lr_ + args.ctc_weight * lc
            opt.zero_grad()
            loss.backward()
            gn = torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
            opt.step()
            state["step"] += 1
            if state["phase"] == 2:
                state["phase2_step"] += 1
            if state["step"] % 20 == 0:
                log(f"step {state['step']} phase {state['phase']} t={elapsed / 60:.1f}m "
                    f"lr={lr:.2e} aug={aug:.2f} ctc={lc.item():.3f} rnnt={lr_.item():.3f} "
                    f"gn={float(gn):.2f} B={len(batch)} T={x.shape[1]}")
            if state["phase"] == 2 and time.time() - t_eval > args.eval_minutes * 60:
                w, hyps = evaluate(model, sp, dev, dev_rows, dev_idx)
                state["history"].append({"step": state["step"], "min": elapsed / 60,
                                         "dev_wer_greedy": w})
                log(f"dev greedy WER {w:.2f}% ({len(dev_idx)} utts) e.g. '{hyps[0]}' "
                    f"ref '{dev_rows[dev_idx[0]]['text']}'")
                if w < state["best_wer"]:
                    state["best_wer"] = w
                    save(os.path.join(args.work, "best.pt"))
                    log("new best", w)
                t_eval = time.time()
            if time.time() - t_ckpt > args.ckpt_minutes * 60:
                save(last)
                if args.keep_ckpts:
                    os.makedirs(os.path.join(args.work, "snap"), exist_ok=True)
                    shutil.copyfile(last, os.path.join(args.work, "snap",
                                                       f"step-{state['step']:07d}.pt"))
                t_ckpt = time.time()
            if os.path.exists(os.path.join(args.work, "STOP")):
                log("STOP file found")
                done = True
                break
    w, _ = evaluate(model, sp, dev, dev_rows, dev_idx)
    state["history"].append({"step": state["step"], "min": state["train_s"] / 60,
                             "dev_wer_greedy": w})
    log(f"final dev greedy WER {w:.2f}%")
    if w <= state["best_wer"]:
        state["best_wer"] = w
        save(os.path.join(args.work, "best.pt"))
    save(last)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__)
    ap.add_argument("--encoder", choices=["lstm", "emformer"], required=True)
    ap.add_argument("--data", default="data/asr")
    ap.add_argument("--work", default="")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--jobs", type=int, default=2, help="processes for feature caching")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--lr-final", type=float, default=5e-5)
    ap.add_argument("--resume-lr", type=float, default=0.0,
                    help="on resume, decay from this rate (not --lr's schedule) to --lr-final")
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--ctc-minutes", type=float, default=6.0)
    ap.add_argument("--ctc-steps", type=int, default=100000, help="max phase-1 steps")
    ap.add_argument("--ctc-min-steps", type=int, default=100)
    ap.add_argument("--ctc-target", type=float, default=1.2,
                    help="end phase 1 once the mean CTC loss per character of the last 20 "
                         "steps is below this")
    ap.add_argument("--minutes", type=float, default=70.0, help="phase 2 time budget")
    ap.add_argument("--steps", type=int, default=1000000, help="phase 2 step budget")
    ap.add_argument("--deadline", default="", help="UTC HH:MM by which phase 2 must end")
    ap.add_argument("--ctc-weight", type=float, default=0.3)
    ap.add_argument("--aug-copies", type=int, default=2)
    ap.add_argument("--aug-prob", type=float, default=0.7)
    ap.add_argument("--aug-rampup", type=int, default=1000)
    ap.add_argument("--vtlp-prob", type=float, default=0.0,
                    help="share of utterances given a vocal-tract-length warp (phase 2)")
    ap.add_argument("--vtlp-warp", type=float, default=0.12, help="max VTLP factor change")
    ap.add_argument("--aug-recipe", choices=["basic", "room", "voice"], default="basic",
                    help="augmented copies: basic (augment), room (augment_room: reverb, "
                         "colouring, band-limiting, 5-20 dB noise) or voice (augment_voice: a "
                         "pitch shift apart from formants, then room)")
    ap.add_argument("--voice-copies", type=int, default=0,
                    help="also mix in this many recipe-'voice' copies (pitch apart from formants)")
    ap.add_argument("--tempo-prob", type=float, default=0.0,
                    help="share of utterances time-stretched in the feature domain (phase 2)")
    ap.add_argument("--tempo-range", type=float, default=0.15, help="max tempo factor change")
    ap.add_argument("--init-from", default="",
                    help="start from exported weights (models/weights/asr-<enc>.safetensors)")
    ap.add_argument("--max-frames", type=int, default=10000, help="padded 10 ms frames/batch")
    ap.add_argument("--clip", type=float, default=5.0)
    ap.add_argument("--dev-utts", type=int, default=150)
    ap.add_argument("--eval-minutes", type=float, default=6.0)
    ap.add_argument("--ckpt-minutes", type=float, default=3.0)
    ap.add_argument("--keep-ckpts", action="store_true",
                    help="also keep every checkpoint as snap/step-N.pt (for averaging)")
    ap.add_argument("--fresh", action="store_true", help="ignore an existing last.pt")
    ap.add_argument("--no-train", action="store_true")
    ap.add_argument("--build-aug", action="store_true", help="build augmented caches here")
    ap.add_argument("--prepare-only", action="store_true", help="only build feature caches")
    ap.add_argument("--export", action="store_true")
    ap.add_argument("--ckpt", default="", help="checkpoint to export (default best.pt)")
    ap.add_argument("--export-dir", default="",
                    help="export a candidate (weights + metadata only, no evaluation) here")
    ap.add_argument("--eval-utts", type=int, default=0, help="limit test utts (0 = all)")
    args = ap.parse_args()
    if args.deadline:
        import calendar
        hh, mm = map(int, args.deadline.split(":"))
        now = time.gmtime()
        day = calendar.timegm((now.tm_year, now.tm_mon, now.tm_mday, 0, 0, 0))
        args.deadline = day + hh * 3600 + mm * 60
        if args.deadline <= time.time():  # HH:MM already passed today: the next one (after midnight)
            args.deadline += 86400
    else:
        args.deadline = 0
    args.work = args.work or os.path.join(args.data, f"run-{args.encoder}")
    os.makedirs(args.work, exist_ok=True)
    torch.set_num_threads(1)
    log = Log(os.path.join(args.work, "log.txt"))
    if args.prepare_only:
        for split, copies in (("train", [0]), ("dev", [0]), ("test", [0]),
                              ("train", range(1, args.aug_copies + 1))):
            tsv = os.path.join(args.data, f"{split}.tsv")
            if not os.path.exists(tsv) or not D.read_tsv(tsv):
                log(f"no {split} utterances; skipped")
                continue
            for c in copies:
                log("feature cache", D.build_cache(args.data, split, c, 80, args.seed, args.jobs,
                                                   args.aug_recipe))
        return
    if not args.no_train:
        train(args, log)
    if args.export:
        from asr import export
        export.run(args, log)


if __name__ == "__main__":
    main()
