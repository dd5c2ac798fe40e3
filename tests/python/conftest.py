"""Shared fixtures: where the built `erg` binary and Python package live.

scripts/test sets ERG_BUILD_DIR and PYTHONPATH; running pytest by hand falls back to
build/default.
"""

import os
import pathlib
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("ERG_BUILD_DIR", REPO / "build" / "default"))
sys.path.insert(0, str(BUILD / "python"))


@pytest.fixture(scope="session")
def erg_bin():
    path = BUILD / "cli" / "erg"
    if not path.exists():
        pytest.fail(f"erg binary not built at {path}; run scripts/test")
    return str(path)


@pytest.fixture(scope="session")
def repo():
    return REPO
