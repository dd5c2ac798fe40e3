"""The `erg` command's contract: help, usage errors (exit 2) and `erg info` against real and
fake sysfs/procfs trees."""

import json
import os
import subprocess

import pytest


def run(erg_bin, *args):
    return subprocess.run([erg_bin, *args], capture_output=True, text=True, timeout=120)


def test_help_lists_subcommands(erg_bin):
    r = run(erg_bin, "--help")
    assert r.returncode == 0
    assert "usage: erg" in r.stdout
    assert "info" in r.stdout


def test_no_arguments_is_a_usage_error(erg_bin):
    r = run(erg_bin)
    assert r.returncode == 2
    assert "usage: erg" in r.stderr


def test_unknown_subcommand_exits_2_with_clear_error(erg_bin):
    r = run(erg_bin, "frobnicate")
    assert r.returncode == 2
    assert "erg: error: unknown command 'frobnicate'" in r.stderr


def test_every_subcommand_has_help(erg_bin):
    listing = run(erg_bin, "--help").stdout.split("commands:")[1].split("\n\n")[0]
    names = [line.split()[0] for line in listing.strip().splitlines()]
    assert "info" in names
    for name in names:
        r = run(erg_bin, name, "--help")
        assert r.returncode == 0, name
        assert r.stdout.startswith(f"usage: erg {name}"), name


def test_unknown_flag_exits_2(erg_bin):
    r = run(erg_bin, "info", "--bogus")
    assert r.returncode == 2
    assert "erg: error: unknown option '--bogus'" in r.stderr


def test_version(erg_bin):
    r = run(erg_bin, "--version")
    assert r.returncode == 0 and r.stdout.startswith("erg ")


