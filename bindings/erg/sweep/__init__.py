"""Sweeps on one machine or across many (Dask).

    erg.sweep(spec, out_dir)                      # local, as `erg sweep` (a SweepResult)
    erg.sweep.run(spec, out_dir)                  # the same
    erg.sweep.run(spec, out_dir, client=client)   # every design point a task on Dask workers
    python3 -m erg.sweep SPEC -o DIR --scheduler tcp://host:8786   # or local:N

With a dask.distributed Client the strategy runs on the client and hands each step's
independent evaluations (a whole grid, or one sensitivity step's candidates) to the workers at
once. Workers need the `erg` package and erg's data (models, prompts, test sets, presets), not
the output directory: each row comes back to the client, which appends it to DIR/results.jsonl
(fsync'd, the local runner's store) as soon as it arrives. The directory ends up as
`erg sweep SPEC -o DIR` leaves it: the same rows under the same config hashes, results.csv and
the same summary.json. Rows differ only in host_time_s and rtf (wall time of the run on the
host that evaluated it), and results.jsonl holds them in completion order, as a threaded local
run does.

A worker that dies mid-task has its task rerun elsewhere (tasks are pure: a row depends only on
its config). A killed client loses nothing but unfinished tasks: rerun the same command and it
skips the stored rows. Ctrl-C cancels the outstanding tasks and raises KeyboardInterrupt.
"""

import os
import sys
import types

import erg
from erg import _erg
from erg.sweep import _worker


def run(spec, output_dir, client=None, *, threads=None, force_new=False, progress=True):
    """Runs an experiment spec (a TOML path or a dict) into output_dir and returns an
    erg.SweepResult; `batch_sizes` on it lists how many points each step sent to the cluster.

    client: a dask.distributed.Client, or None to run locally on `threads` threads (default:
    the CPU count). force_new: move a sweep of another spec in output_dir into
    output_dir/superseded-N/ first. progress: a progress bar with ETA on stderr.
    """
    output_dir = os.fspath(output_dir)
    if client is None:
        result = erg._sweep_local(spec, output_dir, threads=threads or os.cpu_count() or 1,
                                  progress=progress, force_new=force_new)
        result.batch_sizes = []
        return result
    return _run_on_cluster(spec, output_dir, client, force_new, progress)


def _run_on_cluster(spec, output_dir, client, force_new, progress):
    plan = _erg._RemoteSweep(spec, output_dir, force_new)
    if plan.discarded_torn_line and progress:
        print(f"erg sweep: discarded a torn last line in {output_dir}/results.jsonl (a run killed "
              "mid-write); it will be recomputed", file=sys.stderr)
    spec_text, origin = plan.spec_text, plan.spec_origin
    batch_sizes = []
    while True:
        batch = plan.next_batch()
        if not batch:
            break
        batch_sizes.append(len(batch))
        _evaluate_batch(client, plan, batch, spec_text, origin, progress)
    summary = plan.finish()
    result = erg.SweepResult(output_dir, summary)
    result.batch_sizes = batch_sizes
    return result


def _evaluate_batch(client, plan, batch, spec_text, origin, progress):
    from distributed import as_completed

    futures = {}
    for key, config in batch:
        # Named by the config's hash: a task some other client (a killed run) left running is
        # joined rather than repeated.
        future = client.submit(_worker.evaluate_point, spec_text, origin, config,
                               key=f"erg-point-{key}", pure=False)
        futures[future] = config
    bar = _erg._ProgressBar(len(futures)) if progress else None
    try:
        for future in as_completed(futures):
            kind, text = future.result()
            if kind == "row":
                plan.add_row(text)
            else:
                plan.add_failure(futures[future], text)
            if bar is not None:
                bar.advance()
    except BaseException:
        client.cancel(list(futures))
        raise
    finally:
        if bar is not None:
            bar.finish()


class _SweepModule(types.ModuleType):
    """`erg.sweep(...)` keeps working now that erg.sweep is a package: calling the module runs
    a spec locally (erg._sweep_local's arguments)."""

    def __call__(self, spec, output_dir=None, threads=1, progress=False, force_new=False):
        return erg._sweep_local(spec, output_dir, threads=threads, progress=progress,
                                force_new=force_new)


_SweepModule.__call__.__doc__ = erg._sweep_local.__doc__
sys.modules[__name__].__class__ = _SweepModule
