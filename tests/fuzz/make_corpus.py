#!/usr/bin/python3
"""Writes the seed corpora under tests/fuzz/corpus/<target>/ (tests/fuzz/README.md).

Reads small real inputs from the repository (model JSON, presets, experiment specs, result-store
rows, the truncated WAV fixture) and writes them, with synthesized files and a few malformed
ones, as one file per seed. Rerunning rewrites the same files; reproducers of fixed findings
(named crash-*) are kept as they are.
"""
import argparse
import json
import math
import pathlib
import struct

ROOT = pathlib.Path(__file__).resolve().parents[2]


def safetensors(tensors, metadata=None, header_len=None, pad=True):
    """tensors: [(name, dtype, shape, bytes)] -> file bytes."""
    header, data = {}, b""
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header).encode()
    if pad:
        text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text) if header_len is None else header_len) + text + data


def wav(rate, channels, frames, bits=16, fmt=1, data_len=None):
    if fmt == 3:
        samples = b"".join(struct.pack("<f", math.sin(i / 7.0) * 0.5)
                           for i in range(frames * channels))
    else:
        samples = b"".join(struct.pack("<h", int(8000 * math.sin(i / 5.0)))
                           for i in range(frames * channels))
    block = channels * bits // 8
    fmt_chunk = struct.pack("<HHIIHH", fmt, channels, rate, rate * block, block, bits)
    body = (b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt_chunk + b"data" +
            struct.pack("<I", len(samples) if data_len is None else data_len) + samples)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def binary_trace(records, components=()):
    out = b"ERGTRC01"
    for index, name in components:
        out += struct.pack("<QIHBB", 0, len(name), index, 0x80, 0) + name
    for address, size, component, kind in records:
        out += struct.pack("<QIHBB", address, size, component, kind, 0)
    return out


def provider(strings):
    """FuzzedDataProvider.ConsumeRandomLengthString input: '\\' + another char ends a string."""
    return b"".join(s.replace(b"\\", b"\\\\") + b"\\ " for s in strings)


