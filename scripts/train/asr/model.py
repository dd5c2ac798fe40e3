"""RNN-T model for erg's streaming ASR: encoders (LSTM, Emformer-lite), predictor, joiner.

Reads and writes nothing. Every op here is meant to be reimplemented exactly in C++
(models/asr); models/asr/TRAINING.md writes the same forward pass as equations.
Feature input is raw Kaldi fbank (T, n_mels); normalization happens in `normalize`.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def stack_frames(x, lengths, stack):
    """(B, T, F) -> (B, T // stack, F * stack): non-overlapping stacking, frame-major.

    Output frame t is [x[stack*t], x[stack*t+1], ..., x[stack*t+stack-1]] concatenated;
    a trailing partial group is dropped.
    """
    b, t, f = x.shape
    t2 = t // stack
    return x[:, : t2 * stack].reshape(b, t2, f * stack), lengths // stack


class LstmEncoder(nn.Module):
    """Frame stacking -> `layers` unidirectional LSTMs (PyTorch gate order i, f, g, o)."""

    def __init__(self, n_mels=80, stack=4, hidden=240, layers=3, dropout=0.1):
        super().__init__()
        self.stack = stack
        self.hidden = hidden
        self.lstm = nn.ModuleList(
            [nn.LSTM(n_mels * stack if i == 0 else hidden, hidden, batch_first=True)
             for i in range(layers)])
        self.dropout = nn.Dropout(dropout)
        self.out_dim = hidden

    def forward(self, feats, lengths, state=None):
        """feats (B, T, n_mels) normalized. Returns (out (B, T', H), lengths', new_state).

        state is a list of (h, c) per layer, each (1, B, H); None means zeros.
        """
        x, lengths = stack_frames(feats, lengths, self.stack)
        new_state = []
        for i, lstm in enumerate(self.lstm):
            x, st = lstm(x, None if state is None else state[i])
            new_state.append(st)
            if i + 1 < len(self.lstm):
                x = self.dropout(x)
        return x, lengths, new_state


class EmformerLayer(nn.Module):
    """Pre-LN transformer layer over a window of [left cache | chunk | lookahead]."""

    def __init__(self, d, heads, ffn, n_rel, dropout):
        super().__init__()
        self.d, self.h = d, heads
        self.ln_attn = nn.LayerNorm(d)
        self.q = nn.Linear(d, d)
        self.k = nn.Linear(d, d)
        self.v = nn.Linear(d, d)
        self.o = nn.Linear(d, d)
        self.rel_bias = nn.Parameter(torch.zeros(heads, n_rel))
        self.ln_ffn = nn.LayerNorm(d)
        self.ffn1 = nn.Linear(d, ffn)
        self.ffn2 = nn.Linear(ffn, d)
        self.drop = nn.Dropout(dropout)

    def forward(self, x, k_cache, v_cache, allowed, rel_index):
        """x (B, W, d) window input; k_cache/v_cache (B, Lc, d) projected keys/values of the
        left context; allowed (B, W or 1, Lc + W) bool; rel_index (W, Lc + W) long into
        rel_bias. Returns (y (B, W, d), k (B, W, d), v (B, W, d)) with k, v of this window."""
        b, w, d = x.shape
        hd = d // self.h
        z = self.ln_attn(x)
        q = self.q(z)
        k_new = self.k(z)
        v_new = self.v(z)
        k = torch.cat([k_cache, k_new], 1)
        v = torch.cat([v_cache, v_new], 1)
        n = k.shape[1]
        qh = q.view(b, w, self.h, hd).transpose(1, 2)              # B,H,W,hd
        kh = k.view(b, n, self.h, hd).transpose(1, 2)              # B,H,N,hd
        vh = v.view(b, n, self.h, hd).transpose(1, 2)
        scores = qh @ kh.transpose(-1, -2) / math.sqrt(hd)         # B,H,W,N
        scores = scores + self.rel_bias[:, rel_index].unsqueeze(0)
        scores = scores.masked_fill(~allowed[:, None], -1e9)
        att = torch.softmax(scores, -1)
        y = (self.drop(att) @ vh).transpose(1, 2).reshape(b, w, d)
        x = x + self.drop(self.o(y))
        x = x + self.drop(self.ffn2(self.drop(F.relu(self.ffn1(self.ln_ffn(x))))))
        return x, k_new, v_new


class EmformerEncoder(nn.Module):
    """Emformer-lite: stacking -> linear -> chunked pre-LN transformer -> final LayerNorm.

    The stacked sequence is cut into chunks of `chunk` frames. Chunk c sees a window of
    W = chunk + right frames of layer input (its own frames plus `right` lookahead frames,
    fewer at the end of the stream) and, in every layer, the cached keys/values of the last
    `left` chunk frames of that layer from earlier chunks. Only the chunk frames' outputs are
    emitted and only their keys/values enter the cache; lookahead frames are recomputed as
    part of the next chunk. No memory bank, no absolute positions: each head adds a learned
    bias indexed by (key position - query position).
    """

    def __init__(self, n_mels=80, stack=4, d=192, heads=4, ffn=512, layers=4, chunk=8,
                 left=24, right=2, dropout=0.1):
        super().__init__()
        self.stack, self.d, self.chunk, self.left, self.right = stack, d, chunk, left, right
        self.n_rel = left + 2 * (chunk + right) - 1
        self.rel_offset = left + chunk + right - 1     # index of relative distance 0
        self.inp = nn.Linear(n_mels * stack, d)
        self.layers = nn.ModuleList(
            [EmformerLayer(d, heads, ffn, self.n_rel, dropout) for _ in range(layers)])
        self.ln_out = nn.LayerNorm(d)
        self.drop = nn.Dropout(dropout)
        self.out_dim = d

    def init_state(self, b, device=None):
        """Per layer: (k cache, v cache) of shape (B, 0, d) and a validity mask (B, 0)."""
        z = torch.zeros(b, 0, self.d, device=device)
        return {"kv": [(z, z) for _ in self.layers],
                "valid": torch.zeros(b, 0, dtype=torch.bool, device=device)}

    def rel_index(self, lc, w):
        qpos = torch.arange(w)[:, None]
        kpos = torch.arange(-lc, w)[None, :]
        return kpos - qpos + self.rel_offset

    def forward_window(self, x, win_valid, n_emit, state):
        """Run one window x (B, W, d) (already projected) whose first n_emit frames are the
        chunk. Returns (out (B, n_emit, d), new_state)."""
        kv, cvalid = state["kv"], state["valid"]
        key_valid = torch.cat([cvalid, win_valid], 1)
        rel = self.rel_index(cvalid.shape[1], x.shape[1]).to(x.device)
        new_kv = []
        for layer, (kc, vc) in zip(self.layers, kv):
            x, k, v = layer(x, kc, vc, key_valid[:, None, :], rel)
            new_kv.append((torch.cat([kc, k[:, :n_emit]], 1)[:, -self.left:],
                           torch.cat([vc, v[:, :n_emit]], 1)[:, -self.left:]))
        new_valid = torch.cat([cvalid, win_valid[:, :n_emit]], 1)[:, -self.left:]
        return self.ln_out(x[:, :n_emit]), {"kv": new_kv, "valid": new_valid}

    def forward(self, feats, lengths, state=None):
        """Streaming (chunk loop) when state is given or in eval mode, else the equivalent
        parallel form with right-context copies (used for training)."""
        if state is None and self.training:
            return self.forward_parallel(feats, lengths)
        x, lengths = stack_frames(feats, lengths, self.stack)
        x = self.drop(self.inp(x))
        b, t, _ = x.shape
        valid = torch.arange(t, device=x.device)[None, :] < lengths[:, None]
        if state is None:
            state = self.init_state(b, x.device)
        outs = []
        for s in range(0, t, self.chunk):
            e = min(s + self.chunk, t)
            we = min(e + self.right, t)
            o, state = self.forward_window(x[:, s:we], valid[:, s:we], e - s, state)
            outs.append(o)
        out = torch.cat(outs, 1) if outs else x.new_zeros(b, 0, self.d)
        return out, lengths, state


    def forward_parallel(self, feats, lengths):
        """Same result as the chunk loop, computed for all chunks at once (Emformer-style):
        the lookahead frames of every chunk are appended as separate copies whose layer
        outputs evolve separately, and an attention mask gives every query exactly the keys
        its streaming window would see."""
        x, lengths = stack_frames(feats, lengths, self.stack)
        x = self.drop(self.inp(x))
        b, t, d = x.shape
        C, R, L = self.chunk, self.right, self.left
        n = (t + C - 1) // C
        tp = n * C
        xp = F.pad(x, (0, 0, 0, tp + R - t))
        rpos = torch.tensor([(c + 1) * C + r for c in range(n) for r in range(R)],
                            dtype=torch.long)
        pos = torch.cat([torch.arange(tp), rpos])
        is_main = torch.cat([torch.ones(tp, dtype=torch.bool), torch.zeros(n * R, dtype=torch.bool)])
        chunk_id = torch.cat([torch.arange(tp) // C,
                              torch.arange(n).repeat_interleave(R)])
        s = torch.cat([xp[:, :tp], xp[:, rpos]], 1)
        cq, ck = chunk_id[:, None], chunk_id[None, :]
        pk = pos[None, :]
        allowed = torch.where(is_main[None, :], (pk < (cq + 1) * C) & (pk >= cq * C - L),
                              ck == cq)
        valid = pos[None, :].to(x.device) < lengths[:, None]            # (B, K)
        allowed = allowed[None].to(x.device) & valid[:, None, :]
        # pairs outside a window are masked; clamp only keeps their index in range
        rel = (pos[None, :] - pos[:, None] + self.rel_offset).clamp(0, self.n_rel - 1)
        rel = rel.to(x.device)
        empty = s.new_zeros(b, 0, d)
        for layer in self.layers:
            s, _, _ = layer(s, empty, empty, allowed, rel)
        return self.ln_out(s[:, :t]), lengths, None


class Predictor(nn.Module):
    """Embedding (vocab + 1 rows; row `blank` is the start symbol) -> one LSTM layer."""

    def __init__(self, n_tokens, blank, embed=128, hidden=192, dropout=0.1):
        super().__init__()
        self.blank = blank
        self.embed = nn.Embedding(n_tokens, embed)
        self.lstm = nn.LSTM(embed, hidden, batch_first=True)
        self.drop = nn.Dropout(dropout)
        self.out_dim = hidden

    def forward(self, tokens, state=None):
        """tokens (B, U) -> (out (B, U, H), (h, c))."""
        y, st = self.lstm(self.drop(self.embed(tokens)), state)
        return self.drop(y), st


class Joiner(nn.Module):
    """logits = out(tanh(enc_proj(e) + pred_proj(p)))."""

    def __init__(self, enc_dim, pred_dim, dim, n_out):
        super().__init__()
        self.enc_proj = nn.Linear(enc_dim, dim)
        self.pred_proj = nn.Linear(pred_dim, dim)
        self.out = nn.Linear(dim, n_out)

    def forward(self, e, p):
        return self.out(torch.tanh(e + p))   # e, p already projected


class RnntModel(nn.Module):
    def __init__(self, encoder_kind, n_bpe, n_chars, cfg):
        super().__init__()
        self.kind = encoder_kind
        self.cfg = cfg
        self.blank = n_bpe                   # token ids 0..n_bpe-1, blank = n_bpe
        self.n_out = n_bpe + 1
        if encoder_kind == "lstm":
            self.encoder = LstmEncoder(cfg["n_mels"], cfg["stack"], cfg["hidden"],
                                       cfg["layers"], cfg["dropout"])
        else:
            self.encoder = EmformerEncoder(cfg["n_mels"], cfg["stack"], cfg["d"], cfg["heads"],
                                           cfg["ffn"], cfg["layers"], cfg["chunk"],
                                           cfg["left"], cfg["right"], cfg["dropout"])
        self.predictor = Predictor(self.n_out, self.blank, cfg["pred_embed"],
                                   cfg["pred_hidden"], cfg["dropout"])
        self.joiner = Joiner(self.encoder.out_dim, self.predictor.out_dim, cfg["joiner_dim"],
                             self.n_out)
        self.ctc_head = nn.Linear(self.encoder.out_dim, n_chars)   # training only
        self.register_buffer("feat_mean", torch.zeros(cfg["n_mels"]))
        self.register_buffer("feat_std", torch.ones(cfg["n_mels"]))

    def normalize(self, feats):
        return (feats - self.feat_mean) / self.feat_std

    def encode(self, feats, lengths, state=None):
        return self.encoder(self.normalize(feats), lengths, state)


def count_params(module):
    return sum(p.numel() for p in module.parameters())
