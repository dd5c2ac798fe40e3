"""Llama-style byte-level decoder with a shared exit head (LayerSkip).

The forward pass here is the reference for the C++ engine in models/llm; every op
is spelled out in models/llm/TRAINING.md. Keep the two in sync.
"""

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F

BOS_ID = 256
EOS_ID = 257
PAD_ID = 258
VOCAB_SIZE = 259


@dataclass
class Config:
    vocab_size: int = VOCAB_SIZE
    dim: int = 192
    n_layers: int = 8
    n_heads: int = 6
    n_kv_heads: int = 2
    head_dim: int = 32
    ffn_dim: int = 512
    context_length: int = 256
    rope_theta: float = 10000.0
    norm_eps: float = 1e-5
    tie_embeddings: bool = False

    def to_dict(self):
        return asdict(self)


class RMSNorm(torch.nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = torch.nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_tables(head_dim, positions, theta, dtype):
    """cos/sin of shape [T, head_dim/2]: angle[t, i] = pos[t] * theta^(-2i/head_dim)."""
    i = torch.arange(0, head_dim // 2, dtype=torch.float64)
    inv_freq = theta ** (-2.0 * i / head_dim)
    angles = positions.to(torch.float64)[:, None] * inv_freq[None, :]
    return torch.cos(angles).to(dtype), torch.sin(angles).to(dtype)


def apply_rope(x, cos, sin):
    """HF-Llama rotate-half: pairs (i, i + head_dim/2). x: [B, H, T, head_dim]."""
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)


class Attention(torch.nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.wq = torch.nn.Linear(cfg.dim, cfg.n_heads * cfg.head_dim, bias=False)
        self.wk = torch.nn.Linear(cfg.dim, cfg.n_kv_heads * cfg.head_dim, bias=False)
        self.wv = torch.nn.Linear(cfg.dim, cfg.n_kv_heads * cfg.head_dim, bias=False)
        self.wo = torch.nn.Linear(cfg.n_heads * cfg.head_dim, cfg.dim, bias=False)

    def forward(self, x, cos, sin):
        cfg = self.cfg
        b, t, _ = x.shape
        q = self.wq(x).view(b, t, cfg.n_heads, cfg.head_dim).transpose(1, 2)
        k = self.wk(x).view(b, t, cfg.n_kv_heads, cfg.head_dim).transpose(1, 2)
        v = self.wv(x).view(b, t, cfg.n_kv_heads, cfg.head_dim).transpose(1, 2)
        q = apply_rope(q, cos, sin)
        k = apply_rope(k, cos, sin)
        # GQA: query head h reads kv head h // (n_heads / n_kv_heads).
        group = cfg.n_heads // cfg.n_kv_heads
        k = k.repeat_interleave(group, dim=1)
        v = v.repeat_interleave(group, dim=1)
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(cfg.head_dim)
        mask = torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1)
        scores = scores.masked_fill(mask, float("-inf"))
        out = torch.softmax(scores, dim=-1) @ v
        return self.wo(out.transpose(1, 2).reshape(b, t, cfg.n_heads * cfg.head_dim))


class Block(torch.nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.attn_norm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.attn = Attention(cfg)
        self.mlp_norm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.w_gate = torch.nn.Linear(cfg.dim, cfg.ffn_dim, bias=False)
        self.w_up = torch.nn.Linear(cfg.dim, cfg.ffn_dim, bias=False)
        self.w_down = torch.nn.Linear(cfg.ffn_dim, cfg.dim, bias=False)

    def forward(self, x, cos, sin):
        h = x + self.attn(self.attn_norm(x), cos, sin)
        m = self.mlp_norm(h)
        return h + self.w_down(F.silu(self.w_gate(m)) * self.w_up(m))


class LayerSkipLM(torch.nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.embed = torch.nn.Embedding(cfg.vocab_size, cfg.dim)
        self.layers = torch.nn.ModuleList([Block(cfg) for _ in range(cfg.n_layers)])
        self.norm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.head = torch.nn.Linear(cfg.dim, cfg.vocab_size, bias=False)
        if cfg.tie_embeddings:
            self.head.weight = self.embed.weight
        self.reset_parameters()

    def reset_parameters(self):
        std = 0.02
        for name, p in self.named_parameters():
            if p.dim() == 2:
                torch.nn.init.normal_(p, 0.0, std)
            if name.endswith("wo.weight") or name.endswith("w_down.weight"):
                torch.nn.init.normal_(p, 0.0, std / math.sqrt(2 * self.cfg.n_layers))

    def exit_logits(self, h):
        """Shared exit: final RMSNorm + LM head, applicable to any layer's output."""
        return self.head(self.norm(h))

    def rope(self, t, device, dtype):
        pos = torch.arange(t, device=device)
        return rope_tables(self.cfg.head_dim, pos, self.cfg.rope_theta, dtype)

    def hidden_states(self, ids):
        """Returns [h_1, ..., h_L]: residual stream after each layer (no dropout)."""
        x = self.embed(ids)
        cos, sin = self.rope(ids.shape[1], ids.device, x.dtype)
        out = []
        for layer in self.layers:
            x = layer(x, cos, sin)
            out.append(x)
        return out

    def forward(self, ids, exit_layer=None):
        """Logits after `exit_layer` layers (default: all L)."""
        hs = self.hidden_states(ids)
        e = self.cfg.n_layers if exit_layer is None else exit_layer
        return self.exit_logits(hs[e - 1])


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())
