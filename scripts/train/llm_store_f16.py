#!/usr/bin/env python3
"""Store the shipped LayerSkip model at half size: weights rounded to fp16 and written as F16.

Reads a training checkpoint (default data/llm/run/final.pt) and the current
models/weights/llm-layerskip.{safetensors,json}; checks that the shipped weights are that
checkpoint's; rounds every weight to fp16; writes models/weights/llm-layerskip.safetensors with
F16 tensors (the C++ reader widens them to fp32, so inference still computes in fp32);
regenerates tests/fixtures/llm/golden.safetensors from the rounded weights; and records in the
JSON the held-out sample loss per exit before and after rounding.
"""

import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__))))
from llm import safetensors_io  # noqa: E402
from llm.evaluate import exit_nll  # noqa: E402
from llm.export import fixture, load_model, weight_tensors  # noqa: E402
from llm.model import BOS_ID  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--checkpoint", default="data/llm/run/final.pt")
    ap.add_argument("--weights-dir", default="models/weights")
    ap.add_argument("--fixture-dir", default="tests/fixtures/llm",
                    help="golden fixture to regenerate; with --no-fixture only its heldout_sample.txt is read")
    ap.add_argument("--no-fixture", action="store_true", help="leave the golden fixture as it is")
    ap.add_argument("--name", default="llm-layerskip", help="model name in --weights-dir")
    args = ap.parse_args()
    torch.set_num_threads(1)

    st_path = os.path.join(args.weights_dir, args.name + ".safetensors")
    json_path = os.path.join(args.weights_dir, args.name + ".json")
    shipped, st_meta = safetensors_io.load(st_path)
    model, _ = load_model(args.checkpoint)
    for name, arr in weight_tensors(model).items():
        # Identical fp32 weights, or already their fp16 rounding (a rerun of this script).
        if not np.array_equal(shipped[name].astype(np.float32), arr) and not np.array_equal(
                shipped[name].astype(np.float32), arr.astype(np.float16).astype(np.float32)):
            sys.exit(f"{st_path}: tensor {name} is not from {args.checkpoint}")

    with open(os.path.join(args.fixture_dir, "heldout_sample.txt"), encoding="utf-8") as f:
        sample = f.read()
    sample_ids = [BOS_ID] + list(sample.encode("utf-8"))
    nll32, count = exit_nll(model, sample_ids, model.cfg.context_length)

    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.half().float())
    nll16, _ = exit_nll(model, sample_ids, model.cfg.context_length)

    tensors = {k: v.astype(np.float16) for k, v in weight_tensors(model).items()}
    config = json.loads(st_meta["config"])
    config["dtype"] = "F16 on disk (weights rounded to fp16), widened to fp32 for compute"
    st_meta["config"] = json.dumps(config)
    safetensors_io.save(st_path, tensors, st_meta)

    with open(json_path) as f:
        meta = json.load(f)
    meta["architecture"]["dtype"] = config["dtype"]
    if not args.no_fixture:
        fixture_meta, sample_nll = fixture(model, args.fixture_dir, sample)
        meta["evaluation"]["fixture"] = {"sample_nll_per_exit": sample_nll, **fixture_meta}
    meta["evaluation"]["fp16_storage"] = {
        "note": "held-out figures above were measured with fp32 weights; this is the effect of "
                "rounding them to fp16 on heldout_sample.txt",
        "sample_nll_per_exit_fp32": (nll32 / count).tolist(),
        "sample_nll_per_exit_fp16": (nll16 / count).tolist(),
    }
    with open(json_path, "w") as f:
        json.dump(meta, f, indent=2)
    print(json.dumps(meta["evaluation"]["fp16_storage"], indent=1))


if __name__ == "__main__":
    main()