def test_info_json_on_this_machine_is_consistent(erg_bin):
    r = run(erg_bin, "info", "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["kind"] == "info" and "erg_version" in info
    # Compare against the machine itself rather than assuming what it has.
    has_powercap = os.path.isdir("/sys/class/powercap")
    assert info["rapl"]["powercap_present"] == has_powercap
    if not has_powercap:
        assert "no /sys/class/powercap" in info["rapl"]["reason"]
    has_pmu = os.path.isdir("/sys/bus/event_source/devices/power")
    assert info["rapl"]["perf_power_pmu"]["present"] == has_pmu
    events = {e["name"]: e for e in info["perf_events"]}
    # Software events count wherever perf_event_open exists; this is the VM's only kind.
    assert events["task-clock"]["supported"]
    for e in info["perf_events"]:
        assert e["supported"] or e["reason"], e
    paranoid = int(open("/proc/sys/kernel/perf_event_paranoid").read())
    assert info["perf_event_paranoid"] == paranoid


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def fake_machine(tmp_path):
    """A two-package Intel box: package zones, dram at :0:0 and :1:2, a core subzone, psys at
    the top level, an mmio duplicate, and a power PMU."""
    sys_root = tmp_path / "sys"
    proc = tmp_path / "proc"
    write(proc / "cpuinfo", "processor\t: 0\nmodel name\t: Fake Xeon 9000\nflags\t\t: fpu sse\n"
          "\nprocessor\t: 1\nmodel name\t: Fake Xeon 9000\nflags\t\t: fpu sse\n")
    write(proc / "sys/kernel/perf_event_paranoid", "2\n")
    cache = sys_root / "devices/system/cpu/cpu0/cache"
    for idx, (level, kind, size, ways) in enumerate(
            [(1, "Data", "48K", 12), (2, "Unified", "2048K", 16), (3, "Unified", "30M", 12)]):
        d = cache / f"index{idx}"
        write(d / "level", f"{level}\n")
        write(d / "type", f"{kind}\n")
        write(d / "size", f"{size}\n")
        write(d / "ways_of_associativity", f"{ways}\n")
        write(d / "coherency_line_size", "64\n")
        write(d / "shared_cpu_list", "0-1\n")
    pc = sys_root / "class/powercap"
    zones = {
        "intel-rapl:0": "package-0", "intel-rapl:0:0": "dram", "intel-rapl:0:1": "core",
        "intel-rapl:1": "package-1", "intel-rapl:1:2": "dram", "intel-rapl:2": "psys",
        "intel-rapl-mmio:0": "package-0",
    }
    for zone, name in zones.items():
        write(pc / zone / "name", name + "\n")
        write(pc / zone / "energy_uj", "123456\n")
        write(pc / zone / "max_energy_range_uj", "262143328850\n")
    write(pc / "intel-rapl" / "enabled", "1\n")
    pmu = sys_root / "bus/event_source/devices/power"
    write(pmu / "type", "23\n")
    write(pmu / "events/energy-pkg", "event=0x02\n")
    write(pmu / "events/energy-pkg.scale", "2.3283064365386962890625e-10\n")
    write(pmu / "events/energy-ram", "event=0x03\n")
    return sys_root, proc


def test_info_reads_fake_trees_by_zone_name(erg_bin, fake_machine):
    sys_root, proc = fake_machine
    r = run(erg_bin, "info", "--json", "--sys", str(sys_root), "--proc", str(proc))
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["cpu"]["model"] == "Fake Xeon 9000"
    assert info["cpu"]["logical_cpus"] == 2
    assert not info["cpu"]["hypervisor"]
    sizes = [(c["level"], c["size_bytes"], c["ways"]) for c in info["cpu"]["caches"]]
    assert sizes == [(1, 48 * 1024, 12), (2, 2048 * 1024, 16), (3, 30 * 1024 * 1024, 12)]
    domains = sorted(z["domain"] for z in info["rapl"]["zones"])
    # mmio mirrors package-0 and is skipped; subzones are named through their parent.
    assert domains == ["package-0", "package-0/core", "package-0/dram", "package-1",
                       "package-1/dram", "psys"]
    assert all(z["energy_readable"] for z in info["rapl"]["zones"])
    pmu = info["rapl"]["perf_power_pmu"]
    assert pmu["present"] and pmu["type"] == 23
    assert pmu["events"] == ["energy-pkg", "energy-ram"]
    assert info["perf_event_paranoid"] == 2


def test_info_text_says_why_rapl_is_missing(erg_bin, tmp_path):
    (tmp_path / "sys").mkdir()
    (tmp_path / "proc").mkdir()
    r = run(erg_bin, "info", "--sys", str(tmp_path / "sys"), "--proc", str(tmp_path / "proc"))
    assert r.returncode == 0, r.stderr
    assert "powercap: unavailable: no " in r.stdout
    assert "perf power PMU: unavailable" in r.stdout
    assert "perf_event_paranoid: unavailable" in r.stdout


def test_run_asr_eval_without_held_out_voices_says_so(erg_bin, tmp_path):
    # Three training-voice utterances of the committed test set, by absolute path.
    testset = os.path.join(os.path.dirname(__file__), "..", "fixtures", "asr", "testset")
    with open(os.path.join(testset, "testset.tsv")) as f:
        rows = [line.rstrip("\n").split("\t") for line in f][1:]
    train = [r for r in rows if r[3] == "0"][:3]
    lines = ["file\ttext\tvoice\theldout"]
    lines += [f"{os.path.abspath(os.path.join(testset, r[0]))}\t{r[1]}\t{r[2]}\t0" for r in train]
    (tmp_path / "testset.tsv").write_text("\n".join(lines) + "\n")
    r = run(erg_bin, "run", "asr", "--model", "asr-lstm", "--beam", "1", "--eval", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "held-out mean WER n/a (no held-out voices)" in r.stdout
    assert "nan" not in r.stdout
    j = json.loads(run(erg_bin, "run", "asr", "--model", "asr-lstm", "--beam", "1", "--json",
                       "--eval", str(tmp_path)).stdout)
    assert j["greedy"]["heldout_mean_wer_percent"] is None
    assert j["greedy"]["groups"]["train_voices"]["utterances"] == 3


def test_run_asr_eval_threads(erg_bin, tmp_path):
    testset = os.path.join(os.path.dirname(__file__), "..", "fixtures", "asr", "testset")
    args = ["run", "asr", "--model", "asr-lstm", "--beam", "2", "--json", "--eval", testset]
    one = json.loads(run(erg_bin, *args).stdout)
    two = json.loads(run(erg_bin, *args, "--threads", "2").stdout)
    for run_name in ("greedy", "beam"):
        assert two[run_name]["groups"] == one[run_name]["groups"]
        assert two[run_name]["joiner_invocations"] == one[run_name]["joiner_invocations"]
    bad = run(erg_bin, *args, "--threads", "0")
    assert bad.returncode == 2 and "--threads must be a positive integer" in bad.stderr
    wav = os.path.join(testset, "test-000003.flac")
    bad = run(erg_bin, "run", "asr", "--model", "asr-lstm", "--threads", "2", wav)
    assert bad.returncode == 2 and "--threads applies to --eval" in bad.stderr
