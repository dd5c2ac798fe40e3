"""Choose a shipped ASR model's blank penalty on the dev split, with the C++ engine.

Reads <data>/dev.tsv and its WAVs, and models/weights/asr-<encoder>.{safetensors,json}.
Runs `erg run asr --eval` (greedy and beam 4) once per penalty of the grid, and writes the
penalty with the lowest mean of the two dev WERs into the model JSON as
"decoding": {"blank_penalty", "tuned_on", "dev_wer_percent"}; the engine then uses it by
default (`erg run asr --blank-penalty P` overrides). The penalty is subtracted from the blank
logit before the greedy argmax and the beam's log-softmax; > 0 trades deletions for
insertions. The test split is never looked at.

usage: /usr/bin/python3 scripts/train/asr/tune_blank_penalty.py --encoder lstm|emformer
       [--erg build/default/cli/erg] [--data data/asr]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
GRID = [0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5]


def dev_testset(data, out_dir):
    """A testset.tsv (file, text, voice, heldout) over the dev split, with absolute paths."""
    with open(os.path.join(data, "dev.tsv")) as f:
        header = f.readline().rstrip("\n").split("\t")
        rows = [dict(zip(header, line.rstrip("\n").split("\t"))) for line in f]
    path = os.path.join(out_dir, "testset.tsv")
    with open(path, "w") as f:
        f.write("file\ttext\tvoice\theldout\n")
        for r in rows:
            wav = r["path"] if os.path.isabs(r["path"]) else os.path.join(ROOT, r["path"])
            if not os.path.exists(wav):
                sys.exit(f"{wav}: missing (regenerate the corpus: scripts/data/asr/make_corpus.py)")
            f.write(f"{wav}\t{r['text']}\t{r['voice']}\t{r['heldout']}\n")
    return len(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--encoder", choices=["lstm", "emformer"], required=True)
    ap.add_argument("--erg", default=os.path.join(ROOT, "build", "default", "cli", "erg"))
    ap.add_argument("--data", default=os.path.join(ROOT, "data", "asr"))
    args = ap.parse_args()
    name = f"asr-{args.encoder}"
    weights = os.path.join(ROOT, "models", "weights", name + ".safetensors")
    meta_path = os.path.join(ROOT, "models", "weights", name + ".json")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        n = dev_testset(args.data, tmp)
        for p in GRID:
            out = subprocess.run([args.erg, "run", "asr", "--model", weights, "--eval", tmp,
                                  "--beam", "4", "--blank-penalty", str(p), "--json",
                                  "--threads", str(os.cpu_count() or 1)],
                                 check=True, capture_output=True, text=True).stdout
            d = json.loads(out)
            results[p] = {"greedy": round(d["greedy"]["wer"], 3),
                          "beam4": round(d["beam"]["wer"], 3)}
            print(f"blank penalty {p}: dev WER greedy {results[p]['greedy']:.2f} %, "
                  f"beam 4 {results[p]['beam4']:.2f} %", flush=True)
    best = min(GRID, key=lambda p: (results[p]["greedy"] + results[p]["beam4"], p))
    with open(meta_path) as f:
        meta = json.load(f)
    meta["decoding"] = {"blank_penalty": best,
                        "tuned_on": f"dev split ({n} utterances), lowest mean of greedy and "
                                    "beam-4 WER, by scripts/train/asr/tune_blank_penalty.py",
                        "dev_wer_percent": {str(p): r for p, r in results.items()}}
    tmp_path = meta_path + ".tmp"
    with open(tmp_path, "w") as f:
        json.dump(meta, f, indent=1, ensure_ascii=False)
    os.replace(tmp_path, meta_path)
    print(f"{name}: blank_penalty {best} written to {meta_path}")


if __name__ == "__main__":
    main()
