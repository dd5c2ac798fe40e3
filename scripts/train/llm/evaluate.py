"""Per-exit perplexity and greedy self-speculative acceptance, measured in PyTorch."""

import math

import numpy as np
import torch

from .model import BOS_ID


@torch.no_grad()
def exit_nll(model, ids, context, batch=16):
    """Summed NLL (nats) per exit layer over byte targets (< 256), and the number of such targets.

    Protocol (the C++ `--eval` mirrors it): the stream is cut into consecutive
    non-overlapping windows of `context` inputs; window k feeds ids[k*ctx : k*ctx+ctx]
    at positions 0.. and predicts ids[k*ctx+1 : k*ctx+ctx+1]. Nothing is carried across windows.
    """
    ids = torch.as_tensor(np.asarray(ids, dtype=np.int64))
    L = model.cfg.n_layers
    nll = np.zeros(L, dtype=np.float64)
    count = 0
    starts = list(range(0, len(ids) - 1, context))
    full = [s for s in starts if s + context + 1 <= len(ids)]
    batches = [full[i:i + batch] for i in range(0, len(full), batch)]
    batches += [[s] for s in starts if s + context + 1 > len(ids)]
    for group in batches:
        n = min(context, len(ids) - 1 - group[0])
        inp = torch.stack([ids[s:s + n] for s in group])
        tgt = torch.stack([ids[s + 1:s + n + 1] for s in group])
        byte = tgt < 256
        if not bool(byte.any()):
            continue
        hs = model.hidden_states(inp)
        for l, h in enumerate(hs):
            logp = torch.log_softmax(model.exit_logits(h).double(), dim=-1)
            nll[l] -= logp.gather(-1, tgt[..., None]).squeeze(-1)[byte].sum().item()
        count += int(byte.sum())
    return nll, count


def exit_report(model, ids, context):
    nll, count = exit_nll(model, ids, context)
    return [{"exit_layer": l + 1, "loss_nats_per_byte": nll[l] / count,
             "bits_per_byte": nll[l] / count / math.log(2), "perplexity_per_byte": math.exp(nll[l] / count)}
            for l in range(len(nll))], count


@torch.no_grad()
def greedy_generate(model, prompt_ids, n_new, exit_layer=None):
    """Greedy decoding by full recomputation (reference; no KV cache)."""
    ids = list(prompt_ids)
    for _ in range(n_new):
        logits = model(torch.tensor([ids[-model.cfg.context_length:]]), exit_layer)
        ids.append(int(logits[0, -1].argmax()))
    return ids[len(prompt_ids):]


@torch.no_grad()
def selfspec_acceptance(model, prompt_ids, n_new, pairs):
    """Greedy self-speculative acceptance for each (E, d), computed exactly from one pass.

    Greedy self-speculation emits the autoregressive (full-depth) sequence. While drafts
    match it, the drafter's context is a prefix of that sequence, so the draft at position j
    is the exit-E argmax there. A round starting at output index p drafts k = min(d, n_new - p)
    tokens, accepts the longest prefix j = p.. where exit-E argmax == AR token, and then takes
    one verifier token. Prompt + n_new must fit in the context.
    """
    ar = greedy_generate(model, prompt_ids, n_new)
    seq = list(prompt_ids) + ar
    assert len(seq) <= model.cfg.context_length
    hs = model.hidden_states(torch.tensor([seq]))
    p0 = len(prompt_ids)
    # agree[E][i]: exit-E prediction at position p0-1+i equals ar[i]
    agree = {}
    for e in sorted({e for e, _ in pairs}):
        pred = model.exit_logits(hs[e - 1])[0].argmax(-1).tolist()
        agree[e] = [pred[p0 - 1 + i] == ar[i] for i in range(n_new)]
    out = {}
    for e, d in pairs:
        p = drafted = accepted = rounds = 0
        while p < n_new:
            k = min(d, n_new - p)
            m = 0
            while m < k and agree[e][p + m]:
                m += 1
            drafted += k
            accepted += m
            rounds += 1
            p += m + 1
        out[(e, d)] = {"drafted": drafted, "accepted": accepted, "rounds": rounds}
    return ar, out


def prompt_ids(text):
    return [BOS_ID] + list(text.encode("utf-8"))
