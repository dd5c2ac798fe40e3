"""erg's simulator from Python: presets, custom hierarchies, numpy traces, analytic mode and
errors, checked against hand-counted expectations and against `erg simulate --json`."""

import json
import subprocess
import time

import numpy as np
import pytest

import erg


def tiny(**overrides):
    """One fully associative 1 KiB LRU level (16 lines of 64 B) over a single-bank DRAM, with
    round energies so totals can be counted by hand: L1 read 1 pJ, write/fill 2 pJ; DRAM read
    0.5 pJ/bit, write 0.25 pJ/bit; nothing static, no activations, no MACs."""
    spec = {
        "name": "tiny",
        "levels": [{"name": "l1", "size_bytes": "1KiB", "line_bytes": 64, "associativity": 0,
                    "read_energy_pj": 1.0, "write_energy_pj": 2.0, "static_power_w": 0.0}],
        "dram": {"channels": 1, "ranks": 1, "banks": 1, "rows": 1024, "row_bytes": 2048,
                 "burst_bytes": 64, "read_energy_pj_per_bit": 0.5,
                 "write_energy_pj_per_bit": 0.25, "activation_energy_pj": 0.0,
                 "background_power_w": 0.0, "refresh_power_w": 0.0},
        "mac_energy_pj": {"fp32": 1.0, "fp16": 1.0, "int8": 1.0, "int4": 1.0},
    }
    spec.update(overrides)
    return erg.custom_preset(spec)


def test_list_and_load_presets():
    names = erg.list_presets()
    assert "mobile-7nm-lpddr4x" in names and "wearable-sram2m-lpddr4x" in names
    p = erg.load_preset("wearable-sram2m-lpddr4x")
    assert p.name == "wearable-sram2m-lpddr4x"
    assert p.file.endswith("simulator/presets/wearable-sram2m-lpddr4x.toml")
    # The wearable preset's point is its 2 MiB local SRAM (the name says so).
    assert p.scratchpad_bytes == 2 * 1024 * 1024
    assert [lvl["name"] for lvl in p.levels] == p.level_names
    energy = p.energy
    assert set(energy) == {"levels", "scratchpad", "dram", "mac_energy_pj"}
    assert len(energy["levels"]) == len(p.levels)
    assert set(energy["mac_energy_pj"]) == {"fp32", "fp16", "int8", "int4"}
    assert energy["dram"]["read_energy_pj_per_bit"] > 0
    assert "erg.Preset 'wearable-sram2m-lpddr4x'" in repr(p)
    assert p.description and p.inclusive in (True, False)
    # Loading by path gives the same preset.
    assert erg.load_preset(p.file).to_dict() == p.to_dict()


def test_preset_dict_round_trips():
    p = erg.load_preset("desktop-ddr4")
    d = p.to_dict()
    assert erg.custom_preset(d).to_dict() == d
    # Overriding one key on a base keeps the rest.
    smaller = erg.custom_preset({"levels": [{"size_bytes": "16KiB"}]}, base="desktop-ddr4")
    assert smaller.levels[0]["size_bytes"] == 16384
    assert len(smaller.levels) == 1  # a levels list replaces the list, element-wise merged
    assert smaller.levels[0]["read_energy_pj"] == p.levels[0]["read_energy_pj"]
    assert smaller.dram == p.dram
    # A dict with "base" works wherever a preset is taken.
    h = erg.Hierarchy({"base": "desktop-ddr4", "name": "desktop-16k",
                       "levels": [{"size_bytes": "16KiB"}]})
    assert h.preset.name == "desktop-16k" and h.preset.level_names == ["l1"]


def test_trace_counts_and_energy_by_hand():
    # Reads of 0, 64, 0, 64 (4 B each): two compulsory misses, then two hits; a write to 128
    # misses and allocates; flush writes that dirty line back.
    h = erg.Hierarchy(tiny())
    h.access(np.array([0, 64, 0, 64, 128], dtype=np.uint64), ops=np.array([0, 0, 0, 0, 1]))
    h.flush()
    s = h.stats(time_s=1.0)
    l1 = s["levels"][0]
    assert (l1["read_count"], l1["write_count"]) == (4, 1)
    assert (l1["hit_count"], l1["miss_count"]) == (2, 3)
    assert l1["compulsory_miss_count"] == 3
    assert (l1["fill_count"], l1["writeback_count"]) == (3, 1)
    # L1 dynamic = reads x 1 + writes x 2 + fills x 2 + writebacks x 1 = 4 + 2 + 6 + 1 = 13 pJ.
    assert l1["dynamic_energy_pj"] == pytest.approx(13.0)
    assert l1["static_energy_pj"] == 0.0
    # DRAM: 3 line reads (fills) x 512 bit x 0.5 + 1 line write x 512 bit x 0.25 = 896 pJ.
    assert s["access_count"] == 5
    assert s["read_bytes"] == 16 and s["write_bytes"] == 4
    assert s["mode"] == "trace" and s["preset"] == "tiny"
    counts = h.level_counts()
    assert counts["name"] == ["l1"]
    assert counts["read_count"].dtype == np.uint64
    assert counts["miss_count"].tolist() == [3]
    assert counts["writeback_count"].tolist() == [1]
    assert s["energy"]["total_energy_pj"] == pytest.approx(13.0 + 896.0)


