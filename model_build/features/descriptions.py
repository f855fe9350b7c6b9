"""Plain-language metadata of the raw application columns the model uses, and those it drops."""

from __future__ import annotations

from model_build.features.meta import (
    AGE_EMPLOYMENT,
    APPLICATION_PROCESS,
    CATEGORY,
    CONTACT_DOCUMENTS,
    COUNT,
    CREDIT_BUREAU,
    CURRENCY,
    DAYS,
    EXTERNAL_SCORES,
    FLAG,
    HOURS,
    HOUSING,
    INCOME_FAMILY,
    LOAN,
    NORMALISED,
    PROFILE,
    RATING,
    REGION,
    SCORE,
    SOCIAL,
    YEARS,
    FeatureMeta,
)

__all__ = ["DROPPED_COLUMNS", "RAW_META", "UNMODELLED_META"]


def _raw(description: str, group: str, unit: str) -> FeatureMeta:
    return FeatureMeta(description, group, unit, source="raw")


# Written from HomeCredit_columns_description.csv, reworded for a non-expert and corrected
# where the dictionary is wrong (it calls both FLAG_WORK_PHONE and FLAG_PHONE "home phone" and
# describes AMT_REQ_CREDIT_BUREAU_YEAR as "one day year"). Negative DAYS_* count back from the
# application date, as in the data.
_CORE: dict[str, FeatureMeta] = {
    "NAME_CONTRACT_TYPE": _raw(
        "Type of loan requested: cash loan or revolving line", LOAN, CATEGORY
    ),
    "FLAG_OWN_CAR": _raw("Whether the client owns a car (Y/N)", HOUSING, CATEGORY),
    "FLAG_OWN_REALTY": _raw("Whether the client owns a house or flat (Y/N)", HOUSING, CATEGORY),
    "CNT_CHILDREN": _raw("Number of children of the client", INCOME_FAMILY, COUNT),
    "AMT_INCOME_TOTAL": _raw("Declared income of the client", INCOME_FAMILY, CURRENCY),
    "AMT_CREDIT": _raw("Amount of the loan requested", LOAN, CURRENCY),
    "AMT_ANNUITY": _raw("Regular (monthly) repayment of the loan requested", LOAN, CURRENCY),
    "AMT_GOODS_PRICE": _raw(
        "Price of the goods the loan pays for (consumer loans)", LOAN, CURRENCY
    ),
    "NAME_TYPE_SUITE": _raw(
        "Who accompanied the client when applying (alone, family, ...)",
        APPLICATION_PROCESS,
        CATEGORY,
    ),
    "NAME_INCOME_TYPE": _raw(
        "Source of income (working, pensioner, state servant, ...)", INCOME_FAMILY, CATEGORY
    ),
    "NAME_EDUCATION_TYPE": _raw("Highest education level reached", PROFILE, CATEGORY),
    "NAME_FAMILY_STATUS": _raw(
        "Family status (married, single, widow, ...)", INCOME_FAMILY, CATEGORY
    ),
    "NAME_HOUSING_TYPE": _raw(
        "Housing situation (owner, renting, living with parents, ...)", HOUSING, CATEGORY
    ),
    "REGION_POPULATION_RELATIVE": _raw(
        "How populated the client's region is (higher = more populated)", REGION, NORMALISED
    ),
    "DAYS_REGISTRATION": _raw(
        "Days before the application that the client last changed their registration (negative)",
        CONTACT_DOCUMENTS,
        DAYS,
    ),
    "DAYS_ID_PUBLISH": _raw(
        "Days before the application that the client renewed the identity document used (negative)",
        CONTACT_DOCUMENTS,
        DAYS,
    ),
    "OWN_CAR_AGE": _raw("Age of the client's car", HOUSING, YEARS),
    "FLAG_EMP_PHONE": _raw("Client gave an employer phone number", CONTACT_DOCUMENTS, FLAG),
    "FLAG_WORK_PHONE": _raw("Client gave a work phone number", CONTACT_DOCUMENTS, FLAG),
    "FLAG_CONT_MOBILE": _raw("Client's mobile phone could be reached", CONTACT_DOCUMENTS, FLAG),
    "FLAG_PHONE": _raw("Client gave a home phone number", CONTACT_DOCUMENTS, FLAG),
    "FLAG_EMAIL": _raw("Client gave an e-mail address", CONTACT_DOCUMENTS, FLAG),
    "OCCUPATION_TYPE": _raw(
        "Occupation of the client (laborer, manager, driver, ...)", AGE_EMPLOYMENT, CATEGORY
    ),
    "CNT_FAM_MEMBERS": _raw("Number of people in the client's family", INCOME_FAMILY, COUNT),
    "REGION_RATING_CLIENT": _raw("Lender's rating of the client's region", REGION, RATING),
    "REGION_RATING_CLIENT_W_CITY": _raw(
        "Lender's rating of the client's region, taking the city into account", REGION, RATING
    ),
    "WEEKDAY_APPR_PROCESS_START": _raw(
        "Day of the week the application was started", APPLICATION_PROCESS, CATEGORY
    ),
    "HOUR_APPR_PROCESS_START": _raw(
        "Hour of the day the application was started", APPLICATION_PROCESS, HOURS
    ),
    "REG_REGION_NOT_LIVE_REGION": _raw(
        "Permanent address and contact address are in different regions", REGION, FLAG
    ),
    "REG_REGION_NOT_WORK_REGION": _raw(
        "Permanent address and work address are in different regions", REGION, FLAG
    ),
    "LIVE_REGION_NOT_WORK_REGION": _raw(
        "Contact address and work address are in different regions", REGION, FLAG
    ),
    "REG_CITY_NOT_LIVE_CITY": _raw(
        "Permanent address and contact address are in different cities", REGION, FLAG
    ),
    "REG_CITY_NOT_WORK_CITY": _raw(
        "Permanent address and work address are in different cities", REGION, FLAG
    ),
    "LIVE_CITY_NOT_WORK_CITY": _raw(
        "Contact address and work address are in different cities", REGION, FLAG
    ),
    "ORGANIZATION_TYPE": _raw(
        "Type of organisation the client works for", AGE_EMPLOYMENT, CATEGORY
    ),
    "EXT_SOURCE_1": _raw("Score from external data source 1", EXTERNAL_SCORES, SCORE),
    "EXT_SOURCE_2": _raw("Score from external data source 2", EXTERNAL_SCORES, SCORE),
    "EXT_SOURCE_3": _raw("Score from external data source 3", EXTERNAL_SCORES, SCORE),
}

