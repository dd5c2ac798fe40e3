"""Export a trained checkpoint: weights + metadata, measured figures, and the golden fixture."""

import copy
import json
import math
import os
import time

import numpy as np
import torch

from . import layerskip, safetensors_io
from .evaluate import exit_report, greedy_generate, prompt_ids, selfspec_acceptance
from .model import BOS_ID, EOS_ID, PAD_ID, Config, LayerSkipLM, count_parameters

FIXTURE_TEXT = "And God said, Let there be light: and there was light. And God saw"  # min top-2 gap 0.196 on the greedy path
FIXTURE_NEW = 32
ACCEPT_D = [1, 2, 3, 4, 5, 6, 8]


def weight_tensors(model):
    """Export names -> float32 arrays, PyTorch [out, in] layout."""
    sd = model.state_dict()
    out = {"embed.weight": sd["embed.weight"]}
    for i in range(model.cfg.n_layers):
        p = f"layers.{i}."
        out[p + "attn_norm.weight"] = sd[p + "attn_norm.weight"]
        for w in ("wq", "wk", "wv", "wo"):
            out[p + w + ".weight"] = sd[p + "attn." + w + ".weight"]
        out[p + "mlp_norm.weight"] = sd[p + "mlp_norm.weight"]
        for w in ("w_gate", "w_up", "w_down"):
            out[p + w + ".weight"] = sd[p + w + ".weight"]
    out["norm.weight"] = sd["norm.weight"]
    out["head.weight"] = sd["head.weight"]
    return {k: v.detach().to(torch.float32).numpy() for k, v in out.items()}


def load_model(path):
    ckpt = torch.load(path, map_location="cpu")
    model = LayerSkipLM(Config(**ckpt["config"]))
    model.load_state_dict(ckpt["model"])
    model.eval()
    return model, ckpt


def val_documents(data_dir):
    with open(os.path.join(data_dir, "val.txt"), encoding="utf-8") as f:
        return f.read().split("\n\f\n")


