"""The task a Dask worker runs for erg.sweep.run(): evaluate one design point.

Reads a spec's TOML text and a config (JSON text), writes nothing, returns the point's store row
as JSON text (or erg's error message). Pure: the row depends only on the config (the local runner's rule), so a task
that a dying worker left unfinished is simply run again elsewhere. Each worker process builds a
spec's workload (the model, its prompts or test set) once, on its first point of that spec.
"""

import threading

import erg
from erg import _erg

_lock = threading.Lock()
_evaluators = {}  # (spec text, origin) -> _erg._PointEvaluator
_MAX_SPECS = 4  # workloads a worker keeps (models can be large)


def _evaluator(spec_text, origin):
    key = (spec_text, origin)
    with _lock:
        evaluator = _evaluators.get(key)
        if evaluator is None:
            if len(_evaluators) >= _MAX_SPECS:
                _evaluators.clear()
            evaluator = _erg._PointEvaluator(spec_text, origin)
            _evaluators[key] = evaluator
        return evaluator


def evaluate_point(spec_text, origin, config_json):
    """("row", the store row as JSON text) for one design point, or ("error", the message) when
    erg cannot evaluate it (a pin that does not fit): an answer about the point, which the
    strategy meets as the local runner's would, not a failure of the task for Dask to log."""
    try:
        return "row", _evaluator(spec_text, origin).evaluate(config_json)
    except erg.Error as e:
        return "error", str(e)
