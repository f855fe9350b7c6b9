"""Column-level schema of the eight Home Credit CSV files (Kaggle names, order and dtypes)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ANOMALY_DAYS",
    "APPLICATION_TEST",
    "APPLICATION_TRAIN",
    "BUREAU",
    "BUREAU_BALANCE",
    "CREDIT_CARD_BALANCE",
    "INSTALLMENTS_PAYMENTS",
    "MISSING_CATEGORY_CODES",
    "POS_CASH_BALANCE",
    "PREVIOUS_APPLICATION",
    "TABLES",
    "ColumnSpec",
    "ForeignKey",
    "TableSpec",
]

# Dtype names used in the specs. Integers are sized to the full-data ranges in FACTS.md so that
# the 27M-row bureau_balance and 13.6M-row installments tables fit comfortably in memory; floats
# stay float64 because amounts reach 1e8 and float32 would silently round them.
I8 = "int8"
I16 = "int16"
I32 = "int32"
F64 = "float64"
CAT = "category"

# Kaggle's placeholder for "no date" (about +1000 years) in DAYS_EMPLOYED and five
# previous_application DAYS_* columns.
ANOMALY_DAYS = 365243

# "Not available" / "not applicable" codes used as category values throughout the tables.
MISSING_CATEGORY_CODES: frozenset[str] = frozenset({"XNA", "XAP"})


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """One CSV column: its Kaggle name and the dtype it is read as."""

    name: str
    dtype: str

    @property
    def is_categorical(self) -> bool:
        return self.dtype == CAT

    @property
    def is_integer(self) -> bool:
        return self.dtype.startswith("int")


@dataclass(frozen=True, slots=True)
class ForeignKey:
    """A child column whose values must exist in a parent table's key column."""

    column: str
    parent: str
    parent_column: str


