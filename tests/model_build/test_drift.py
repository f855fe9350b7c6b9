"""Drifted synthetic populations: the SPEC grammar, the changes and the generated files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model_build.cli import main
from model_build.errors import ModelBuildError
from model_build.schema import ANOMALY_DAYS
from model_build.synth import generate
from model_build.synth.drift import parse_drift

CLIENTS = 400
SEED = 3
DRIFT = "income=+20%,ext_source=-0.15"


@pytest.fixture(scope="module")
def plain_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plain")
    generate(CLIENTS, SEED, out, progress=False)
    return out


@pytest.fixture(scope="module")
def drifted_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("drifted")
    generate(CLIENTS, SEED, out, progress=False, drift=parse_drift(DRIFT))
    return out


# -- the SPEC grammar ---------------------------------------------------------------------------


def test_a_spec_names_groups_or_columns_with_a_percentage_or_an_amount() -> None:
    drift = parse_drift("income=+20%, ext_source=-0.15,DAYS_BIRTH=-365")
    assert drift.columns == (
        "AMT_INCOME_TOTAL",
        "EXT_SOURCE_1",
        "EXT_SOURCE_2",
        "EXT_SOURCE_3",
        "DAYS_BIRTH",
    )
    income, ext, birth = drift.changes
    assert (income.amount, income.relative) == (pytest.approx(0.2), True)
    assert (ext.amount, ext.relative) == (-0.15, False)
    assert (birth.amount, birth.relative) == (-365.0, False)
    assert drift.spec == "income=+20%,ext_source=-0.15,DAYS_BIRTH=-365"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "--drift is empty"),
        ("income=20%", "--drift item 'income=20%': expected NAME=+N%"),
        ("income=+a%", "--drift item 'income=+a%': expected"),
        ("income+20%", "--drift item 'income+20%': expected"),
        ("income=+20%,", "--drift item '': expected"),
        ("salary=+10%", "--drift item 'salary=+10%': unknown name 'salary'"),
        ("NAME_CONTRACT_TYPE=+1", "unknown name 'NAME_CONTRACT_TYPE'"),
        ("income=-100%", "--drift item 'income=-100%': a fall of 100% or more"),
        (
            "income=+10%,AMT_INCOME_TOTAL=+5%",
            "--drift item 'AMT_INCOME_TOTAL=+5%': AMT_INCOME_TOTAL is already drifted",
        ),
    ],
)
def test_a_bad_spec_names_the_bad_item(spec: str, message: str) -> None:
    with pytest.raises(ModelBuildError) as caught:
        parse_drift(spec)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


# -- the changes ---------------------------------------------------------------------------------


def test_a_percentage_scales_and_an_amount_shifts_leaving_missing_values_missing() -> None:
    columns = {
        "AMT_INCOME_TOTAL": np.array([100_000.0, np.nan, 250_000.0]),
        "EXT_SOURCE_1": np.array([0.5, 0.1, np.nan]),
        "EXT_SOURCE_2": np.array([0.9, 0.3, 0.6]),
        "EXT_SOURCE_3": np.array([np.nan, 0.2, 0.95]),
    }
    parse_drift("income=+20%,ext_source=-0.15").apply(columns)
    np.testing.assert_allclose(columns["AMT_INCOME_TOTAL"], [120_000.0, np.nan, 300_000.0])
    np.testing.assert_allclose(columns["EXT_SOURCE_1"], [0.35, 0.0, np.nan])
    np.testing.assert_allclose(columns["EXT_SOURCE_2"], [0.75, 0.15, 0.45])
    np.testing.assert_allclose(columns["EXT_SOURCE_3"], [np.nan, 0.05, 0.8])


def test_drifted_values_are_clipped_into_the_contract_rules() -> None:
    columns = {
        "EXT_SOURCE_1": np.array([0.95, 0.05]),
        "EXT_SOURCE_2": np.array([0.5, 0.5]),
        "EXT_SOURCE_3": np.array([0.5, 0.5]),
        "AMT_CREDIT": np.array([50_000.0, 900_000.0]),
        "DAYS_BIRTH": np.array([-7_000.0, -30_000.0]),
    }
    parse_drift("EXT_SOURCE_1=+0.1,credit=-100000,DAYS_BIRTH=+1000").apply(columns)
    assert columns["EXT_SOURCE_1"].tolist() == [1.0, pytest.approx(0.15)]
    # AMT_CREDIT must be > 0: one currency unit is the smallest amount kept.
    assert columns["AMT_CREDIT"].tolist() == [1.0, 800_000.0]
    # DAYS_BIRTH is a whole number of days at most -6574.5 (an age of 18).
    assert columns["DAYS_BIRTH"].tolist() == [-6_575.0, -29_000.0]


def test_the_not_employed_placeholder_is_not_drifted() -> None:
    columns = {"DAYS_EMPLOYED": np.array([-1_000.0, float(ANOMALY_DAYS)])}
    parse_drift("DAYS_EMPLOYED=-10%").apply(columns)
    assert columns["DAYS_EMPLOYED"].tolist() == [-900.0, float(ANOMALY_DAYS)]


# -- generated data sets --------------------------------------------------------------------------


def test_a_drift_changes_only_the_drifted_columns_of_the_same_clients(
    plain_dir: Path, drifted_dir: Path
) -> None:
    for name in ("application_train.csv", "application_test.csv"):
        plain, drifted = pd.read_csv(plain_dir / name), pd.read_csv(drifted_dir / name)
        changed = {c for c in plain.columns if not plain[c].equals(drifted[c])}
        assert changed == {"AMT_INCOME_TOTAL", "EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3"}
        np.testing.assert_allclose(drifted["AMT_INCOME_TOTAL"], plain["AMT_INCOME_TOTAL"] * 1.2)
        np.testing.assert_allclose(
            drifted["EXT_SOURCE_2"], np.clip(plain["EXT_SOURCE_2"] - 0.15, 0.0, 1.0)
        )
    for other in ("bureau.csv", "previous_application.csv", "installments_payments.csv"):
        assert (plain_dir / other).read_bytes() == (drifted_dir / other).read_bytes()


def test_the_outcome_is_the_undrifted_clients_outcome(plain_dir: Path, drifted_dir: Path) -> None:
    plain = pd.read_csv(plain_dir / "application_train.csv", usecols=["TARGET"])
    drifted = pd.read_csv(drifted_dir / "application_train.csv", usecols=["TARGET"])
    assert plain["TARGET"].equals(drifted["TARGET"])


def test_the_same_seed_and_spec_give_the_same_bytes(drifted_dir: Path, tmp_path: Path) -> None:
    generate(CLIENTS, SEED, tmp_path, progress=False, drift=parse_drift(DRIFT))
    for name in ("application_train.csv", "application_test.csv"):
        assert (tmp_path / name).read_bytes() == (drifted_dir / name).read_bytes()


def test_the_manifest_records_the_drift_and_an_undrifted_one_does_not(
    plain_dir: Path, drifted_dir: Path
) -> None:
    assert json.loads((drifted_dir / "synthetic_manifest.json").read_text())["drift"] == DRIFT
    assert "drift" not in json.loads((plain_dir / "synthetic_manifest.json").read_text())


def test_synth_reports_a_bad_drift_on_one_line_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = ["synth", "--clients", "10", "--out", str(tmp_path / "out"), "--no-progress"]
    assert main([*argv, "--drift", "income=+20%,ext=-0.1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.splitlines() == [err]
    assert err.startswith("error: --drift item 'ext=-0.1': unknown name 'ext'")
    assert not (tmp_path / "out").exists()
