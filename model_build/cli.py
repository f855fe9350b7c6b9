"""Command line of the model build: synth, fidelity, train, score, evaluate and monitor."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from model_build.errors import ModelBuildError

__all__ = ["main"]

logger = logging.getLogger(__name__)

Handler = Callable[[argparse.Namespace], int]


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
    train.set_defaults(handler=_run_train)

    score = commands.add_parser("score", help="score applications through the ONNX model")
    score.add_argument("--artifacts", type=Path, required=True, help="from `train --out`")
    score.add_argument(
        "--data",
        type=Path,
        required=True,
        help="data directory (Kaggle names) or one application CSV",
    )
    score.add_argument("--out", type=Path, required=True, help="CSV to write")
    _add_orphans(score)
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
    summary = generate(
        args.clients, args.seed, args.out, progress=not args.no_progress, drift=drift
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
    result = train(args.data, args.out, config, orphans=args.orphans, progress=not args.no_progress)
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
    return 0


def _run_score(args: argparse.Namespace) -> int:
    from model_build.scoring import score_path

    summary = score_path(args.artifacts, args.data, args.out, orphans=args.orphans)
    print(
        f"{summary.rows:,} applications scored with model {summary.model_version} "
        f"(threshold {summary.threshold:.4f}): {summary.refused:,} REFUSE, "
        f"{summary.rows - summary.refused:,} APPROVE -> {summary.out}"
    )
    return 0


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
