#!/usr/bin/python3
"""Write the golden fixture for the C++ log-mel fbank frontend (models/asr/fbank.hpp).

Reads nothing. Synthesizes a deterministic, speech-like 16 kHz waveform (harmonic chirps under
syllable-rate envelopes, white noise, a short pause), quantized to the int16 grid and stored as
float32 in [-1, 1). Runs torchaudio.compliance.kaldi.fbank on it with the options the ASR
trainer uses (scripts/train/asr/data.py: samples scaled by 32768, dither 0, Povey window,
25 ms / 10 ms, preemphasis 0.97, remove_dc_offset, snip_edges, low_freq 20, high_freq 0) for
40 and 80 mel bins, once in float32 (what the trainer computes) and once in float64 (the same
function on a double tensor: a reference free of float32 FFT rounding, which reaches ~5e-4 in
weak low mel bins).

Writes --out (default tests/fixtures/frontend/fbank_golden.bin), little-endian:
  char[8]  magic "ERGFBK02"
  u32      sample_rate_hz
  u32      num_samples
  f32      sample_scale            (multiplier applied to the samples before fbank)
  u32      num_tables
  f32      samples[num_samples]
  num_tables times:
    u32    num_mel_bins
    u32    torch_precision_bits    (32 or 64: the dtype torchaudio computed in)
    u32    num_frames
    f32    fbank[num_frames * num_mel_bins]   (row-major, one frame per row)
"""

import argparse
import os
import struct

import numpy as np
import torch
import torchaudio.compliance.kaldi as kaldi

MAGIC = b"ERGFBK02"
SAMPLE_RATE_HZ = 16000
SAMPLE_SCALE = 32768.0
FBANK_OPTS = dict(frame_length=25.0, frame_shift=10.0, dither=0.0, energy_floor=0.0,
                  sample_frequency=float(SAMPLE_RATE_HZ), window_type="povey",
                  preemphasis_coefficient=0.97, remove_dc_offset=True,
                  round_to_power_of_two=True, snip_edges=True, low_freq=20.0, high_freq=0.0,
                  use_energy=False, use_log_fbank=True, use_power=True)


def synthesize(seconds, seed):
    """Chirped harmonic 'syllables' plus noise and a DC offset, int16-quantized, in [-1, 1)."""
    rng = np.random.RandomState(seed)
    n = int(round(seconds * SAMPLE_RATE_HZ))
    t = np.arange(n) / SAMPLE_RATE_HZ
    x = np.zeros(n)
    # Syllables: (start s, length s, f0 start Hz, f0 end Hz).
    for start, length, f0a, f0b in [(0.05, 0.30, 120, 180), (0.42, 0.25, 210, 140),
                                    (0.80, 0.35, 150, 260), (1.20, 0.22, 300, 110)]:
        m = (t >= start) & (t < start + length)
        tt = t[m] - start
        env = np.sin(np.pi * tt / length) ** 2
        f0 = f0a + (f0b - f0a) * tt / length
        phase = 2 * np.pi * np.cumsum(f0) / SAMPLE_RATE_HZ
        for h in range(1, 12):  # harmonics with a formant-like tilt
            x[m] += env * np.sin(h * phase) * (0.25 / h) * (1.0 + 0.8 * np.cos(h * 0.7))
    # A fricative-like burst of high-passed noise.
    burst = (t >= 0.68) & (t < 0.76)
    x[burst] += 0.05 * np.diff(rng.randn(burst.sum() + 1))
    x += 0.003 * rng.randn(n) + 0.002  # background noise and a DC offset
    pcm = np.clip(np.round(x * 32767.0), -32768, 32767)
    return (pcm / 32768.0).astype(np.float32)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_out = os.path.join(here, "..", "..", "tests", "fixtures", "frontend",
                               "fbank_golden.bin")
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default=default_out, help="fixture path to write")
    p.add_argument("--seconds", type=float, default=1.5, help="waveform length")
    p.add_argument("--seed", type=int, default=20261129, help="noise seed")
    p.add_argument("--bins", type=int, nargs="+", default=[40, 80], help="mel bin counts")
    args = p.parse_args()

    torch.set_num_threads(1)
    samples = synthesize(args.seconds, args.seed)
    wav = torch.from_numpy(samples)[None] * SAMPLE_SCALE
    tables = []
    for bins in args.bins:
        for bits, w in ((32, wav), (64, wav.double())):
            feats = kaldi.fbank(w, num_mel_bins=bins, **FBANK_OPTS).numpy().astype("<f4")
            tables.append((bins, bits, feats))

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "wb") as f:
        f.write(MAGIC)
        f.write(struct.pack("<IIfI", SAMPLE_RATE_HZ, len(samples), SAMPLE_SCALE, len(tables)))
        f.write(samples.astype("<f4").tobytes())
        for bins, bits, feats in tables:
            f.write(struct.pack("<III", bins, bits, feats.shape[0]))
            f.write(np.ascontiguousarray(feats).tobytes())
    sizes = ", ".join(f"{b} bins float{p}: {t.shape[0]} frames" for b, p, t in tables)
    print(f"wrote {args.out} ({os.path.getsize(args.out)} bytes; {len(samples)} samples; {sizes})")


if __name__ == "__main__":
    main()