@dataclass(frozen=True, slots=True)
class TableSpec:
    """One of the Kaggle files: name, columns in file order, keys and parents."""

    name: str
    filename: str
    columns: tuple[ColumnSpec, ...]
    required: bool = False
    unique_key: str | None = None
    foreign_keys: tuple[ForeignKey, ...] = ()
    # DAYS_* columns where ANOMALY_DAYS means "no date".
    anomaly_day_columns: tuple[str, ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def dtypes(self) -> dict[str, str]:
        return {c.name: c.dtype for c in self.columns}

    def column(self, name: str) -> ColumnSpec:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


def _specs(columns: tuple[tuple[str, str], ...]) -> tuple[ColumnSpec, ...]:
    return tuple(ColumnSpec(name, dtype) for name, dtype in columns)


_APPLICATION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("SK_ID_CURR", I32),
    ("TARGET", I8),
    ("NAME_CONTRACT_TYPE", CAT),
    ("CODE_GENDER", CAT),
    ("FLAG_OWN_CAR", CAT),
    ("FLAG_OWN_REALTY", CAT),
    ("CNT_CHILDREN", I8),
    ("AMT_INCOME_TOTAL", F64),
    ("AMT_CREDIT", F64),
    ("AMT_ANNUITY", F64),
    ("AMT_GOODS_PRICE", F64),
    ("NAME_TYPE_SUITE", CAT),
    ("NAME_INCOME_TYPE", CAT),
    ("NAME_EDUCATION_TYPE", CAT),
    ("NAME_FAMILY_STATUS", CAT),
    ("NAME_HOUSING_TYPE", CAT),
    ("REGION_POPULATION_RELATIVE", F64),
    ("DAYS_BIRTH", I32),
    ("DAYS_EMPLOYED", I32),
    ("DAYS_REGISTRATION", F64),
    ("DAYS_ID_PUBLISH", I32),
    ("OWN_CAR_AGE", F64),
    ("FLAG_MOBIL", I8),
    ("FLAG_EMP_PHONE", I8),
    ("FLAG_WORK_PHONE", I8),
    ("FLAG_CONT_MOBILE", I8),
    ("FLAG_PHONE", I8),
    ("FLAG_EMAIL", I8),
    ("OCCUPATION_TYPE", CAT),
    ("CNT_FAM_MEMBERS", F64),
    ("REGION_RATING_CLIENT", I8),
    ("REGION_RATING_CLIENT_W_CITY", I8),
    ("WEEKDAY_APPR_PROCESS_START", CAT),
    ("HOUR_APPR_PROCESS_START", I8),
    ("REG_REGION_NOT_LIVE_REGION", I8),
    ("REG_REGION_NOT_WORK_REGION", I8),
    ("LIVE_REGION_NOT_WORK_REGION", I8),
    ("REG_CITY_NOT_LIVE_CITY", I8),
    ("REG_CITY_NOT_WORK_CITY", I8),
    ("LIVE_CITY_NOT_WORK_CITY", I8),
    ("ORGANIZATION_TYPE", CAT),
    ("EXT_SOURCE_1", F64),
    ("EXT_SOURCE_2", F64),
    ("EXT_SOURCE_3", F64),
    ("APARTMENTS_AVG", F64),
    ("BASEMENTAREA_AVG", F64),
    ("YEARS_BEGINEXPLUATATION_AVG", F64),
    ("YEARS_BUILD_AVG", F64),
    ("COMMONAREA_AVG", F64),
    ("ELEVATORS_AVG", F64),
    ("ENTRANCES_AVG", F64),
    ("FLOORSMAX_AVG", F64),
    ("FLOORSMIN_AVG", F64),
    ("LANDAREA_AVG", F64),
    ("LIVINGAPARTMENTS_AVG", F64),
    ("LIVINGAREA_AVG", F64),
    ("NONLIVINGAPARTMENTS_AVG", F64),
    ("NONLIVINGAREA_AVG", F64),
    ("APARTMENTS_MODE", F64),
    ("BASEMENTAREA_MODE", F64),
    ("YEARS_BEGINEXPLUATATION_MODE", F64),
    ("YEARS_BUILD_MODE", F64),
    ("COMMONAREA_MODE", F64),
    ("ELEVATORS_MODE", F64),
    ("ENTRANCES_MODE", F64),
    ("FLOORSMAX_MODE", F64),
    ("FLOORSMIN_MODE", F64),
    ("LANDAREA_MODE", F64),
    ("LIVINGAPARTMENTS_MODE", F64),
    ("LIVINGAREA_MODE", F64),
    ("NONLIVINGAPARTMENTS_MODE", F64),
    ("NONLIVINGAREA_MODE", F64),
    ("APARTMENTS_MEDI", F64),
    ("BASEMENTAREA_MEDI", F64),
    ("YEARS_BEGINEXPLUATATION_MEDI", F64),
    ("YEARS_BUILD_MEDI", F64),
    ("COMMONAREA_MEDI", F64),
    ("ELEVATORS_MEDI", F64),
    ("ENTRANCES_MEDI", F64),
    ("FLOORSMAX_MEDI", F64),
    ("FLOORSMIN_MEDI", F64),
    ("LANDAREA_MEDI", F64),
    ("LIVINGAPARTMENTS_MEDI", F64),
    ("LIVINGAREA_MEDI", F64),
    ("NONLIVINGAPARTMENTS_MEDI", F64),
    ("NONLIVINGAREA_MEDI", F64),
    ("FONDKAPREMONT_MODE", CAT),
    ("HOUSETYPE_MODE", CAT),
    ("TOTALAREA_MODE", F64),
    ("WALLSMATERIAL_MODE", CAT),
    ("EMERGENCYSTATE_MODE", CAT),
    ("OBS_30_CNT_SOCIAL_CIRCLE", F64),
    ("DEF_30_CNT_SOCIAL_CIRCLE", F64),
    ("OBS_60_CNT_SOCIAL_CIRCLE", F64),
    ("DEF_60_CNT_SOCIAL_CIRCLE", F64),
    ("DAYS_LAST_PHONE_CHANGE", F64),
    ("FLAG_DOCUMENT_2", I8),
    ("FLAG_DOCUMENT_3", I8),
    ("FLAG_DOCUMENT_4", I8),
    ("FLAG_DOCUMENT_5", I8),
    ("FLAG_DOCUMENT_6", I8),
    ("FLAG_DOCUMENT_7", I8),
    ("FLAG_DOCUMENT_8", I8),
    ("FLAG_DOCUMENT_9", I8),
    ("FLAG_DOCUMENT_10", I8),
    ("FLAG_DOCUMENT_11", I8),
    ("FLAG_DOCUMENT_12", I8),
    ("FLAG_DOCUMENT_13", I8),
    ("FLAG_DOCUMENT_14", I8),
    ("FLAG_DOCUMENT_15", I8),
    ("FLAG_DOCUMENT_16", I8),
    ("FLAG_DOCUMENT_17", I8),
    ("FLAG_DOCUMENT_18", I8),
    ("FLAG_DOCUMENT_19", I8),
    ("FLAG_DOCUMENT_20", I8),
    ("FLAG_DOCUMENT_21", I8),
    ("AMT_REQ_CREDIT_BUREAU_HOUR", F64),
    ("AMT_REQ_CREDIT_BUREAU_DAY", F64),
    ("AMT_REQ_CREDIT_BUREAU_WEEK", F64),
    ("AMT_REQ_CREDIT_BUREAU_MON", F64),
    ("AMT_REQ_CREDIT_BUREAU_QRT", F64),
    ("AMT_REQ_CREDIT_BUREAU_YEAR", F64),
)

