"""Generate erg's versioned held-out ASR test split (or its dev split) into a directory.

Reads: the grammar (grammar.py) and the espeak-ng, flite and Festival voices on the system.
Writes, under OUT:
  wav/<id>.wav     16 kHz mono 16-bit PCM, 0.05-0.3 s leading and 0.4-0.9 s trailing silence
  testset.tsv      file, text, voice, heldout (0/1): the layout `erg run asr --eval` reads
  manifest.json    split version, seed, utterance and word counts per voice, tsv sha256

--split test (version erg-asr-test/1): TEST_HELDOUT_VOICES of voices.py (14 voices no
training utterance used, Festival held out as a whole engine), --per-voice utterances each,
plus --train-voice utterances of training voices drawn as the training corpus draws them.
--split dev (erg-asr-dev/1): --train-voice utterances of training voices only, for every tuning
decision (checkpoint choice, decoding settings, the design search); never the test voices.
--split heldout-dev (erg-asr-heldout-dev/1): DEV_HELDOUT_VOICES of voices.py (12 espeak-ng
voices in neither training nor test), --per-voice utterances each (default 100), no training
voices: for ranking candidates on unseen speakers without looking at test.

Every utterance's text, voice and prosody come from (--seed, split, index) alone, so a rerun
writes the same files; existing WAVs are kept (the listing is rewritten), which makes the
command idempotent and resumable.

  /usr/bin/python3 scripts/data/asr/make_testset.py data/asr/testsplit
  /usr/bin/python3 scripts/data/asr/make_testset.py --split dev data/asr/devsplit
  /usr/bin/python3 scripts/data/asr/make_testset.py --split heldout-dev data/asr/heldoutdev
"""
import argparse
import hashlib
import json
import multiprocessing as mp
import os
import random
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import grammar  # noqa: E402
import voices  # noqa: E402
from make_corpus import write_wav  # noqa: E402

VERSIONS = {"test": "erg-asr-test/1", "dev": "erg-asr-dev/1",
            "heldout-dev": "erg-asr-heldout-dev/1"}
HELDOUT = {"test": voices.TEST_HELDOUT_VOICES, "dev": [],
           "heldout-dev": voices.DEV_HELDOUT_VOICES}
# Distinct from make_corpus.py's seed (1234) so no split repeats the training corpus draws.
SPLIT_SEEDS = {"test": 71017, "dev": 52021, "heldout-dev": 38047}


def plan(split, per_voice, train_voice, seed):
    """(id, text, voice, heldout, item seed) for every utterance, in listing order."""
    rng = random.Random(seed * 7919 + SPLIT_SEEDS[split])
    items = []
    for v in HELDOUT[split]:
        for _ in range(per_voice):
            items.append([grammar.sample(rng), v, 1])
    for _ in range(train_voice):
        items.append([grammar.sample(rng), voices.train_voice(rng), 0])
    # Interleave voices in the listing so that any prefix (max_utterances) covers them all.
    order = list(range(len(items)))
    random.Random(seed).shuffle(order)
    return [(f"{split}-{k:05d}", items[i][0], items[i][1], items[i][2],
             seed * 1000003 + SPLIT_SEEDS[split] * 101 + i) for k, i in enumerate(order)]


def _job(args):
    path, text, voice, seed = args
    if os.path.exists(path):
        return path
    rng = random.Random(seed)
    x, _ = voices.synthesize(voice, text, rng, resampler="sox")
    lead = np.zeros(int(rng.uniform(0.05, 0.3) * 16000), np.float32)
    trail = np.zeros(int(rng.uniform(0.4, 0.9) * 16000), np.float32)
    tmp = path + ".tmp.wav"
    write_wav(tmp, np.concatenate([lead, x, trail]))
    os.replace(tmp, path)
    return path


def check_engines(needed):
    import shutil
    tools = {"espeak": "espeak-ng", "flite": "flite", "festival": "text2wave"}
    missing = [tools[e] for e in sorted(needed) if shutil.which(tools[e]) is None]
    if shutil.which("sox") is None:
        missing.append("sox")
    if missing:
        sys.exit(f"make_testset: missing TTS programs: {', '.join(missing)} "
                 "(scripts/setup --tts installs them)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__)
    ap.add_argument("out")
    ap.add_argument("--split", choices=sorted(VERSIONS), default="test")
    ap.add_argument("--per-voice", type=int, default=-1,
                    help="utterances per held-out voice (default: 240 test, 100 heldout-dev)")
    ap.add_argument("--train-voice", type=int, default=-1,
                    help="utterances of training voices (default: 800 test, 400 dev, "
                         "0 heldout-dev)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    args = ap.parse_args()
    if args.seed < 0 or args.jobs < 1:
        ap.error("--seed must be >= 0, --jobs >= 1")
    n_heldout = args.per_voice if args.per_voice >= 0 else \
        {"test": 240, "dev": 0, "heldout-dev": 100}[args.split]
    n_train = args.train_voice if args.train_voice >= 0 else \
        {"test": 800, "dev": 400, "heldout-dev": 0}[args.split]
    items = plan(args.split, n_heldout, n_train, args.seed)
    check_engines({v.split(":", 1)[0] for _, _, v, _, _ in items})
    wav_dir = os.path.join(args.out, "wav")
    os.makedirs(wav_dir, exist_ok=True)
    jobs = [(os.path.join(wav_dir, uid + ".wav"), text, voice, s)
            for uid, text, voice, _, s in items]
    with mp.Pool(args.jobs) as pool:
        for k, _ in enumerate(pool.imap_unordered(_job, jobs, 8)):
            if (k + 1) % 500 == 0:
                print(f"make_testset: {k + 1}/{len(jobs)} utterances", flush=True)
    lines = ["file\ttext\tvoice\theldout\n"]
    per_voice = {}
    for uid, text, voice, heldout, _ in items:
        lines.append(f"wav/{uid}.wav\t{text}\t{voice}\t{heldout}\n")
        u, w = per_voice.get(voice, (0, 0))
        per_voice[voice] = (u + 1, w + len(text.split()))
    body = "".join(lines)
    tmp = os.path.join(args.out, "testset.tsv.tmp")
    with open(tmp, "w") as f:
        f.write(body)
    os.replace(tmp, os.path.join(args.out, "testset.tsv"))
    heldout_words = sum(w for v, (_, w) in per_voice.items() if v in HELDOUT[args.split])
    manifest = {
        "version": VERSIONS[args.split], "split": args.split, "seed": args.seed,
        "utterances": len(items), "words": sum(w for _, w in per_voice.values()),
        "heldout_words": heldout_words, "heldout_engine": voices.HELDOUT_ENGINE,
        "testset_tsv_sha256": hashlib.sha256(body.encode()).hexdigest(),
        "voices": {v: {"utterances": u, "words": w,
                       "heldout": v in HELDOUT[args.split]}
                   for v, (u, w) in sorted(per_voice.items())},
    }
    with open(os.path.join(args.out, "manifest.json.tmp"), "w") as f:
        json.dump(manifest, f, indent=1)
    os.replace(os.path.join(args.out, "manifest.json.tmp"), os.path.join(args.out, "manifest.json"))
    print(f"make_testset: {args.split} split in {args.out}: {len(items)} utterances, "
          f"{manifest['words']} words ({heldout_words} on held-out voices), "
          f"{len(per_voice)} voices")


if __name__ == "__main__":
    main()
