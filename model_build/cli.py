"""Command line of the model build: synth, fidelity, train, prepare-serving, score, evaluate and
monitor."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from model_build.errors import ModelBuildError

__all__ = ["main"]

logger = logging.getLogger(__name__)

Handler = Callable[[argparse.Namespace], int]
# Clients per Parquet partition of `synth --format parquet`: a few hundred MB per worker task.
DEFAULT_PARTITION_CLIENTS = 20_000


def main(argv: Sequence[str] | None = None) -> int:
    """Run one sub-command; user errors print one line on stderr and return exit code 2."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    handler: Handler = args.handler
    try:
        return handler(args)
    except ModelBuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except MemoryError:
        print("error: out of memory; use a machine with more RAM or fewer rows", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m model_build", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    synth = commands.add_parser("synth", help="write a synthetic data set with the Kaggle schema")
    synth.add_argument("--clients", type=_positive_int, required=True, help="train + test clients")
    synth.add_argument("--seed", type=int, default=0, help="random seed (same seed, same bytes)")
    synth.add_argument("--out", type=Path, required=True, help="output directory")
    synth.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    synth.add_argument(
        "--format",
        choices=("csv", "parquet"),
        default="csv",
        help="csv: the eight Kaggle files (default); parquet: one directory per table, in "
        "partitions of whole clients with all their history (for `score --dask`)",
    )
    synth.add_argument(
        "--partition-clients",
        type=_positive_int,
        default=None,
        metavar="N",
        help="with --format parquet: clients per partition "
        f"(default {DEFAULT_PARTITION_CLIENTS:,})",
    )
    synth.add_argument(
        "--drift",
        metavar="SPEC",
        default=None,
        help="shift application columns after generation, e.g. income=+20%%,ext_source=-0.15 "
        "(NAME=+N%%|-N%%|+X|-X; NAME a group: income, credit, annuity, goods_price, "
        "ext_source, or a numeric column such as DAYS_BIRTH)",
    )
    synth.set_defaults(handler=_run_synth)

    fidelity = commands.add_parser("fidelity", help="compare a synthetic data set with real data")
    fidelity.add_argument("--real", type=Path, required=True, help="directory of real CSVs")
    fidelity.add_argument("--synthetic", type=Path, required=True, help="synthetic directory")
    fidelity.add_argument("--json", type=Path, default=None, help="also write the report here")
    fidelity.set_defaults(handler=_run_fidelity)

    train = commands.add_parser("train", help="train, evaluate and export the scoring model")
    train.add_argument("--data", type=Path, required=True, help="directory of Kaggle CSVs")
    train.add_argument("--out", type=Path, required=True, help="artifacts directory to write")
    train.add_argument("--seed", type=int, default=None, help="overrides the config's seed")
    train.add_argument("--config", type=Path, default=None, help="TOML file (configs/train.toml)")
    _add_orphans(train)
    train.add_argument("--no-progress", action="store_true", help="hide the stage display")
    train.add_argument(
        "--mlflow",
        nargs="?",
        const="",
        default=None,
        metavar="URI",
        help="log the run to MLflow and register the model; without URI: MLFLOW_TRACKING_URI, "
        "else a file store mlruns/ beside --out",
    )
    _add_dask(
        train,
        "fit LightGBM data-parallel with lightgbm.dask (no early stopping: the trees come "
        "from the config's [distributed] section)",
    )
    train.set_defaults(handler=_run_train)

    prepare = commands.add_parser(
        "prepare-serving",
        help="add the server's memory-mapped tables to an artifacts directory (no retraining)",
    )
    prepare.add_argument("--artifacts", type=Path, required=True, help="artifacts directory")
    prepare.set_defaults(handler=_run_prepare_serving)

    score = commands.add_parser("score", help="score applications through the ONNX model")
    score.add_argument("--artifacts", type=Path, required=True, help="from `train --out`")
    score.add_argument(
        "--data",
        type=Path,
        required=True,
        help="data directory (Kaggle names) or one application CSV",
    )
    score.add_argument(
        "--out",
        type=Path,
        required=True,
        help="CSV to write; with --dask, a directory of Parquet parts",
    )
    _add_orphans(score)
    _add_dask(
        score,
        "score the data directory partitioned by client, any size, on a Dask cluster",
    )
    score.set_defaults(handler=_run_score)

    evaluate = commands.add_parser(
        "evaluate", help="measure a trained model on labelled applications (with TARGET)"
    )
    evaluate.add_argument("--artifacts", type=Path, required=True, help="from `train --out`")
    evaluate.add_argument(
        "--data",
        type=Path,
        required=True,
        help="data directory (Kaggle names) or one application CSV with TARGET",
    )
    evaluate.add_argument("--json", type=Path, default=None, help="also write the figures here")
    _add_orphans(evaluate)
    evaluate.set_defaults(handler=_run_evaluate)

    monitor = commands.add_parser(
        "monitor", help="stability and drift of what is scored against the development sample"
    )
    monitor.add_argument("--artifacts", type=Path, required=True, help="from `train --out`")
    monitor.add_argument(
        "--data", type=Path, default=None, help="applications to compare (Kaggle names)"
    )
    monitor.add_argument(
        "--records",
        default=None,
        metavar="DB",
        help="or what the server scored: its decision store (SQLite path or PostgreSQL URL)",
    )
    monitor.add_argument(
        "--since",
        default=None,
        metavar="DATE",
        help="with --records: only records made at or after this date or time (ISO 8601, UTC "
        "unless it says otherwise)",
    )
    monitor.add_argument(
        "--out", type=Path, required=True, help="directory for monitor.json and monitor.html"
    )
    _add_orphans(monitor)
    monitor.set_defaults(handler=_run_monitor)
    return parser


def _add_orphans(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--orphans",
        choices=("error", "drop"),
        default="error",
        help="child rows whose parent key is unknown: stop with an error (default) or drop them",
    )


def _add_dask(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--dask",
        metavar="local|ADDRESS",
        default=None,
        help=f"{what}: `local` starts a cluster of one worker process per core on this "
        "machine, ADDRESS (tcp://host:8786) joins a running scheduler",
    )


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {value}")
    return value


def _run_synth(args: argparse.Namespace) -> int:
    from model_build.synth import generate
    from model_build.synth.drift import parse_drift

    drift = None if args.drift is None else parse_drift(args.drift)
    if args.partition_clients is not None and args.format != "parquet":
        raise ModelBuildError("--partition-clients needs --format parquet")
    partition_clients = None
    if args.format == "parquet":
        partition_clients = args.partition_clients or DEFAULT_PARTITION_CLIENTS
    summary = generate(
        args.clients,
        args.seed,
        args.out,
        progress=not args.no_progress,
        drift=drift,
        partition_clients=partition_clients,
    )
    print(f"synthetic data set written to {summary.out_dir.resolve()}")
    if drift is not None:
        print(f"  drifted: {drift.spec} ({', '.join(drift.columns)})")
    for name, rows in summary.rows.items():
        print(f"  {name}: {rows:,} rows")
    return 0


def _run_fidelity(args: argparse.Namespace) -> int:
    from model_build.fidelity import run_fidelity

    return run_fidelity(args.real, args.synthetic, args.json)


def _run_train(args: argparse.Namespace) -> int:
    import dataclasses

    from model_build.config import load_config
    from model_build.train_job import train

    config = load_config(args.config)
    if args.seed is not None:
        config = dataclasses.replace(config, seed=args.seed)
    with contextlib.ExitStack() as stack:
        fitter = None  # LightGBM in this process
        if args.dask is not None:
            from model_build.distributed.cluster import connect
            from model_build.distributed.training import DaskFitter

            _check_data_dir(args.data)
            _quiet_dask(args.verbose)
            fitter = DaskFitter(stack.enter_context(connect(args.dask)))
        result = train(
            args.data,
            args.out,
            config,
            orphans=args.orphans,
            progress=not args.no_progress,
            mlflow_uri=args.mlflow,
            fitter=fitter,
        )
    ev = result.evaluation
    print(f"model {result.model_version} written to {result.paths.root.resolve()}")
    print(
        f"  out-of-fold ROC AUC {ev.roc_auc:.4f} | PR AUC {ev.pr_auc:.4f} | KS {ev.ks:.4f} | "
        f"Brier {ev.brier:.4f}"
    )
    print(
        f"  threshold {ev.threshold:.4f}: refuses {ev.refusal_rate:.1%} of clients, business cost "
        f"{ev.business_cost:,.0f} vs {ev.cost_accept_all:,.0f} accepting all and "
        f"{ev.cost_refuse_all:,.0f} refusing all"
    )
    print(f"  {result.num_trees} trees; ONNX parity max |diff| {result.parity_max_diff:.2e}")
    print(f"  report: {(result.paths.report_dir / 'report.md').resolve()}")
    if args.mlflow is not None:
        tracked = json.loads(result.paths.model_card.read_text(encoding="utf-8"))["mlflow"]
        print(
            f"  MLflow run {tracked['run_id']} ({tracked['tracking_uri']}); serve it with "
            f"--artifacts {tracked['model_uri']}"
        )
    return 0


def _run_prepare_serving(args: argparse.Namespace) -> int:
    from model_build.artifacts import ArtifactPaths
    from model_build.serving_tables import prepare_serving

    paths = ArtifactPaths(args.artifacts)
    prepare_serving(paths)
    print(f"serving tables written to {paths.serving_tables.resolve()}")
    return 0


def _run_score(args: argparse.Namespace) -> int:
    if args.dask is not None:
        return _run_score_on_cluster(args)
    from model_build.scoring import score_path

    summary = score_path(args.artifacts, args.data, args.out, orphans=args.orphans)
    print(
        f"{summary.rows:,} applications scored with model {summary.model_version} "
        f"(threshold {summary.threshold:.4f}): {summary.refused:,} REFUSE, "
        f"{summary.rows - summary.refused:,} APPROVE -> {summary.out}"
    )
    return 0


def _run_score_on_cluster(args: argparse.Namespace) -> int:
    from model_build.artifacts import ArtifactPaths, read_model_card
    from model_build.distributed.batch_scoring import score_on_cluster
    from model_build.distributed.cluster import connect

    # Fail on bad paths before a cluster is started or joined.
    read_model_card(ArtifactPaths(args.artifacts))
    _check_data_dir(args.data)
    _quiet_dask(args.verbose)
    with connect(args.dask) as client:
        summary = score_on_cluster(
            client, args.artifacts, args.data, args.out, orphans=args.orphans
        )
    print(
        f"{summary.rows:,} applications scored with model {summary.model_version} "
        f"(threshold {summary.threshold:.4f}) on {summary.workers} Dask worker(s), "
        f"{summary.partitions} client partitions, {summary.seconds:.1f} s: "
        f"{summary.refused:,} REFUSE, {summary.rows - summary.refused:,} APPROVE -> {summary.out}"
    )
    return 0


def _quiet_dask(verbose: bool) -> None:
    # Dask logs every connection and worker at INFO: only its warnings, unless --verbose.
    if not verbose:
        logging.getLogger("distributed").setLevel(logging.WARNING)


def _check_data_dir(data: Path) -> None:
    from model_build.errors import DataError

    if not data.is_dir():
        raise DataError(str(data), "not a directory")


def _run_evaluate(args: argparse.Namespace) -> int:
    import dataclasses
    import json

    from model_build.scoring import evaluate_path

    ev, version = evaluate_path(args.artifacts, args.data, orphans=args.orphans)
    print(
        f"model {version} on {args.data} ({ev.rows:,} clients, default rate {ev.default_rate:.2%})"
    )
    print(
        f"  ROC AUC {ev.roc_auc:.4f} | PR AUC {ev.pr_auc:.4f} | KS {ev.ks:.4f} | "
        f"Brier {ev.brier:.4f}"
    )
    print(
        f"  at threshold {ev.threshold:.4f}: business cost {ev.business_cost:,.0f} "
        f"(accept all {ev.cost_accept_all:,.0f}, refuse all {ev.cost_refuse_all:,.0f})"
    )
    if args.json is not None:
        figures = {"model_version": version, "data": str(args.data), **dataclasses.asdict(ev)}
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


def _run_monitor(args: argparse.Namespace) -> int:
    from model_build.monitoring import MonitorRequest, print_summary, run_monitor

    request = MonitorRequest.from_cli(
        artifacts=args.artifacts,
        data=args.data,
        records=args.records,
        since=args.since,
        out=args.out,
        orphans=args.orphans,
    )
    report = run_monitor(request)
    print_summary(report, request.out)
    return 0
