"""Command line of the model build: synth, fidelity, train and score sub-commands."""

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
    synth.set_defaults(handler=_run_synth)

    fidelity = commands.add_parser("fidelity", help="compare a synthetic data set with real data")
    fidelity.add_argument("--real", type=Path, required=True, help="directory of real CSVs")
    fidelity.add_argument("--synthetic", type=Path, required=True, help="synthetic directory")
    fidelity.add_argument("--json", type=Path, default=None, help="also write the report here")
    fidelity.set_defaults(handler=_run_fidelity)
    return parser


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

    summary = generate(args.clients, args.seed, args.out, progress=not args.no_progress)
    print(f"synthetic data set written to {summary.out_dir.resolve()}")
    for name, rows in summary.rows.items():
        print(f"  {name}: {rows:,} rows")
    return 0


def _run_fidelity(args: argparse.Namespace) -> int:
    from model_build.fidelity import run_fidelity

    return run_fidelity(args.real, args.synthetic, args.json)
