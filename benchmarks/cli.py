"""Command line: ``python -m benchmarks run|records|suggestions|processes|scale|setup``."""

from __future__ import annotations

import argparse
import logging
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

__all__ = ["main"]

REPO_ROOT = Path(__file__).resolve().parents[1]
SETUP_SCRIPT = Path(__file__).resolve().parent / "setup_baselines.sh"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Latency / throughput benchmarks of the scoring server (loopback only).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser("run", help="measure, write results.json / results.md / plots")
    run.add_argument("--artifacts", type=Path, required=True, help="from model_build train")
    run.add_argument("--out", type=Path, required=True, help="output directory")
    run.add_argument("--quick", action="store_true", help="smoke test: < 2 minutes")
    run.add_argument(
        "--many-trees-artifacts",
        type=Path,
        default=None,
        help="same features, >= 1000 trees (model_build train --config "
        "benchmarks/trees_1000.toml): Explain on a large model",
    )
    run.add_argument(
        "--bench-venv",
        type=Path,
        default=REPO_ROOT / ".venv-bench",
        help="venv of the optional baselines (MLServer, perf_analyzer); see `setup`",
    )
    run.add_argument("--no-baselines", action="store_true", help="skip every baseline")
    run.add_argument("-v", "--verbose", action="store_true", help="log each measurement")
    _section(
        commands.add_parser,
        "records",
        "the decision-record section alone (Score with recording off / SQLite / "
        "PostgreSQL): records.json / records.md",
        quick="a few seconds per server",
    )
    _section(
        commands.add_parser,
        "suggestions",
        "SuggestChanges alone: sequential latency over refused stored clients "
        "(suggestions.json / suggestions.md)",
        quick="a few seconds",
    )
    _section(
        commands.add_parser,
        "processes",
        "Score calls/s, memory and time to SERVING of --processes 1 vs 2 "
        "(processes.json / processes.md)",
        quick="5 s per measurement, not 20",
    )
    scale = commands.add_parser(
        "scale",
        help="batch scoring applications/s and memory: one process vs a 2-worker Dask "
        "LocalCluster, on synthetic Parquet partitions (scale.json / scale.md)",
    )
    scale.add_argument("--out", type=Path, required=True, help="output directory")
    scale.add_argument(
        "--clients", type=int, default=1_000_000, help="synthetic clients (default 1,000,000)"
    )
    scale.add_argument(
        "--plain-clients",
        type=int,
        default=100_000,
        help="clients scored by the single-process `score`, which holds every table",
    )
    scale.add_argument(
        "--csv-clients",
        type=int,
        default=100_000,
        help="clients of a Kaggle CSV set scored after hash-partitioning (0: skip)",
    )
    scale.add_argument(
        "--data", type=Path, default=None, help="client-partitioned data (default: synth it)"
    )
    scale.add_argument(
        "--artifacts",
        type=Path,
        default=None,
        help="from model_build train (default: train on 20,000 synthetic clients)",
    )
    scale.add_argument("-v", "--verbose", action="store_true", help="log each command")
    setup = commands.add_parser(
        "setup", help="install MLServer and perf_analyzer in the bench venv (root for apt)"
    )
    setup.add_argument("--bench-venv", type=Path, default=REPO_ROOT / ".venv-bench")
    return parser


def _section(
    add_parser: Callable[..., argparse.ArgumentParser], name: str, help_text: str, *, quick: str
) -> argparse.ArgumentParser:
    """A section measured alone (``add_parser`` of the sub-commands): its artifacts, output
    directory, quick mode and verbosity."""
    section = add_parser(name, help=help_text)
    section.add_argument("--artifacts", type=Path, required=True, help="from model_build train")
    section.add_argument("--out", type=Path, required=True, help="output directory")
    section.add_argument("--quick", action="store_true", help=quick)
    section.add_argument("-v", "--verbose", action="store_true", help="log each measurement")
    return section


def main(argv: Sequence[str] | None = None) -> int:
    """Run one sub-command; 2 on a bad argument."""
    args = _parser().parse_args(argv)
    if args.command == "setup":
        env_line = {"BENCH_VENV": str(args.bench_venv)}
        import os

        return subprocess.run(
            ["bash", str(SETUP_SCRIPT)], env={**os.environ, **env_line}, check=False
        ).returncode
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if args.command == "scale":
        return _scale(args)
    if not (args.artifacts / "model_card.json").is_file():
        print(f"error: {args.artifacts} is not an artifacts directory", file=sys.stderr)
        return 2
    if args.command == "records":
        return _records(args)
    if args.command == "suggestions":
        return _suggestions(args)
    if args.command == "processes":
        return _processes(args)
    from benchmarks.runner import RunOptions, run

    results = run(
        RunOptions(
            artifacts=args.artifacts,
            out=args.out,
            quick=args.quick,
            many_trees_artifacts=args.many_trees_artifacts,
            bench_venv=args.bench_venv,
            baselines=not args.no_baselines,
        )
    )
    print((args.out / "results.md").read_text(encoding="utf-8"))
    print(f"results in {args.out} ({results['wall_seconds']:.0f} s)")
    return 0


def _records(args: argparse.Namespace) -> int:
    from benchmarks.runner import RunOptions, run_records

    results = run_records(RunOptions(artifacts=args.artifacts, out=args.out, quick=args.quick))
    print((args.out / "records.md").read_text(encoding="utf-8"))
    print(f"results in {args.out} ({results['records'].get('wall_seconds', 0):.0f} s)")
    return 0


def _processes(args: argparse.Namespace) -> int:
    from benchmarks.server_processes import ProcessesOptions, run_server_processes

    run_server_processes(ProcessesOptions(args.artifacts, args.out, quick=args.quick))
    print((args.out / "processes.md").read_text(encoding="utf-8"))
    print(f"results in {args.out}")
    return 0


def _suggestions(args: argparse.Namespace) -> int:
    from benchmarks.runner import RunOptions, run_suggestions

    run_suggestions(RunOptions(artifacts=args.artifacts, out=args.out, quick=args.quick))
    print((args.out / "suggestions.md").read_text(encoding="utf-8"))
    print(f"results in {args.out}")
    return 0


def _scale(args: argparse.Namespace) -> int:
    from benchmarks.scale import ScaleOptions, run_scale

    if not args.verbose:  # the LocalClusters log every worker and connection at INFO
        logging.getLogger("distributed").setLevel(logging.WARNING)
    results = run_scale(
        ScaleOptions(
            out=args.out,
            clients=args.clients,
            plain_clients=args.plain_clients,
            csv_clients=args.csv_clients,
            data=args.data,
            artifacts=args.artifacts,
        )
    )
    print((args.out / "scale.md").read_text(encoding="utf-8"))
    print(f"results in {args.out} ({results['wall_seconds']:.0f} s)")
    return 0
