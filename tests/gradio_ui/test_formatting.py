"""Numbers written for English and French readers."""

from __future__ import annotations

import pytest

from gradio_ui.formatting import (
    format_amount,
    format_percent,
    format_points,
    format_years,
    logit,
    sigmoid,
)


def test_percentages_follow_each_languages_convention() -> None:
    assert format_percent(0.1234, "en") == "12.3%"
    assert format_percent(0.1234, "fr") == "12,3\u00a0%"


def test_amounts_group_thousands() -> None:
    assert format_amount(1234567.4, "en") == "1,234,567"
    assert format_amount(1234567.4, "fr") == "1\u202f234\u202f567"


def test_points_are_signed() -> None:
    assert format_points(2.345, "en") == "+2.3\u00a0pts"
    assert format_points(-0.5, "fr") == "−0,5\u00a0pts"
    assert format_points(-0.5, "en", signed=False) == "0.5\u00a0pts"


def test_durations_read_as_years_and_months() -> None:
    assert format_years(27, "en") == "2 years 3 months"
    assert format_years(12, "fr") == "1 an"
    assert format_years(7, "en") == "7 months"


@pytest.mark.parametrize("probability", [0.001, 0.085, 0.5, 0.97])
def test_logit_inverts_sigmoid(probability: float) -> None:
    assert sigmoid(logit(probability)) == pytest.approx(probability)
    assert sigmoid(-800) == 0.0 and sigmoid(800) == 1.0  # no overflow at the extremes
