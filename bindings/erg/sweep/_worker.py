"""The task a Dask worker runs for erg.sweep.run(): evaluate one design point.

Reads a spec's TOML text and a config (JSON text), writes nothing, returns the point's store row
as JSON text. Pure: the row depends only on the config (the local runner's rule), so a task
that a dying worker left unfinished is simply run again elsewhere. Each worker process builds a
spec's workload (the model, its prompts or test set) once, on its first point of that spec.
"""

import threading

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
    """The store row (JSON text) of one design point; raises erg.Error when it cannot be
    evaluated, as the local runner's evaluation would."""
    return _evaluator(spec_text, origin).evaluate(config_json)