# The 14 building measures exist as _AVG, _MODE and _MEDI: near-copies of each other, so the
# model keeps the averages only.
_BUILDING_MEASURES: dict[str, str] = {
    "APARTMENTS": "apartment size",
    "BASEMENTAREA": "basement area",
    "YEARS_BEGINEXPLUATATION": "years since the building came into use",
    "YEARS_BUILD": "age of the building",
    "COMMONAREA": "common area",
    "ELEVATORS": "number of elevators",
    "ENTRANCES": "number of entrances",
    "FLOORSMAX": "highest floor",
    "FLOORSMIN": "lowest floor",
    "LANDAREA": "land area",
    "LIVINGAPARTMENTS": "number of living apartments",
    "LIVINGAREA": "living area",
    "NONLIVINGAPARTMENTS": "number of non-living apartments",
    "NONLIVINGAREA": "non-living area",
}

_BUILDING: dict[str, FeatureMeta] = {
    **{
        f"{measure}_AVG": _raw(
            f"Building where the client lives: {text} (average, normalised)", HOUSING, NORMALISED
        )
        for measure, text in _BUILDING_MEASURES.items()
    },
    "FONDKAPREMONT_MODE": _raw(
        "Building where the client lives: type of capital-repair fund account", HOUSING, CATEGORY
    ),
    "HOUSETYPE_MODE": _raw(
        "Building where the client lives: type of house (block of flats, ...)", HOUSING, CATEGORY
    ),
    "TOTALAREA_MODE": _raw(
        "Building where the client lives: total area (normalised)", HOUSING, NORMALISED
    ),
    "WALLSMATERIAL_MODE": _raw(
        "Building where the client lives: wall material (panel, brick, ...)", HOUSING, CATEGORY
    ),
    "EMERGENCYSTATE_MODE": _raw(
        "Building where the client lives: whether it is in an emergency state", HOUSING, CATEGORY
    ),
}

