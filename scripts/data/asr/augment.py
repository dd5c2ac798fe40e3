"""Waveform augmentation for the ASR corpus: the acoustic conditions TTS never has.

Reads and writes nothing; used by scripts/train/asr_rnnt.py when it caches features.
`augment(x, rng)` (recipe 1, sessions 1-5) takes 16 kHz float32 numpy audio and returns a
perturbed copy:
  * speed perturbation by resampling (factor 0.85-1.15; shifts pitch, formants and tempo
    together, which also acts as a crude vocal-tract-length perturbation),
  * additive noise (white, pink, brown or hum) at 5-35 dB SNR,
  * random gain of -20..+6 dB (clipped to [-1, 1]).
`augment_room(x, rng)` (recipe 2, issue 17) aims at real recordings rather than other TTS
voices; each step is drawn independently:
  * speed perturbation 0.85-1.15 (p 0.7),
  * synthetic reverberation (p 0.5): an exponentially decaying noise tail with RT60
    0.15-0.9 s, a few early reflections and a direct-to-reverberant ratio of 0-15 dB,
  * a microphone colouring (p 0.4): a first-order tilt plus a random peaking resonance,
  * telephone band-limiting (p 0.2): 300-3400 Hz, or 8 kHz sampling (0-4 kHz),
  * additive noise (p 0.9) at 5-20 dB SNR (25 % of the time 20-40 dB): white, pink, brown,
    hum, speech-shaped, or any of them amplitude-modulated at 0.3-4 Hz (fluctuating noise),
    over the whole signal, so silence is never digital zero,
  * a DC offset (p 0.1) and a gain of -30..+6 dB with clipping.
`augment_voice(x, rng)` (recipe 3, issue 17) makes new speakers out of the few natural-voice
speakers trained on (flite's kal, awb and slt are the only ones): a pitch shift of -7..+7
semitones that keeps formants and tempo (sox's `pitch`, WSOLA-based; p 0.9), then
augment_room's steps, whose speed perturbation moves the formants independently of it. The
fundamental frequency and the vocal-tract length then vary apart, as they do between people.
"""
import subprocess

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


