"""Numbers, changes, months and texts as users read them (lib/figures/format.py, lib/figures/i18n.py)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from lib.figures import i18n
from lib.figures.format import (
    DASH,
    NBSP,
    axis_title,
    collation_key,
    format_change,
    format_date,
    format_general,
    format_month,
    format_number,
    format_period,
    format_value,
    localized_chart,
    month_name,
    number_symbols,
    suppressed_footnote,
    table_text,
    texts,
)


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


@pytest.fixture(params=["fi", "sv"])
def nordic(request):
    """Finnish, then Swedish: both write numbers and dates the same way (CLDR fi_FI, sv_FI)."""
    token = i18n._LANGUAGE.set(request.param)
    yield request.param
    i18n._LANGUAGE.reset(token)


@pytest.fixture
def swedish():
    token = i18n._LANGUAGE.set("sv")
    yield
    i18n._LANGUAGE.reset(token)


# Worked by hand: CLDR's fi and sv group digits by three with a no-break space (U+00A0) and use
# a decimal comma; the value is rounded to the unit's decimals first, as in English.
@pytest.mark.parametrize(
    "value, unit, expected",
    [
        (8664, "persons", f"8{NBSP}664"),
        (12345.4, "persons", f"12{NBSP}345"),
        (1234567, "EUR", f"1{NBSP}234{NBSP}567"),
        (999, "persons", "999"),
        (0, "persons", "0"),
        (6.2, "%", f"6,2{NBSP}%"),
        (24.649, "%", f"24,6{NBSP}%"),
        (100, "%", f"100,0{NBSP}%"),
        (1234.56, "clients per FTE", f"1{NBSP}234,6"),
        (18.333, "clients per FTE", "18,3"),
        (None, "persons", DASH),
    ],
)
def test_finnish_and_swedish_numbers(nordic, value, unit, expected):
    assert format_value(value, unit) == expected


@pytest.mark.parametrize(
    "delta, unit, expected",
    [
        (1234, "persons", f"+1{NBSP}234"),
        (-3, "persons", "-3"),  # ASCII minus: Streamlit's metric reads the sign
        (-0.4, "%", f"-0,4{NBSP}pp"),
        (1.25, "%", f"+1,2{NBSP}pp"),
        (0.04, "%", f"0,0{NBSP}pp"),
    ],
)
def test_finnish_and_swedish_changes(nordic, delta, unit, expected):
    # the unit's word ('pp') is the catalogue's; until fi.po/sv.po hold it, English
    assert format_change(delta, unit).replace(i18n.t("unit.pp"), "pp") == expected


def test_every_language_rounds_alike_and_only_the_symbols_differ(nordic):
    # 2.675 is 2.67499999... in binary: Python rounds it down, and so must Babel's output
    assert format_number(2.675, 2) == "2,67"
    assert format_number(2.675, 2, lang="en") == "2.67"
    assert format_number(-0.01, 1) == "0,0"
    assert number_symbols() == (NBSP, ",")
    assert number_symbols("en") == (",", ".")


def test_finnish_months_and_dates_come_from_cldr():
    token = i18n._LANGUAGE.set("fi")
    try:
        assert format_month("2024-03") == f"maalis{NBSP}2024"
        assert format_month(dt.date(2021, 6, 1)) == f"kesä{NBSP}2021"
        assert month_name(12) == "joulu"
        assert format_period("2024-01", "2024-03") == f"tammi–maalis{NBSP}2024"
        assert format_period("2023-11", "2024-01") == f"marras{NBSP}2023–tammi{NBSP}2024"
        assert format_date(dt.date(2024, 3, 1)) == "1.3.2024"
        assert format_date(dt.datetime(2024, 6, 30, 23, 59)) == "30.6.2024"
    finally:
        i18n._LANGUAGE.reset(token)


def test_swedish_months_and_dates_are_finland_swedish(swedish):
    assert format_month("2024-03") == f"mars{NBSP}2024"
    assert format_month("2024-01") == f"jan.{NBSP}2024"
    assert format_period("2024-05", "2024-07") == f"maj–juli{NBSP}2024"
    assert format_date(dt.date(2024, 3, 1)) == "1.3.2024"  # sv_FI; Sweden's sv: 2024-03-01


def test_english_months_are_cldr_and_as_before():
    token = i18n._LANGUAGE.set("en")
    try:
        assert [month_name(m) for m in range(1, 13)] == (
            "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
        )
    finally:
        i18n._LANGUAGE.reset(token)


NAMES = ["Öja", "Åland", "Zaandam", "Ähtäri", "Äänekoski", "aura", "Espoo", "Élan", "Vöyri"]


def test_finnish_and_swedish_names_put_a_ring_and_umlauts_after_z(nordic):
    assert sorted(NAMES, key=collation_key) == [
        "aura", "Élan", "Espoo", "Vöyri", "Zaandam", "Åland", "Ähtäri", "Äänekoski", "Öja",
    ]  # fmt: skip


def test_english_names_sort_accents_with_their_letter():
    assert sorted(NAMES, key=lambda n: collation_key(n, "en")) == [
        "Äänekoski", "Ähtäri", "Åland", "aura", "Élan", "Espoo", "Öja", "Vöyri", "Zaandam",
    ]  # fmt: skip


def test_axis_titles_spell_out_per_cent_and_percentage_points():
    assert axis_title("%") == "per cent (%)"
    assert axis_title("pp") == "percentage points (pp)"  # a difference of two rates
    assert axis_title("persons") == "persons"


def test_charts_get_a_finnish_locale_from_cldr():
    token = i18n._LANGUAGE.set("fi")
    try:
        spec = {"mark": "line", "config": {"view": {"stroke": None}}}
        out = localized_chart(spec)
        assert out["config"]["view"] == {"stroke": None}
        assert "locale" not in spec.get("config", {})  # the shared shape is not changed
        number, time = out["config"]["locale"]["number"], out["config"]["locale"]["time"]
        assert (number["decimal"], number["thousands"], number["grouping"]) == (",", NBSP, [3])
        assert time["shortMonths"][2] == "maalis"  # '%b %Y' reads 'maalis 2024'
        assert time["days"][0] == "sunnuntai"  # d3 starts the week on Sunday
    finally:
        i18n._LANGUAGE.reset(token)


def test_english_charts_keep_vegas_own_locale():
    token = i18n._LANGUAGE.set("en")
    try:
        spec = {"mark": "line"}
        assert localized_chart(spec) is spec
    finally:
        i18n._LANGUAGE.reset(token)


# A table's cell (lib/web/render.py in fi/sv): the English tables' decimals (none for persons
# and contacts, one for the rest, EUR too) and their rounding (the browser's toFixed: a tie on the
# exact value goes away from zero), written with CLDR's symbols.
@pytest.mark.parametrize(
    "value, unit, signed, percent, expected",
    [
        (8664, "persons", False, False, f"8{NBSP}664"),
        (12345.67, "%", False, False, f"12{NBSP}345,7"),  # .67 -> .7
        (0.25, "%", False, False, "0,3"),  # a tie: 0.3, as toFixed (format_number: 0,2)
        (-0.25, "%", False, False, "-0,3"),  # away from zero
        (-0.04, "%", False, False, "0,0"),  # rounds to zero: no minus
        (1234.5, "EUR", False, False, f"1{NBSP}234,5"),  # EUR: one decimal, as '%,.1f'
        (2.5, "persons", False, False, "3"),
        (3, "persons", True, False, "+3"),
        (-1, "persons", True, False, "-1"),
        (0, "persons", True, False, "0"),  # no change: no sign
        (0.04, "%", True, False, "0,0"),  # rounds to no change
        (62.5, "%", False, True, f"62,5{NBSP}%"),  # a bar column's text
        (None, "persons", False, False, DASH),
        (float("nan"), "%", False, False, DASH),
    ],
)
def test_table_cells_in_finnish_and_swedish(nordic, value, unit, signed, percent, expected):
    assert table_text(value, unit, signed=signed, percent=percent) == expected


def test_table_cells_in_english_read_as_the_column_formats():
    # '%,d' and '%,.1f' of the English tables
    assert table_text(8664, "persons", lang="en") == "8,664"
    assert table_text(12345.67, "%", lang="en") == "12,345.7"
    assert table_text(1.25, "%", signed=True, lang="en") == "+1.3"  # toFixed(1) of 1.25


# A setting's number (the clients-per-FTE band, the demo's scale k) as written, with its own
# decimals: 20 -> '20', 22.5 -> '22,5', 0.0025 -> '0,0025'; thousands grouped as everywhere.
@pytest.mark.parametrize(
    "value, expected",
    [(20, "20"), (22.5, "22,5"), (0.0025, "0,0025"), (1500.0, f"1{NBSP}500")],
)
def test_settings_numbers_in_finnish_and_swedish(nordic, value, expected):
    assert format_general(value) == expected


def test_settings_numbers_in_english():
    assert format_general(22.5) == "22.5" and format_general(30.0) == "30"


def test_effects_in_percentage_points_in_swedish(swedish):
    """The Evaluation's estimates: two decimals, a comma, the catalogue's unit ('%-enh.'),
    and the tooltip's interval with the language's 'till'."""
    from lib.figures.evaluation_charts import _effect_text, format_pp

    assert format_pp(0.72) == f"+0,72{NBSP}%-enh."
    assert format_pp(-0.29) == f"-0,29{NBSP}%-enh."
    assert _effect_text({"estimate": 1.2, "ci_low": 0.4, "ci_high": 2.0}) == (
        f"+1,20{NBSP}%-enh. (+0,40{NBSP}%-enh. till +2,00{NBSP}%-enh.)"
    )


def test_texts_of_a_column_null_stays_null_and_each_value_is_made_once():
    calls = []

    def text(v):
        calls.append(v)
        return f"<{v}>"

    got = texts(pl.Series("month", ["2024-06", None, "2024-06", "2024-07"]), text)
    assert got.name == "month" and got.dtype == pl.String
    assert got.to_list() == ["<2024-06>", None, "<2024-06>", "<2024-07>"]
    assert calls == ["2024-06", "2024-07"]
    token = i18n._LANGUAGE.set("fi")
    try:
        months = texts(pl.Series(["2024-06"]), format_month, "month_text")
    finally:
        i18n._LANGUAGE.reset(token)
    assert months.name == "month_text" and months.to_list() == [f"kesä{NBSP}2024"]
