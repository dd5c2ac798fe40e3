"""erg.sweep.run() on a Dask LocalCluster of 2 worker processes: the same rows (config hashes
and metrics) and summary.json as the local runner for a grid and a sensitivity search, a worker
killed mid-task, and a client killed with kill -9 and then resumed.

The specs are reduced copies of configs/llm_selfspec_grid.toml (fewer prompts, tokens and
points) so that the whole file runs in well under a minute on two busy cores. The reference for
every comparison is the local runner on the same spec; the only fields allowed to differ are
the host's wall-time measurements (metrics.host_time_s, metrics.rtf, metrics.stats.tokens_per_s).
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

import erg
import erg.sweep

distributed = pytest.importorskip("distributed", reason="needs python3-distributed (scripts/setup)")

# configs/llm_selfspec_grid.toml with 2 prompts of 24 tokens and 8 design points: long enough
# per point (about 0.3 s) that a kill lands while tasks run.
GRID_SPEC = """\
name = "llm_selfspec_grid_small"
description = "reduced copy of configs/llm_selfspec_grid.toml for the Dask tests"

[model]
kind = "llm"
name = "llm-layerskip"

[workload]
prompts = "tests/fixtures/llm/prompts.json"
max_prompts = 2
max_new_tokens = 24
eval_text = "tests/fixtures/llm/heldout_sample.txt"
eval_bytes = 512

[hardware]
presets = ["mobile-7nm-lpddr4x"]

[evaluator]
kind = "analytic"

[search]
strategy = "grid"

[axes]
"llm.layer" = ["", "bits=8"]

[runtime]
strategy = ["ar", "selfspec"]
exit_layer = [2]
speculations = [2, 4]

[metrics]
energy_per = "token"
"""
GRID_POINTS = 8

# A sensitivity search over three components with pinning on the 2 MiB-SRAM preset: its steps
# depend on earlier rows, and each compression step has one candidate per component.
SENSITIVITY_SPEC = """\
name = "llm_sensitivity_small"

[model]
kind = "llm"
name = "llm-layerskip"

[workload]
prompts = "tests/fixtures/llm/prompts.json"
max_prompts = 1
max_new_tokens = 8
eval_text = "tests/fixtures/llm/heldout_sample.txt"
eval_bytes = 256

[hardware]
presets = ["wearable-sram2m-lpddr4x"]

[evaluator]
kind = "analytic"

[search]
strategy = "sensitivity"
components = ["llm.head", "llm.layer.0", "llm.layer.1"]
ladder = ["bits=8", "bits=4"]
pin = true
max_steps = 2

[runtime]
strategy = "ar"

[constraints]
perplexity_max = "base * 1.5"

[metrics]
energy_per = "token"
"""


def read_rows(out_dir):
    """results.jsonl as {key: row}, asserting each key once and every line whole."""
    rows = {}
    with open(os.path.join(out_dir, "results.jsonl")) as f:
        text = f.read()
    assert text.endswith("\n"), "torn last line"
    for line in text.splitlines():
        row = json.loads(line)
        assert row["key"] not in rows, f"duplicate row {row['key']}"
        rows[row["key"]] = row
    return rows


def without_timing(rows):
    """Rows with the host's wall-time fields removed: all that may differ between runs."""
    out = {}
    for key, row in rows.items():
        row = json.loads(json.dumps(row))
        for field in ("host_time_s", "rtf"):
            row["metrics"].pop(field, None)
        row["metrics"].get("stats", {}).pop("tokens_per_s", None)
        out[key] = row
    return out


def summary_of(out_dir):
    with open(os.path.join(out_dir, "summary.json")) as f:
        return json.load(f)


@pytest.fixture(scope="module")
def specs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("specs")
    (folder / "grid.toml").write_text(GRID_SPEC)
    (folder / "sensitivity.toml").write_text(SENSITIVITY_SPEC)
    return folder


@pytest.fixture(scope="module")
def local_grid(specs, tmp_path_factory):
    """The local runner's directory for GRID_SPEC: the reference."""
    out = tmp_path_factory.mktemp("local") / "grid"
    erg.sweep.run(specs / "grid.toml", out, threads=1, progress=False)
    return out


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.fixture
def two_workers(client):
    client.wait_for_workers(2, timeout=60)  # a killed worker's nanny restarts it
    return client