def pick_prompts(docs, n, splits, prompt_bytes=64):
    """n held-out documents, an equal share per source, spread evenly within each source;
    the prompt is the first prompt_bytes bytes (cut back to a whole UTF-8 character)."""
    out, start = [], 0
    names = list(splits)
    for k, name in enumerate(names):
        count = splits[name]["val_documents"]
        share = n // len(names) + (1 if k < n % len(names) else 0)
        for j in range(share):
            d = docs[start + (j * count) // share]
            out.append(d.encode("utf-8")[:prompt_bytes].decode("utf-8", errors="ignore"))
        start += count
    return out


def heldout_sample(docs, splits, per_source_bytes=1400):
    """A few KB of held-out text: whole lines from the first held-out documents of each source
    (KJV chapter, Jargon File entries, fortunes), about per_source_bytes each."""
    text, start = "", 0
    for name in splits:
        count = splits[name]["val_documents"]
        budget = per_source_bytes
        for d in docs[start + 1:start + count]:
            for line in d.splitlines(keepends=True):
                if len(line.encode()) > budget:
                    budget = 0
                    break
                text += line
                budget -= len(line.encode())
            if budget <= 0:
                break
            text += "\n"
        text = text.rstrip("\n") + "\n\n"
        start += count
    return text.rstrip("\n") + "\n"


def acceptance_table(model, prompts, n_new, n_layers):
    pairs = [(e, d) for e in range(1, n_layers) for d in ACCEPT_D]
    totals = {p: {"drafted": 0, "accepted": 0, "rounds": 0} for p in pairs}
    for text in prompts:
        _, res = selfspec_acceptance(model, prompt_ids(text), n_new, pairs)
        for p, r in res.items():
            for k in r:
                totals[p][k] += r[k]
    rows = []
    for (e, d), r in totals.items():
        rows.append({"exit_layer": e, "speculations": d, "drafted": r["drafted"], "accepted": r["accepted"],
                     "acceptance_rate": r["accepted"] / r["drafted"],
                     "tokens_per_round": (len(prompts) * n_new) / r["rounds"]})
    return rows


def fixture(model, fixture_dir, sample_text):
    os.makedirs(fixture_dir, exist_ok=True)
    ids = prompt_ids(FIXTURE_TEXT)
    x = torch.tensor([ids])
    m64 = copy.deepcopy(model).double()
    with torch.no_grad():
        hs32 = model.hidden_states(x)
        hs64 = m64.hidden_states(x)
        full32 = model.exit_logits(hs32[-1])[0]
        full64 = m64.exit_logits(hs64[-1])[0]
        exit32 = torch.stack([model.exit_logits(h)[0, -1] for h in hs32])
        exit64 = torch.stack([m64.exit_logits(h)[0, -1] for h in hs64])
    cont32 = greedy_generate(model, ids, FIXTURE_NEW)
    cont64 = greedy_generate(m64, ids, FIXTURE_NEW)
    # Smallest top-1 / top-2 gap along the greedy path: how robust the token check is.
    with torch.no_grad():
        lg = m64(torch.tensor([ids + cont64]))[0, len(ids) - 1:-1]
        top2 = lg.topk(2, dim=-1).values
        min_gap = float((top2[:, 0] - top2[:, 1]).min())
    sample_ids = [BOS_ID] + list(sample_text.encode("utf-8"))
    from .evaluate import exit_nll
    nll, count = exit_nll(model, sample_ids, model.cfg.context_length)
    tensors = {
        "tokens": np.asarray(ids, dtype=np.int32),
        "logits_full": full32.numpy().astype(np.float32),
        "logits_full_f64": full64.numpy(),
        "logits_exit_last": exit32.numpy().astype(np.float32),
        "logits_exit_last_f64": exit64.numpy(),
        "greedy_tokens": np.asarray(cont32, dtype=np.int32),
        "sample_nll_per_exit": nll / count,
    }
    meta = {"prompt": FIXTURE_TEXT, "greedy_text": bytes(t for t in cont32 if t < 256).decode("utf-8", "replace"),
            "greedy_f32_equals_f64": str(cont32 == cont64), "greedy_min_top2_gap": f"{min_gap:.6f}",
            "sample_file": "heldout_sample.txt", "sample_bytes": str(count),
            "max_abs_diff_f32_f64_full": f"{float((full32.double() - full64).abs().max()):.3e}"}
    safetensors_io.save(os.path.join(fixture_dir, "golden.safetensors"), tensors, meta)
    with open(os.path.join(fixture_dir, "heldout_sample.txt"), "w", encoding="utf-8") as f:
        f.write(sample_text)
    return meta, (nll / count).tolist()


def export(args):
    torch.set_num_threads(args.threads)
    t0 = time.time()
    model, ckpt = load_model(args.checkpoint)
    cfg = model.cfg
    targs = ckpt["args"]
    val_ids = np.fromfile(os.path.join(args.data, "val.u16"), dtype="<u2")
    if args.val_tokens:
        val_ids = val_ids[:args.val_tokens]
    per_exit, n_bytes = exit_report(model, val_ids, cfg.context_length)
    print(json.dumps(per_exit, indent=1), flush=True)
    docs = val_documents(args.data)
    with open(os.path.join(args.data, "manifest.json")) as f:
        manifest = json.load(f)
    prompts = pick_prompts(docs, args.n_prompts, manifest["splits"])
    accept = acceptance_table(model, prompts, args.n_new, cfg.n_layers)
    samples = {}
    for e in (2, 4, cfg.n_layers):
        out = greedy_generate(model, prompt_ids(prompts[0]), 96, e)
        samples[f"exit_{e}"] = bytes(t for t in out if t < 256).decode("utf-8", "replace")

    os.makedirs(args.weights_dir, exist_ok=True)
    tensors = weight_tensors(model)
    n_params = count_parameters(model)
    arch = {
        "type": "llama-decoder-layerskip", "vocab_size": cfg.vocab_size, "dim": cfg.dim, "n_layers": cfg.n_layers,
        "n_heads": cfg.n_heads, "n_kv_heads": cfg.n_kv_heads, "head_dim": cfg.head_dim, "ffn_dim": cfg.ffn_dim,
        "context_length": cfg.context_length, "rope_theta": cfg.rope_theta,
        "rope_variant": "rotate_half (HF Llama): pairs (i, i + head_dim/2), inv_freq_i = theta^(-2i/head_dim)",
        "norm": "RMSNorm x * rsqrt(mean(x^2) + eps) * w", "norm_eps": cfg.norm_eps,
        "mlp": "SwiGLU w_down(silu(w_gate x) * w_up x)", "bias": False,
        "tie_embeddings": cfg.tie_embeddings, "gqa_mapping": "query head h uses kv head h // (n_heads / n_kv_heads)",
        "attention_scale": f"1/sqrt(head_dim) = {1 / math.sqrt(cfg.head_dim)}",
        "exit_head": "shared: norm.weight then head.weight, applicable after any layer",
        "weight_layout": "PyTorch [out, in]; y = W x", "dtype": "F32", "parameters": n_params,
    }
    tokenizer = {"type": "bytes", "vocab_size": 259, "byte_ids": "0..255 = UTF-8 bytes",
                 "bos_id": BOS_ID, "eos_id": EOS_ID, "pad_id": PAD_ID,
                 "usage": "prompt = [BOS] + bytes; each training document is BOS + bytes + EOS"}
    recipe = {
        "steps": ckpt["step"], "train_seconds": round(ckpt["elapsed_s"], 1),
        "tokens_seen": ckpt["step"] * targs["batch"] * cfg.context_length,
        "batch_sequences": targs["batch"], "sequence_length": cfg.context_length,
        "optimizer": "AdamW betas (0.9, 0.95), weight decay on matrices only",
        "lr_peak": targs["lr"], "lr_schedule": f"linear warmup {targs['warmup_frac']} of progress, cosine to "
                                               f"{targs['min_lr_frac']} x peak",
        "weight_decay": targs["weight_decay"], "grad_clip": targs["clip"], "seed": targs["seed"],
        "schedule_progress": "max(step / steps, elapsed / time_budget_s)",
        "steps_arg": targs["steps"], "time_budget_s": targs["time_budget_s"],
        "layer_dropout": {"p_max": targs["p_max"], "depth_scale": "D(l) = exp(l ln2 / (L-1)) - 1",
                          "time_scale": "S_exp(t) = exp(t ln2 / (T-1)) - 1" if targs["dropout_time"] == "exp"
                          else "S(t) = 1", "rate": "p_{l,t} = S(t) D(l) p_max", "granularity": "per sample"},
        "early_exit_loss": {"e_scale": targs["e_scale"], "curriculum": targs["curriculum"],
                            "rotational_R": targs["rot_r"], "exit_scale": targs.get("exit_scale", "paper"),
                            "scales_e_l": layerskip.exit_scales(cfg.n_layers, targs["e_scale"],
                                                                targs.get("exit_scale", "paper")),
                            "distill_weight": targs.get("distill", 0.0),
                            "formula": "J = sum_l e~(t,l) [CE(head(norm(x_{l+1})), Y) + distill_weight "
                                       "KL(p_L || p_l) (l < L-1, p_L detached)], e~ = C e / sum C e; "
                                       "last layer always on"},
        "checkpoint": os.path.basename(args.checkpoint),
        "corpus": {"script": "scripts/data/llm_corpus.py", "seed": manifest["seed"], "splits": manifest["splits"],
                   "train_tokens": manifest["train_tokens"], "val_tokens": manifest["val_tokens"]},
    }
    evaluation = {
        "heldout": {"split": "val (5% of documents per source)", "bytes_scored": n_bytes,
                    "protocol": "stream of BOS+doc+EOS, non-overlapping windows of context_length, "
                                "NLL averaged over byte targets only",
                    "per_exit": per_exit},
        "selfspec_greedy_acceptance": {
            "prompts": len(prompts), "prompt": "BOS + first 64 bytes of held-out documents, equal share per source",
            "new_tokens_per_prompt": args.n_new,
            "method": "exact: greedy self-spec emits the AR sequence; a draft is accepted while the exit-E "
                      "argmax equals the AR token; rounds draft min(d, remaining) and add one verifier token",
            "table": accept},
        "greedy_samples": {"prompt": prompts[0], **samples},
        "acceptance_prompts": prompts,
    }
    if ckpt.get("growth"):
        recipe["growth"] = {**ckpt["growth"], "method": "function-preserving (scripts/train/llm/grow.py): new residual "
                            "dims and units start at zero output, residual writes scaled by sqrt(d'/d), new layers "
                            "start as the identity"}
    meta_json = {"name": args.name, "architecture": arch, "tokenizer": tokenizer, "training": recipe,
                 "evaluation": evaluation}
    st_meta = {"format": "erg-llm-layerskip-v1", "config": json.dumps(arch), "bos_id": BOS_ID, "eos_id": EOS_ID,
               "pad_id": PAD_ID,
               "val_loss_per_exit": json.dumps([round(r["loss_nats_per_byte"], 5) for r in per_exit])}
    safetensors_io.save(os.path.join(args.weights_dir, args.name + ".safetensors"), tensors, st_meta)
    fixture_meta = {}
    if args.fixture_dir:
        fixture_meta, sample_nll = fixture(model, args.fixture_dir, heldout_sample(docs, manifest["splits"]))
        meta_json["evaluation"]["fixture"] = {"sample_nll_per_exit": sample_nll, **fixture_meta}
    with open(os.path.join(args.weights_dir, args.name + ".json"), "w") as f:
        json.dump(meta_json, f, indent=2)
    print(json.dumps({"export_seconds": round(time.time() - t0, 1), "params": n_params,
                      "fixture": fixture_meta}, indent=1))
    best = max(accept, key=lambda r: r["tokens_per_round"])
    print("acceptance (E, d, rate, tokens/round):")
    for r in accept:
        print(f"  E={r['exit_layer']} d={r['speculations']} rate={r['acceptance_rate']:.3f} "
              f"tok/round={r['tokens_per_round']:.2f}")
    print("max tokens/round:", best)
