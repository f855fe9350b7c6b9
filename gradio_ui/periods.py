"""The period of each amount the advisor reads, where the data documents it, and what each
ratio of amounts divides, so that no ratio silently mixes periods.

The Kaggle columns' descriptions give a period for the card balances and drawings ("during
the month"); the system reads the loan's repayment (AMT_ANNUITY) and the earlier loans'
repayments as monthly (the what-if's duration is a number of monthly repayments). The data
states no period for the declared income: it is said once per label rather than guessed.
"""

from __future__ import annotations

from gradio_ui.settings import Language
from gradio_ui.texts import t

__all__ = ["NO_PERIOD", "PERIODS", "with_period"]

# Model feature or Application field (any case) -> the text key of its period.
PERIODS: dict[str, str] = {
    "AMT_ANNUITY": "period.month",
    "PREV_APPROVED_ANNUITY_MEAN": "period.month",
    "PREV_RUNNING_ANNUITY_SUM": "period.month",
    "CC_BALANCE_MEAN": "period.month",
    "CC_DRAWINGS_MEAN": "period.month",
    "PAYMENT_RATE": "period.month",
    # installments_payments.csv: "installment amount ... on this installment".
    "INSTAL_AMOUNT_MEAN": "period.instalment",
    "INSTAL_PAYMENT_DIFF_MEAN": "period.instalment",
    "INSTAL_PAYMENT_DIFF_MAX": "period.instalment",
    "AMT_INCOME_TOTAL": "period.income",
    "INCOME_PER_PERSON": "period.income",
    # Ratios to the income: a monthly repayment or a total against an income whose period is
    # not stated.
    "ANNUITY_TO_INCOME": "period.monthly_to_income",
    "PREV_RUNNING_ANNUITY_TO_INCOME": "period.monthly_to_income",
    "CREDIT_TO_INCOME": "period.total_to_income",
    "BUREAU_DEBT_TO_INCOME": "period.total_to_income",
}


# Amounts with no period to state: a loan's or a goods' total, a debt, a limit or an overdue
# amount at the application date, sums over earlier loans.
NO_PERIOD = frozenset(
    {
        "AMT_CREDIT",
        "AMT_GOODS_PRICE",
        "CREDIT_MINUS_GOODS",
        "BUREAU_OVERDUE_AMOUNT_SUM",
        "BUREAU_MAX_OVERDUE_EVER",
        "BUREAU_CREDIT_AMOUNT_MEAN",
        "BUREAU_CREDIT_AMOUNT_MAX",
        "BUREAU_ACTIVE_CREDIT_SUM",
        "BUREAU_ACTIVE_DEBT_SUM",
        "BUREAU_ACTIVE_LIMIT_SUM",
        "PREV_ASKED_MEAN",
        "PREV_ASKED_MAX",
        "PREV_REFUSED_ASKED_MEAN",
        "PREV_APPROVED_CREDIT_MEAN",
        "INSTAL_PAYMENT_DIFF_SUM",
        "CC_LIMIT_MAX",
    }
)


def with_period(name: str, label: str, language: Language) -> str:
    """`label` with the period of the amount `name` (a feature or field), when one applies."""
    key = PERIODS.get(name.upper())
    return f"{label} ({t(language, key)})" if key else label
