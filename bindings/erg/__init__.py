"""erg: measure, simulate and reduce the energy of on-device ML inference.

The compiled core lives in erg._erg; this package re-exports it and adds the pure-Python
conveniences: the `window` context manager, `sweep()` with its `SweepResult`, and DataFrame
helpers that work when pandas is installed. `erg.sweep` is also a subpackage: `erg.sweep.run()`
and `python3 -m erg.sweep` run a spec on a Dask cluster (see erg/sweep/__init__.py); calling
`erg.sweep(...)` runs it locally, as before.
"""

import os
import tempfile

from erg._erg import *  # noqa: F401,F403
from erg._erg import (  # noqa: F401
    __version__, Error, UnavailableError, UsageError, info, begin_window, end_window,
    read_results, _run_experiment,
)


class window:
    """A measurement window as a context manager::

        with erg.window("decode") as w:
            model.transcribe(audio)
        w.result        # {'name', 'time_s', 'energy': {'available', ...}, 'counters'}
        w.time_s        # seconds
        w.energy_j      # joules over the total domains, or None when unavailable
        w.energy_unavailable_reason  # why not, or None

    The window closes (and its result is recorded) even when the block raises.
    """

    def __init__(self, name):
        self.name = name
        self.result = None

    def __enter__(self):
        begin_window(self.name)
        return self

    def __exit__(self, exc_type, exc, tb):
        self.result = end_window(self.name)
        return False

    @property
    def time_s(self):
        return None if self.result is None else self.result["time_s"]

    @property
    def energy_available(self):
        return self.result is not None and self.result["energy"]["available"]

    @property
    def energy_j(self):
        if not self.energy_available:
            return None
        return self.result["energy"]["total_energy_j"]

    @property
    def energy_unavailable_reason(self):
        if self.result is None or self.result["energy"]["available"]:
            return None
        return self.result["energy"]["reason"]

    def __repr__(self):
        return f"<erg.window {self.name!r} result={self.result!r}>"


def _pandas():
    try:
        import pandas
    except ImportError as e:
        raise ImportError("this needs pandas, which is not installed "
                          "(apt-get install python3-pandas); use .rows instead") from e
    return pandas


def dataframe(rows):
    """A pandas DataFrame of result rows, nested keys flattened with dots
    ("config.asr.joiner", "metrics.energy_per_unit_uj"). Raises ImportError without pandas."""
    return _pandas().json_normalize(list(rows), sep=".")


class SweepResult:
    """What erg.sweep() returns: the summary dict (summary.json), the result rows (list of
    dicts from results.jsonl) and the output directory holding spec.toml, results.jsonl,
    results.csv and summary.json."""

    def __init__(self, output_dir, summary):
        self.output_dir = str(output_dir)
        self.summary = summary
        self.rows = read_results(self.output_dir)

    @property
    def pareto(self):
        """The Pareto front (energy versus the accuracy metric) the strategy reported for each
        preset: {preset name: [brief rows, lowest energy first]}."""
        return {p["preset"]: p.get("pareto", []) for p in self.summary.get("per_preset", [])}

    def dataframe(self):
        """The rows as a pandas DataFrame (ImportError when pandas is not installed)."""
        return dataframe(self.rows)

    def __repr__(self):
        return (f"<erg.SweepResult {self.summary.get('name')!r} rows={len(self.rows)} "
                f"output_dir={self.output_dir!r}>")


def _sweep_local(spec, output_dir=None, threads=1, progress=False, force_new=False):
    """Runs an experiment spec, like `erg sweep SPEC -o DIR`, and returns a SweepResult.

    spec: a path to a TOML spec (configs/*.toml) or a dict of the same structure, which is
    written as DIR/spec.toml first. output_dir: where results go (a new temporary directory
    when None); rerunning into the same directory skips finished points. Ctrl-C stops the
    sweep before its next job, keeps the finished rows and raises KeyboardInterrupt. force_new:
    move a sweep of another spec already in DIR into DIR/superseded-N/ (`--force-new`).
    """
    if output_dir is None:
        output_dir = tempfile.mkdtemp(prefix="erg-sweep-")
    output_dir = os.fspath(output_dir)
    summary = _run_experiment(spec, output_dir, threads=threads, progress=progress,
                              force_new=force_new)
    return SweepResult(output_dir, summary)


# The subpackage replaces the name `sweep` with a module that is callable like _sweep_local.
from erg import sweep  # noqa: E402
