"""Function-preserving growth of a LayerSkip model: wider and deeper, same outputs at init.

Used to start llm-layerskip-m from the shipped llm-layerskip instead of from scratch (the
2-core training budget buys ~1M tokens at 19M parameters; the small model already saw 8.2M).

Width (d -> d', H -> H', KV -> KV', F -> F', same head_dim): the old residual stream occupies
dims [0, d) and the new dims start at zero; every weight that writes into the new dims (rows
d.. of wo and w_down, columns d.. of the embedding) and every output weight of a new head or
new FFN unit is zero, so the new dims stay zero and the new units add nothing. Weights that
read the new dims or feed new units keep their random init (they see zeros at first, so they
change nothing, and they give the gradients somewhere to go). RMSNorm over d' dims of [x; 0]
would see mean(x^2) * d / d', so everything that writes the residual stream (the embedding, wo,
w_down) is scaled by c = sqrt(d' / d): the stream is [c x; 0], whose rsqrt(mean + eps) equals
x's exactly, eps included, and the old norm weights are divided by c to undo the numerator's c.
Old query heads keep indices [0, H) and old kv heads [0, KV); with H'/KV' = H/KV the GQA map
h // (H / KV) sends every old head to its old kv head.

Depth (L -> L'): new layers go on top of the old ones (or evenly between them), with
wo = w_down = 0, so each is the identity on the residual stream at init. On top keeps the old,
trained layers as the self-speculative drafter: exit E <= L of the grown model starts as the old
model's exit E, at a smaller share E / L' of the depth.
"""

import math

import torch

from llm.model import Config, LayerSkipLM


def insert_positions(old_layers, new_layers, placement="end"):
    """Indices in the grown stack of the old layers: all first ("end": the new layers go on top,
    so exit k of the grown model is exit k of the old one), or spread so new layers fall evenly
    between old ones ("spread")."""
    added = new_layers - old_layers
    if added < 0:
        raise ValueError("growth cannot remove layers")
    if placement == "end":
        return list(range(old_layers))
    # After every old layer k with (k + 1) * added // old_layers crossing an integer, add one.
    pos, out = 0, []
    for k in range(old_layers):
        out.append(pos)
        pos += 1 + ((k + 1) * added // old_layers - k * added // old_layers)
    return out


@torch.no_grad()
def grow(small, big_cfg, seed=0, placement="end"):
    """Returns a LayerSkipLM with config big_cfg whose logits at init equal small's at every
    old exit (exit k of small is exit positions[k] + 1 of the grown model)."""
    s = small.cfg
    if big_cfg.head_dim != s.head_dim or big_cfg.dim < s.dim or big_cfg.ffn_dim < s.ffn_dim:
        raise ValueError("growth keeps head_dim and never shrinks dim or ffn_dim")
    if big_cfg.n_heads * s.n_kv_heads != s.n_heads * big_cfg.n_kv_heads:
        raise ValueError("growth keeps the query heads per kv head")
    torch.manual_seed(seed)
    big = LayerSkipLM(big_cfg)
    d, hd = s.dim, s.head_dim
    qd, kvd, f = s.n_heads * hd, s.n_kv_heads * hd, s.ffn_dim
    c = math.sqrt(big_cfg.dim / d)

    def norm_into(dst, src):
        dst[:d] = src / c

    big.embed.weight[:, d:] = 0
    big.embed.weight[:, :d] = c * small.embed.weight
    big.head.weight[:, :d] = small.head.weight
    norm_into(big.norm.weight, small.norm.weight)
    positions = insert_positions(s.n_layers, big_cfg.n_layers, placement)
    old_at = {p: k for k, p in enumerate(positions)}
    for i, layer in enumerate(big.layers):
        if i not in old_at:
            layer.attn.wo.weight.zero_()
            layer.w_down.weight.zero_()
            continue
        old = small.layers[old_at[i]]
        norm_into(layer.attn_norm.weight, old.attn_norm.weight)
        norm_into(layer.mlp_norm.weight, old.mlp_norm.weight)
        layer.attn.wq.weight[:qd, :d] = old.attn.wq.weight
        layer.attn.wk.weight[:kvd, :d] = old.attn.wk.weight
        layer.attn.wv.weight[:kvd, :d] = old.attn.wv.weight
        layer.attn.wo.weight.zero_()
        layer.attn.wo.weight[:d, :qd] = c * old.attn.wo.weight
        layer.w_gate.weight[:f, :d] = old.w_gate.weight
        layer.w_up.weight[:f, :d] = old.w_up.weight
        layer.w_down.weight.zero_()
        layer.w_down.weight[:d, :f] = c * old.w_down.weight
    return big, positions


def config_like(small_cfg, dim, n_layers, n_heads, n_kv_heads, ffn_dim):
    return Config(vocab_size=small_cfg.vocab_size, dim=dim, n_layers=n_layers, n_heads=n_heads,
                  n_kv_heads=n_kv_heads, head_dim=small_cfg.head_dim, ffn_dim=ffn_dim,
                  context_length=small_cfg.context_length, rope_theta=small_cfg.rope_theta,
                  norm_eps=small_cfg.norm_eps, tie_embeddings=small_cfg.tie_embeddings)


def load_safetensors_model(path):
    """A LayerSkipLM from an exported erg model (F16 or F32 safetensors with its config)."""
    import json

    from llm import safetensors_io

    tensors, meta = safetensors_io.load(path)
    arch = json.loads(meta["config"])
    keys = Config().to_dict().keys()
    model = LayerSkipLM(Config(**{k: arch[k] for k in keys if k in arch}))
    sd = {}
    for name, arr in tensors.items():
        key = name
        for w in ("wq", "wk", "wv", "wo"):
            key = key.replace(f".{w}.weight", f".attn.{w}.weight")
        sd[key] = torch.from_numpy(arr.astype("float32"))
    model.load_state_dict(sd)
    model.eval()
    return model
