"""Sweeps from Python: a spec as a dict or a path, rows as dicts, resumption, the Pareto front,
errors naming the key, the pandas guard and a clean Ctrl-C."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

import erg


def shape_spec(**extra):
    spec = {
        "name": "py_shape",
        "model": {"kind": "shape", "name": "emformer_rnnt_base"},
        "workload": {"audio_seconds": 0.16},
        "hardware": {"presets": ["mobile-7nm-lpddr4x"]},
        "evaluator": {"kind": "analytic"},
        "search": {"strategy": "grid"},
        "axes": {"asr.joiner": ["", "bits=8"], "asr.predictor": ["", "bits=8"]},
        "metrics": {"energy_per": "audio_second"},
    }
    spec.update(extra)
    return spec


def test_dict_spec_runs_a_grid(tmp_path):
    out = tmp_path / "grid"
    r = erg.sweep(shape_spec(), out)
    # 2 x 2 axes on one preset: four points, each one row.
    assert len(r.rows) == 4
    assert r.summary["kind"] == "sweep_summary" and r.summary["rows"] == 4
    assert r.summary["evaluated_now"] == 4
    assert (out / "spec.toml").exists() and (out / "results.csv").exists()
    assert json.loads((out / "summary.json").read_text()) == r.summary
    for row in r.rows:
        assert set(row) >= {"key", "config", "metrics"}
        assert row["metrics"]["energy_per_unit_uj"] > 0
    assert r.output_dir == str(out) and "py_shape" in repr(r)
    # A shape-only model has no accuracy metric, so its front holds only rows it could rank.
    front = r.pareto["mobile-7nm-lpddr4x"]
    assert all(p["key"] in {row["key"] for row in r.rows} for p in front)
    # int8 on both components reads fewer bytes than fp32 on both: less energy.
    by_variant = {(row["config"].get("variant") or ""): row for row in r.rows}
    energies = sorted(row["metrics"]["energy_per_unit_uj"] for row in r.rows)
    assert energies[0] < energies[-1], by_variant.keys()
    # A rerun into the same directory skips every finished point.
    again = erg.sweep(shape_spec(), out)
    assert again.summary["evaluated_now"] == 0 and again.summary["skipped_finished"] == 4
    assert erg.read_results(out) == r.rows


def test_path_spec_equals_dict_spec(tmp_path):
    first = erg.sweep(shape_spec(), tmp_path / "a")
    second = erg.sweep(tmp_path / "a" / "spec.toml", tmp_path / "b")
    assert [row["metrics"] for row in first.rows] == [row["metrics"] for row in second.rows]


def test_default_output_dir_is_temporary():
    r = erg.sweep(shape_spec(axes={"asr.joiner": [""]}))
    assert os.path.isdir(r.output_dir) and len(r.rows) == 1


def test_pareto_front():
    # (1,5) (2,3) (3,4) (4,1): (3,4) is dominated by (2,3).
    assert erg.pareto_front([1, 2, 3, 4], [5, 3, 4, 1]) == [0, 1, 3]
    assert erg.pareto_front([], []) == []
    with pytest.raises(erg.Error, match="same length"):
        erg.pareto_front([1], [1, 2])


def test_dataframe_needs_pandas(tmp_path):
    r = erg.sweep(shape_spec(axes={"asr.joiner": [""]}), tmp_path)
    try:
        import pandas  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="pandas"):
            r.dataframe()
    else:
        df = r.dataframe()
        assert len(df) == 1 and "metrics.energy_per_unit_uj" in df.columns


def test_spec_errors(tmp_path):
    with pytest.raises(erg.Error, match="bogus"):
        erg.sweep(shape_spec(bogus=1), tmp_path / "x")
    with pytest.raises(erg.Error, match="None"):
        erg.sweep(shape_spec(name=None), tmp_path / "y")
    with pytest.raises(erg.Error):
        erg.sweep(tmp_path / "missing.toml", tmp_path / "z")
    with pytest.raises(erg.Error, match="threads"):
        erg.sweep(shape_spec(), tmp_path / "w", threads=0)
    with pytest.raises(erg.Error, match="results.jsonl"):
        erg.read_results(tmp_path)


def test_ctrl_c_stops_a_sweep_cleanly(tmp_path):
    ladder = ["", "bits=8", "bits=4", "bits=8,prune=0.25,rows", "bits=4,prune=0.5,rows"]
    spec = shape_spec(workload={"audio_seconds": 2.0},
                      axes={"asr.joiner": ladder, "asr.predictor": ladder,
                            "asr.encoder": ladder})
    out = tmp_path / "big"
    # The child restores Python's Ctrl-C handler: started from a background job (nohup, `&`),
    # it inherits SIGINT ignored, and Python then keeps ignoring it.
    script = textwrap.dedent(f"""
        import signal, sys, erg
        signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            erg.sweep({spec!r}, {str(out)!r})
        except KeyboardInterrupt:
            print("interrupted", flush=True)
            sys.exit(42)
        print("finished", flush=True)
    """)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    results = out / "results.jsonl"
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if results.exists() and results.read_text().count("\n") >= 1:
            break
        time.sleep(0.05)
    assert proc.poll() is None, proc.communicate()
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 42, stderr
    assert "interrupted" in stdout
    rows = erg.read_results(out)
    assert 1 <= len(rows) < 125  # stopped early; every finished row kept


def test_dict_spec_into_another_specs_dir_is_refused_and_loses_nothing(tmp_path):
    # A dict spec used to write DIR/spec.toml before the directory check, replacing the spec
    # of the sweep already there and mixing rows.
    out = tmp_path / "sweep"
    erg.sweep(shape_spec(), out)
    spec_before = (out / "spec.toml").read_text()
    rows_before = erg.read_results(out)
    with pytest.raises(erg.Error, match="spec"):
        erg.sweep(shape_spec(workload={"audio_seconds": 0.32}), out)
    assert (out / "spec.toml").read_text() == spec_before
    assert erg.read_results(out) == rows_before


def test_read_results_leaves_a_torn_store_untouched(tmp_path):
    out = tmp_path / "sweep"
    erg.sweep(shape_spec(), out)
    store = out / "results.jsonl"
    rows = erg.read_results(out)
    with open(store, "a") as f:
        f.write('{"key": "torn')
    size = store.stat().st_size
    with pytest.warns(RuntimeWarning, match="torn last line"):
        assert erg.read_results(out) == rows
    assert store.stat().st_size == size
