"""The monitor job (`model_build monitor`): development vs current sample → JSON and HTML."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from model_build.errors import ModelBuildError
from model_build.loader import OrphanPolicy
from model_build.monitoring.bands import score_bands
from model_build.monitoring.page import write_page
from model_build.monitoring.results import MonitorReport, build_report
from model_build.monitoring.samples import Sample, data_sample, development_sample
from model_build.scoring import ScoringModel

__all__ = ["HTML_NAME", "JSON_NAME", "MonitorRequest", "parse_since", "run_monitor"]

logger = logging.getLogger(__name__)

JSON_NAME = "monitor.json"
HTML_NAME = "monitor.html"


@dataclass(frozen=True, kw_only=True)
class MonitorRequest:
    """What to monitor: the build's artifacts against applications (``data``) or against
    the server's decision store (``records``, optionally from ``since`` on)."""

    artifacts: Path
    out: Path
    data: Path | None = None
    records: str | None = None
    since: datetime | None = None
    orphans: OrphanPolicy = "error"

    def __post_init__(self) -> None:
        if (self.data is None) == (self.records is None):
            raise ModelBuildError(
                "give one sample to monitor: --data DIR (applications) or --records DB "
                "(the server's decision store)"
            )
        if self.since is not None and self.records is None:
            raise ModelBuildError("--since filters decision records: use it with --records")

    @classmethod
    def from_cli(
        cls,
        *,
        artifacts: Path,
        out: Path,
        data: Path | None,
        records: str | None,
        since: str | None,
        orphans: OrphanPolicy,
    ) -> MonitorRequest:
        """The request from command-line text; ModelBuildError says what to fix."""
        return cls(
            artifacts=artifacts,
            out=out,
            data=data,
            records=records,
            since=None if since is None else parse_since(since),
            orphans=orphans,
        )


def parse_since(text: str) -> datetime:
    """An ISO 8601 date or date and time; without a time zone it is UTC."""
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ModelBuildError(
            f"--since {text!r}: expected a date such as 2025-01-31 or a time such as "
            "2025-01-31T08:00:00+01:00"
        ) from None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def run_monitor(request: MonitorRequest) -> MonitorReport:
    """Compare the request's sample with the build's development sample; write
    ``monitor.json`` and ``monitor.html`` into ``request.out``."""
    model = ScoringModel(request.artifacts)
    bands = score_bands(request.artifacts)
    report = build_report(model, development_sample(model), _current(model, request), bands)
    text = json.dumps(report.to_json(), indent=2, allow_nan=False)
    try:
        request.out.mkdir(parents=True, exist_ok=True)
        (request.out / JSON_NAME).write_text(text, encoding="utf-8")
        write_page(report, request.out / HTML_NAME)
    except OSError as error:
        raise ModelBuildError(
            f"{request.out}: cannot write the report ({error.strerror or error})"
        ) from None
    return report


def _current(model: ScoringModel, request: MonitorRequest) -> Sample:
    if request.data is not None:
        return data_sample(model, request.data, request.orphans)
    # Reading the decision store needs the server's store code: imported only then.
    from model_build.monitoring.records import records_sample

    return records_sample(model, str(request.records), request.since)