def test_sizes_split_accesses_into_lines():
    # One 256-byte read covers 4 lines: 4 line requests, 4 misses; the same again hits 4 times.
    s = erg.simulate_trace(tiny(), np.array([0, 0], dtype=np.uint64),
                           sizes=np.array([256, 256], dtype=np.uint64))
    l1 = s["levels"][0]
    assert s["line_access_count"] == 8
    assert (l1["miss_count"], l1["hit_count"]) == (4, 4)


def test_pin_serves_from_scratchpad():
    p = tiny(scratchpad={"size_bytes": 4096, "word_bytes": 8, "read_energy_pj": 0.1,
                         "write_energy_pj": 0.1, "static_power_w": 0.0})
    h = erg.Hierarchy(p)
    h.pin(0, 1024)
    h.access(np.arange(0, 1024, 64, dtype=np.uint64), size_bytes=64)
    s = h.stats()
    # 16 pinned reads of 64 B = 128 words; the cache never sees them.
    assert s["levels"][0]["read_count"] == 0
    assert s["scratchpad"]["read_word_count"] == 128


def test_component_attribution():
    h = erg.Hierarchy(tiny())
    h.access(np.array([0, 64], dtype=np.uint64), component="py.test_part")
    s = h.stats()
    names = [c["name"] for c in s["components"]]
    assert "py.test_part" in names


def test_analytic_equals_trace_for_fully_associative_lru():
    # analytic_model.hpp: exact for fully associative LRU when every use touches a line-aligned
    # tensor from its start. Tensor 0 is 128 B (2 lines), tensor 1 is 960 B (15 lines): together
    # 17 lines > 16, so the pattern 0,1,0,1 misses on every reuse; 0,0 hits.
    tensors = [{"id": 0, "address": 0, "bytes": 128, "name": "a"},
               {"id": 1, "address": 4096, "bytes": 960, "name": "b"}]
    uses = np.array([0, 1, 0, 1, 0, 0], dtype=np.uint64)
    analytic = erg.simulate_analytic(tiny(), tensors, uses, time_s=1.0)
    trace = erg.simulate_trace(tiny(), np.array([0, 4096, 0, 4096, 0, 0], dtype=np.uint64),
                               sizes=np.array([128, 960, 128, 960, 128, 128], dtype=np.uint64),
                               time_s=1.0)
    assert analytic["mode"] == "analytic"
    for key in ("read_count", "hit_count", "miss_count", "fill_count"):
        assert analytic["levels"][0][key] == trace["levels"][0][key], key
    assert analytic["energy"]["total_energy_pj"] == pytest.approx(trace["energy"]["total_energy_pj"])


def test_trace_file_matches_cli(erg_bin, tmp_path):
    trace = tmp_path / "t.din"
    rng = np.random.default_rng(7)
    lines = [f"{rng.integers(0, 2)} {int(a):x} 8" for a in rng.integers(0, 1 << 20, 2000) * 8]
    trace.write_text("\n".join(lines) + "\n")
    cli = json.loads(subprocess.run(
        [erg_bin, "simulate", "--preset", "mobile-7nm-lpddr4x", "--trace", str(trace), "--json"],
        capture_output=True, text=True, check=True).stdout)
    py = erg.simulate_trace_file("mobile-7nm-lpddr4x", trace)
    assert py["replay"]["record_count"] == 2000
    for a, b in zip(cli["levels"], py["levels"]):
        assert a["miss_count"] == b["miss_count"] and a["hit_count"] == b["hit_count"]
    assert py["energy"]["total_energy_pj"] == pytest.approx(cli["energy"]["total_energy_pj"])
    # The numpy path counts the same as the file.
    ops = np.array([int(x.split()[0]) for x in lines])
    addrs = np.array([int(x.split()[1], 16) for x in lines], dtype=np.uint64)
    h = erg.Hierarchy("mobile-7nm-lpddr4x")
    h.access(addrs, ops=ops, size_bytes=8)
    assert h.stats()["energy"]["total_energy_pj"] == pytest.approx(py["energy"]["total_energy_pj"])


