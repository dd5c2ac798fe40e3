"""Measurement windows and the power sampler from Python: on this machine (no RAPL) energy is
reported as unavailable with the reason, never as a number; against a fake powercap tree the
energy is the counter delta written by hand."""

import os
import time

import numpy as np
import pytest

import erg


@pytest.fixture(autouse=True)
def default_source():
    erg.configure_profiler()
    yield
    erg.configure_profiler()


def rapl_readable():
    return erg.energy_unavailable_reason() is None


def test_window_context_manager_on_this_machine():
    with erg.window("sleep") as w:
        time.sleep(0.02)
    assert w.result["name"] == "sleep"
    assert w.time_s >= 0.02
    if rapl_readable():
        assert w.energy_available and w.energy_j is not None
    else:
        # No RAPL: a reason, and no number standing in for it.
        assert not w.energy_available
        assert w.energy_j is None
        assert w.energy_unavailable_reason == erg.energy_unavailable_reason()
        assert "total_energy_j" not in w.result["energy"]
        assert w.result["energy"]["reason"]


def test_window_closes_when_the_block_raises():
    w = erg.window("boom")
    with pytest.raises(ValueError):
        with w:
            raise ValueError("x")
    assert w.result is not None and not erg.is_window_open("boom")


def test_begin_end_nest_and_errors():
    erg.begin_window("outer")
    erg.begin_window("inner")
    assert erg.is_window_open("outer") and erg.is_window_open("inner")
    inner = erg.end_window("inner")
    outer = erg.end_window("outer")
    assert outer["time_s"] >= inner["time_s"]
    with pytest.raises(erg.Error, match="never"):
        erg.end_window("never")


def make_powercap(root, energy_uj):
    zone = root / "intel-rapl:0"
    zone.mkdir(parents=True, exist_ok=True)
    (zone / "name").write_text("package-0\n")
    (zone / "energy_uj").write_text(f"{energy_uj}\n")
    (zone / "max_energy_range_uj").write_text("262143328850\n")
    return zone / "energy_uj"


def test_window_energy_from_a_fake_powercap_tree(tmp_path):
    counter = make_powercap(tmp_path / "powercap", 1_000_000)
    erg.configure_profiler(powercap_root=str(tmp_path / "powercap"))
    assert erg.energy_unavailable_reason() is None
    with erg.window("fake") as w:
        # The package counter advances by 2.5 J (2,500,000 uJ) inside the window.
        counter.write_text("3500000\n")
    assert w.energy_available
    assert w.result["energy"]["source"] == "powercap"
    assert w.energy_j == pytest.approx(2.5)
    assert [d["name"] for d in w.result["energy"]["domains"]] == ["package-0"]


def test_explicit_unreadable_source_raises(tmp_path):
    with pytest.raises(erg.Error):
        erg.configure_profiler(powercap_root=str(tmp_path / "nothing-here"))
    with pytest.raises(erg.Error, match="auto"):
        erg.configure_profiler(source="magic")


def test_sampler_timeline_as_numpy(tmp_path):
    make_powercap(tmp_path / "powercap", 5_000_000)
    with erg.PowerSampler(interval_s=0.005, powercap_root=str(tmp_path / "powercap")) as s:
        time.sleep(0.1)
    t = s.timeline()
    assert t["domains"] == ["package-0"]
    n = len(t["time_s"])
    assert n >= 5 and s.taken >= n
    assert t["power_w"].shape == (n, 1) and t["power_w"].dtype == np.float64
    assert np.all(np.diff(t["time_s"]) > 0)
    # The counter never moved: zero power in every interval.
    assert np.all(t["power_w"] == 0.0)
    assert s.interval_s == 0.005 and s.overwritten == 0 and s.cpu_time_s >= 0
    assert isinstance(s.to_dict(), dict)
    # Explicit start/stop works as well; stop is idempotent.
    s2 = erg.PowerSampler(interval_s=0.005, powercap_root=str(tmp_path / "powercap"))
    s2.start()
    time.sleep(0.03)
    s2.stop()
    s2.stop()
    assert s2.taken >= 1


def test_sampler_without_rapl_says_why():
    if os.path.isdir("/sys/class/powercap") and rapl_readable():
        pytest.skip("this machine has readable RAPL")
    with pytest.raises(erg.UnavailableError) as e:
        erg.PowerSampler()
    assert str(e.value)
    assert isinstance(e.value, erg.Error)
    with pytest.raises(erg.Error, match="interval_s"):
        erg.PowerSampler(interval_s=0)


def test_info_and_units():
    info = erg.info()
    assert "rapl" in info and "cpu" in info
    assert erg.format_energy(2.0) == "2.00 J"
    assert erg.parse_bytes("1 MiB") == 1 << 20
    assert os.path.isdir(os.path.join(erg.data_root(), "simulator", "presets"))