def test_grid_on_cluster_equals_local_runner(specs, local_grid, two_workers, tmp_path):
    out = tmp_path / "dask"
    r = erg.sweep.run(specs / "grid.toml", out, client=two_workers, progress=False)
    # The whole grid goes out as one batch: every point a task at once.
    assert r.batch_sizes == [GRID_POINTS]
    local_rows, dask_rows = read_rows(local_grid), read_rows(out)
    assert len(dask_rows) == GRID_POINTS
    assert set(dask_rows) == set(local_rows)  # same config hashes
    assert without_timing(dask_rows) == without_timing(local_rows)
    # The summary counts what this run evaluated, as the local run's does.
    assert summary_of(out) == summary_of(local_grid)
    assert r.summary == summary_of(out) and r.summary["evaluated_now"] == GRID_POINTS
    assert (out / "spec.toml").read_text() == (local_grid / "spec.toml").read_text()
    assert len((out / "results.csv").read_text().splitlines()) == GRID_POINTS + 1
    # Rerunning finds every row stored and sends nothing.
    again = erg.sweep.run(specs / "grid.toml", out, client=two_workers, progress=False)
    assert again.batch_sizes == [] and again.summary["evaluated_now"] == 0
    assert again.summary["skipped_finished"] == GRID_POINTS
    assert read_rows(out) == dask_rows


def test_sensitivity_search_on_cluster_equals_local_runner(specs, two_workers, tmp_path):
    local = erg.sweep.run(specs / "sensitivity.toml", tmp_path / "local", threads=1,
                          progress=False)
    r = erg.sweep.run(specs / "sensitivity.toml", tmp_path / "dask", client=two_workers,
                      progress=False)
    # Steps follow from earlier rows (several batches), and a compression step's candidates
    # (one per component, 3) and the uniform-compression designs (3) go out together.
    assert len(r.batch_sizes) > 2 and max(r.batch_sizes) >= 3
    assert sum(r.batch_sizes) == local.summary["evaluated_now"]
    local_rows, dask_rows = read_rows(tmp_path / "local"), read_rows(tmp_path / "dask")
    assert set(dask_rows) == set(local_rows)
    assert without_timing(dask_rows) == without_timing(local_rows)
    assert summary_of(tmp_path / "dask") == summary_of(tmp_path / "local")
    assert r.summary["compression_order"] == local.summary["compression_order"]


def executing_points(client):
    """{worker address: keys of the erg points it is running right now}."""
    def running(dask_worker):
        return [ts.key for ts in dask_worker.state.executing if ts.key.startswith("erg-point-")]
    return {addr: keys for addr, keys in client.run(running).items() if keys}


def test_worker_killed_mid_task_is_retried_elsewhere(specs, local_grid, two_workers, tmp_path):
    # A point takes milliseconds, so the task seen running may finish, and its result leave the
    # worker, before the kill lands; then nothing was lost and the attempt is made again (at most
    # three times).
    for attempt in range(3):
        two_workers.wait_for_workers(2, timeout=60)  # the nanny restarts a killed worker
        out = tmp_path / f"dask{attempt}"
        result, failure = {}, []

        def sweep():
            try:
                result["r"] = erg.sweep.run(specs / "grid.toml", out, client=two_workers,
                                            progress=False)
            except BaseException as e:  # reported by the assertions below
                failure.append(e)

        thread = threading.Thread(target=sweep)
        thread.start()
        victim = None
        deadline = time.monotonic() + 60
        while victim is None and thread.is_alive() and time.monotonic() < deadline:
            running = executing_points(two_workers)
            if running:
                victim = next(iter(running.items()))
            else:
                time.sleep(0.02)
        assert victim is not None, "no task was ever seen running"
        address, keys = victim
        pid = two_workers.run(os.getpid, workers=[address])[address]
        killed_at = time.time()
        os.kill(pid, signal.SIGKILL)
        thread.join(timeout=120)
        assert not thread.is_alive() and not failure, failure
        # The scheduler's record of the killed task: released when its worker died, then run
        # again to the end (on the other worker or the restarted one).
        story = two_workers.run_on_scheduler(lambda dask_scheduler: dask_scheduler.story(keys[0]))
        moves = [(start, finish) for _, start, finish, *_, stamp in story if stamp >= killed_at]
        # Whether or not the kill interrupted a task, every point is stored once, none torn,
        # and the rows and summary are the local runner's.
        rows = read_rows(out)
        assert keys[0].removeprefix("erg-point-") in rows
        assert len(rows) == GRID_POINTS
        assert without_timing(rows) == without_timing(read_rows(local_grid))
        assert summary_of(out) == summary_of(local_grid)
        assert address not in two_workers.scheduler_info()["workers"]
        # The kill took the task from its worker either mid-run or just after it finished with
        # its result still held there (memory -> released); both make the scheduler run it again.
        lost = [m for m in moves if m in (("processing", "released"), ("memory", "released"))]
        if lost:
            break
    assert lost, moves
    assert moves.index(lost[0]) < moves.index(("processing", "memory")), moves


