"""Feature engineering: exact values on hand-made rows, real samples, train/serve identity."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from model_build.anomalies import clean_table
from model_build.features import (
    DROPPED_COLUMNS,
    FEATURE_META,
    FeatureCatalog,
    application_features,
    build_catalog,
    build_feature_frame,
    history_features,
    read_column_dictionary,
)
from model_build.features.application import APPLICATION_META
from model_build.features.bureau import BALANCE_META, BUREAU_META
from model_build.features.descriptions import RAW_META
from model_build.features.history import HISTORY_META
from model_build.features.installments import INSTALMENT_META
from model_build.features.monthly import CARD_META, POS_META
from model_build.features.previous import PREVIOUS_META
from model_build.loader import Dataset, read_table
from model_build.schema import (
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

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "home_credit"
CHILD_TABLES = [spec for spec in TABLES if not spec.name.startswith("application")]


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _table(spec: TableSpec, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows in the loader's layout: every schema column, schema dtypes, cleaned."""
    given = pd.DataFrame(rows)
    columns: dict[str, pd.Series] = {}
    for column in spec.columns:
        values = given[column.name] if column.name in given.columns else None
        if column.is_categorical:
            columns[column.name] = pd.Series(values, dtype=object).astype("category")
        elif column.is_integer:
            filled = pd.Series(0, index=given.index) if values is None else values.fillna(0)
            columns[column.name] = filled.astype(column.dtype)
        else:
            columns[column.name] = pd.Series(values, index=given.index, dtype=column.dtype)
    return clean_table(spec, pd.DataFrame(columns, index=given.index))


def _app(**columns: Any) -> pd.DataFrame:
    base: dict[str, Any] = {"SK_ID_CURR": [1], "DAYS_BIRTH": [-10000], "DAYS_EMPLOYED": [-2500]}
    base.update({k: v if isinstance(v, list) else [v] for k, v in columns.items()})
    size = max(len(v) for v in base.values())
    rows = [{k: v[i] if len(v) > 1 else v[0] for k, v in base.items()} for i in range(size)]
    return _table(APPLICATION_TEST, rows)


def _sample(spec: TableSpec) -> pd.DataFrame:
    return read_table(spec, SHARED / spec.filename.replace(".csv", "_sample.csv"))


@pytest.fixture(scope="module")
def samples() -> dict[str, pd.DataFrame]:
    if not (SHARED / "application_train_sample.csv").is_file():
        pytest.skip(f"real Home Credit samples not found at {SHARED}")
    return {spec.name: _sample(spec) for spec in TABLES}


