"""Specification of the synthetic Home Credit generator (model_build.synth)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import model_build.synth as synth
from model_build.artifacts import SYNTHETIC_MANIFEST
from model_build.schema import (
    ANOMALY_DAYS,
    APPLICATION_TEST,
    APPLICATION_TRAIN,
    BUREAU,
    BUREAU_BALANCE,
    CREDIT_CARD_BALANCE,
    INSTALLMENTS_PAYMENTS,
    POS_CASH_BALANCE,
    PREVIOUS_APPLICATION,
    TABLES,
    TableSpec,
)
from model_build.synth import SynthSummary, generate
from model_build.synth.calibration import CALIBRATION_PATH, load_calibration

REAL_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "home_credit"
REAL_FILES = {
    "application_train": "application_train_sample.csv",
    "application_test": "application_test_sample.csv",
    "bureau": "bureau_sample.csv",
    "bureau_balance": "bureau_balance_sample.csv",
    "previous_application": "previous_application_sample.csv",
    "POS_CASH_balance": "POS_CASH_balance_sample.csv",
    "installments_payments": "installments_payments_sample.csv",
    "credit_card_balance": "credit_card_balance_sample.csv",
}
# Full-data values too rare for the samples (FACTS.md §2.2), injected at their real rates.
DOCUMENTED_RARE = {
    "CODE_GENDER": {"XNA"},
    "NAME_FAMILY_STATUS": {"Unknown"},
    "NAME_INCOME_TYPE": {"Maternity leave", "Student", "Businessman"},
}
BUILDING_MEASURES = (
    "APARTMENTS", "BASEMENTAREA", "YEARS_BEGINEXPLUATATION", "YEARS_BUILD", "COMMONAREA",
    "ELEVATORS", "ENTRANCES", "FLOORSMAX", "FLOORSMIN", "LANDAREA", "LIVINGAPARTMENTS",
    "LIVINGAREA", "NONLIVINGAPARTMENTS", "NONLIVINGAREA",
)  # fmt: skip
N_CLIENTS = 4000
SEED = 11

needs_real = pytest.mark.skipif(not REAL_DIR.is_dir(), reason="real samples not available")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> SynthSummary:
    return generate(N_CLIENTS, SEED, tmp_path_factory.mktemp("synth"), progress=False)


@pytest.fixture(scope="module")
def tables(generated: SynthSummary) -> dict[str, pd.DataFrame]:
    return {s.name: read(generated.out_dir, s) for s in TABLES}


def read(out_dir: Path, spec: TableSpec) -> pd.DataFrame:
    return pd.read_csv(out_dir / spec.filename, dtype=spec.dtypes)


def digest(out_dir: Path) -> dict[str, str]:
    return {
        s.filename: hashlib.sha256((out_dir / s.filename).read_bytes()).hexdigest() for s in TABLES
    }


# --------------------------------------------------------------------------- files and schema


def test_writes_the_eight_kaggle_files_and_a_manifest(generated: SynthSummary) -> None:
    names = sorted(p.name for p in generated.out_dir.iterdir())
    assert names == sorted([s.filename for s in TABLES] + [SYNTHETIC_MANIFEST])
    manifest = json.loads((generated.out_dir / SYNTHETIC_MANIFEST).read_text())
    assert (manifest["n_clients"], manifest["seed"]) == (generated.n_clients, generated.seed)


def test_summary_counts_the_rows_written(generated: SynthSummary) -> None:
    for spec in TABLES:
        with open(generated.out_dir / spec.filename, "rb") as fh:
            lines = sum(1 for _ in fh) - 1
        assert generated.rows[spec.name] == lines
    assert generated.rows["application_train"] + generated.rows["application_test"] == N_CLIENTS


@pytest.mark.parametrize("spec", TABLES, ids=lambda s: s.name)
def test_header_is_the_schema_column_order(generated: SynthSummary, spec: TableSpec) -> None:
    header = (generated.out_dir / spec.filename).open().readline().rstrip("\n").split(",")
    assert header == list(spec.column_names)


@needs_real
@pytest.mark.parametrize("spec", TABLES, ids=lambda s: s.name)
def test_header_equals_the_real_sample_header(generated: SynthSummary, spec: TableSpec) -> None:
    real = pd.read_csv(REAL_DIR / REAL_FILES[spec.name], nrows=0).columns.tolist()
    synthetic = pd.read_csv(generated.out_dir / spec.filename, nrows=0).columns.tolist()
    assert synthetic == real


@pytest.mark.parametrize("spec", TABLES, ids=lambda s: s.name)
def test_reads_with_the_schema_dtypes(tables: dict[str, pd.DataFrame], spec: TableSpec) -> None:
    df = tables[spec.name]
    assert len(df) > 0
    assert {c: str(t) for c, t in df.dtypes.items()} == spec.dtypes


@pytest.mark.parametrize("spec", TABLES, ids=lambda s: s.name)
def test_integer_columns_print_without_decimal_point(
    generated: SynthSummary, spec: TableSpec
) -> None:
    raw = pd.read_csv(generated.out_dir / spec.filename, dtype=str, nrows=20_000)
    for col in spec.columns:
        if col.is_integer:
            assert not raw[col.name].str.contains(r"[.eE]", regex=True).any(), col.name
            assert raw[col.name].notna().all(), col.name


def test_missing_values_are_empty_fields(generated: SynthSummary) -> None:
    text = (generated.out_dir / APPLICATION_TRAIN.filename).read_text()
    assert ",," in text
    assert "nan" not in text.lower().replace("nanny", "")


@needs_real
@pytest.mark.parametrize("spec", TABLES, ids=lambda s: s.name)
def test_category_values_come_from_the_real_vocabulary(
    tables: dict[str, pd.DataFrame], spec: TableSpec
) -> None:
    real_files = [REAL_FILES[spec.name]]
    if spec.name.startswith("application"):
        real_files = [REAL_FILES["application_train"], REAL_FILES["application_test"]]
    real = pd.concat([pd.read_csv(REAL_DIR / f, dtype=str) for f in real_files])
    for col in spec.columns:
        if col.is_categorical:
            allowed = set(real[col.name].dropna()) | DOCUMENTED_RARE.get(col.name, set())
            assert set(tables[spec.name][col.name].dropna()) <= allowed, col.name


# --------------------------------------------------------------------------- determinism


def test_same_seed_gives_byte_identical_files(generated: SynthSummary, tmp_path: Path) -> None:
    again = generate(N_CLIENTS, SEED, tmp_path, progress=False)
    assert digest(again.out_dir) == digest(generated.out_dir)


def test_different_seed_gives_different_files(generated: SynthSummary, tmp_path: Path) -> None:
    other = generate(N_CLIENTS, SEED + 1, tmp_path, progress=False)
    same = digest(other.out_dir)
    assert all(same[f] != h for f, h in digest(generated.out_dir).items())


def test_progress_bar_goes_to_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    generate(50, 1, tmp_path, progress=True)
    captured = capsys.readouterr()
    assert "synth" in captured.err
    assert captured.out == ""


# --------------------------------------------------------------------------- keys


def test_client_ids_are_unique_across_train_and_test(tables: dict[str, pd.DataFrame]) -> None:
    ids = pd.concat([tables["application_train"].SK_ID_CURR, tables["application_test"].SK_ID_CURR])
    assert ids.is_unique
    assert sorted(ids) == list(range(100_001, 100_001 + N_CLIENTS))


def test_train_and_test_interleave_in_the_id_space(tables: dict[str, pd.DataFrame]) -> None:
    test_ids = tables["application_test"].SK_ID_CURR
    assert test_ids.min() < 100_001 + N_CLIENTS // 10
    assert test_ids.max() > 100_001 + N_CLIENTS * 9 // 10


def test_child_ids_start_at_the_kaggle_ranges(tables: dict[str, pd.DataFrame]) -> None:
    assert tables["bureau"].SK_ID_BUREAU.min() >= 5_000_000
    assert tables["bureau"].SK_ID_BUREAU.is_unique
    assert tables["previous_application"].SK_ID_PREV.min() >= 1_000_001
    assert tables["previous_application"].SK_ID_PREV.is_unique


@pytest.mark.parametrize(
    ("child", "column", "parent", "parent_column"),
    [
        (BUREAU, "SK_ID_CURR", "application", "SK_ID_CURR"),
        (BUREAU_BALANCE, "SK_ID_BUREAU", "bureau", "SK_ID_BUREAU"),
        (PREVIOUS_APPLICATION, "SK_ID_CURR", "application", "SK_ID_CURR"),
        (POS_CASH_BALANCE, "SK_ID_PREV", "previous_application", "SK_ID_PREV"),
        (INSTALLMENTS_PAYMENTS, "SK_ID_PREV", "previous_application", "SK_ID_PREV"),
        (CREDIT_CARD_BALANCE, "SK_ID_PREV", "previous_application", "SK_ID_PREV"),
    ],
    ids=lambda x: x.name if isinstance(x, TableSpec) else x,
)
def test_every_child_key_exists_in_its_parent(
    tables: dict[str, pd.DataFrame], child: TableSpec, column: str, parent: str, parent_column: str
) -> None:
    if parent == "application":
        keys = pd.concat(
            [tables["application_train"].SK_ID_CURR, tables["application_test"].SK_ID_CURR]
        )
    else:
        keys = tables[parent][parent_column]
    assert tables[child.name][column].isin(keys).all()


@pytest.mark.parametrize(
    "spec", [POS_CASH_BALANCE, INSTALLMENTS_PAYMENTS, CREDIT_CARD_BALANCE], ids=lambda s: s.name
)
def test_monthly_rows_carry_the_client_of_their_previous_application(
    tables: dict[str, pd.DataFrame], spec: TableSpec
) -> None:
    owner = tables["previous_application"].set_index("SK_ID_PREV").SK_ID_CURR
    rows = tables[spec.name]
    assert (rows.SK_ID_PREV.map(owner) == rows.SK_ID_CURR).all()


def test_ids_stay_unique_across_chunks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(synth, "CHUNK_CLIENTS", 700)
    summary = generate(2000, 3, tmp_path, progress=False)
    bureau = read(summary.out_dir, BUREAU)
    previous = read(summary.out_dir, PREVIOUS_APPLICATION)
    assert bureau.SK_ID_BUREAU.is_unique and bureau.SK_ID_BUREAU.is_monotonic_increasing
    assert previous.SK_ID_PREV.is_unique and previous.SK_ID_PREV.is_monotonic_increasing


# --------------------------------------------------------------------------- proportions


def test_test_file_holds_about_14_percent_of_clients(tables: dict[str, pd.DataFrame]) -> None:
    share = len(tables["application_test"]) / N_CLIENTS
    assert share == pytest.approx(48_744 / 356_255, abs=0.02)


def test_test_file_has_no_target(generated: SynthSummary) -> None:
    assert "TARGET" not in pd.read_csv(generated.out_dir / APPLICATION_TEST.filename, nrows=0)


def test_target_rate_is_near_8_percent(
    generated: SynthSummary, tables: dict[str, pd.DataFrame]
) -> None:
    rate = tables["application_train"].TARGET.mean()
    assert rate == pytest.approx(0.0807, abs=0.015)
    assert generated.default_rate == pytest.approx(rate)


@pytest.mark.parametrize(
    ("child", "parent", "ratio"),
    [
        ("bureau", "application", 4.8),
        ("bureau_balance", "bureau", 15.9),
        ("previous_application", "application", 4.7),
        ("POS_CASH_balance", "previous_application", 6.0),
        ("installments_payments", "previous_application", 8.1),
        ("credit_card_balance", "previous_application", 2.3),
    ],
)
def test_child_rows_per_parent_row_match_the_full_data(
    generated: SynthSummary, child: str, parent: str, ratio: float
) -> None:
    rows = generated.rows
    parents = N_CLIENTS if parent == "application" else rows[parent]
    assert rows[child] / parents == pytest.approx(ratio, rel=0.15)


def test_not_every_client_has_bureau_or_previous_rows(tables: dict[str, pd.DataFrame]) -> None:
    for name, share in (("bureau", 305_811 / 356_255), ("previous_application", 338_857 / 356_255)):
        covered = tables[name].SK_ID_CURR.nunique() / N_CLIENTS
        assert covered == pytest.approx(share, abs=0.03)
        assert covered < 1.0


# --------------------------------------------------------------------------- anomalies


def test_days_employed_placeholder_marks_exactly_the_xna_organisations(
    tables: dict[str, pd.DataFrame],
) -> None:
    app = tables["application_train"]
    placeholder = app.DAYS_EMPLOYED == ANOMALY_DAYS
    assert (placeholder == (app.ORGANIZATION_TYPE == "XNA")).all()
    assert placeholder.mean() == pytest.approx(0.18, abs=0.03)
    assert set(app.loc[placeholder, "NAME_INCOME_TYPE"]) <= {"Pensioner", "Unemployed"}
    assert app.loc[placeholder, "OCCUPATION_TYPE"].isna().all()
    assert (app.loc[placeholder, "FLAG_EMP_PHONE"] == 0).all()
    assert (app.loc[~placeholder, "DAYS_EMPLOYED"] <= 0).all()


def test_gender_xna_is_very_rare_and_only_in_train(tables: dict[str, pd.DataFrame]) -> None:
    train = tables["application_train"].CODE_GENDER
    assert 1 <= (train == "XNA").sum() <= 3
    assert "XNA" not in set(tables["application_test"].CODE_GENDER)


def test_previous_application_day_columns_use_the_365243_placeholder(
    tables: dict[str, pd.DataFrame],
) -> None:
    prev = tables["previous_application"]
    for col in PREVIOUS_APPLICATION.anomaly_day_columns:
        assert (prev[col] == ANOMALY_DAYS).any(), col
    # Most first drawings are unknown, as in the source (FACTS.md §3.3).
    assert (prev.DAYS_FIRST_DRAWING.dropna() == ANOMALY_DAYS).mean() > 0.5


def test_xna_and_xap_codes_appear_in_previous_application(tables: dict[str, pd.DataFrame]) -> None:
    prev = tables["previous_application"]
    assert {"XNA", "XAP"} <= set(prev.NAME_CASH_LOAN_PURPOSE)
    assert (prev.CODE_REJECT_REASON == "XAP").mean() > 0.6
    assert (prev.loc[prev.NAME_CONTRACT_STATUS == "Approved", "CODE_REJECT_REASON"] == "XAP").all()


def test_building_columns_go_missing_together(tables: dict[str, pd.DataFrame]) -> None:
    app = tables["application_train"]
    for m in BUILDING_MEASURES:
        mask = app[f"{m}_AVG"].isna()
        assert (app[f"{m}_MODE"].isna() == mask).all() and (app[f"{m}_MEDI"].isna() == mask).all()
    cols = [f"{m}_{s}" for m in BUILDING_MEASURES for s in ("AVG", "MODE", "MEDI")]
    cols += ["TOTALAREA_MODE", "FONDKAPREMONT_MODE", "HOUSETYPE_MODE", "WALLSMATERIAL_MODE"]
    cols += ["EMERGENCYSTATE_MODE"]
    missing = app[cols].isna()
    # Rows have either (nearly) all 47 building columns or none (FACTS.md §2.3 item 7).
    share_none_or_all = ((missing.sum(axis=1) == 0) | (missing.sum(axis=1) == 47)).mean()
    assert share_none_or_all > 0.65
    assert missing.mean().between(0.40, 0.75).all()


def test_own_car_age_is_present_exactly_for_car_owners(tables: dict[str, pd.DataFrame]) -> None:
    app = tables["application_train"]
    assert (app.OWN_CAR_AGE.notna() == (app.FLAG_OWN_CAR == "Y")).all()


def test_family_size_counts_children_and_spouse(tables: dict[str, pd.DataFrame]) -> None:
    app = tables["application_train"]
    spouse = app.NAME_FAMILY_STATUS.isin(["Married", "Civil marriage"]).astype(int)
    assert (app.CNT_CHILDREN + 1 + spouse == app.CNT_FAM_MEMBERS).all()


@needs_real
def test_missing_rates_follow_the_real_application_sample(tables: dict[str, pd.DataFrame]) -> None:
    real = pd.read_csv(REAL_DIR / REAL_FILES["application_train"], dtype=APPLICATION_TRAIN.dtypes)
    gap = (tables["application_train"].isna().mean() - real.isna().mean()).abs()
    assert gap.max() < 0.05, gap.idxmax()


# --------------------------------------------------------------------------- risk structure


def test_low_external_scores_default_more(tables: dict[str, pd.DataFrame]) -> None:
    app = tables["application_train"]
    score = app["EXT_SOURCE_2"]
    low, high = score.lt(score.quantile(0.2)), score.gt(score.quantile(0.8))
    assert app.TARGET[low].mean() > 2 * app.TARGET[high].mean()


def test_credit_history_carries_default_signal(tables: dict[str, pd.DataFrame]) -> None:
    target = tables["application_train"].set_index("SK_ID_CURR").TARGET
    prev = tables["previous_application"]
    refused = (prev.NAME_CONTRACT_STATUS == "Refused").groupby(prev.SK_ID_CURR).mean()
    inst = tables["installments_payments"]
    late = (inst.DAYS_ENTRY_PAYMENT > inst.DAYS_INSTALMENT).groupby(inst.SK_ID_CURR).mean()
    for feature in (refused, late):
        joined = pd.concat([feature.rename("f"), target], axis=1, join="inner")
        assert joined.groupby("TARGET").f.mean()[1] > joined.groupby("TARGET").f.mean()[0]


# --------------------------------------------------------------------------- calibration


def test_calibration_file_is_small_and_loads() -> None:
    assert CALIBRATION_PATH.stat().st_size < 500_000
    cal = load_calibration()
    assert len(cal.application.table.segments) == 2
    assert 0.07 < cal.risk.target_rate < 0.09


def test_rejects_non_positive_client_counts(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate(0, 1, tmp_path)


def test_rows_per_client_arrays_do_not_depend_on_the_output_folder(tmp_path: Path) -> None:
    a = generate(300, 5, tmp_path / "a", progress=False)
    b = generate(300, 5, tmp_path / "b", progress=False)
    assert a.rows == b.rows
    assert np.isclose(a.default_rate, b.default_rate)