_SOCIAL: dict[str, FeatureMeta] = {
    f"{kind}_{days}_CNT_SOCIAL_CIRCLE": _raw(
        f"People in the client's social circle {text} {days} days past due", SOCIAL, COUNT
    )
    for days in (30, 60)
    for kind, text in (
        ("OBS", "whose repayments were observed, with a threshold of"),
        ("DEF", "who defaulted by more than"),
    )
}

_PHONE: dict[str, FeatureMeta] = {
    "DAYS_LAST_PHONE_CHANGE": _raw(
        "Days before the application that the client last changed phone (negative)",
        CONTACT_DOCUMENTS,
        DAYS,
    ),
}

# Documents provided by fewer than 1 in 1,000 clients (FACTS.md §2.2) carry no signal alone;
# they still count in DOCUMENT_COUNT.
RARE_DOCUMENTS: tuple[int, ...] = (2, 4, 7, 10, 12, 17, 19, 20, 21)
ALL_DOCUMENTS: tuple[int, ...] = tuple(range(2, 22))

_DOCUMENTS: dict[str, FeatureMeta] = {
    f"FLAG_DOCUMENT_{n}": _raw(
        f"Client provided document number {n} (the data does not say which)",
        CONTACT_DOCUMENTS,
        FLAG,
    )
    for n in ALL_DOCUMENTS
    if n not in RARE_DOCUMENTS
}

_ENQUIRY_PERIODS: dict[str, str] = {
    "HOUR": "in the hour before the application",
    "DAY": "in the day before the application (excluding the last hour)",
    "WEEK": "in the week before the application (excluding the last day)",
    "MON": "in the month before the application (excluding the last week)",
    "QRT": "in the 3 months before the application (excluding the last month)",
    "YEAR": "in the year before the application (excluding the last 3 months)",
}

_ENQUIRIES: dict[str, FeatureMeta] = {
    f"AMT_REQ_CREDIT_BUREAU_{period}": _raw(
        f"Enquiries to the credit bureau about the client {text}", CREDIT_BUREAU, COUNT
    )
    for period, text in _ENQUIRY_PERIODS.items()
}

# Raw application columns fed to the model, keyed by column name.
RAW_META: dict[str, FeatureMeta] = {
    **_CORE,
    **_BUILDING,
    **_SOCIAL,
    **_PHONE,
    **_DOCUMENTS,
    **_ENQUIRIES,
}

# Raw application columns shown in a client's profile but never given to the model.
UNMODELLED_META: dict[str, FeatureMeta] = {
    "CODE_GENDER": _raw("Gender of the client", PROFILE, CATEGORY),
}

# Raw application columns the model does not take as they are, and why.
DROPPED_COLUMNS: dict[str, str] = {
    "SK_ID_CURR": "identifier (the feature frame's index)",
    "TARGET": "the outcome to predict",
    "DAYS_BIRTH": "replaced by AGE_YEARS (same information, readable unit)",
    "DAYS_EMPLOYED": "replaced by EMPLOYMENT_YEARS (same information, readable unit)",
    "FLAG_MOBIL": "constant: every client gave a mobile phone",
    # Gender may not be used to price or grant credit (EU Directive 2004/113/EC and the French
    # anti-discrimination law), so the model never sees it; it stays in the client's profile.
    "CODE_GENDER": "protected characteristic: may not drive a credit decision",
    **{
        f"FLAG_DOCUMENT_{n}": "provided by fewer than 0.1% of clients (kept in DOCUMENT_COUNT)"
        for n in RARE_DOCUMENTS
    },
    **{
        f"{measure}_{stat}": "near-copy of the _AVG building measure"
        for measure in _BUILDING_MEASURES
        for stat in ("MODE", "MEDI")
    },
}
