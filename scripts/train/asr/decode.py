"""Greedy and beam-search RNN-T decoding and WER, as the C++ engine should do them.

Reads and writes nothing. Both take one utterance's encoder output (T, E) (already computed
by the streaming encoder) and return BPE token ids (blank excluded).
"""
import math

import torch


def _pred_step(model, token, state):
    """Run the predictor on one token per hypothesis. token (N,) -> (out (N, P), state)."""
    out, st = model.predictor(token[:, None], state)
    return out[:, 0], st


@torch.no_grad()
def greedy(model, enc, max_symbols=4, blank_penalty=0.0):
    """Greedy: at each frame emit argmax tokens until blank or max_symbols emitted.

    blank_penalty is subtracted from the blank logit before the argmax (and, in beam_search,
    before the log-softmax), as the C++ decoder's DecodeOptions::blank_penalty."""
    blank = model.blank
    e_proj = model.joiner.enc_proj(enc)                       # (T, J)
    p_out, state = _pred_step(model, torch.tensor([blank]), None)
    p_proj = model.joiner.pred_proj(p_out)                    # (1, J)
    hyp = []
    for t in range(enc.shape[0]):
        for _ in range(max_symbols):
            logits = model.joiner(e_proj[t:t + 1], p_proj)
            if blank_penalty:
                logits[..., blank] -= blank_penalty
            k = int(logits.argmax(-1))
            if k == blank:
                break
            hyp.append(k)
            p_out, state = _pred_step(model, torch.tensor([k]), state)
            p_proj = model.joiner.pred_proj(p_out)
    return hyp


@torch.no_grad()
def beam_search(model, enc, beam=4, blank_penalty=0.0):
    """Beam search with at most one symbol per frame (icefall's "modified beam search").

    Hypotheses: (tokens, log_prob, predictor projection, predictor state). At each frame,
    every hypothesis is extended by blank (tokens unchanged) and by each of its top `beam`
    non-blank tokens, using log_softmax of the joiner logits; candidates with the same
    token sequence are merged by log-sum-exp; the best `beam` survive; the predictor then
    runs once on each surviving hypothesis that emitted a token. The result is the
    hypothesis with the highest log-probability after the last frame.
    """
    blank = model.blank
    e_proj = model.joiner.enc_proj(enc)
    p_out, st = _pred_step(model, torch.tensor([blank]), None)
    hyps = [((), 0.0, model.joiner.pred_proj(p_out)[0], (st[0][:, 0], st[1][:, 0]))]
    for t in range(enc.shape[0]):
        p = torch.stack([h[2] for h in hyps])                           # (N, J)
        logits = model.joiner(e_proj[t:t + 1], p)                      # (N, V)
        if blank_penalty:
            logits[:, blank] -= blank_penalty
        lp = torch.log_softmax(logits, -1)
        cands = {}
        for n, (toks, score, pp, pst) in enumerate(hyps):
            s = score + float(lp[n, blank])
            _merge(cands, toks, s, (pp, pst, None))
            nb = lp[n].clone()
            nb[blank] = -math.inf
            vals, idx = nb.topk(beam)
            for v, k in zip(vals.tolist(), idx.tolist()):
                _merge(cands, toks + (k,), score + v, (pp, pst, k))
        best = sorted(cands.items(), key=lambda kv: -kv[1][0])[:beam]
        new = []
        ext = [(toks, s, aux) for toks, (s, aux) in best if aux[2] is not None]
        if ext:
            tok = torch.tensor([a[2] for _, _, a in ext])
            h0 = torch.stack([a[1][0] for _, _, a in ext], 1)
            c0 = torch.stack([a[1][1] for _, _, a in ext], 1)
            out, (h1, c1) = _pred_step(model, tok, (h0, c0))
            pp = model.joiner.pred_proj(out)
            ext_state = {toks: (pp[i], (h1[:, i], c1[:, i])) for i, (toks, _, _) in
                         enumerate(ext)}
        for toks, (s, aux) in best:
            if aux[2] is None:
                new.append((toks, s, aux[0], aux[1]))
            else:
                pp_i, st_i = ext_state[toks]
                new.append((toks, s, pp_i, st_i))
        hyps = new
    return list(max(hyps, key=lambda h: h[1])[0])


def _merge(cands, toks, score, aux):
    if toks in cands:
        old, old_aux = cands[toks]
        m = max(old, score)
        s = m + math.log(math.exp(old - m) + math.exp(score - m))
        # equal token sequences give equal predictor states, so either aux is correct
        cands[toks] = (s, old_aux if old >= score else aux)
    else:
        cands[toks] = (score, aux)


def edit_distance(a, b):
    d = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        prev, d[0] = d[0], i
        for j in range(1, len(b) + 1):
            cur = min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] != b[j - 1]))
            prev, d[j] = d[j], cur
    return d[len(b)]


def wer(refs, hyps):
    """Corpus WER in percent: total word edits / total reference words."""
    errs = sum(edit_distance(r.split(), h.split()) for r, h in zip(refs, hyps))
    n = sum(len(r.split()) for r in refs)
    return 100.0 * errs / max(1, n)