def test_client_killed_then_resumed(specs, local_grid, two_workers, tmp_path, repo):
    out = tmp_path / "dask"
    store = out / "results.jsonl"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    child = subprocess.Popen(
        [sys.executable, "-m", "erg.sweep", str(specs / "grid.toml"), "-o", str(out),
         "--scheduler", two_workers.scheduler.address, "--quiet"],
        cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and child.poll() is None:
        if store.exists() and store.read_bytes().count(b"\n") >= 1:
            break
        time.sleep(0.01)
    assert child.poll() is None, child.communicate()
    child.send_signal(signal.SIGKILL)
    child.wait()
    before = read_rows(out)
    assert 1 <= len(before) < GRID_POINTS, "the client was not killed mid-sweep"
    assert not (out / "summary.json").exists()
    # What a kill in the middle of a write leaves: a last line without its newline.
    with open(store, "ab") as f:
        f.write(b'{"key": "0123456789abcdef0123456789abcdef", "conf')

    r = erg.sweep.run(specs / "grid.toml", out, client=two_workers, progress=False)
    rows = read_rows(out)
    assert len(rows) == GRID_POINTS
    # Nothing stored before the kill was recomputed or changed.
    assert all(rows[k] == row for k, row in before.items())
    assert r.summary["evaluated_now"] == GRID_POINTS - len(before)
    assert r.summary["skipped_finished"] == len(before)
    assert sum(r.batch_sizes) == GRID_POINTS - len(before)
    assert without_timing(rows) == without_timing(read_rows(local_grid))
    counts = ("evaluated_now", "skipped_finished")
    assert ({k: v for k, v in summary_of(out).items() if k not in counts} ==
            {k: v for k, v in summary_of(local_grid).items() if k not in counts})


def test_shell_rejects_a_bad_scheduler(specs, tmp_path):
    p = subprocess.run(
        [sys.executable, "-m", "erg.sweep", str(specs / "grid.toml"), "-o", str(tmp_path / "x"),
         "--scheduler", "somewhere"],
        capture_output=True, text=True)
    assert p.returncode == 2 and "tcp://host:port or local:N" in p.stderr
    assert not (tmp_path / "x").exists()
    # A directory holding another spec's sweep is a usage error, as for `erg sweep` (exit 2).
    other = tmp_path / "other"
    other.mkdir()
    (other / "spec.toml").write_text(SENSITIVITY_SPEC)
    p = subprocess.run([sys.executable, "-m", "erg.sweep", str(specs / "grid.toml"), "-o",
                        str(other), "--quiet"], capture_output=True, text=True)
    assert p.returncode == 2 and "another spec" in p.stderr, p.stderr
    assert sorted(os.listdir(other)) == ["spec.toml"]


def test_failed_points_fail_as_in_the_local_runner(two_workers, tmp_path):
    # Pinning on a preset without local memory cannot be evaluated: the grid stops with the
    # local runner's error (the first failed point in the grid's order) and the same rows.
    spec = tmp_path / "fail.toml"
    spec.write_text("""\
name = "pins_that_do_not_fit"
[model]
kind = "shape"
name = "emformer_rnnt_base"
[workload]
audio_seconds = 0.16
[hardware]
presets = ["mobile-7nm-lpddr4x"]
[evaluator]
kind = "analytic"
[search]
strategy = "grid"
[axes]
"asr.joiner" = ["", "bits=8", "pin"]
"asr.encoder" = ["", "pin"]
[metrics]
energy_per = "audio_second"
""")
    with pytest.raises(erg.Error) as local:
        erg.sweep.run(spec, tmp_path / "local", threads=1, progress=False)
    with pytest.raises(erg.Error) as dask:
        erg.sweep.run(spec, tmp_path / "dask", client=two_workers, progress=False)
    assert "cannot pin" in str(local.value) and str(dask.value) == str(local.value)
    assert set(read_rows(tmp_path / "dask")) == set(read_rows(tmp_path / "local"))
    assert len(read_rows(tmp_path / "dask")) == 2  # the two designs without a pin