def seeds():
    out = {}
    f32 = struct.pack("<4f", 1.0, -2.0, 0.5, 3.25)
    f16 = struct.pack("<4H", 0x3c00, 0xc000, 0x0001, 0x7c00)
    out["safetensors"] = {
        "f32.safetensors": safetensors([("w", "F32", [2, 2], f32)]),
        "mixed.safetensors": safetensors(
            [("a", "F16", [4], f16), ("b", "I8", [3], b"\x01\xff\x7f"),
             ("c", "I64", [1], struct.pack("<q", -5)), ("d", "U8", [0], b"")],
            metadata={"format": "erg-asr-rnnt/1", "config": '{"dim": 8}'}),
        "bad-json.safetensors": struct.pack("<Q", 6) + b"{\"a\":1",
        "overlap.safetensors": struct.pack("<Q", 120) + json.dumps(
            {"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
             "b": {"dtype": "F32", "shape": [1], "data_offsets": [2, 6]}}).encode().ljust(120) +
        bytes(8),
        "huge-length.safetensors": struct.pack("<Q", 1 << 60) + b"{}",
        "short.safetensors": b"\x02\x00\x00",
    }
    out["model_json"] = {
        "asr-lstm.json": (ROOT / "models/weights/asr-lstm.json").read_bytes(),
        "asr-emformer.json": (ROOT / "models/weights/asr-emformer.json").read_bytes(),
        "llm-layerskip.json": (ROOT / "models/weights/llm-layerskip.json").read_bytes(),
        "llm-minimal.json": json.dumps({"vocab_size": 259, "dim": 8, "n_layers": 1, "n_heads": 2,
                                        "ffn_dim": 16, "context_length": 32}).encode(),
        "llm-bad-ids.json": json.dumps({"vocab_size": 259, "dim": 8, "n_layers": 1,
                                        "n_heads": 2, "ffn_dim": 16, "context_length": 32,
                                        "bos_id": "x", "tie_embeddings": 1}).encode(),
    }
    out["trace"] = {
        "forms.din": b"# comment\n0 1f40\n1 0x2000 10\r\n\n  2\t3000 4 # trailing\nr 40 8\n"
                     b"w 80\nm 0\nc 0\nv 0",
        "levels.din": b"1 0\n0 40\n0 80\n0 0\n",
        "wrap.din": b"0 ffffffffffffffff\n1 fffffffffffffff0 64\n",
        "bad.din": b"0 100\n7 100\n0 11112222333344445\n",
        "components.ergtrace": binary_trace(
            [(0x1000, 64, 0, 0), (0x2000, 4, 1, 1), (0x40, 8, 0xffff, 2)],
            [(0, b"asr.encoder"), (1, b"asr.joiner")]),
        "truncated.ergtrace": binary_trace([(0x1000, 64, 0xffff, 0)])[:-5],
    }
    out["preset"] = {p.name: p.read_bytes()
                     for p in sorted((ROOT / "simulator/presets").glob("*.toml"))}
    out["preset"]["bad-value.toml"] = b"name = \"x\"\n[l1]\nsize_bytes = { value = -1 }\n"
    out["experiment_spec"] = {p.name: p.read_bytes()
                              for p in sorted((ROOT / "configs").glob("*.toml"))}
    out["experiment_spec"]["negative-beam.toml"] = (
        b"[workload]\nkind = \"asr\"\nmodel = \"asr-lstm\"\nbeam = -3\n")
    out["audio"] = {
        "truncated.wav": (ROOT / "tests/fixtures/asr/truncated.wav").read_bytes(),
        "16k-mono.wav": wav(16000, 1, 400),
        "8k-stereo.wav": wav(8000, 2, 300),
        "44k-float.wav": wav(44100, 1, 500, bits=32, fmt=3),
        "rate-1.wav": wav(1, 1, 10),
        "long-data-chunk.wav": wav(16000, 1, 100, data_len=1 << 30),
        "not-audio.wav": b"RIFF\x04\x00\x00\x00WAVE",
    }
    rows = [l for l in (ROOT / "tests/fixtures/reports/llm_selfspec_grid/results.jsonl")
            .read_bytes().splitlines(keepends=True)][:3]
    out["result_store"] = {
        "rows.jsonl": b"".join(rows),
        "torn.jsonl": b"".join(rows[:2]) + rows[2][: len(rows[2]) // 2],
        "bad-middle.jsonl": rows[0] + b"{\"key\": 1,\n" + rows[1],
        "no-key.jsonl": b"{\"config\": {}}\n",
        "empty-lines.jsonl": b"\n\n" + rows[0],
    }
    power = [b"8", b"0", b"config:0-7",
             b"event=0x02", b"2.3283064365386962890625e-10", b"Joules",
             b"event=0x03", b"2.3283064365386962890625e-10", b"Joules",
             b"event=0x01", b"2.3283064365386962890625e-10", b"Joules"]
    zones = [b"package-0", b"123456", b"262143328850", b"15000000",
             b"dram", b"4567", b"65712999613", b""]
    out["sysfs"] = {
        "rapl.bin": provider(power + zones + [b"0-3,8", b"100"]),
        "wrap.bin": provider(power + zones + [b"0", b"5"]),
        "zero-range.bin": provider(power + [b"package-0", b"1", b"0", b"0"] + zones[4:] +
                                   [b"", b"x"]),
        "bad-format.bin": provider([b"x", b"0-1048576", b"config:63-70", b"event=zz", b"-1",
                                    b"Watts"]),
    }
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "tests/fuzz/corpus")
    args = parser.parse_args()
    for target, files in seeds().items():
        folder = args.out / target
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (folder / name).write_bytes(data)
    total = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file())
    print(f"{args.out}: {total} bytes")


if __name__ == "__main__":
    main()
