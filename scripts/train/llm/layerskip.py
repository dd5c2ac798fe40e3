"""LayerSkip training recipe (papers.md 2.2, 2.3): layer dropout and the early-exit loss."""

import math

import torch
import torch.nn.functional as F


def depth_scale(layer, n_layers):
    """D(l) = exp(l ln2 / (L-1)) - 1: 0 at layer 0, 1 at layer L-1."""
    return math.exp(layer * math.log(2.0) / (n_layers - 1)) - 1.0


def time_scale(progress, kind):
    """S(t): 'exp' is S_exp = exp(t ln2 / (T-1)) - 1 with progress = t / (T-1); 'one' is S = 1."""
    if kind == "one":
        return 1.0
    return math.exp(progress * math.log(2.0)) - 1.0


def dropout_rates(n_layers, p_max, progress, time_kind):
    """p_{l,t} = S(t) D(l) p_max for every layer l."""
    s = time_scale(progress, time_kind)
    return [s * depth_scale(l, n_layers) * p_max for l in range(n_layers)]


def exit_scales(n_layers, e_scale, kind="paper"):
    """'paper': e(l) = e_scale * sum_{i<=l} i for l < L-1; e(L-1) = (L-1) + e_scale * sum_{i<=L-2} i.
    'uniform': e(l) = 1 for every layer, so shallow exits (the drafters) weigh as much as deep ones."""
    if kind == "uniform":
        return [1.0] * n_layers
    e = [e_scale * sum(range(l + 1)) for l in range(n_layers - 1)]
    e.append((n_layers - 1) + e_scale * sum(range(n_layers - 1)))
    return e


def curriculum(n_layers, step, progress, kind, rot_r):
    """C(t, l) as booleans. The last layer is always on (as in torchtune)."""
    if kind == "none":
        on = [True] * n_layers
    elif kind == "rot":
        # Every R-th layer, shifted by one layer each step.
        on = [(l - step) % rot_r == 0 for l in range(n_layers)]
    elif kind == "grad":
        # Layer i turns on once progress >= 0.5 (L - 1 - i) / L, from L-1 down to 0.
        on = [progress >= 0.5 * (n_layers - 1 - l) / n_layers for l in range(n_layers)]
    else:
        raise ValueError(f"unknown curriculum {kind!r}")
    on[-1] = True
    return on


def exit_weights(n_layers, e_scale, step, progress, kind, rot_r, scale_kind="paper"):
    """Normalised e~(t, l) = C(t,l) e(l) / sum_i C(t,i) e(i); zero for layers switched off."""
    e = exit_scales(n_layers, e_scale, scale_kind)
    c = curriculum(n_layers, step, progress, kind, rot_r)
    w = [ci * ei for ci, ei in zip(c, e)]
    total = sum(w)
    return [wi / total for wi in w]


def forward_with_layer_dropout(model, ids, rates, gen):
    """Residual stream after each layer with per-sample layer dropout:
    x_{l+1} = x_l + M(p_l) f_l(x_l). Dropped samples skip the layer's compute entirely."""
    x = model.embed(ids)
    cos, sin = model.rope(ids.shape[1], ids.device, x.dtype)
    b = ids.shape[0]
    hs = []
    for layer, p in zip(model.layers, rates):
        if p > 0.0:
            keep = torch.rand(b, generator=gen) >= p
            if bool(keep.all()):
                x = layer(x, cos, sin)
            elif bool(keep.any()):
                idx = keep.nonzero().squeeze(1)
                x = x.index_copy(0, idx, layer(x.index_select(0, idx), cos, sin))
        else:
            x = layer(x, cos, sin)
        hs.append(x)
    return hs


def early_exit_loss(model, hs, targets, weights, distill=0.0):
    """J = sum_l e~(t,l) CE(g(x_{l+1}), Y) with g the shared norm + head. Returns (J, per-layer CE).

    distill > 0 adds sum_{l<L-1} e~(t,l) distill KL(p_L || p_l) with p_L detached: self-distillation
    of each exit towards the full-depth prediction. Greedy self-speculation accepts a draft when
    the exit's argmax equals the full model's, so this trains exactly what acceptance measures
    (an extension of the paper's recipe, off by default)."""
    total = 0.0
    per_layer = [None] * len(hs)
    # The last layer is always on: its logits serve its CE term and, detached, the distillation.
    final = model.exit_logits(hs[-1])
    final_logp = None
    if distill > 0.0:
        final_logp = F.log_softmax(final.detach().reshape(-1, final.shape[-1]), dim=-1)
    for l, (h, w) in enumerate(zip(hs, weights)):
        if w == 0.0:
            continue
        logits = final if l == len(hs) - 1 else model.exit_logits(h)
        flat = logits.reshape(-1, logits.shape[-1])
        ce = F.cross_entropy(flat, targets.reshape(-1))
        per_layer[l] = ce.item()
        total = total + w * ce
        if final_logp is not None and l < len(hs) - 1:
            kl = F.kl_div(F.log_softmax(flat, dim=-1), final_logp, reduction="batchmean", log_target=True)
            total = total + w * distill * kl
    return total, per_layer