def test_replay_and_reset(tmp_path):
    trace = tmp_path / "t.din"
    trace.write_text("0 0 4\n1 40 4\n3 0 4\n4 0\n")
    h = erg.Hierarchy(tiny())
    r = h.replay(trace)
    assert r["record_count"] == 4 and r["ignored_record_count"] == 1 and r["flush_count"] == 1
    assert h.stats()["access_count"] == 2
    h.reset()
    assert h.stats()["access_count"] == 0
    h.access(np.array([0], dtype=np.uint64))
    h.invalidate_all()
    h.access(np.array([0], dtype=np.uint64))
    assert h.stats()["levels"][0]["miss_count"] == 2
    assert h.preset.name == "tiny"


def cli_error(erg_bin, *args):
    r = subprocess.run([erg_bin, *args], capture_output=True, text=True)
    assert r.returncode == 1
    return r.stderr.strip().splitlines()[0].removeprefix("erg: error: ")


def test_bad_preset_raises_the_cli_message(erg_bin, tmp_path):
    trace = tmp_path / "t.din"
    trace.write_text("0 0\n")
    for bad in ("no-such-preset", str(tmp_path / "missing.toml")):
        with pytest.raises(erg.Error) as e:
            erg.load_preset(bad)
        assert str(e.value) == cli_error(erg_bin, "simulate", "--preset", bad, "--trace",
                                         str(trace))
    broken = tmp_path / "broken.toml"
    broken.write_text('name = "x"\n[dram]\nchannels = 3\n')
    with pytest.raises(erg.Error) as e:
        erg.Hierarchy(str(broken))
    assert str(e.value) == cli_error(erg_bin, "simulate", "--preset", str(broken), "--trace",
                                     str(trace))
    assert "dram.channels" in str(e.value)


def test_custom_preset_errors_name_the_key():
    with pytest.raises(erg.Error, match=r"levels\[0\]\.bogus is not a known key"):
        tiny(levels=[{"name": "l1", "size_bytes": 1024, "line_bytes": 64, "associativity": 0,
                      "read_energy_pj": 1.0, "write_energy_pj": 1.0, "static_power_w": 0.0,
                      "bogus": 1}])
    with pytest.raises(erg.Error, match=r"levels\[0\]\.line_bytes"):
        tiny(levels=[{"name": "l1", "size_bytes": 1024, "line_bytes": 48, "associativity": 0,
                      "read_energy_pj": 1.0, "write_energy_pj": 1.0, "static_power_w": 0.0}])
    with pytest.raises(erg.Error, match=r"levels\[0\]\.read_energy_pj is required"):
        tiny(levels=[{"name": "l1", "size_bytes": 1024, "line_bytes": 64, "associativity": 0}])
    with pytest.raises(erg.Error, match=r"size_bytes must be a byte size"):
        erg.custom_preset({"levels": [{"size_bytes": "12 parsecs"}]}, base="desktop-ddr4")
    with pytest.raises(erg.Error, match="dram is required"):
        erg.custom_preset({"name": "x", "mac_energy_pj": {}})
    with pytest.raises(erg.Error, match="expected an erg.Preset"):
        erg.Hierarchy(42)


def test_trace_array_errors():
    h = erg.Hierarchy(tiny())
    with pytest.raises(erg.Error, match="one op"):
        h.access(np.array([0, 64], dtype=np.uint64), ops=np.array([0]))
    with pytest.raises(erg.Error, match=r"ops\[1\]: |must hold 0 \(read\) or 1 \(write\), got 2"):
        h.access(np.array([0, 64], dtype=np.uint64), ops=np.array([0, 2]))
    with pytest.raises(erg.Error, match="one size"):
        h.access(np.array([0, 64], dtype=np.uint64), sizes=np.array([4], dtype=np.uint64))
    with pytest.raises(erg.Error, match="1-D"):
        h.access(np.zeros((2, 2), dtype=np.uint64))
    with pytest.raises(erg.Error, match=r"uses\[0\]"):
        erg.simulate_analytic(tiny(), [{"id": 0, "address": 0, "bytes": 64}],
                              np.array([3], dtype=np.uint64))
    with pytest.raises(erg.Error, match="trace"):
        h.replay("/nonexistent/trace.din")


def test_long_calls_release_the_gil():
    # A Python thread can only tick while the C++ call has let go of the GIL.
    import threading
    ticks = [0]
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks[0] += 1
            time.sleep(0.0005)

    thread = threading.Thread(target=tick)
    thread.start()
    try:
        addresses = np.arange(0, 64 * 1_000_000, 64, dtype=np.uint64)
        h = erg.Hierarchy("desktop-ddr4")
        time.sleep(0.01)
        before = ticks[0]
        start = time.perf_counter()
        h.access(addresses, size_bytes=8)
        elapsed = time.perf_counter() - start
        during = ticks[0] - before
    finally:
        stop.set()
        thread.join()
    assert elapsed > 0.02, "the call was too short to tell"
    assert during > 0
