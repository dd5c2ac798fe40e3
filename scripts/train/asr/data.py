"""Features, transcripts and batching for the ASR trainer.

Reads the corpus written by scripts/data/asr/make_corpus.py (<data>/<split>.tsv and WAVs).
Writes feature caches under <data>/feats/: <split>_m80_c<k>.npy (float16 fbank frames of every
utterance, concatenated) and <split>_m80_c<k>.idx.npy (int64 offsets, N + 1), where copy k = 0 is
the clean audio and k >= 1 an augmented copy (scripts/data/asr/augment.py, seed-determined;
recipe "basic" is augment(), recipe "room" is augment_room() and recipe "voice"
augment_voice(); their caches are named <split>_m80_room<k> and <split>_m80_voice<k>).
"""
import multiprocessing as mp
import os
import sys
import wave

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "data", "asr"))
import augment  # noqa: E402

# CTC character set: index 0 is the CTC blank.
CHARS = ["<b>", " "] + [chr(c) for c in range(ord("a"), ord("z") + 1)] + ["'"]
CHAR_ID = {c: i for i, c in enumerate(CHARS)}

FBANK_OPTS = dict(frame_length=25.0, frame_shift=10.0, dither=0.0, energy_floor=0.0,
                  sample_frequency=16000.0, window_type="povey", preemphasis_coefficient=0.97,
                  remove_dc_offset=True, round_to_power_of_two=True, snip_edges=True,
                  low_freq=20.0, high_freq=0.0, use_energy=False, use_log_fbank=True,
                  use_power=True)


def read_tsv(path):
    with open(path) as f:
        header = f.readline().rstrip("\n").split("\t")
        return [dict(zip(header, line.rstrip("\n").split("\t"))) for line in f]


def read_wav(path):
    """16 kHz mono 16-bit WAV -> float32 numpy in [-1, 1)."""
    with wave.open(path, "rb") as w:
        assert w.getframerate() == 16000 and w.getnchannels() == 1 and w.getsampwidth() == 2
        return np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768.0


def fbank(x, n_mels):
    """Kaldi fbank of float audio in [-1, 1); samples are scaled to int16 range first."""
    import torchaudio.compliance.kaldi as kaldi
    wav = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))[None] * 32768.0
    return kaldi.fbank(wav, num_mel_bins=n_mels, **FBANK_OPTS)


def char_ids(text):
    return [CHAR_ID[c] for c in text]


def _feat_job(args):
    paths, copy, seed, n_mels, recipe = args
    torch.set_num_threads(1)
    out = []
    for i, p in paths:
        x = read_wav(p)
        if copy > 0 and recipe == "room":
            x = augment.augment_room(x, np.random.default_rng([seed, 1000 + copy, i]))
        elif copy > 0 and recipe == "voice":
            x = augment.augment_voice(x, np.random.default_rng([seed, 2000 + copy, i]))
        elif copy > 0:
            x = augment.augment(x, np.random.default_rng([seed, copy, i]), 1.0)
        out.append(fbank(x, n_mels).numpy().astype(np.float16))
    return out


def cache_prefix(data_dir, split, copy, n_mels=80, recipe="basic"):
    kind = recipe if recipe in ("room", "voice") and copy > 0 else "c"
    return os.path.join(data_dir, "feats", f"{split}_m{n_mels}_{kind}{copy}")


def build_cache(data_dir, split, copy, n_mels=80, seed=1234, jobs=2, recipe="basic"):
    """Compute (or reuse) the feature cache for one split and copy; returns its prefix."""
    d = os.path.join(data_dir, "feats")
    os.makedirs(d, exist_ok=True)
    prefix = cache_prefix(data_dir, split, copy, n_mels, recipe)
    if os.path.exists(prefix + ".idx.npy"):
        return prefix
    rows = read_tsv(os.path.join(data_dir, f"{split}.tsv"))
    items = [(i, r["path"]) for i, r in enumerate(rows)]
    chunks = [(items[s:s + 200], copy, seed, n_mels, recipe)
              for s in range(0, len(items), 200)]
    feats = []
    with mp.Pool(jobs) as pool:
        for part in pool.imap(_feat_job, chunks):
            feats.extend(part)
    offs = np.zeros(len(feats) + 1, np.int64)
    offs[1:] = np.cumsum([f.shape[0] for f in feats])
    tmp = f"{prefix}.tmp{os.getpid()}"
    np.save(tmp + ".npy", np.concatenate(feats, 0))
    os.replace(tmp + ".npy", prefix + ".npy")
    np.save(tmp + ".idx.npy", offs)
    os.replace(tmp + ".idx.npy", prefix + ".idx.npy")
    return prefix


