"""Paired comparison of a candidate ASR model with the shipped one on the held-out test split.

The last step before shipping a retrained model (models/asr/TRAINING.md): both are decoded by the
C++ engine (the erg Python module) over the same utterances, greedy and beam 4, and the WER
difference gets its paired-bootstrap 95% CI (erg.compare_wer). A candidate ships only where the
CI lies below 0. Prints per-voice-group WERs too: training voices, held-out voices, and the
Festival and flite voices that the shipped models do worst on.

usage: /usr/bin/python3 scripts/train/asr/compare_on_test.py CANDIDATE.safetensors
       [--shipped asr-emformer] [--testset data/asr/testsplit] [--json OUT]
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tune_blank_penalty import ROOT  # noqa: E402

sys.path.insert(0, os.path.join(os.environ.get("ERG_BUILD_DIR",
                                               os.path.join(ROOT, "build", "default")), "python"))
import erg  # noqa: E402


def group_wer(result, keep):
    """Pooled WER (percent) over the voices `keep` accepts (a voice entry of the result)."""
    words = errors = 0
    for v in result["voices"]:
        if keep(v):
            words += v["words"]
            errors += v["sub"] + v["del"] + v["ins"]
    return 100.0 * errors / words if words else float("nan")


def voices_of(testset):
    """file name -> voice, from testset.tsv (per_utterance entries name files by their base name,
    not voices)."""
    with open(os.path.join(testset, "testset.tsv")) as f:
        header = f.readline().rstrip("\n").split("\t")
        fi, vi = header.index("file"), header.index("voice")
        return {os.path.basename(row[fi]): row[vi] for row in (line.rstrip("\n").split("\t") for line in f)}


def paired_on(a, b, keep):
    """erg.compare_wer over the utterances whose file `keep` accepts (none: an error)."""
    def only(r):
        return {"model": r["model"], "variant": r["variant"],
                "per_utterance": [u for u in r["per_utterance"] if keep(u["file"])]}
    fa, fb = only(a), only(b)
    if not fa["per_utterance"]:
        sys.exit("no utterance of the group: testset.tsv and the results disagree on file names")
    return erg.compare_wer(fa, fb)


def verdict(c):
    if not c["significant"]:
        return "no difference"
    return "better" if c["ci95"][1] < 0 else "worse"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("candidate")
    ap.add_argument("--shipped", default="asr-emformer")
    ap.add_argument("--testset", default=os.path.join(ROOT, "data", "asr", "testsplit"))
    ap.add_argument("--json", default="", help="also write the comparisons here")
    args = ap.parse_args()
    if not os.path.exists(os.path.join(args.testset, "testset.tsv")):
        sys.exit(f"{args.testset}: no testset.tsv (make it with scripts/asr-testset)")
    shipped, cand = erg.AsrModel(args.shipped), erg.AsrModel(args.candidate)
    voice = voices_of(args.testset)
    out = {"testset": args.testset, "shipped": args.shipped, "candidate": args.candidate}
    for name, beam in (("greedy", 0), ("beam4", 4)):
        a = shipped.evaluate(args.testset, beam=beam)
        b = cand.evaluate(args.testset, beam=beam)
        c = erg.compare_wer(a, b)
        groups = {}
        for label, res in (("shipped", a), ("candidate", b)):
            groups[label] = {
                "wer": res["wer"], "ci95": res["ci95"],
                "train_voices": res["train_voices"]["wer"],
                "heldout": group_wer(res, lambda v: v["heldout"]),
                "festival": group_wer(res, lambda v: v["voice"].startswith("festival")),
                "flite": group_wer(res, lambda v: v["voice"].startswith("flite")),
            }
        print(f"{name}: {c['utterances']} utterances, {c['words']} words")
        for label in ("shipped", "candidate"):
            g = groups[label]
            print(f"  {label:9} WER {g['wer']:.2f} % [{g['ci95'][0]:.2f}, {g['ci95'][1]:.2f}]"
                  f"  training voices {g['train_voices']:.2f}  held-out {g['heldout']:.2f}"
                  f"  festival {g['festival']:.2f}  flite {g['flite']:.2f}")
        print(f"  candidate - shipped {c['wer_difference']:+.2f} points "
              f"[{c['ci95'][0]:+.2f}, {c['ci95'][1]:+.2f}] (paired bootstrap, "
              f"{c['resamples']} resamples): {verdict(c)}")
        paired = {}
        for prefix in ("festival", "flite"):
            g = paired_on(a, b, lambda f, p=prefix: voice.get(os.path.basename(f), "").startswith(p))
            paired[prefix] = g
            print(f"    on {prefix} voices ({g['utterances']} utterances, {g['words']} words): "
                  f"{g['wer_difference']:+.2f} [{g['ci95'][0]:+.2f}, {g['ci95'][1]:+.2f}]: "
                  f"{verdict(g)}")
        sys.stdout.flush()
        out[name] = {"comparison": c, "groups": groups, "paired_groups": paired}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
