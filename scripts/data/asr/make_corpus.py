"""Generate the synthetic voice-command speech corpus and its word-piece model.

Reads: nothing but the grammar (grammar.py) and the espeak-ng / flite voices on the system.
Writes, under --out (default data/asr, ignored by git):
  wav/<split>/<id>.wav      16 kHz mono 16-bit PCM, with 0.05-0.3 s of leading and
                            0.4-0.9 s of trailing silence
  <split>.tsv               id, path, text, voice, heldout (0/1), settings (JSON)
                            for split in train, dev, test
  bpe.model, bpe.vocab      sentencepiece BPE model trained on the train texts
                            (--vocab-size units, characters fully covered)
With --testset DIR it also writes a small committed test set: FLAC files and testset.tsv
(taken from the test split: --testset-train utterances of training voices and
--testset-heldout utterances of each held-out voice).

Train and dev use training voices only; test uses training voices plus HELDOUT_VOICES
(voices.py). Everything is reproducible from --seed.

Example:
  /usr/bin/python3 scripts/data/asr/make_corpus.py --out data/asr --train 24000 \
      --testset tests/fixtures/asr/testset
"""
import argparse
import json
import multiprocessing as mp
import os
import random
import subprocess
import sys
import wave

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import grammar  # noqa: E402
import voices  # noqa: E402


def write_wav(path, x, sr=16000):
    pcm = np.clip(np.round(x * 32767.0), -32768, 32767).astype("<i2")
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes(pcm.tobytes())


def _job(args):
    uid, path, text, voice, seed = args
    rng = random.Random(seed)
    if os.path.exists(path):      # resume: same seed gives the same settings
        settings = voices.draw_settings(voice, rng)
        with wave.open(path, "rb") as w:
            return uid, w.getnframes() / 16000.0, settings
    x, settings = voices.synthesize(voice, text, rng)
    lead = np.zeros(int(rng.uniform(0.05, 0.3) * 16000), np.float32)
    trail = np.zeros(int(rng.uniform(0.4, 0.9) * 16000), np.float32)
    x = np.concatenate([lead, x, trail])
    write_wav(path + ".tmp.wav", x)
    os.replace(path + ".tmp.wav", path)
    return uid, len(x) / 16000.0, settings


def plan(args):
    rng = random.Random(args.seed)
    items = []
    seen_train = set()
    for split, n in (("train", args.train), ("dev", args.dev)):
        for i in range(n):
            text = grammar.sample(rng)
            if split == "train":
                seen_train.add(text)
            items.append((split, f"{split}-{i:06d}", text,
                          voices.train_voice(rng, args.flite_fraction), 0))
    # Test: half train voices, half spread over the held-out voices.
    n_test = args.test
    for i in range(n_test):
        text = grammar.sample(rng)
        if i % 2 == 0:
            v, h = voices.train_voice(rng, args.flite_fraction), 0
        else:
            v, h = voices.HELDOUT_VOICES[(i // 2) % len(voices.HELDOUT_VOICES)], 1
        items.append(("test", f"test-{i:06d}", text, v, h))
    return items, seen_train


def train_bpe(out, texts, vocab_size, seed):
    import sentencepiece as spm
    txt = os.path.join(out, "bpe_train.txt")
    with open(txt, "w") as f:
        for t in texts:
            f.write(t + "\n")
    spm.SentencePieceTrainer.train(
        input=txt, model_prefix=os.path.join(out, "bpe"), vocab_size=vocab_size,
        model_type="bpe", character_coverage=1.0, bos_id=-1, eos_id=-1, unk_id=0,
        num_threads=1, minloglevel=2)


def export_testset(out, rows, dest, n_train, n_heldout, seed):
    os.makedirs(dest, exist_ok=True)
    rng = random.Random(seed)
    chosen = []
    tr = [r for r in rows if r["heldout"] == "0"]
    rng.shuffle(tr)
    chosen += tr[:n_train]
    for v in voices.HELDOUT_VOICES:
        hv = [r for r in rows if r["voice"] == v]
        rng.shuffle(hv)
        chosen += hv[:n_heldout]
    chosen.sort(key=lambda r: r["id"])
    with open(os.path.join(dest, "testset.tsv"), "w") as f:
        f.write("file\ttext\tvoice\theldout\n")
        for r in chosen:
            flac = r["id"] + ".flac"
            subprocess.run(["sox", r["path"], "-b", "16", os.path.join(dest, flac)],
                           check=True)
            f.write(f"{flac}\t{r['text']}\t{r['voice']}\t{r['heldout']}\n")
    return len(chosen)


def read_tsv(path):
    with open(path) as f:
        header = f.readline().rstrip("\n").split("\t")
        return [dict(zip(header, line.rstrip("\n").split("\t"))) for line in f]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="data/asr")
    ap.add_argument("--train", type=int, default=24000)
    ap.add_argument("--dev", type=int, default=400)
    ap.add_argument("--test", type=int, default=1200)
    ap.add_argument("--flite-fraction", type=float, default=0.3)
    ap.add_argument("--vocab-size", type=int, default=256)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--testset", default="", help="also write a small FLAC test set here")
    ap.add_argument("--testset-train", type=int, default=40)
    ap.add_argument("--testset-heldout", type=int, default=20)
    ap.add_argument("--skip-synthesis", action="store_true",
                    help="reuse existing wav/ and tsv files (e.g. to redo BPE or testset)")
    args = ap.parse_args()

    items, _ = plan(args)
    if not args.skip_synthesis:
        for split in ("train", "dev", "test"):
            os.makedirs(os.path.join(args.out, "wav", split), exist_ok=True)
        jobs = [(uid, os.path.join(args.out, "wav", split, uid + ".wav"), text, voice,
                 args.seed * 1000003 + k)
                for k, (split, uid, text, voice, _) in enumerate(items)]
        results = {}
        with mp.Pool(args.jobs) as pool:
            for k, (uid, dur, settings) in enumerate(pool.imap_unordered(_job, jobs, 16)):
                results[uid] = (dur, settings)
                if (k + 1) % 2000 == 0:
                    print(f"synthesized {k + 1}/{len(jobs)}", flush=True)
        for split in ("train", "dev", "test"):
            with open(os.path.join(args.out, f"{split}.tsv"), "w") as f:
                f.write("id\tpath\ttext\tvoice\theldout\tduration_s\tsettings\n")
                for s, uid, text, voice, h in items:
                    if s != split:
                        continue
                    dur, settings = results[uid]
                    path = os.path.join(args.out, "wav", split, uid + ".wav")
                    f.write(f"{uid}\t{path}\t{text}\t{voice}\t{h}\t{dur:.3f}\t"
                            f"{json.dumps(settings)}\n")
    train_texts = [t for s, _, t, _, _ in items if s == "train"]
    train_bpe(args.out, train_texts, args.vocab_size, args.seed)
    print("bpe model:", os.path.join(args.out, "bpe.model"))
    if args.testset:
        n = export_testset(args.out, read_tsv(os.path.join(args.out, "test.tsv")),
                           args.testset, args.testset_train, args.testset_heldout, args.seed)
        print(f"wrote {n} test utterances to {args.testset}")
    words = set(w for t in train_texts for w in t.split())
    print(f"{len(items)} utterances, {len(words)} distinct words in train")


if __name__ == "__main__":
    main()
