"""The one list of facts that may not be given to a client as reasons, and how missing history
values are recognised.

Reasons reach the client through the advisor's screen and the client's letter, both from
Explain's refusal and approval reasons; ``excluded`` is applied where they are chosen
(server.insight.explanation), so no other place needs to repeat the list. The contract's
``Reason`` message states it for API readers.
"""

from __future__ import annotations

import enum

__all__ = [
    "EXCLUDED_FROM_REASONS",
    "HISTORY_ANCHORS",
    "NO_COMPARISON",
    "ReasonUse",
    "excluded",
    "history_anchor",
    "reason_use",
]

# Features never cited as a reason. Protected characteristics (EU and French law, ECOA:
# sex, family status, age) and features computed from them: they may still weigh in the score,
# but a refusal must not be justified by them. Then facts a client cannot understand or act
# on: anonymous document numbers, normalised building statistics, the application's weekday
# and hour, who came along, other people's defaults, regional ratings, and opaque statistics of
# the external scores.
_PROTECTED = {
    "CODE_GENDER",
    "NAME_FAMILY_STATUS",
    "CNT_CHILDREN",
    "CHILDREN_SHARE",
    "CNT_FAM_MEMBERS",
    "AGE_YEARS",
    "AGE_AT_LOAN_END_YEARS",
    "EMPLOYED_TO_AGE",
    "REGISTRATION_TO_AGE",
    "ID_PUBLISH_TO_AGE",
    "PHONE_CHANGE_TO_AGE",
    "CAR_AGE_TO_AGE",
}
_OPAQUE = {
    "NAME_TYPE_SUITE",
    "WEEKDAY_APPR_PROCESS_START",
    "HOUR_APPR_PROCESS_START",
    "REGION_POPULATION_RELATIVE",
    "REGION_RATING_CLIENT",
    "REGION_RATING_CLIENT_W_CITY",
    "FONDKAPREMONT_MODE",
    "HOUSETYPE_MODE",
    "TOTALAREA_MODE",
    "WALLSMATERIAL_MODE",
    "EMERGENCYSTATE_MODE",
    "BUILDING_INFO_MISSING_COUNT",
    "EXT_SOURCE_STD",
    "EXT_SOURCE_PRODUCT",
    "SOCIAL_DEFAULT_RATE_30",
    "SOCIAL_DEFAULT_RATE_60",
    *(f"{kind}_{days}_CNT_SOCIAL_CIRCLE" for kind in ("OBS", "DEF") for days in (30, 60)),
    *(f"FLAG_DOCUMENT_{number}" for number in range(2, 22)),
}
_BUILDING_SUFFIX = "_AVG"


EXCLUDED_FROM_REASONS = frozenset(_PROTECTED | _OPAQUE)


def excluded(name: str) -> bool:
    """True when the feature may not be cited as a reason."""
    return name in EXCLUDED_FROM_REASONS or name.endswith(_BUILDING_SUFFIX)


class ReasonUse(enum.Enum):
    """Whether a feature may be given as a reason, and if not, why (GetModelInfo tells)."""

    GIVEN = "given"
    PROTECTED = "protected"
    NOT_ACTIONABLE = "not actionable"


def reason_use(name: str) -> ReasonUse:
    """The feature's ReasonUse: ``excluded`` with its why."""
    if name in _PROTECTED:
        return ReasonUse.PROTECTED
    return ReasonUse.NOT_ACTIONABLE if excluded(name) else ReasonUse.GIVEN


# Facts whose count makes a comparison with other clients meaningless.
NO_COMPARISON = frozenset({"EXT_SOURCE_MISSING_COUNT", "CONTACT_COUNT"})

# A history feature is missing because the client has no record in its table when the
# table's count feature (the anchor) is missing too: name prefix -> anchor feature.
HISTORY_ANCHORS: dict[str, str] = {
    "BUREAU_DEBT_TO_INCOME": "BUREAU_CREDIT_COUNT",
    "BUREAU_": "BUREAU_CREDIT_COUNT",
    "PREV_": "PREV_COUNT",
    "CREDIT_TO_PREV_": "PREV_COUNT",
    "POS_": "POS_LOANS_COUNT",
    "INSTAL_": "INSTAL_COUNT",
    "CC_": "CC_CARDS_COUNT",
}


def history_anchor(name: str) -> str | None:
    """The count feature of the history table a feature is computed from, if any."""
    if name.startswith("BUREAU_ENQUIRIES_"):
        return None  # application columns, not the bureau's records
    matches = [prefix for prefix in HISTORY_ANCHORS if name.startswith(prefix)]
    if not matches:
        return None
    return HISTORY_ANCHORS[max(matches, key=len)]
