"""The report's figures draw the tables' numbers: render the committed ASR design search with the
built erg, then check that the energy-breakdown figure's bars, as scripts/plots/energy_breakdown.py
stacks them from figure_data/energy_breakdown.json, add up to the variant table's energy
(tables/variants.csv), with static energy as its own part.

Reads tests/fixtures/reports/asr_design_search; writes only under pytest's tmp_path.
"""

import csv
import json
import subprocess
import sys

import pytest


@pytest.fixture(scope="module")
def report(erg_bin, repo, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    r = subprocess.run([erg_bin, "report", str(repo / "tests/fixtures/reports/asr_design_search"),
                        "-o", str(out), "--format", "csv,json"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return out


@pytest.fixture(scope="module")
def energy_breakdown(repo):
    sys.path.insert(0, str(repo / "scripts" / "plots"))
    import energy_breakdown as eb  # noqa: E402  (the script, imported for its stacking functions)
    return eb


def variants(report):
    with open(report / "tables" / "variants.csv", newline="") as f:
        return {row["key"]: row for row in csv.DictReader(f)}


def test_energy_breakdown_bars_sum_to_the_table(report, energy_breakdown):
    data = json.loads((report / "figure_data" / "energy_breakdown.json").read_text())
    table = variants(report)
    unit = data["energy_unit"]
    designs = 0
    for preset in data["presets"]:
        components = energy_breakdown.components_of(preset["designs"])
        for design in preset["designs"]:
            row = table[design["key"]]
            total = float(row[f"energy_uj_per_{unit}"])
            parts = energy_breakdown.design_stack(design, components)
            # Static energy is a part of its own, the table's static column.
            labels = [label for label, _ in parts]
            assert labels[-1] == energy_breakdown.STATIC_LABEL, labels
            assert parts[-1][1] == pytest.approx(float(row[f"static_uj_per_{unit}"]), rel=1e-8)
            # The bar's top is the table's total (the CSV keeps 10 significant digits).
            assert sum(v for _, v in parts) == pytest.approx(total, rel=1e-8), design["key"]
            assert design["total_uj"] == pytest.approx(total, rel=1e-8)
            # Each component x level bar is the table's component x level cell.
            for c in components:
                for level, v in energy_breakdown.level_stack(design, c, data["levels"]):
                    cell = row.get(f"{c}.{level}_uj_per_{unit}", "")
                    assert v == pytest.approx(float(cell) if cell else 0.0, rel=1e-8, abs=1e-9), \
                        (design["key"], c, level)
            designs += 1
    assert designs == 4  # baseline and best on two presets


def test_static_share_notes_are_in_report_json(report):
    summary = json.loads((report / "report.json").read_text())
    notes = summary["static_energy_notes"]
    # mobile-7nm-lpddr4x is the preset whose results are mostly static (report_test.cpp derives
    # the counts); the wearable preset's LSTP SRAM keeps it near 5 %.
    assert len(notes) == 1 and "mobile-7nm-lpddr4x" in notes[0], notes
