"""Command line of the decision record: ``python -m server.records export|replay``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from server.records.export import FORMATS, export_records, format_of
from server.records.sql_store import open_store, postgres_url
from server.records.store import DecisionStore, RecordFilter, StoreError
from server.settings import ENV_PREFIX

if TYPE_CHECKING:
    from server.records.replay import ReplaySummary

__all__ = ["main"]

RECORD_DB_VARIABLE = f"{ENV_PREFIX}RECORD_DB"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class UsageError(Exception):
    """Arguments that cannot work; the message says what to pass instead (exit code 2)."""


class ReadError(Exception):
    """Something named by the arguments cannot be read (exit code 1)."""


@dataclass(frozen=True, slots=True)
class Command:
    """A parsed command line: the handler of the sub-command, its arguments and the records
    they select."""

    handler: Callable[[argparse.Namespace, RecordFilter], int]
    args: argparse.Namespace
    where: RecordFilter


class _Parser(argparse.ArgumentParser):
    """argparse with its errors on one line (argparse prints the usage first)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one sub-command: 0 when done, 2 on bad arguments, 1 when a store or artifacts
    directory cannot be read; errors are one line on stderr."""
    try:
        command = _command(argv)
        return command.handler(command.args, command.where)
    except UsageError as error:
        return _fail(str(error), 2)
    except (ReadError, StoreError) as error:
        return _fail(str(error), 1)
    except OSError as error:
        return _fail(f"cannot write the output: {error}", 1)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)


def _command(argv: Sequence[str] | None) -> Command:
    args = _parser().parse_args(argv)
    if not args.record_db:
        raise UsageError(
            "pass --record-db: the server's SQLite file or postgresql:// URL"
            f" (or set {RECORD_DB_VARIABLE})"
        )
    if args.since is not None and args.until is not None and args.until <= args.since:
        raise UsageError(
            f"--until ({args.until.isoformat()}) must be later than"
            f" --since ({args.since.isoformat()})"
        )
    where = RecordFilter(start_us=_microseconds(args.since), end_us=_microseconds(args.until))
    return Command(args.handler, args, where)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m server.records",
        description="Read the decision record: export it for auditors, or replay it with"
        " another model.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    about = "write the records as one flat table (Parquet or CSV) for auditors"
    export = commands.add_parser("export", help=about, description=about)
    _add_selection(export)
    export.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="file format (default: from the extension of --out, .parquet or .csv)",
    )
    export.add_argument("--out", type=Path, required=True, metavar="FILE", help="file to write")
    export.set_defaults(handler=_export)

    about = (
        "re-score the recorded model decisions (Score, Explain) with another model: which"
        " decisions would change, for whom, and which advisors' overrides it would agree with"
    )
    replay = commands.add_parser("replay", help=about, description=about)
    _add_selection(replay)
    replay.add_argument(
        "--artifacts",
        type=Path,
        required=True,
        metavar="DIR",
        help="the challenger model's artifacts directory (python -m model_build train --out)",
    )
    replay.add_argument(
        "--out",
        type=Path,
        default=Path(),
        metavar="DIR",
        help="directory for replay_summary.json and changed_decisions.csv (default: here)",
    )
    replay.set_defaults(handler=_replay)
    return parser


def _add_selection(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--record-db",
        default=os.environ.get(RECORD_DB_VARIABLE),
        metavar="TARGET",
        help="the decision store: the server's SQLite file or a postgresql://USER@HOST:PORT/DB"
        f" URL (default: ${RECORD_DB_VARIABLE}, which keeps a password off the command line)",
    )
    times = "ISO 8601 date or date-time, UTC unless it has an offset"
    parser.add_argument(
        "--since", type=_time, metavar="TIME", help=f"only records made at or after it ({times})"
    )
    parser.add_argument(
        "--until", type=_time, metavar="TIME", help=f"only records made before it ({times})"
    )


def _export(args: argparse.Namespace, where: RecordFilter) -> int:
    out: Path = args.out
    try:
        file_format = format_of(out, args.format)
    except ValueError as error:
        raise UsageError(str(error)) from None
    if out.is_dir():
        raise UsageError(f"--out {out} is a directory: name the file to write")
    store = _open_store(args.record_db)
    try:
        count = export_records(store, where, out, file_format)
    finally:
        store.close()
    print(f"{count} records written to {out.resolve()} ({file_format})")
    return 0


def _replay(args: argparse.Namespace, where: RecordFilter) -> int:
    artifacts_dir: Path = args.artifacts
    if not artifacts_dir.is_dir():
        raise UsageError(
            f"--artifacts {artifacts_dir}: no such directory"
            " (the output of python -m model_build train)"
        )
    if args.out.exists() and not args.out.is_dir():
        raise UsageError(f"--out {args.out} is a file: name a directory")
    store = _open_store(args.record_db)
    try:
        # Imported here: loading a model pulls in onnxruntime and the feature kernels, which
        # an argument error should not wait for.
        from server.artifacts import ArtifactsError, load_artifacts
        from server.records.replay import replay_records
        from server.scorer import Scorer

        try:
            artifacts = load_artifacts(artifacts_dir)
        except ArtifactsError as error:
            raise ReadError(f"cannot load the challenger model: {error}") from None
        summary = replay_records(store, where, Scorer(artifacts), args.out)
    finally:
        store.close()
    _print_summary(summary, args.out)
    return 0


def _open_store(target: str) -> DecisionStore:
    """The store at ``target``, never a new one: opening a missing SQLite path would create an
    empty store and report no records instead of the typo."""
    if not postgres_url(target) and not Path(target).is_file():
        raise UsageError(
            f"--record-db {target}: no such file (the SQLite file the server records to,"
            " or a postgresql:// URL)"
        )
    try:
        return open_store(target, read_only=True)
    except ModuleNotFoundError as error:
        raise ReadError(f"reading a PostgreSQL store needs the {error.name} package") from None


def _print_summary(summary: ReplaySummary, out_dir: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table()
    table.add_column("Recorded model decisions")
    table.add_column("Count", justify="right")
    mean = summary.mean_absolute_probability_change
    rows: list[tuple[str, str]] = [
        ("Replayed", f"{summary.records_replayed:,}"),
        ("Decision unchanged", f"{summary.decisions_unchanged:,}"),
        ("Approve -> refuse", f"{summary.approve_to_refuse:,}"),
        ("Refuse -> approve", f"{summary.refuse_to_approve:,}"),
        ("Not replayable", f"{summary.not_replayable:,}"),
        *((f"  {reason}", f"{n:,}") for reason, n in summary.not_replayable_reasons.items()),
        ("Mean absolute change of probability", "-" if mean is None else f"{mean:.4f}"),
        ("Advisors' overrides", f"{summary.advisor_overrides:,}"),
        ("  the challenger agrees with", f"{summary.overrides_challenger_agrees:,}"),
        ("  not replayable", f"{summary.overrides_not_replayable:,}"),
    ]
    for row in rows:
        table.add_row(*row)
    console = Console()
    console.print(
        f"Replay with model {summary.challenger_model_version}"
        f" (threshold {summary.challenger_threshold:.4f}) of {summary.record_db}"
    )
    console.print(table)
    console.print(f"written to {out_dir.resolve()}: replay_summary.json, changed_decisions.csv")


def _time(text: str) -> datetime:
    """An ISO 8601 date or date-time; UTC when it has no offset."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 date or date-time (e.g. 2025-03-01 or"
            " 2025-03-01T12:00:00+01:00)"
        ) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _microseconds(moment: datetime | None) -> int | None:
    return None if moment is None else (moment - _EPOCH) // timedelta(microseconds=1)


def _fail(message: str, code: int) -> int:
    # Driver messages (psycopg's) span lines: the error stays one line.
    print(f"error: {' '.join(message.split())}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
