"""Waveform augmentation for the ASR corpus: speed perturbation, noise and gain.

Reads and writes nothing; used by scripts/train/asr_rnnt.py when it caches features.
`augment(x, rng)` takes 16 kHz float32 numpy audio and returns a perturbed copy:
  * speed perturbation by resampling (factor 0.85-1.15; shifts pitch, formants and tempo
    together, which also acts as a crude vocal-tract-length perturbation),
  * additive noise (white, pink, brown or hum) at 5-35 dB SNR,
  * random gain of -20..+6 dB (clipped to [-1, 1]).
"""
import numpy as np

SAMPLE_RATE = 16000


_RESAMPLERS = {}
_NOISE_BANK = {}


def speed_perturb(x, factor):
    """Play x `factor` times faster (resample by 1/factor, target rate rounded to 200 Hz)."""
    new_sr = int(round(SAMPLE_RATE / factor / 200.0)) * 200
    if new_sr == SAMPLE_RATE:
        return x
    import torch
    import torchaudio.transforms as AT
    if new_sr not in _RESAMPLERS:
        _RESAMPLERS[new_sr] = AT.Resample(SAMPLE_RATE, new_sr)
    with torch.no_grad():
        return _RESAMPLERS[new_sr](torch.from_numpy(x)).numpy()


def noise(n, kind, rng):
    """A random crop of a cached 20 s noise signal of the given kind (unit variance)."""
    if kind not in _NOISE_BANK:
        bank_rng = np.random.default_rng(["white", "pink", "brown", "hum"].index(kind))
        z = colored_noise(1 << 19, kind, bank_rng)
        _NOISE_BANK[kind] = (z / (z.std() + 1e-9)).astype(np.float32)
    z = _NOISE_BANK[kind]
    if n >= len(z):
        z = np.tile(z, n // len(z) + 1)
    s = int(rng.integers(0, len(z) - n + 1))
    return z[s:s + n]


def colored_noise(n, kind, rng):
    white = rng.standard_normal(n).astype(np.float32)
    if kind == "white":
        return white
    if kind == "hum":
        t = np.arange(n) / SAMPLE_RATE
        f = rng.choice([50.0, 60.0])
        hum = sum(np.sin(2 * np.pi * f * k * t + rng.uniform(0, 6.28)) / k for k in (1, 2, 3))
        return (hum + 0.1 * white).astype(np.float32)
    spec = np.fft.rfft(white)
    freqs = np.fft.rfftfreq(n, 1.0 / SAMPLE_RATE)
    freqs[0] = freqs[1] if n > 1 else 1.0
    spec = spec / (np.sqrt(freqs) if kind == "pink" else freqs)
    return np.fft.irfft(spec, n).astype(np.float32)


def add_noise(x, snr_db, kind, rng):
    nz = noise(len(x), kind, rng)
    ps = float(np.mean(x ** 2)) + 1e-10
    return x + nz * np.sqrt(ps / (10 ** (snr_db / 10)))


def augment(x, rng, strength=1.0):
    """Return a randomly perturbed copy of x; rng is a numpy Generator, strength in [0, 1]."""
    factor = 1.0 + rng.uniform(-0.15, 0.15) * strength
    y = speed_perturb(x.astype(np.float32), factor)
    if rng.random() < 0.8 * strength:
        kind = str(rng.choice(["white", "pink", "brown", "hum"]))
        snr = rng.uniform(35 - 30 * strength, 40)
        y = add_noise(y, snr, kind, rng)
    gain_db = rng.uniform(-20, 6) * strength
    y = np.clip(y * 10 ** (gain_db / 20), -1.0, 1.0)
    return y.astype(np.float32)