_BUREAU_COLUMNS: tuple[tuple[str, str], ...] = (
    ("SK_ID_CURR", I32),
    ("SK_ID_BUREAU", I32),
    ("CREDIT_ACTIVE", CAT),
    ("CREDIT_CURRENCY", CAT),
    ("DAYS_CREDIT", I32),
    ("CREDIT_DAY_OVERDUE", I32),
    ("DAYS_CREDIT_ENDDATE", F64),
    ("DAYS_ENDDATE_FACT", F64),
    ("AMT_CREDIT_MAX_OVERDUE", F64),
    ("CNT_CREDIT_PROLONG", I32),
    ("AMT_CREDIT_SUM", F64),
    ("AMT_CREDIT_SUM_DEBT", F64),
    ("AMT_CREDIT_SUM_LIMIT", F64),
    ("AMT_CREDIT_SUM_OVERDUE", F64),
    ("CREDIT_TYPE", CAT),
    ("DAYS_CREDIT_UPDATE", I32),
    ("AMT_ANNUITY", F64),
)

_BUREAU_BALANCE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("SK_ID_BUREAU", I32),
    ("MONTHS_BALANCE", I16),
    ("STATUS", CAT),
)

_PREVIOUS_APPLICATION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("SK_ID_PREV", I32),
    ("SK_ID_CURR", I32),
    ("NAME_CONTRACT_TYPE", CAT),
    ("AMT_ANNUITY", F64),
    ("AMT_APPLICATION", F64),
    ("AMT_CREDIT", F64),
    ("AMT_DOWN_PAYMENT", F64),
    ("AMT_GOODS_PRICE", F64),
    ("WEEKDAY_APPR_PROCESS_START", CAT),
    ("HOUR_APPR_PROCESS_START", I8),
    ("FLAG_LAST_APPL_PER_CONTRACT", CAT),
    ("NFLAG_LAST_APPL_IN_DAY", I8),
    ("RATE_DOWN_PAYMENT", F64),
    ("RATE_INTEREST_PRIMARY", F64),
    ("RATE_INTEREST_PRIVILEGED", F64),
    ("NAME_CASH_LOAN_PURPOSE", CAT),
    ("NAME_CONTRACT_STATUS", CAT),
    ("DAYS_DECISION", I32),
    ("NAME_PAYMENT_TYPE", CAT),
    ("CODE_REJECT_REASON", CAT),
    ("NAME_TYPE_SUITE", CAT),
    ("NAME_CLIENT_TYPE", CAT),
    ("NAME_GOODS_CATEGORY", CAT),
    ("NAME_PORTFOLIO", CAT),
    ("NAME_PRODUCT_TYPE", CAT),
    ("CHANNEL_TYPE", CAT),
    ("SELLERPLACE_AREA", I32),
    ("NAME_SELLER_INDUSTRY", CAT),
    ("CNT_PAYMENT", F64),
    ("NAME_YIELD_GROUP", CAT),
    ("PRODUCT_COMBINATION", CAT),
    ("DAYS_FIRST_DRAWING", F64),
    ("DAYS_FIRST_DUE", F64),
    ("DAYS_LAST_DUE_1ST_VERSION", F64),
    ("DAYS_LAST_DUE", F64),
    ("DAYS_TERMINATION", F64),
    ("NFLAG_INSURED_ON_APPROVAL", F64),
)

_POS_CASH_BALANCE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("SK_ID_PREV", I32),
    ("SK_ID_CURR", I32),
    ("MONTHS_BALANCE", I16),
    ("CNT_INSTALMENT", F64),
    ("CNT_INSTALMENT_FUTURE", F64),
    ("NAME_CONTRACT_STATUS", CAT),
    ("SK_DPD", I32),
    ("SK_DPD_DEF", I32),
)

_INSTALLMENTS_PAYMENTS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("SK_ID_PREV", I32),
    ("SK_ID_CURR", I32),
    ("NUM_INSTALMENT_VERSION", F64),
    ("NUM_INSTALMENT_NUMBER", I32),
    ("DAYS_INSTALMENT", F64),
    ("DAYS_ENTRY_PAYMENT", F64),
    ("AMT_INSTALMENT", F64),
    ("AMT_PAYMENT", F64),
)