@pytest.fixture(scope="module")
def sample_history(samples: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return history_features(Dataset(directory=SHARED, **samples))


@pytest.fixture(scope="module")
def train_frame(samples: dict[str, pd.DataFrame], sample_history: pd.DataFrame) -> pd.DataFrame:
    return build_feature_frame(samples["application_train"], sample_history)


def _no_inf(frame: pd.DataFrame) -> bool:
    numeric = frame.select_dtypes(include="number").to_numpy(dtype=np.float64)
    return not np.isinf(numeric).any()


# ---------------------------------------------------------------------------------------------
# Application features
# ---------------------------------------------------------------------------------------------


def test_loan_ratios_are_exact_on_hand_made_rows():
    app = _app(
        SK_ID_CURR=[1, 2],
        AMT_INCOME_TOTAL=[100_000.0, 200_000.0],
        AMT_CREDIT=[300_000.0, 100_000.0],
        AMT_ANNUITY=[15_000.0, 10_000.0],
        AMT_GOODS_PRICE=[270_000.0, 100_000.0],
        CNT_FAM_MEMBERS=[2.0, 4.0],
        CNT_CHILDREN=[1, 2],
    )
    out = application_features(app)
    assert out.loc[1, "CREDIT_TO_INCOME"] == 3.0
    assert out.loc[2, "CREDIT_TO_INCOME"] == 0.5
    assert out.loc[1, "ANNUITY_TO_INCOME"] == pytest.approx(0.15)
    assert out.loc[1, "PAYMENT_RATE"] == pytest.approx(0.05)
    assert out.loc[1, "GOODS_TO_CREDIT"] == pytest.approx(0.9)
    assert out.loc[1, "CREDIT_MINUS_GOODS"] == 30_000.0
    assert out.loc[1, "INCOME_PER_PERSON"] == 50_000.0
    assert out.loc[2, "CHILDREN_SHARE"] == 0.5


def test_age_and_employment_features():
    out = application_features(_app(DAYS_BIRTH=-10000, DAYS_EMPLOYED=-2500))
    assert out.loc[1, "AGE_YEARS"] == pytest.approx(10000 / 365.25)
    assert out.loc[1, "EMPLOYMENT_YEARS"] == pytest.approx(2500 / 365.25)
    assert out.loc[1, "EMPLOYED_TO_AGE"] == 0.25
    assert "DAYS_BIRTH" not in out.columns and "DAYS_EMPLOYED" not in out.columns


def test_zero_or_missing_denominators_give_nan_never_inf():
    app = _app(
        SK_ID_CURR=[1, 2],
        AMT_INCOME_TOTAL=[0.0, np.nan],
        AMT_CREDIT=[0.0, 1000.0],
        AMT_ANNUITY=[0.0, 100.0],
        CNT_FAM_MEMBERS=[0.0, np.nan],
        OBS_30_CNT_SOCIAL_CIRCLE=[0.0, 0.0],
        DEF_30_CNT_SOCIAL_CIRCLE=[0.0, 1.0],
    )
    out = application_features(app)
    for name in ("CREDIT_TO_INCOME", "ANNUITY_TO_INCOME", "INCOME_PER_PERSON"):
        assert out[name].isna().all(), name
    assert math.isnan(out.loc[1, "PAYMENT_RATE"])
    assert out["SOCIAL_DEFAULT_RATE_30"].isna().all()
    assert _no_inf(out)


def test_days_employed_placeholder_is_flagged_and_missing():
    raw = pd.DataFrame(
        {"SK_ID_CURR": [1, 2], "DAYS_BIRTH": [-20000, -15000], "DAYS_EMPLOYED": [365243, -1000]}
    )
    out = application_features(raw)  # not cleaned yet: cleaned inside
    assert out["DAYS_EMPLOYED_ANOM"].tolist() == [1.0, 0.0]
    assert math.isnan(out.loc[1, "EMPLOYMENT_YEARS"]) and math.isnan(out.loc[1, "EMPLOYED_TO_AGE"])
    assert out.loc[2, "EMPLOYMENT_YEARS"] == pytest.approx(1000 / 365.25)
    cleaned = clean_table(APPLICATION_TEST, raw)
    pd.testing.assert_frame_equal(application_features(cleaned), out)


def test_external_score_summaries():
    app = _app(
        SK_ID_CURR=[1, 2, 3],
        EXT_SOURCE_1=[0.2, 0.5, np.nan],
        EXT_SOURCE_2=[0.4, 0.5, np.nan],
        EXT_SOURCE_3=[np.nan, 0.8, 0.3],
    )
    out = application_features(app)
    assert out.loc[1, "EXT_SOURCE_MEAN"] == pytest.approx(0.3)
    assert out.loc[1, "EXT_SOURCE_STD"] == pytest.approx(math.sqrt(0.02))
    assert (out.loc[1, "EXT_SOURCE_MIN"], out.loc[1, "EXT_SOURCE_MAX"]) == (0.2, 0.4)
    assert math.isnan(out.loc[1, "EXT_SOURCE_PRODUCT"])
    assert out.loc[2, "EXT_SOURCE_PRODUCT"] == pytest.approx(0.2)
    assert out["EXT_SOURCE_MISSING_COUNT"].tolist() == [1.0, 0.0, 2.0]
    assert math.isnan(out.loc[3, "EXT_SOURCE_STD"])  # one score: no spread
    assert out.loc[3, "EXT_SOURCE_MEAN"] == 0.3


def test_counts_of_documents_contacts_addresses_and_enquiries():
    app = _app(
        FLAG_DOCUMENT_3=1,
        FLAG_DOCUMENT_2=1,
        FLAG_DOCUMENT_8=1,
        FLAG_PHONE=1,
        FLAG_EMAIL=1,
        REG_CITY_NOT_WORK_CITY=1,
        AMT_REQ_CREDIT_BUREAU_DAY=1.0,
        AMT_REQ_CREDIT_BUREAU_MON=2.0,
        AMT_REQ_CREDIT_BUREAU_YEAR=3.0,
    )
    out = application_features(app).iloc[0]
    assert out["DOCUMENT_COUNT"] == 3  # rare document 2 still counts
    assert out["CONTACT_COUNT"] == 2
    assert out["ADDRESS_MISMATCH_COUNT"] == 1
    assert out["BUREAU_ENQUIRIES_LAST_MONTH"] == 3
    assert out["BUREAU_ENQUIRIES_LAST_YEAR"] == 6
    assert out["BUILDING_INFO_MISSING_COUNT"] == 47


def test_output_is_indexed_by_client_in_input_order_without_dropped_columns():
    app = _app(SK_ID_CURR=[30, 10, 20], AMT_CREDIT=[3.0, 1.0, 2.0])
    app.insert(1, "TARGET", np.int8(0))
    out = application_features(app)
    assert out.index.name == "SK_ID_CURR"
    assert out.index.tolist() == [30, 10, 20]
    assert out["AMT_CREDIT"].tolist() == [3.0, 1.0, 2.0]
    assert not set(DROPPED_COLUMNS) & set(out.columns)
    assert list(out.columns) == list(APPLICATION_META)


def test_categoricals_are_strings_and_placeholders_missing():
    app = _app(
        SK_ID_CURR=[1, 2, 3],
        NAME_FAMILY_STATUS=["Married", "Unknown", "Widow"],
        ORGANIZATION_TYPE=["XNA", "School", None],
    )
    out = application_features(app)
    assert isinstance(out["NAME_FAMILY_STATUS"].dtype, pd.CategoricalDtype)
    assert "CODE_GENDER" not in out.columns  # a protected characteristic never reaches the model
    assert out["ORGANIZATION_TYPE"].astype(object).tolist()[1] == "School"
    assert out["ORGANIZATION_TYPE"].isna().sum() == 2


# ---------------------------------------------------------------------------------------------
# History features on hand-made child tables
# ---------------------------------------------------------------------------------------------


def _bureau_dataset() -> Dataset:
    bureau = _table(
        BUREAU,
        [
            {
                "SK_ID_CURR": 1,
                "SK_ID_BUREAU": 11,
                "CREDIT_ACTIVE": "Active",
                "DAYS_CREDIT": -100,
                "CREDIT_DAY_OVERDUE": 10,
                "AMT_CREDIT_SUM": 1000.0,
                "AMT_CREDIT_SUM_DEBT": 400.0,
                "AMT_CREDIT_SUM_OVERDUE": 50.0,
                "CREDIT_TYPE": "Microloan",
                "DAYS_CREDIT_ENDDATE": 200.0,
            },
            {
                "SK_ID_CURR": 1,
                "SK_ID_BUREAU": 12,
                "CREDIT_ACTIVE": "Closed",
                "DAYS_CREDIT": -900,
                "AMT_CREDIT_SUM": 3000.0,
                "AMT_CREDIT_SUM_DEBT": 0.0,
                "CREDIT_TYPE": "Consumer credit",
                "DAYS_CREDIT_ENDDATE": -500.0,
                "DAYS_ENDDATE_FACT": -400.0,
            },
        ],
    )
    balance = _table(
        BUREAU_BALANCE,
        [
            {"SK_ID_BUREAU": 11, "MONTHS_BALANCE": -1, "STATUS": "1"},
            {"SK_ID_BUREAU": 11, "MONTHS_BALANCE": -2, "STATUS": "0"},
            {"SK_ID_BUREAU": 11, "MONTHS_BALANCE": -3, "STATUS": "X"},
            {"SK_ID_BUREAU": 12, "MONTHS_BALANCE": -20, "STATUS": "2"},
            {"SK_ID_BUREAU": 12, "MONTHS_BALANCE": -19, "STATUS": "C"},
            {"SK_ID_BUREAU": 99, "MONTHS_BALANCE": -1, "STATUS": "5"},  # unknown credit: ignored
        ],
    )
    app = _app()
    return Dataset(
        directory=Path("."), application_train=app, bureau=bureau, bureau_balance=balance
    )


def test_bureau_counts_overdue_and_debt_are_exact():
    out = history_features(_bureau_dataset()).loc[1]
    assert out["BUREAU_CREDIT_COUNT"] == 2
    assert out["BUREAU_ACTIVE_COUNT"] == 1
    assert out["BUREAU_ACTIVE_SHARE"] == 0.5
    assert out["BUREAU_MICROLOAN_COUNT"] == 1
    assert out["BUREAU_CREDIT_TYPES_COUNT"] == 2
    assert out["BUREAU_OVERDUE_CREDITS_COUNT"] == 1
    assert out["BUREAU_OVERDUE_DAYS_MAX"] == 10
    assert out["BUREAU_OVERDUE_AMOUNT_SUM"] == 50
    assert out["BUREAU_CREDIT_AMOUNT_MEAN"] == 2000
    assert out["BUREAU_ACTIVE_DEBT_SUM"] == 400
    assert out["BUREAU_ACTIVE_DEBT_SHARE"] == pytest.approx(0.4)
    assert out["BUREAU_OLDEST_CREDIT_DAYS_AGO"] == 900
    assert out["BUREAU_NEWEST_CREDIT_DAYS_AGO"] == 100
    assert out["BUREAU_CREDITS_LAST_YEAR"] == 1
    assert out["BUREAU_ACTIVE_MAX_DAYS_TO_END"] == 200
    assert out["BUREAU_CLOSED_LATE_SHARE"] == 1.0  # ended at -400, planned -500


def test_bureau_monthly_statuses_are_exact():
    out = history_features(_bureau_dataset()).loc[1]
    assert out["BUREAU_MONTHS_REPORTED"] == 5
    assert out["BUREAU_LATE_MONTHS"] == 2
    assert out["BUREAU_LATE_MONTHS_SHARE"] == pytest.approx(2 / 3)  # X and C are not open months
    assert out["BUREAU_LATE_MONTHS_LAST_YEAR"] == 1
    assert out["BUREAU_WORST_STATUS"] == 2
    assert out["BUREAU_MONTHS_SINCE_LATE"] == 1


def test_instalment_paid_late_and_short():
    payments = _table(
        INSTALLMENTS_PAYMENTS,
        [
            # Due day -100, 1000; paid 900 on day -95: 5 days late, 100 short.
            {
                "SK_ID_PREV": 7,
                "SK_ID_CURR": 1,
                "NUM_INSTALMENT_VERSION": 1.0,
                "NUM_INSTALMENT_NUMBER": 1,
                "DAYS_INSTALMENT": -100.0,
                "DAYS_ENTRY_PAYMENT": -95.0,
                "AMT_INSTALMENT": 1000.0,
                "AMT_PAYMENT": 900.0,
            },
            # Due day -60, 1000, paid in two parts, the last 2 days early.
            {
                "SK_ID_PREV": 7,
                "SK_ID_CURR": 1,
                "NUM_INSTALMENT_VERSION": 1.0,
                "NUM_INSTALMENT_NUMBER": 2,
                "DAYS_INSTALMENT": -60.0,
                "DAYS_ENTRY_PAYMENT": -65.0,
                "AMT_INSTALMENT": 1000.0,
                "AMT_PAYMENT": 400.0,
            },
            {
                "SK_ID_PREV": 7,
                "SK_ID_CURR": 1,
                "NUM_INSTALMENT_VERSION": 1.0,
                "NUM_INSTALMENT_NUMBER": 2,
                "DAYS_INSTALMENT": -60.0,
                "DAYS_ENTRY_PAYMENT": -62.0,
                "AMT_INSTALMENT": 1000.0,
                "AMT_PAYMENT": 600.0,
            },
        ],
    )
    dataset = Dataset(directory=Path("."), application_train=_app(), installments_payments=payments)
    out = history_features(dataset).loc[1]
    assert out["INSTAL_COUNT"] == 2
    assert out["INSTAL_DPD_MAX"] == 5
    assert out["INSTAL_DPD_MEAN"] == 2.5
    assert out["INSTAL_LATE_SHARE"] == 0.5
    assert out["INSTAL_DBD_MEAN"] == 1.0
    assert out["INSTAL_PAYMENT_DIFF_MAX"] == 100
    assert out["INSTAL_PAYMENT_DIFF_SUM"] == 100
    assert out["INSTAL_PAID_RATIO_MIN"] == pytest.approx(0.9)
    assert out["INSTAL_UNDERPAID_SHARE"] == 0.5
    assert out["INSTAL_UNPAID_COUNT"] == 0
    assert out["INSTAL_RECENT_DPD_MEAN"] == 2.5
    assert out["INSTAL_DAYS_SINCE_LAST_PAYMENT"] == 62


def test_previous_applications_approved_refused_and_recency():
    previous = _table(
        PREVIOUS_APPLICATION,
        [
            {
                "SK_ID_PREV": 1,
                "SK_ID_CURR": 1,
                "NAME_CONTRACT_STATUS": "Approved",
                "DAYS_DECISION": -800,
                "AMT_APPLICATION": 1200.0,
                "AMT_CREDIT": 1000.0,
                "AMT_ANNUITY": 100.0,
                "CNT_PAYMENT": 12.0,
                "DAYS_LAST_DUE_1ST_VERSION": 30.0,
                "NAME_YIELD_GROUP": "high",
            },
            {
                "SK_ID_PREV": 2,
                "SK_ID_CURR": 1,
                "NAME_CONTRACT_STATUS": "Refused",
                "DAYS_DECISION": -300,
                "AMT_APPLICATION": 5000.0,
                "NAME_YIELD_GROUP": "XNA",
            },
            {
                "SK_ID_PREV": 3,
                "SK_ID_CURR": 1,
                "NAME_CONTRACT_STATUS": "Canceled",
                "DAYS_DECISION": -10,
                "AMT_APPLICATION": 0.0,
                "NAME_YIELD_GROUP": "low_normal",
            },
        ],
    )
    dataset = Dataset(
        directory=Path("."),
        application_train=_app(AMT_INCOME_TOTAL=1000.0, AMT_CREDIT=2000.0),
        previous_application=previous,
    )
    history = history_features(dataset)
    out = history.loc[1]
    assert (out["PREV_COUNT"], out["PREV_APPROVED_COUNT"], out["PREV_REFUSED_COUNT"]) == (3, 1, 1)
    assert out["PREV_REFUSAL_RATE"] == pytest.approx(1 / 3)
    assert out["PREV_LAST_REFUSED"] == 0  # the latest was cancelled
    assert out["PREV_DAYS_SINCE_LAST"] == 10
    assert out["PREV_DAYS_SINCE_LAST_REFUSAL"] == 300
    assert out["PREV_APPLICATIONS_LAST_YEAR"] == 2
    assert out["PREV_ASKED_TO_GRANTED_MEAN"] == pytest.approx(1.2)
    assert out["PREV_HIGH_INTEREST_SHARE"] == 0.5  # XNA is unknown, not "not high"
    assert (out["PREV_RUNNING_COUNT"], out["PREV_RUNNING_ANNUITY_SUM"]) == (1, 100)
    frame = build_feature_frame(dataset.application_train, history).iloc[0]
    assert frame["PREV_RUNNING_ANNUITY_TO_INCOME"] == pytest.approx(0.1)
    assert frame["CREDIT_TO_PREV_APPROVED_MEAN"] == pytest.approx(2.0)


def test_pos_cash_and_card_aggregates():
    pos = _table(
        POS_CASH_BALANCE,
        [
            {
                "SK_ID_PREV": 1,
                "SK_ID_CURR": 1,
                "MONTHS_BALANCE": -2,
                "CNT_INSTALMENT_FUTURE": 1.0,
                "NAME_CONTRACT_STATUS": "Active",
            },
            {
                "SK_ID_PREV": 1,
                "SK_ID_CURR": 1,
                "MONTHS_BALANCE": -1,
                "CNT_INSTALMENT_FUTURE": 0.0,
                "NAME_CONTRACT_STATUS": "Completed",
            },
            {
                "SK_ID_PREV": 2,
                "SK_ID_CURR": 1,
                "MONTHS_BALANCE": -1,
                "CNT_INSTALMENT_FUTURE": 5.0,
                "NAME_CONTRACT_STATUS": "Active",
                "SK_DPD": 10,
            },
        ],
    )
    card = _table(
        CREDIT_CARD_BALANCE,
        [
            {
                "SK_ID_PREV": 3,
                "SK_ID_CURR": 1,
                "MONTHS_BALANCE": -2,
                "AMT_BALANCE": 500.0,
                "AMT_CREDIT_LIMIT_ACTUAL": 1000,
                "AMT_INST_MIN_REGULARITY": 50.0,
                "AMT_PAYMENT_TOTAL_CURRENT": 20.0,
                "NAME_CONTRACT_STATUS": "Active",
            },
            {
                "SK_ID_PREV": 3,
                "SK_ID_CURR": 1,
                "MONTHS_BALANCE": -1,
                "AMT_BALANCE": 0.0,
                "AMT_CREDIT_LIMIT_ACTUAL": 1000,
                "AMT_INST_MIN_REGULARITY": 0.0,
                "AMT_PAYMENT_TOTAL_CURRENT": 500.0,
                "NAME_CONTRACT_STATUS": "Active",
            },
        ],
    )
    dataset = Dataset(
        directory=Path("."),
        application_train=_app(),
        POS_CASH_balance=pos,
        credit_card_balance=card,
    )
    out = history_features(dataset).loc[1]
    assert (out["POS_LOANS_COUNT"], out["POS_MONTHS_COUNT"], out["POS_DPD_MAX"]) == (2, 3, 10)
    assert out["POS_LATE_MONTHS_SHARE"] == pytest.approx(1 / 3)
    assert out["POS_COMPLETED_SHARE"] == 0.5
    assert out["POS_INSTALMENTS_LEFT"] == 5
    assert out["CC_UTILISATION_MEAN"] == 0.25
    assert out["CC_UTILISATION_MAX"] == 0.5
    assert out["CC_UTILISATION_LAST"] == 0.0
    assert out["CC_MISSED_MINIMUM_SHARE"] == 1.0  # only the month with a minimum counts
    assert out["CC_PAYMENT_TO_MINIMUM_MEAN"] == pytest.approx(0.4)


def test_absent_tables_contribute_no_columns():
    only_bureau = _bureau_dataset()
    columns = set(history_features(only_bureau).columns)
    assert columns == set(BUREAU_META) | set(BALANCE_META)
    nothing = Dataset(directory=Path("."), application_train=_app())
    empty = history_features(nothing)
    assert empty.shape == (0, 0) and empty.index.name == "SK_ID_CURR"


# ---------------------------------------------------------------------------------------------
# Real samples
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", [APPLICATION_TRAIN, APPLICATION_TEST], ids=lambda s: s.name)
def test_application_features_run_on_real_samples(samples, spec):
    app = samples[spec.name]
    out = application_features(app)
    assert len(out) == len(app) and out.index.is_unique
    assert list(out.columns) == list(APPLICATION_META)
    assert _no_inf(out)
    assert 2.0 < out["CREDIT_TO_INCOME"].median() < 5.0  # 3.31 on the larger sample, FACTS §2.1


EXPECTED = {
    "bureau": {**BUREAU_META},
    "bureau_balance": {},  # needs bureau to reach the client
    "previous_application": PREVIOUS_META,
    "POS_CASH_balance": POS_META,
    "installments_payments": INSTALMENT_META,
    "credit_card_balance": CARD_META,
}


@pytest.mark.parametrize("spec", CHILD_TABLES, ids=lambda s: s.name)
def test_history_runs_on_each_real_sample_table(samples, spec):
    dataset = Dataset(
        directory=SHARED,
        application_train=samples["application_train"],
        **{spec.name: samples[spec.name]},
    )
    out = history_features(dataset)
    assert list(out.columns) == list(EXPECTED[spec.name])
    if len(out.columns):
        assert out.index.is_unique and out.index.is_monotonic_increasing
        assert len(out) == samples[spec.name]["SK_ID_CURR"].nunique()
        assert (out.dtypes == np.float32).all()
        assert _no_inf(out)


def test_history_on_all_real_samples_has_every_feature(sample_history):
    assert list(sample_history.columns) == list(HISTORY_META)
    assert sample_history.notna().any().all()  # every feature computed for someone
    assert _no_inf(sample_history)


# ---------------------------------------------------------------------------------------------
# The feature frame: training / scoring identity and catalog alignment
# ---------------------------------------------------------------------------------------------


def test_frame_has_application_then_history_columns(train_frame, samples):
    app = samples["application_train"]
    assert train_frame.index.tolist() == app["SK_ID_CURR"].tolist()
    assert list(train_frame.columns[: len(APPLICATION_META)]) == list(APPLICATION_META)
    assert "TARGET" not in train_frame.columns
    assert _no_inf(train_frame)
    known = train_frame["BUREAU_CREDIT_COUNT"].notna()
    assert 0 < known.sum() < len(train_frame)  # clients without history are NaN


def test_same_rows_give_same_vectors_in_full_frame_and_slices(samples, sample_history, train_frame):
    app = samples["application_train"]
    rows = app.iloc[100:150]
    catalog = build_catalog(train_frame)
    part = build_feature_frame(rows, sample_history)
    full_rows = train_frame.loc[part.index]
    pd.testing.assert_frame_equal(part.astype(object), full_rows.astype(object))
    aligned_full = build_feature_frame(app, sample_history, catalog).loc[part.index]
    aligned_part = build_feature_frame(rows, sample_history, catalog)
    pd.testing.assert_frame_equal(aligned_part, aligned_full)
    for i in (0, 7, 31):  # one application at a time, as the server sends them
        one = build_feature_frame(rows.iloc[[i]], sample_history, catalog)
        pd.testing.assert_frame_equal(one, aligned_full.iloc[[i]])


def test_stored_history_gives_the_same_frame(samples, sample_history, train_frame, tmp_path):
    path = tmp_path / "history.parquet"
    sample_history.reset_index().to_parquet(path, index=False)
    stored = pd.read_parquet(path).set_index("SK_ID_CURR")
    again = build_feature_frame(samples["application_train"], stored)
    pd.testing.assert_frame_equal(again, train_frame)


def test_catalog_alignment_fills_drops_and_masks(train_frame, samples, sample_history):
    catalog = build_catalog(train_frame)
    app = samples["application_test"].iloc[:3].copy()
    app = app.drop(columns=["EXT_SOURCE_1"])
    app["ORGANIZATION_TYPE"] = app["ORGANIZATION_TYPE"].astype(object)
    app.loc[app.index[0], "ORGANIZATION_TYPE"] = "Spaceport"
    app["UNRELATED"] = 1.0
    out = build_feature_frame(app, None, catalog)
    assert list(out.columns) == catalog.names
    assert out["EXT_SOURCE_1"].isna().all()
    assert out["BUREAU_CREDIT_COUNT"].isna().all()  # no history given
    assert "UNRELATED" not in out.columns
    assert pd.isna(out["ORGANIZATION_TYPE"].iloc[0])
    vocabulary = list(catalog["ORGANIZATION_TYPE"].vocabulary)
    assert list(out["ORGANIZATION_TYPE"].cat.categories) == vocabulary
    assert out["ORGANIZATION_TYPE"].iloc[1:].notna().all()


def test_catalog_vocabularies_are_sorted_observed_training_values(train_frame):
    catalog = build_catalog(train_frame)
    contract = catalog["NAME_CONTRACT_TYPE"]
    assert contract.kind == "categorical"
    assert contract.vocabulary == ("Cash loans", "Revolving loans")
    organisations = catalog["ORGANIZATION_TYPE"].vocabulary
    assert list(organisations) == sorted(organisations) and "XNA" not in organisations
    assert catalog["AMT_CREDIT"].kind == "numeric" and catalog["AMT_CREDIT"].vocabulary == ()


def test_catalog_json_round_trip(train_frame):
    catalog = build_catalog(train_frame)
    text = catalog.to_json()
    assert FeatureCatalog.from_json(text) == catalog
    assert FeatureCatalog.from_dict(json.loads(text)) == catalog
    assert json.loads(text)["features"][0]["name"] == train_frame.columns[0]


def test_every_feature_has_description_group_and_unit(train_frame):
    catalog = build_catalog(train_frame)
    assert catalog.names == list(train_frame.columns)
    for info in catalog.features:
        assert info.description.strip() and info.group.strip() and info.unit.strip(), info
        assert info.source in {"raw", "derived"}
    for name, meta in FEATURE_META.items():
        assert meta.description.strip() and meta.group.strip(), name


def test_build_catalog_rejects_undescribed_columns(train_frame):
    with pytest.raises(KeyError, match="MYSTERY"):
        build_catalog(train_frame.assign(MYSTERY=1.0))


def test_raw_columns_are_those_of_the_column_dictionary(samples, tmp_path):
    path = SHARED / "HomeCredit_columns_description.csv"
    dictionary = read_column_dictionary(path)
    assert set(RAW_META) | set(DROPPED_COLUMNS) <= set(dictionary["application"])
    assert "SK_ID_BUREAU" in dictionary["bureau"] and "SK_ID_BUREAU" in dictionary["bureau_balance"]
    assert "SK_ID_PREV" in dictionary["POS_CASH_balance"]  # trailing space stripped
    original = tmp_path / "cp1252.csv"  # the Kaggle original's encoding
    original.write_bytes(path.read_text(encoding="utf-8").encode("cp1252"))
    assert read_column_dictionary(original) == dictionary


def test_empty_child_tables_give_all_columns_and_no_rows(samples):
    empty = {spec.name: samples[spec.name].iloc[:0] for spec in CHILD_TABLES}
    dataset = Dataset(directory=SHARED, application_train=samples["application_train"], **empty)
    out = history_features(dataset)
    assert out.shape == (0, len(HISTORY_META))
    frame = build_feature_frame(samples["application_train"].iloc[:5], out)
    assert frame["PREV_COUNT"].isna().all()
