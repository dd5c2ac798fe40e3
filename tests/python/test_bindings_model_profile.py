"""erg.profile_model: the per-component attribution of `erg profile asr|llm` from Python, on
this machine (no RAPL here: energy is None with the reason, never a number) and against a fake
powercap tree whose package counter a thread advances at a known power."""

import json
import os
import subprocess
import threading
import time

import pytest

import erg

MAX_RANGE_UJ = 262143328850


def rapl_readable():
    erg.configure_profiler()
    return erg.energy_unavailable_reason() is None


class FakePackage:
    """A one-package powercap tree whose energy_uj advances at power_w every 0.5 ms."""

    def __init__(self, root, power_w):
        zone = root / "intel-rapl:0"
        zone.mkdir(parents=True)
        (zone / "name").write_text("package-0\n")
        (zone / "max_energy_range_uj").write_text(f"{MAX_RANGE_UJ}\n")
        (zone / "constraint_0_max_power_uw").write_text("20000000\n")
        self.counter = zone / "energy_uj"
        self.counter.write_text(f"{1_000_000:020d}\n")
        self.power_w = power_w
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        # Fixed-width values written in place (as tests/profiler/fake_trees.hpp's EnergyWriter
        # does), so a read never sees a truncated file.
        fd = os.open(self.counter, os.O_WRONLY)
        try:
            t0 = time.monotonic()
            while not self.stop.is_set():
                uj = 1_000_000 + int(self.power_w * (time.monotonic() - t0) * 1e6)
                os.pwrite(fd, f"{uj % MAX_RANGE_UJ:020d}\n".encode(), 0)
                time.sleep(0.0005)
        finally:
            os.close(fd)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def keys(value):
    """The nested key structure of a JSON value (lists by their first element)."""
    if isinstance(value, dict):
        return {k: keys(v) for k, v in value.items()}
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return [keys(value[0])]
    return None


def test_same_fields_as_the_cli(erg_bin, tmp_path):
    none = str(tmp_path / "none")
    args = ["--model", "asr-lstm", "--utterances", "1", "--min-window-ms", "5",
            "--powercap-root", none]
    cli = json.loads(subprocess.run([erg_bin, "profile", "asr", *args, "--json"], check=True,
                                    capture_output=True, text=True).stdout)
    py = erg.profile_model("asr", "asr-lstm", utterances=1, min_window_ms=5,
                           powercap_root=none)
    assert py["kind"] == "model_profile" and py["target"] == "asr"
    # Counters come and go with the machine, and each window lists what it measured.
    for p in (cli, py):
        p["run"].pop("counters", None)
        for c in p["components"]:
            c["window"].pop("counters", None)
    assert keys(py) == keys(cli)
    assert [c["name"] for c in py["components"]] == [c["name"] for c in cli["components"]]
    assert [c["real_invocations"] for c in py["components"]] == \
        [c["real_invocations"] for c in cli["components"]]
    assert py["run"]["details"]["hypotheses"] == cli["run"]["details"]["hypotheses"]


def test_energy_from_a_fake_powercap_tree(tmp_path):
    power_w = 5.0
    with FakePackage(tmp_path / "powercap", power_w):
        p = erg.profile_model("asr", "asr-lstm", utterances=1, min_window_ms=50,
                              min_invocation_ms=1e9, powercap_root=str(tmp_path / "powercap"))
    run = p["run"]
    assert run["energy"]["available"], run["energy"]
    assert run["energy"]["source"] == "powercap"
    # The writer thread shares the GIL-free run with the engines: a loose bound, far tighter
    # than a unit (1e6) or wrap error.
    assert run["energy"]["total_energy_j"] == pytest.approx(power_w * run["time_s"], rel=0.5)
    total = 0.0
    for c in p["components"]:
        assert c["method"] == "repeated", c["method_reason"]
        w = c["window"]
        assert w["energy"]["available"]
        per = c["energy_per_invocation_j"]
        assert per == pytest.approx(w["energy"]["total_energy_j"] / c["repetitions"], rel=1e-12)
        assert c["attributed_energy_j"] == pytest.approx(per * c["real_invocations"], rel=1e-12)
        total += c["attributed_energy_j"]
    a = p["attribution"]
    assert a["attributed_energy_j"] == pytest.approx(total, rel=1e-9)
    assert a["run_energy_j"] == run["energy"]["total_energy_j"]
    assert a["attributed_fraction"] == pytest.approx(total / a["run_energy_j"], rel=1e-9)


def test_without_rapl_on_this_machine_says_why():
    if rapl_readable():
        pytest.skip("this machine has RAPL")
    p = erg.profile_model("asr", "asr-lstm", utterances=1, min_window_ms=5)
    energy = p["run"]["energy"]
    assert not energy["available"]
    assert "total_energy_j" not in energy
    assert "RAPL" in energy["reason"]
    assert p["attribution"]["attributed_energy_j"] is None
    assert p["attribution"]["reason"] == energy["reason"]
    for c in p["components"]:
        assert c["energy_per_invocation_j"] is None and c["attributed_energy_j"] is None
        assert c["attributed_time_s"] > 0
    # A caller that needs a measured number gets an error that says what is missing instead.
    with pytest.raises(erg.UnavailableError, match="^energy unavailable: .*RAPL"):
        erg.profile_model("asr", "asr-lstm", utterances=1, min_window_ms=5, require_energy=True)


def test_bad_requests_raise():
    with pytest.raises(erg.Error, match="asr or llm"):
        erg.profile_model("tts", "asr-lstm")
    with pytest.raises(erg.Error, match="unknown component"):
        erg.profile_model("asr", "asr-lstm", "asr.nothing:bits=8", utterances=1)


def test_rapl_sweep_evaluator_says_rapl_is_unavailable(repo, tmp_path):
    """The `rapl` evaluator opens its monitor as profile_model does: without RAPL it stops with
    the same reason, never a number."""
    if rapl_readable():
        pytest.skip("this machine has RAPL")
    spec = (repo / "configs/emformer_base_presets.toml").read_text()
    spec = spec.replace('kind = "analytic"', 'kind = "rapl"')
    (tmp_path / "rapl.toml").write_text(spec)
    with pytest.raises(erg.Error, match="energy unavailable: .*RAPL"):
        erg.sweep(str(tmp_path / "rapl.toml"), str(tmp_path / "out"))
