"""erg.report() from Python: the same files `erg report` writes, report.json equal to the
returned summary, and errors naming the bad input."""

import json
import os
import pathlib

import pytest

import erg

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "reports"


def test_report_writes_the_requested_formats(tmp_path):
    out = tmp_path / "report"
    r = erg.report(FIXTURES / "asr_design_search", out, formats="md,json")
    names = {os.path.relpath(f, out) for f in r["files"]}
    assert {"report.md", "report.json"} <= names
    assert "report.html" not in names  # only the formats asked for
    assert all(os.path.exists(f) for f in r["files"])
    assert json.loads((out / "report.json").read_text()) == r["summary"]
    for fig in r["figures"]:
        # Each figure is either drawn or says why not.
        assert (fig["png"] and os.path.exists(fig["png"])) or fig["missing_reason"]


def test_report_takes_several_directories(tmp_path):
    r = erg.report([FIXTURES / "asr_design_search", str(FIXTURES / "profile_no_rapl")],
                   tmp_path / "both", formats="json")
    assert (tmp_path / "both" / "report.json").exists() and r["summary"]


def test_report_errors(tmp_path):
    with pytest.raises(erg.Error, match="unknown format 'pdf'"):
        erg.report(FIXTURES / "asr_design_search", tmp_path / "x", formats="pdf")
    with pytest.raises(erg.Error):
        erg.report(tmp_path / "not-a-run", tmp_path / "y")
