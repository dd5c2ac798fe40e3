"""Cut the small committed slice of the held-out test split that CI and the tests use.

Reads SRC/testset.tsv and its WAVs (written by make_testset.py / scripts/asr-testset).
Writes DEST/<id>.flac, DEST/testset.tsv (file, text, voice, heldout) and DEST/manifest.json:
the first --per-voice utterances of every held-out voice and the first --train-voice
utterances of training voices, in SRC's listing order (so the slice is a fixed function of the
split's version and seed). The full split is ~4,000 utterances and ~370 MB of WAV, too large to
commit; the slice is what `tests/fixtures/asr/testset` holds.

  /usr/bin/python3 scripts/data/asr/slice_testset.py data/asr/testsplit tests/fixtures/asr/testset
"""
import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_corpus import read_tsv  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("src")
    ap.add_argument("dest")
    ap.add_argument("--per-voice", type=int, default=6)
    ap.add_argument("--train-voice", type=int, default=36)
    args = ap.parse_args()
    rows = read_tsv(os.path.join(args.src, "testset.tsv"))
    taken, per_voice, n_train = [], {}, 0
    for r in rows:
        if r["heldout"] == "1":
            if per_voice.get(r["voice"], 0) < args.per_voice:
                per_voice[r["voice"]] = per_voice.get(r["voice"], 0) + 1
                taken.append(r)
        elif n_train < args.train_voice:
            n_train += 1
            taken.append(r)
    os.makedirs(args.dest, exist_ok=True)
    for old in os.listdir(args.dest):
        if old.endswith(".flac"):
            os.remove(os.path.join(args.dest, old))
    lines = ["file\ttext\tvoice\theldout\n"]
    for r in taken:
        name = os.path.basename(r["file"]).replace(".wav", ".flac")
        subprocess.run(["sox", os.path.join(args.src, r["file"]), "-b", "16",
                        os.path.join(args.dest, name)], check=True)
        lines.append(f"{name}\t{r['text']}\t{r['voice']}\t{r['heldout']}\n")
    with open(os.path.join(args.dest, "testset.tsv"), "w") as f:
        f.write("".join(lines))
    src_manifest = {}
    if os.path.exists(os.path.join(args.src, "manifest.json")):
        with open(os.path.join(args.src, "manifest.json")) as f:
            src_manifest = json.load(f)
    with open(os.path.join(args.dest, "manifest.json"), "w") as f:
        json.dump({"slice_of": src_manifest.get("version", "unknown"),
                   "seed": src_manifest.get("seed"),
                   "source_tsv_sha256": src_manifest.get("testset_tsv_sha256"),
                   "utterances": len(taken),
                   "words": sum(len(r["text"].split()) for r in taken),
                   "per_heldout_voice": args.per_voice, "training_voice_utterances": n_train},
                  f, indent=1)
    print(f"slice_testset: {len(taken)} utterances into {args.dest}")


if __name__ == "__main__":
    main()
