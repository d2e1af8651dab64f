"""Numbers, changes, months and texts as users read them (lib/figures/format.py, lib/figures/i18n.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from lib.figures import i18n
from lib.figures.format import (
    DASH,
    NBSP,
    NNBSP,
    axis_title,
    format_change,
    format_date,
    format_month,
    format_number,
    format_period,
    format_value,
    suppressed_footnote,
)
from lib.figures.i18n import t


@pytest.fixture
def finnish():
    token = i18n._LANGUAGE.set("fi")
    yield
    i18n._LANGUAGE.reset(token)


@pytest.mark.parametrize(
    "value, unit, expected",
    [
        (12345, "persons", "12,345"),
        (12345.4, "persons", "12,345"),
        (0, "persons", "0"),
        (24.6, "%", f"24.6{NBSP}%"),
        (24.649, "%", f"24.6{NBSP}%"),
        (100, "%", f"100.0{NBSP}%"),
        (3.5, "FTE", f"3.5{NBSP}FTE"),
        (1234.56, "FTE", f"1,234.6{NBSP}FTE"),
        (18.333, "clients per FTE", "18.3"),
        (None, "persons", DASH),
        (float("nan"), "%", DASH),
    ],
)
def test_format_value(value, unit, expected):
    assert format_value(value, unit) == expected


@pytest.mark.parametrize(
    "delta, unit, expected",
    [
        (191, "persons", "+191"),
        (-3, "persons", "-3"),
        (1234, "persons", "+1,234"),
        (0, "persons", "0"),
        (-0.4, "%", f"-0.4{NBSP}pp"),
        (1.25, "%", f"+1.2{NBSP}pp"),  # percentage points, never per cent
        (0.04, "%", f"0.0{NBSP}pp"),
        (-3.5, "FTE", f"-3.5{NBSP}FTE"),
        (0.8, "clients per FTE", "+0.8"),
        (None, "persons", None),
    ],
)
def test_format_change_keeps_an_ascii_sign_streamlit_can_read(delta, unit, expected):
    assert format_change(delta, unit) == expected


def test_negative_zero_is_zero():
    assert format_number(-0.01, 1) == "0.0"


def test_suppressed_values():
    assert "fewer than 5" in suppressed_footnote(5)


def test_months_and_dates():
    assert format_month("2024-06") == f"Jun{NBSP}2024"
    assert format_month(2024 * 12 + 5) == f"Jun{NBSP}2024"
    assert format_month(dt.date(2021, 3, 1)) == f"Mar{NBSP}2021"
    assert format_period("2024-01", "2024-03") == f"Jan–Mar{NBSP}2024"
    assert format_period("2023-11", "2024-01") == f"Nov{NBSP}2023–Jan{NBSP}2024"
    assert format_period("2024-03", "2024-03") == f"Mar{NBSP}2024"
    assert format_date(dt.date(2024, 6, 30)) == f"30{NBSP}Jun{NBSP}2024"


def test_finnish_numbers_use_a_narrow_space_and_decimal_comma(finnish):
    assert format_value(12345, "persons") == f"12{NNBSP}345"
    assert format_value(24.6, "%") == f"24,6{NBSP}%"


def test_unknown_keys_fall_back_to_english_then_to_the_text(finnish):
    i18n.FI["chart.month"] = "Kuukausi"
    try:
        assert t("chart.month") == "Kuukausi"
        assert t("chart.trial_starts") == "Trial starts"  # no Finnish text yet: English
        assert t("Some new label") == "Some new label"
        assert t("sidebar.as_of", date="1.3.2021") == "Data as of 1.3.2021"
    finally:
        del i18n.FI["chart.month"]


def test_set_language_refuses_unknown_languages():
    token = i18n._LANGUAGE.set("en")
    try:
        i18n.set_language("de")
        assert i18n.current_language() == "en"
        i18n.set_language("sv")
        assert i18n.current_language() == "sv"
    finally:
        i18n._LANGUAGE.reset(token)


def test_every_language_has_a_catalogue():
    assert set(i18n.CATALOG) == set(i18n.LANGUAGES)
    assert i18n.EN["notice.synthetic"] == (
        "Synthetic demo data — not real persons or official statistics"
    )


def test_axis_titles_spell_out_per_cent_and_percentage_points():
    assert axis_title("%") == "per cent (%)"
    assert axis_title("pp") == "percentage points (pp)"  # a difference of two rates
    assert axis_title("persons") == "persons"
