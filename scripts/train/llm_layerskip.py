#!/usr/bin/python3
"""Train and export the tiny LayerSkip byte-level LLM (issue 5).

train   reads data/llm/{train,val}.u16 (built by scripts/data/llm_corpus.py) and trains a
        Llama-style decoder with the LayerSkip recipe: layer dropout whose rate grows
        exponentially with depth (and with time, S_exp, since this is training from scratch),
        and the early-exit loss through the shared final norm + head with a rotational
        curriculum. Writes checkpoints (last.pt, best.pt) and log.jsonl to --run-dir.
export  reads a checkpoint, measures per-exit perplexity on the held-out split and greedy
        self-speculative acceptance, and writes models/weights/llm-layerskip.{safetensors,json}
        and the golden fixture tests/fixtures/llm/.

The schedule (LR cosine, S(t)) follows progress = max(step / --steps, elapsed / --time-budget-s),
so a wall-clock budget ends the run cleanly on a shared CPU; the step count reached is recorded
and `--steps N --time-budget-s 0` reproduces the same schedule by steps alone.
See models/llm/TRAINING.md.
"""

import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llm import layerskip  # noqa: E402
from llm.evaluate import exit_nll  # noqa: E402
from llm.model import Config, LayerSkipLM, count_parameters  # noqa: E402


def log(run_dir, record):
    record["time"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    line = json.dumps(record)
    print(line, flush=True)
    with open(os.path.join(run_dir, "log.jsonl"), "a") as f:
        f.write(line + "\n")


def save_checkpoint(path, model, opt, state):
    tmp = path + ".tmp"
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "config": model.cfg.to_dict(), **state}, tmp)
    os.replace(tmp, path)


def lr_at(progress, args):
    warm = args.warmup_frac
    if progress < warm:
        return args.lr * progress / warm
    q = min(1.0, (progress - warm) / (1.0 - warm))
    return args.lr * (args.min_lr_frac + (1 - args.min_lr_frac) * 0.5 * (1 + math.cos(math.pi * q)))


def initial_model(args, cfg):
    """A fresh model, or --init-from's model grown to cfg (function-preserving, llm/grow.py)."""
    if not args.init_from:
        return LayerSkipLM(cfg), None
    from llm.export import load_model
    from llm.grow import grow, load_safetensors_model
    small = (load_safetensors_model(args.init_from) if args.init_from.endswith(".safetensors")
             else load_model(args.init_from)[0])
    cfg.head_dim = small.cfg.head_dim
    big, positions = grow(small, cfg, seed=args.seed, placement=args.grow_placement)
    return big, {"from": args.init_from, "from_config": small.cfg.to_dict(), "old_layer_positions": positions,
                 "placement": args.grow_placement}