def reverb(x, rng):
    """Convolve with a synthetic room impulse response (direct path + early + diffuse tail)."""
    rt60 = rng.uniform(0.15, 0.9)
    n = int(min(rt60, 0.6) * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    tail = rng.standard_normal(n) * np.exp(-6.9 * t / rt60)
    tail[: int(0.003 * SAMPLE_RATE)] = 0.0          # the diffuse tail starts after the direct
    h = np.zeros(n)
    h[0] = 1.0
    for _ in range(int(rng.integers(2, 7))):         # early reflections, 3-40 ms
        h[int(rng.uniform(0.003, 0.04) * SAMPLE_RATE)] += rng.uniform(-0.7, 0.7)
    drr_db = rng.uniform(0.0, 15.0)
    tail *= np.sqrt(np.sum(h ** 2) / (np.sum(tail ** 2) + 1e-12) / 10 ** (drr_db / 10))
    h = h + tail
    m = len(x) + n - 1
    size = 1 << int(np.ceil(np.log2(m)))
    y = np.fft.irfft(np.fft.rfft(x, size) * np.fft.rfft(h, size), size)[: len(x)]
    return (y * (np.abs(x).max() / (np.abs(y).max() + 1e-9))).astype(np.float32)


def _spectral(x, gain_of_hz):
    """Apply a zero-phase magnitude response (a function of frequency in Hz) to x."""
    spec = np.fft.rfft(x)
    f = np.fft.rfftfreq(len(x), 1.0 / SAMPLE_RATE)
    return np.fft.irfft(spec * gain_of_hz(f), len(x)).astype(np.float32)


def colour(x, rng):
    """A microphone/room colouring: spectral tilt of -6..+6 dB per octave-ish, one resonance."""
    tilt_db = rng.uniform(-6.0, 6.0)
    f0 = rng.uniform(300.0, 5000.0)
    peak_db = rng.uniform(-8.0, 8.0)
    q = rng.uniform(0.7, 3.0)

    def g(f):
        octaves = np.log2(np.maximum(f, 50.0) / 1000.0)
        res = peak_db / (1.0 + (q * (f / f0 - f0 / np.maximum(f, 1.0))) ** 2)
        return 10 ** ((tilt_db * octaves / 3.0 + res) / 20.0)
    return _spectral(x, g)


def band_limit(x, rng):
    """Telephone band (300-3400 Hz) or an 8 kHz-sampled source (0-4 kHz), smooth edges."""
    lo, hi = (300.0, 3400.0) if rng.random() < 0.5 else (0.0, 3900.0)

    def g(f):
        up = 1.0 if lo == 0.0 else 1.0 / (1.0 + (lo / np.maximum(f, 1.0)) ** 8)
        return up / (1.0 + (f / hi) ** 24)
    return _spectral(x, g)


def modulated(z, rng):
    t = np.arange(len(z)) / SAMPLE_RATE
    env = 1.0 + 0.8 * np.sin(2 * np.pi * rng.uniform(0.3, 4.0) * t + rng.uniform(0, 6.28))
    return (z * env).astype(np.float32)


def room_noise(n, rng):
    kind = str(rng.choice(["white", "pink", "brown", "hum", "speech"]))
    if kind == "speech":
        # speech-shaped: pink noise through a 300-3000 Hz band (the long-term speech spectrum)
        z = _spectral(noise(n, "pink", rng),
                      lambda f: 1.0 / (1.0 + (300.0 / np.maximum(f, 1.0)) ** 2) /
                      (1.0 + (f / 3000.0) ** 2))
        z = z / (z.std() + 1e-9)
    else:
        z = noise(n, kind, rng)
    return modulated(z, rng) if rng.random() < 0.3 else z


def pitch_shift(x, cents):
    """x shifted by `cents` (100 per semitone) with formants and duration kept (sox pitch)."""
    cmd = ["sox", "-q", "-t", "f32", "-r", str(SAMPLE_RATE), "-c", "1", "-", "-t", "f32", "-",
           "pitch", f"{cents:.0f}"]
    out = subprocess.run(cmd, input=x.astype(np.float32).tobytes(), capture_output=True,
                         check=True).stdout
    y = np.frombuffer(out, dtype=np.float32)
    return y[: len(x)].copy() if len(y) >= len(x) else np.pad(y, (0, len(x) - len(y)))


def augment_voice(x, rng):
    """Recipe 3: another speaker (pitch apart from formants), then recipe 2's room."""
    y = x.astype(np.float32)
    if rng.random() < 0.9:
        y = pitch_shift(y, rng.uniform(-700.0, 700.0))
    return augment_room(y, rng)


def augment_room(x, rng):
    """Recipe 2: return a copy of x as if recorded in a room, on some microphone, with noise."""
    y = x.astype(np.float32)
    if rng.random() < 0.7:
        y = speed_perturb(y, 1.0 + rng.uniform(-0.15, 0.15))
    if rng.random() < 0.5:
        y = reverb(y, rng)
    if rng.random() < 0.4:
        y = colour(y, rng)
    if rng.random() < 0.2:
        y = band_limit(y, rng)
    if rng.random() < 0.9:
        snr = rng.uniform(20.0, 40.0) if rng.random() < 0.25 else rng.uniform(5.0, 20.0)
        nz = room_noise(len(y), rng)
        ps = float(np.mean(y ** 2)) + 1e-10
        y = y + nz * np.sqrt(ps / (10 ** (snr / 10)))
    if rng.random() < 0.1:
        y = y + rng.uniform(-0.02, 0.02)
    y = np.clip(y * 10 ** (rng.uniform(-30.0, 6.0) / 20), -1.0, 1.0)
    return y.astype(np.float32)
