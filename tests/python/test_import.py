"""`import erg` works and the compiled module agrees with the CLI."""

import json
import subprocess

import pytest


def test_import_exposes_version_and_info():
    import erg
    assert erg.__version__
    info = erg.info()
    assert set(info) >= {"cpu", "rapl", "perf_events", "perf_event_paranoid"}


def test_info_matches_cli(erg_bin):
    import erg
    cli = json.loads(subprocess.run([erg_bin, "info", "--json"], capture_output=True,
                                    text=True, check=True).stdout)
    py = erg.info()
    assert py["rapl"] == cli["rapl"]
    assert [e["name"] for e in py["perf_events"]] == [e["name"] for e in cli["perf_events"]]


def test_errors_carry_the_cli_message():
    import erg
    with pytest.raises(erg.Error, match="invalid byte size '12 parsecs'"):
        erg.parse_bytes("12 parsecs")
    assert erg.parse_bytes("32KiB") == 32768
    assert erg.format_energy(3.1e-6) == "3.10 uJ"