def train(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    os.makedirs(args.run_dir, exist_ok=True)
    train_ids = np.fromfile(os.path.join(args.data, "train.u16"), dtype="<u2")
    val_ids = np.fromfile(os.path.join(args.data, "val.u16"), dtype="<u2")[:args.eval_tokens]
    cfg = Config(dim=args.dim, n_layers=args.layers, n_heads=args.heads, n_kv_heads=args.kv_heads,
                 head_dim=args.dim // args.heads, ffn_dim=args.ffn, context_length=args.context)
    resume_path = os.path.join(args.run_dir, "last.pt")
    resume = torch.load(resume_path, map_location="cpu") if args.resume and os.path.exists(resume_path) else None
    if resume:
        model, growth = LayerSkipLM(Config(**resume["config"])), resume.get("growth")
        model.load_state_dict(resume["model"])
        cfg = model.cfg
    else:
        model, growth = initial_model(args, cfg)
    decay = [p for n, p in model.named_parameters() if p.dim() == 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=args.lr, betas=(0.9, 0.95))
    data_rng = np.random.default_rng(args.seed)
    drop_gen = torch.Generator().manual_seed(args.seed + 1)
    step, best, t0 = 0, float("inf"), time.time()
    if resume:
        # Continue the same schedule: the step count, the wall-clock already spent, the optimiser
        # moments and both random streams come back from the checkpoint.
        opt.load_state_dict(resume["opt"])
        step, best = resume["step"], resume.get("best", float("inf"))
        t0 -= resume["elapsed_s"]
        data_rng.bit_generator.state = resume["data_rng"]
        drop_gen.set_state(resume["drop_gen"])
    log(args.run_dir, {"event": "resume" if resume else "start", "step": step, "params": count_parameters(model),
                       "config": cfg.to_dict(), "args": vars(args), "train_tokens": len(train_ids),
                       "growth": growth})
    tokens_per_step = args.batch * cfg.context_length
    last_ckpt = t0
    seq = cfg.context_length
    while True:
        elapsed = time.time() - t0
        progress = step / args.steps if args.steps else 0.0
        if args.time_budget_s:
            progress = max(progress, elapsed / args.time_budget_s)
        if progress >= 1.0:
            break
        lr = lr_at(progress, args)
        for g in opt.param_groups:
            g["lr"] = lr
        starts = data_rng.integers(0, len(train_ids) - seq - 1, size=args.batch)
        batch = torch.from_numpy(np.stack([train_ids[s:s + seq + 1] for s in starts]).astype(np.int64))
        rates = layerskip.dropout_rates(cfg.n_layers, args.p_max, progress, args.dropout_time)
        weights = layerskip.exit_weights(cfg.n_layers, args.e_scale, step, progress, args.curriculum, args.rot_r,
                                         args.exit_scale)
        model.train()
        hs = layerskip.forward_with_layer_dropout(model, batch[:, :-1], rates, drop_gen)
        loss, per_layer = layerskip.early_exit_loss(model, hs, batch[:, 1:], weights, args.distill)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gnorm = torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        opt.step()
        step += 1
        if step % args.log_every == 0:
            log(args.run_dir, {"event": "step", "step": step, "elapsed_s": round(time.time() - t0, 1),
                               "progress": round(progress, 4), "lr": lr, "loss": round(loss.item(), 4),
                               "ce_last": round(per_layer[-1], 4), "grad_norm": round(float(gnorm), 3),
                               "p_last": round(rates[-1], 4),
                               "ce_per_exit": [None if c is None else round(c, 3) for c in per_layer]})
        if time.time() - last_ckpt >= args.ckpt_every_s:
            model.eval()
            nll, count = exit_nll(model, val_ids, seq)
            val = (nll / count).tolist()
            if val[-1] < best:
                best = val[-1]
            state = {"step": step, "elapsed_s": time.time() - t0, "progress": progress, "val_loss_per_exit": val,
                     "args": vars(args), "best": best, "growth": growth, "tokens_seen": step * tokens_per_step,
                     "data_rng": data_rng.bit_generator.state, "drop_gen": drop_gen.get_state()}
            save_checkpoint(os.path.join(args.run_dir, "last.pt"), model, opt, state)
            if val[-1] <= best:
                save_checkpoint(os.path.join(args.run_dir, "best.pt"), model, opt, state)
            log(args.run_dir, {"event": "eval", "step": step, "elapsed_s": round(time.time() - t0, 1),
                               "val_loss_per_exit": [round(v, 4) for v in val], "val_bytes": count})
            last_ckpt = time.time()

    model.eval()
    nll, count = exit_nll(model, val_ids, seq)
    val = (nll / count).tolist()
    state = {"step": step, "elapsed_s": time.time() - t0, "progress": 1.0, "val_loss_per_exit": val, "args": vars(args),
             "best": best, "growth": growth, "tokens_seen": step * tokens_per_step,
             "data_rng": data_rng.bit_generator.state, "drop_gen": drop_gen.get_state()}
    save_checkpoint(os.path.join(args.run_dir, "last.pt"), model, opt, state)
    save_checkpoint(os.path.join(args.run_dir, "final.pt"), model, opt, state)
    log(args.run_dir, {"event": "done", "step": step, "elapsed_s": round(time.time() - t0, 1),
                       "val_loss_per_exit": [round(v, 4) for v in val]})


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("--data", default="data/llm")
    t.add_argument("--run-dir", default="data/llm/run")
    t.add_argument("--seed", type=int, default=1234)
    t.add_argument("--threads", type=int, default=1)
    t.add_argument("--dim", type=int, default=192)
    t.add_argument("--layers", type=int, default=8)
    t.add_argument("--heads", type=int, default=6)
    t.add_argument("--kv-heads", type=int, default=2)
    t.add_argument("--ffn", type=int, default=512)
    t.add_argument("--init-from", default="", help="start from this model (.safetensors or .pt), grown to the "
                   "requested dims by function-preserving growth (llm/grow.py)")
    t.add_argument("--grow-placement", choices=["end", "spread"], default="end",
                   help="where growth puts the new layers: on top of the old ones, or evenly between")
    t.add_argument("--resume", action="store_true", help="continue --run-dir/last.pt (same schedule)")
    t.add_argument("--context", type=int, default=256)
    t.add_argument("--batch", type=int, default=8)
    t.add_argument("--steps", type=int, default=0, help="schedule length in steps (0: time budget only)")
    t.add_argument("--time-budget-s", type=float, default=3600.0, help="schedule length in seconds (0: steps only)")
    t.add_argument("--lr", type=float, default=2e-3)
    t.add_argument("--min-lr-frac", type=float, default=0.1)
    t.add_argument("--warmup-frac", type=float, default=0.03)
    t.add_argument("--weight-decay", type=float, default=0.1)
    t.add_argument("--clip", type=float, default=1.0)
    t.add_argument("--p-max", type=float, default=0.1, help="layer dropout at the last layer at the end")
    t.add_argument("--dropout-time", choices=["exp", "one"], default="exp", help="S(t): exp from scratch")
    t.add_argument("--e-scale", type=float, default=1.0)
    t.add_argument("--exit-scale", choices=["paper", "uniform"], default="paper",
                   help="e(l): the paper's depth-growing scale or 1 for every exit")
    t.add_argument("--distill", type=float, default=0.0,
                   help="weight of KL(full-depth || exit) self-distillation per exit (0: off)")
    t.add_argument("--curriculum", choices=["rot", "grad", "none"], default="rot")
    t.add_argument("--rot-r", type=int, default=2)
    t.add_argument("--eval-tokens", type=int, default=32768, help="held-out tokens for periodic eval")
    t.add_argument("--ckpt-every-s", type=float, default=240.0)
    t.add_argument("--log-every", type=int, default=10)
    e = sub.add_parser("export")
    e.add_argument("--data", default="data/llm")
    e.add_argument("--checkpoint", default="data/llm/run/best.pt")
    e.add_argument("--weights-dir", default="models/weights")
    e.add_argument("--fixture-dir", default="tests/fixtures/llm", help="golden fixture to write ('' = none)")
    e.add_argument("--name", default="llm-layerskip", help="model name: writes <weights-dir>/<name>.{safetensors,json}")
    e.add_argument("--val-tokens", type=int, default=0, help="held-out tokens to evaluate (0: all)")
    e.add_argument("--n-prompts", type=int, default=9)
    e.add_argument("--n-new", type=int, default=128)
    e.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    if args.cmd == "train":
        train(args)
    else:
        from llm.export import export
        export(args)


if __name__ == "__main__":
    main()