class FeatCache:
    def __init__(self, prefix):
        self.data = np.load(prefix + ".npy", mmap_mode="r")
        self.offs = np.load(prefix + ".idx.npy")

    def __len__(self):
        return len(self.offs) - 1

    def get(self, i):
        return torch.from_numpy(np.asarray(self.data[self.offs[i]:self.offs[i + 1]],
                                           dtype=np.float32))

    def length(self, i):
        return int(self.offs[i + 1] - self.offs[i])


def pad(seqs):
    lens = torch.tensor([s.shape[0] for s in seqs], dtype=torch.long)
    out = torch.zeros(len(seqs), int(lens.max()), seqs[0].shape[1])
    for i, s in enumerate(seqs):
        out[i, : s.shape[0]] = s
    return out, lens


def make_batches(lengths, max_frames, rng, max_batch=64):
    """Bucket utterance indices by length into batches of <= max_frames padded frames."""
    order = np.argsort(np.asarray(lengths) + rng.uniform(0, 30, len(lengths)))
    batches, cur, cur_max = [], [], 0
    for i in order:
        m = max(cur_max, lengths[i])
        if cur and (m * (len(cur) + 1) > max_frames or len(cur) >= max_batch):
            batches.append(cur)
            cur, m = [], lengths[i]
        cur.append(int(i))
        cur_max = m
    if cur:
        batches.append(cur)
    rng.shuffle(batches)
    return batches


def spec_augment(x, lens, rng, strength, mean):
    """In-place time and frequency masks (filled with the global mean) on raw fbank."""
    if strength <= 0:
        return x
    b, t, f = x.shape
    for i in range(b):
        for _ in range(2):
            w = int(rng.integers(0, int(12 * strength) + 1))
            s = int(rng.integers(0, max(1, f - w)))
            x[i, :, s:s + w] = mean[s:s + w]
        for _ in range(2):
            w = int(rng.integers(0, int(15 * strength) + 1))
            s = int(rng.integers(0, max(1, int(lens[i]) - w)))
            x[i, s:s + w] = mean
    return x


def _mel(hz):
    return 1127.0 * np.log1p(np.asarray(hz, np.float64) / 700.0)


def _mel_inv(mel):
    return 700.0 * np.expm1(np.asarray(mel, np.float64) / 1127.0)


def vtlp(x, rng, prob, max_warp, low_hz=20.0, high_hz=8000.0):
    """In-place vocal-tract-length perturbation on raw log-mel fbank.

    Each utterance, with probability `prob`, has its spectral envelope scaled by a factor
    alpha in [1 - max_warp, 1 + max_warp]: bin i takes the (interpolated) log energy that
    the original had at f_i / alpha. Unlike speed perturbation this moves formants without
    changing tempo or pitch, which is what separates one synthetic voice from another.
    """
    if prob <= 0 or max_warp <= 0:
        return x
    b, _, f = x.shape
    lo, hi = _mel(low_hz), _mel(high_hz)
    step = (hi - lo) / (f + 1)
    centers = _mel_inv(lo + step * np.arange(1, f + 1))
    for i in range(b):
        if rng.random() >= prob:
            continue
        alpha = rng.uniform(1.0 - max_warp, 1.0 + max_warp)
        pos = np.clip((_mel(centers / alpha) - lo) / step - 1.0, 0.0, f - 1.0)
        j0 = np.floor(pos).astype(np.int64)
        j1 = np.minimum(j0 + 1, f - 1)
        w = torch.from_numpy((pos - j0).astype(np.float32))
        xi = x[i]
        x[i] = xi[:, j0] * (1.0 - w) + xi[:, j1] * w
    return x


def tempo(feat, factor):
    """Time-stretch fbank frames by linear interpolation: duration / factor, spectra (and so
    pitch and formants) unchanged, unlike speed perturbation."""
    t = feat.shape[0]
    n = max(1, int(round(t / factor)))
    if n == t:
        return feat
    pos = torch.linspace(0, t - 1, n)
    j0 = pos.floor().long()
    j1 = torch.clamp(j0 + 1, max=t - 1)
    w = (pos - j0.float())[:, None]
    return feat[j0] * (1 - w) + feat[j1] * w
