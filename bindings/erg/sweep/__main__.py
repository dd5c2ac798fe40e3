"""python3 -m erg.sweep SPEC -o DIR [--scheduler ADDRESS]: `erg sweep` on a Dask cluster.

Reads the experiment spec SPEC (TOML) and writes DIR/spec.toml, DIR/results.jsonl (one row per
design point, appended as each arrives), DIR/results.csv and DIR/summary.json, the files
`erg sweep SPEC -o DIR` writes. ADDRESS is a running scheduler (tcp://host:8786) whose workers
can import erg, or local:N for a LocalCluster of N worker processes on this machine; without
--scheduler the sweep runs locally. Rerunning after a kill skips the stored rows.
Exit status: 0 done, 1 an erg error (`erg: error: ...` on stderr), 2 bad usage, 130 Ctrl-C.
"""

import argparse
import json
import re
import sys

import erg
import erg.sweep


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python3 -m erg.sweep",
        description="Runs an experiment spec like `erg sweep`, each design point a Dask task.")
    parser.add_argument("spec", metavar="SPEC", help="experiment spec (TOML)")
    parser.add_argument("-o", dest="out", metavar="DIR", required=True,
                        help="output directory (created if needed; a rerun resumes)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="tcp://host:port of a Dask scheduler, or local:N to start N local "
                             "worker processes (default: run here, no Dask)")
    parser.add_argument("--threads", type=int, metavar="N",
                        help="threads without --scheduler (default: CPU count)")
    parser.add_argument("--force-new", action="store_true",
                        help="move a sweep of another spec in DIR into DIR/superseded-N/")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--json", action="store_true", help="print summary.json")
    args = parser.parse_args(argv)
    if args.scheduler is not None:
        local = re.fullmatch(r"local:(\d+)", args.scheduler)
        if local is None and "://" not in args.scheduler:
            parser.error(f"--scheduler {args.scheduler!r}: expected tcp://host:port or local:N")
        if local is not None and int(local.group(1)) < 1:
            parser.error("--scheduler local:N needs N >= 1")
        if args.threads is not None:
            parser.error("--threads applies without --scheduler (workers have their own)")
    if args.threads is not None and args.threads < 1:
        parser.error("--threads must be at least 1")
    return args


def connect(address):
    """A Client for ADDRESS; with local:N it owns a LocalCluster that closes with it."""
    from distributed import Client, LocalCluster

    local = re.fullmatch(r"local:(\d+)", address)
    if local is None:
        return Client(address)
    cluster = LocalCluster(n_workers=int(local.group(1)), threads_per_worker=1, processes=True,
                           dashboard_address=None)
    client = Client(cluster)
    client.erg_cluster = cluster
    return client


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    client = None
    try:
        if args.scheduler is not None:
            client = connect(args.scheduler)
        result = erg.sweep.run(args.spec, args.out, client=client, threads=args.threads,
                               force_new=args.force_new, progress=not args.quiet)
    except erg.Error as e:
        print(f"erg: error: {e}", file=sys.stderr)
        return 2 if isinstance(e, erg.UsageError) else 1
    except KeyboardInterrupt:
        print("erg sweep: interrupted; finished rows are kept (rerun to resume)", file=sys.stderr)
        return 130
    finally:
        if client is not None:
            cluster = getattr(client, "erg_cluster", None)
            client.close()
            if cluster is not None:
                cluster.close()
    summary = result.summary
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        earlier = max(0, summary["rows"] - summary["evaluated_now"])
        print(f"{summary['rows']} rows ({summary['evaluated_now']} evaluated now, {earlier} from "
              f"an earlier run; {summary['skipped_finished']} requests answered from the store) "
              f"in {args.out}/results.jsonl; summary in {args.out}/summary.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
