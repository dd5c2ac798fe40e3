"""Compare ASR checkpoints on the dev split with the C++ engine, to choose the one to ship.

Exports each checkpoint as a candidate (weights and metadata only, into a temporary directory,
through `asr_rnnt.py --export-dir`), runs `erg run asr --eval` over the whole dev split, greedy
and beam 4, and prints a table ranked by the mean of the two WERs. The 40-utterance dev WER that
training logs swings by several points between evaluations; the full split (300 utterances)
through the engine that ships is what a choice should rest on. The test split is never looked at.
--testset DIR ranks on another split in the testset.tsv layout instead, e.g. the held-out-voice
dev split (make_testset.py --split heldout-dev), which holds speakers no training utterance used.

usage: /usr/bin/python3 scripts/train/asr/compare_checkpoints.py --encoder lstm|emformer
       CKPT [CKPT...] [--erg build/default/cli/erg] [--data data/asr] [--testset DIR]
       [--json OUT]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tune_blank_penalty import ROOT, dev_testset  # noqa: E402


def evaluate(erg, weights, testset):
    out = subprocess.run([erg, "run", "asr", "--model", weights, "--eval", testset, "--beam", "4",
                          "--threads", str(os.cpu_count() or 1), "--json"],
                         check=True, capture_output=True, text=True).stdout
    d = json.loads(out)
    return {"greedy": d["greedy"]["wer"], "beam4": d["beam"]["wer"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--encoder", choices=["lstm", "emformer"], required=True)
    ap.add_argument("ckpts", nargs="+")
    ap.add_argument("--erg", default=os.path.join(ROOT, "build", "default", "cli", "erg"))
    ap.add_argument("--data", default=os.path.join(ROOT, "data", "asr"))
    ap.add_argument("--testset", default="",
                    help="rank on this testset.tsv directory, not on <data>/dev.tsv")
    ap.add_argument("--json", default="", help="also write the results here")
    args = ap.parse_args()
    for c in args.ckpts:
        if not os.path.exists(c):
            sys.exit(f"{c}: no such checkpoint")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        if args.testset:
            with open(os.path.join(args.testset, "testset.tsv")) as f:
                n = sum(1 for _ in f) - 1
        else:
            n = dev_testset(args.data, tmp)
        split = os.path.abspath(args.testset) if args.testset else tmp
        for i, ckpt in enumerate(args.ckpts):
            cand = os.path.join(tmp, f"cand{i}")
            subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "train", "asr_rnnt.py"),
                            "--encoder", args.encoder, "--data", args.data, "--no-train",
                            "--export", "--ckpt", ckpt, "--export-dir", cand, "--work", cand],
                           check=True, capture_output=True, text=True)
            wer = evaluate(args.erg, os.path.join(cand, f"asr-{args.encoder}.safetensors"), split)
            wer["mean"] = (wer["greedy"] + wer["beam4"]) / 2
            results.append({"checkpoint": ckpt, **wer})
            print(f"{ckpt}: WER greedy {wer['greedy']:.2f} %, beam 4 {wer['beam4']:.2f} %",
                  flush=True)
    results.sort(key=lambda r: r["mean"])
    print(f"\n{args.testset or 'dev split'}, {n} utterances, C++ engine; "
          "ranked by the mean of greedy and beam 4:")
    print(f"{'greedy %':>9} {'beam4 %':>8} {'mean %':>7}  checkpoint")
    for r in results:
        print(f"{r['greedy']:9.2f} {r['beam4']:8.2f} {r['mean']:7.2f}  {r['checkpoint']}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"testset": args.testset or "dev", "utterances": n, "results": results},
                      f, indent=1)


if __name__ == "__main__":
    main()
