"""Average the weights of several checkpoints of one ASR training run.

Reads the given checkpoints (last.pt / best.pt / snapshots written by asr_rnnt.py
--keep-ckpts); writes one checkpoint whose "model" is the element-wise mean of theirs and whose
optimizer state, config and training state are the newest one's, with state["averaged_from"]
listing the inputs. Averaging the last checkpoints of an annealed run usually lowers WER a
little for free (as icefall's --avg does). Export the result with
`asr_rnnt.py --encoder E --no-train --export --ckpt OUT`.

A CKPT may also be exported weights (NAME.safetensors, e.g. an earlier shipped model): they are
loaded into the model of the first .pt given, whose untrained-for-export CTC head they share.
Averaging a fine-tuned checkpoint with the weights it started from ("model soup", Wortsman et
al. 2022) keeps part of what the fine-tune forgot.

usage: /usr/bin/python3 scripts/train/asr/average_checkpoints.py OUT CKPT CKPT...
"""
import os
import sys

import torch


def exported_as_checkpoint(path, like):
    """Exported weights at `path` as a checkpoint shaped like `like` (a loaded .pt)."""
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from asr import data as D
    from asr import export
    from asr.model import RnntModel
    n_bpe = like["model"]["joiner.out.bias"].shape[0] - 1  # outputs: the BPE pieces + blank
    model = RnntModel(like["encoder"], n_bpe, len(D.CHARS), like["cfg"])
    model.load_state_dict(like["model"])
    export.load_exported(model, path)
    ck = dict(like)
    ck["model"] = model.state_dict()
    ck["state"] = dict(like["state"], step=0)
    return ck


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__.strip().splitlines()[-1])
    out, paths = sys.argv[1], sys.argv[2:]
    pts = [p for p in paths if not p.endswith(".safetensors")]
    if not pts:
        sys.exit("average_checkpoints: at least one CKPT must be a .pt checkpoint")
    first = torch.load(pts[0], map_location="cpu", weights_only=False)
    cks = [exported_as_checkpoint(p, first) if p.endswith(".safetensors")
           else torch.load(p, map_location="cpu", weights_only=False) for p in paths]
    kinds = {ck.get("encoder") for ck in cks}
    if len(kinds) != 1:
        sys.exit(f"checkpoints of different encoders: {sorted(map(str, kinds))}")
    keys = cks[0]["model"].keys()
    for p, ck in zip(paths, cks):
        if ck["model"].keys() != keys:
            sys.exit(f"{p}: tensors differ from {paths[0]}'s")
    newest = max(range(len(cks)), key=lambda i: cks[i]["state"]["step"])
    avg = dict(cks[newest])
    avg["model"] = {k: sum(ck["model"][k].double() for ck in cks).div(len(cks))
                    .to(cks[0]["model"][k].dtype) for k in keys}
    avg["state"] = dict(cks[newest]["state"])
    avg["state"]["averaged_from"] = [
        {"path": p, "step": ck["state"]["step"]} for p, ck in zip(paths, cks)]
    torch.save(avg, out + ".tmp")
    os.replace(out + ".tmp", out)
    print(f"{out}: mean of {len(cks)} checkpoints, steps "
          f"{[ck['state']['step'] for ck in cks]}")


if __name__ == "__main__":
    main()