_CREDIT_CARD_BALANCE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("SK_ID_PREV", I32),
    ("SK_ID_CURR", I32),
    ("MONTHS_BALANCE", I16),
    ("AMT_BALANCE", F64),
    ("AMT_CREDIT_LIMIT_ACTUAL", I32),
    ("AMT_DRAWINGS_ATM_CURRENT", F64),
    ("AMT_DRAWINGS_CURRENT", F64),
    ("AMT_DRAWINGS_OTHER_CURRENT", F64),
    ("AMT_DRAWINGS_POS_CURRENT", F64),
    ("AMT_INST_MIN_REGULARITY", F64),
    ("AMT_PAYMENT_CURRENT", F64),
    ("AMT_PAYMENT_TOTAL_CURRENT", F64),
    ("AMT_RECEIVABLE_PRINCIPAL", F64),
    ("AMT_RECIVABLE", F64),
    ("AMT_TOTAL_RECEIVABLE", F64),
    ("CNT_DRAWINGS_ATM_CURRENT", F64),
    ("CNT_DRAWINGS_CURRENT", I32),
    ("CNT_DRAWINGS_OTHER_CURRENT", F64),
    ("CNT_DRAWINGS_POS_CURRENT", F64),
    ("CNT_INSTALMENT_MATURE_CUM", F64),
    ("NAME_CONTRACT_STATUS", CAT),
    ("SK_DPD", I32),
    ("SK_DPD_DEF", I32),
)

_CURR_FK = ForeignKey("SK_ID_CURR", "application", "SK_ID_CURR")
_PREV_FK = ForeignKey("SK_ID_PREV", "previous_application", "SK_ID_PREV")

APPLICATION_TRAIN = TableSpec(
    name="application_train",
    filename="application_train.csv",
    columns=_specs(_APPLICATION_COLUMNS),
    required=True,
    unique_key="SK_ID_CURR",
    anomaly_day_columns=("DAYS_EMPLOYED",),
)
APPLICATION_TEST = TableSpec(
    name="application_test",
    filename="application_test.csv",
    columns=_specs(tuple(c for c in _APPLICATION_COLUMNS if c[0] != "TARGET")),
    unique_key="SK_ID_CURR",
    anomaly_day_columns=("DAYS_EMPLOYED",),
)
BUREAU = TableSpec(
    name="bureau",
    filename="bureau.csv",
    columns=_specs(_BUREAU_COLUMNS),
    unique_key="SK_ID_BUREAU",
    foreign_keys=(_CURR_FK,),
)
BUREAU_BALANCE = TableSpec(
    name="bureau_balance",
    filename="bureau_balance.csv",
    columns=_specs(_BUREAU_BALANCE_COLUMNS),
    foreign_keys=(ForeignKey("SK_ID_BUREAU", "bureau", "SK_ID_BUREAU"),),
)
PREVIOUS_APPLICATION = TableSpec(
    name="previous_application",
    filename="previous_application.csv",
    columns=_specs(_PREVIOUS_APPLICATION_COLUMNS),
    unique_key="SK_ID_PREV",
    foreign_keys=(_CURR_FK,),
    anomaly_day_columns=(
        "DAYS_FIRST_DRAWING",
        "DAYS_FIRST_DUE",
        "DAYS_LAST_DUE_1ST_VERSION",
        "DAYS_LAST_DUE",
        "DAYS_TERMINATION",
    ),
)
POS_CASH_BALANCE = TableSpec(
    name="POS_CASH_balance",
    filename="POS_CASH_balance.csv",
    columns=_specs(_POS_CASH_BALANCE_COLUMNS),
    foreign_keys=(_CURR_FK, _PREV_FK),
)
INSTALLMENTS_PAYMENTS = TableSpec(
    name="installments_payments",
    filename="installments_payments.csv",
    columns=_specs(_INSTALLMENTS_PAYMENTS_COLUMNS),
    foreign_keys=(_CURR_FK, _PREV_FK),
)
CREDIT_CARD_BALANCE = TableSpec(
    name="credit_card_balance",
    filename="credit_card_balance.csv",
    columns=_specs(_CREDIT_CARD_BALANCE_COLUMNS),
    foreign_keys=(_CURR_FK, _PREV_FK),
)

# In dependency order: a table's parents come before it.
TABLES: tuple[TableSpec, ...] = (
    APPLICATION_TRAIN,
    APPLICATION_TEST,
    BUREAU,
    BUREAU_BALANCE,
    PREVIOUS_APPLICATION,
    POS_CASH_BALANCE,
    INSTALLMENTS_PAYMENTS,
    CREDIT_CARD_BALANCE,
)
