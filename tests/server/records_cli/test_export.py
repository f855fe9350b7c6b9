"""``python -m server.records export``: the decision record as one flat table for auditors."""

from __future__ import annotations

from datetime import timedelta, timezone
from pathlib import Path

import pandas as pd
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest
from google.protobuf import json_format

from creditscore.v1 import application_pb2, credit_score_pb2
from server.artifacts import ServingArtifacts
from server.records.export import EXPORT_SCHEMA
from tests.server.records_cli import Traffic, record_traffic, run_cli


@pytest.fixture(scope="module")
def traffic(
    serving_artifacts: ServingArtifacts, tmp_path_factory: pytest.TempPathFactory
) -> Traffic:
    return record_traffic(serving_artifacts, tmp_path_factory.mktemp("export") / "records.sqlite")


@pytest.fixture(scope="module")
def parquet_rows(traffic: Traffic, tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("parquet") / "records.parquet"
    done = run_cli("export", "--record-db", traffic.store, "--out", out)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{len(traffic.records)} records written to {out} (parquet)"
    return pq.read_table(out).to_pandas()


@pytest.fixture(scope="module")
def csv_rows(traffic: Traffic, tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("csv") / "records.csv"
    done = run_cli("export", "--record-db", traffic.store, "--out", out)
    assert done.returncode == 0, done.stderr
    return pa_csv.read_csv(out).to_pandas()


def test_a_parquet_export_has_one_row_per_record_oldest_first(
    traffic: Traffic, parquet_rows: pd.DataFrame
) -> None:
    assert list(parquet_rows.columns) == EXPORT_SCHEMA.names
    assert list(parquet_rows["record_id"]) == [r.record_id for r in traffic.records]
    assert parquet_rows["record_time"].is_monotonic_increasing
    assert str(parquet_rows["record_time"].dt.tz) == "UTC"
    assert set(parquet_rows["kind"]) == {"score", "explain", "advisor_decision"}


def test_each_exported_probability_is_the_one_the_caller_received(
    traffic: Traffic, parquet_rows: pd.DataFrame
) -> None:
    model = parquet_rows[parquet_rows["kind"].isin(["score", "explain"])]
    exported = {
        (request_id, None if pd.isna(index) else int(index)): probability
        for request_id, index, probability in zip(
            model["request_id"], model["batch_index"], model["default_probability"], strict=True
        )
    }
    assert {key: exported.get(key) for key in traffic.answers} == traffic.answers


def test_application_json_parses_back_to_the_bytes_recorded(
    traffic: Traffic, parquet_rows: pd.DataFrame
) -> None:
    with_payload = 0
    for record, text in zip(traffic.records, parquet_rows["application_json"], strict=True):
        if not record.application:
            assert text == ""
            continue
        parsed = json_format.Parse(text, application_pb2.Application())
        assert parsed.SerializeToString(deterministic=True) == record.application
        with_payload += 1
    assert with_payload >= 12


def test_a_stored_clients_own_application_has_no_json(parquet_rows: pd.DataFrame) -> None:
    stored = parquet_rows[parquet_rows["request_id"] == "score-stored"].iloc[0]
    assert stored["client_id"] > 0
    assert stored["application_json"] == ""
    assert stored["application_sha256"] == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"  # of b""
    )


def test_an_explain_has_its_reasons_joined_and_its_language(
    traffic: Traffic, parquet_rows: pd.DataFrame
) -> None:
    record = traffic.by_request("explain")
    row = parquet_rows[parquet_rows["record_id"] == record.record_id].iloc[0]
    assert row["kind"] == "explain"
    assert row["refusal_reasons"] == " | ".join(r.text for r in record.refusal_reasons)
    assert row["approval_reasons"] == " | ".join(r.text for r in record.approval_reasons)
    assert row["refusal_reasons"].count(" | ") == len(record.refusal_reasons) - 1
    assert row["language_code"] == "en"


def test_an_advisors_override_names_its_decision_reason_and_the_model_decision_reviewed(
    traffic: Traffic, parquet_rows: pd.DataFrame
) -> None:
    explain = traffic.by_request("explain")
    row = parquet_rows[parquet_rows["request_id"] == "advisor-override"].iloc[0]
    assert row["kind"] == "advisor_decision"
    assert row["is_override"]
    assert row["model_record_id"] == explain.record_id
    assert row["default_probability"] == explain.default_probability
    if explain.model_decision == credit_score_pb2.DECISION_APPROVE:
        assert (row["model_decision"], row["final_decision"]) == ("approve", "refuse")
        assert row["override_reason"] == "affordability"
    else:
        assert (row["model_decision"], row["final_decision"]) == ("refuse", "approve")
        assert row["override_reason"] == "income_verified"
    assert row["note"] == "checked with the client"
    referral = parquet_rows[parquet_rows["request_id"] == "advisor-refers"].iloc[0]
    assert (referral["final_decision"], referral["override_reason"]) == ("refer", "")
    assert not referral["is_override"]


def test_a_csv_export_holds_the_same_rows_as_the_parquet_one(
    parquet_rows: pd.DataFrame, csv_rows: pd.DataFrame
) -> None:
    assert list(csv_rows.columns) == EXPORT_SCHEMA.names
    assert list(csv_rows["record_id"]) == list(parquet_rows["record_id"])
    assert list(csv_rows["default_probability"]) == list(parquet_rows["default_probability"])
    assert list(csv_rows["record_time"]) == list(parquet_rows["record_time"])
    assert list(csv_rows["kind"]) == list(parquet_rows["kind"])
    payloads = parquet_rows["application_json"] != ""
    assert list(csv_rows["application_json"][payloads]) == list(
        parquet_rows["application_json"][payloads]
    )


def test_since_is_inclusive_until_exclusive_and_a_time_without_offset_is_utc(
    traffic: Traffic, tmp_path: Path
) -> None:
    cut = traffic.boundary
    before = [r.record_id for r in traffic.records if r.record_time.ToDatetime(cut.tzinfo) < cut]
    after = [r.record_id for r in traffic.records if r.record_time.ToDatetime(cut.tzinfo) >= cut]
    assert before and after
    first_after = traffic.records[len(before)].record_time.ToDatetime(cut.tzinfo)
    ranges = {
        "until": (["--until", cut.isoformat()], before),
        "since": (["--since", cut.isoformat()], after),
        # Naive, so read as UTC; the range starts exactly at a record, which it includes.
        "naive": (["--since", first_after.replace(tzinfo=None).isoformat()], after),
        "exclusive": (["--until", first_after.isoformat()], before),
        "offset": (["--until", cut.astimezone(timezone(timedelta(hours=2))).isoformat()], before),
    }
    for name, (flags, expected) in ranges.items():
        out = tmp_path / f"{name}.parquet"
        done = run_cli("export", "--record-db", traffic.store, *flags, "--out", out)
        assert done.returncode == 0, done.stderr
        assert list(pq.read_table(out).column("record_id").to_pylist()) == expected, name


@pytest.mark.parametrize("name", ["empty.parquet", "empty.csv"])
def test_an_empty_range_writes_the_columns_and_no_rows(
    traffic: Traffic, tmp_path: Path, name: str
) -> None:
    out = tmp_path / name
    done = run_cli(
        "export",
        "--record-db",
        traffic.store,
        "--since",
        "2001-01-01",
        "--until",
        "2001-02-01",
        "--out",
        out,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("0 records written to")
    table = pq.read_table(out) if out.suffix == ".parquet" else pa_csv.read_csv(out)
    assert table.num_rows == 0
    assert table.column_names == EXPORT_SCHEMA.names


def test_the_format_flag_wins_over_the_extension(traffic: Traffic, tmp_path: Path) -> None:
    out = tmp_path / "records.txt"
    done = run_cli("export", "--record-db", traffic.store, "--format", "csv", "--out", out)
    assert done.returncode == 0, done.stderr
    assert out.read_text().startswith('"record_id","record_time","kind"')


@pytest.mark.parametrize(
    ("flags", "code", "message"),
    [
        (["--record-db", "{missing}", "--out", "{out}.parquet"], 2, "no such file"),
        (["--record-db", "{not_sqlite}", "--out", "{out}.parquet"], 1, "holds no decision record"),
        (
            [
                "--record-db",
                "postgresql://auditor:s3cret@127.0.0.1:1/records",
                "--out",
                "{out}.csv",
            ],
            1,
            "cannot open the decision store (PostgreSQL 127.0.0.1:1/records)",
        ),
        (["--out", "{out}.parquet"], 2, "pass --record-db"),
        (["--record-db", "{store}", "--since", "last week", "--out", "{out}.csv"], 2, "ISO 8601"),
        (
            [
                "--record-db",
                "{store}",
                "--since",
                "2025-03-02",
                "--until",
                "2025-03-01T23:00Z",
                "--out",
                "{out}.csv",
            ],
            2,
            "--until (2025-03-01T23:00:00+00:00) must be later than --since",
        ),
        (["--record-db", "{store}", "--out", "{out}.xlsx"], 2, "cannot tell the format"),
        (["--record-db", "{store}", "--format", "xlsx", "--out", "{out}"], 2, "invalid choice"),
    ],
    ids=[
        "missing-store",
        "not-a-store",
        "unreachable-postgres",
        "no-store",
        "bad-time",
        "until-before-since",
        "unknown-extension",
        "unknown-format",
    ],
)
def test_a_bad_argument_is_one_line_with_its_exit_code_and_no_output(
    traffic: Traffic, tmp_path: Path, flags: list[str], code: int, message: str
) -> None:
    not_sqlite = tmp_path / "notes.sqlite"
    not_sqlite.write_text("not a database\n" * 100)
    places = {
        "missing": tmp_path / "no" / "records.sqlite",
        "not_sqlite": not_sqlite,
        "store": traffic.store,
        "out": tmp_path / "records",
    }
    done = run_cli("export", *(flag.format(**places) for flag in flags))
    assert done.returncode == code, done.stderr
    assert message in done.stderr
    assert done.stderr.startswith("error: ")
    assert done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr
    assert "s3cret" not in done.stderr
    assert not places["missing"].parent.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["notes.sqlite"]
