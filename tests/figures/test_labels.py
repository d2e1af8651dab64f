"""Labels that read right (issue 15, finding 10): no '-0.0' in any formatter or table, a change
of a rate in percentage points under a heading that says so, columns as wide as their headings,
bar charts that keep a readable bar with one area, heat maps labelled on top.

Formatters are pure and charts are dicts, so each is checked without a browser.
"""

from __future__ import annotations

import math

import polars as pl
import pytest

from lib.figures import charts, explorer_charts, i18n, overview
from lib.figures.evaluation_charts import format_pp as evaluation_pp
from lib.figures.format import (
    NBSP,
    column_px,
    format_change,
    format_number,
    format_pp,
    format_value,
    signed_number,
    table_text,
    table_value,
    text_px,
)
from lib.figures.i18n import t


@pytest.fixture(params=["en", "fi", "sv"])
def lang(request):
    token = i18n._LANGUAGE.set(request.param)
    yield request.param
    i18n._LANGUAGE.reset(token)


def comma(text: str, lang: str) -> str:
    """English digits in the language: fi and sv write a decimal comma."""
    return text if lang == "en" else text.replace(".", ",")


# --- negative zero -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", [-0.0, -0.04, -0.049999, -1e-12])
def test_a_negative_value_that_rounds_to_zero_reads_zero_in_every_formatter(lang, value):
    # -0.04 at one decimal is -0.0 after rounding, which is 0.0 and is written without a sign
    pp = t("unit.pp")  # 'pp' in English, '%-enh.' in Swedish, Finnish as its catalogue says
    assert format_number(value, 1) == comma("0.0", lang)
    assert format_value(value, "%") == comma("0.0", lang) + f"{NBSP}%"
    assert format_value(value, "clients per FTE") == comma("0.0", lang)
    assert format_change(value, "%") == comma("0.0", lang) + f"{NBSP}{pp}"
    assert format_change(value, "FTE") == comma("0.0", lang) + f"{NBSP}{t('unit.FTE')}"
    assert format_change(value, "persons") == "0"
    assert signed_number(value, 1) == comma("0.0", lang)
    # the Evaluation's effects have two decimals: a tenth of the value rounds to zero there
    assert format_pp(value / 10) == comma("0.00", lang) + f"{NBSP}{pp}"
    for text in (format_number(value, 0), format_change(value, "clients per FTE")):
        assert not text.startswith("-"), text


def test_a_positive_value_that_rounds_to_zero_has_no_plus_either(lang):
    # +0.004 at two decimals is 0.00: the Evaluation wrote '+0.00 pp'
    assert format_pp(0.004) == comma("0.00", lang) + f"{NBSP}{t('unit.pp')}"
    assert format_change(0.04, "%") == comma("0.0", lang) + f"{NBSP}{t('unit.pp')}"
    # and a real change keeps its sign: 100/19 - 100/23 = 0.915... -> +0.92
    assert format_pp(100 / 19 - 100 / 23) == comma("+0.92", lang) + f"{NBSP}{t('unit.pp')}"
    assert format_pp(-1.005) == comma("-1.00", lang) + f"{NBSP}{t('unit.pp')}"  # 1.00499...


def test_the_evaluation_writes_its_effects_in_the_readers_percentage_points(lang):
    assert evaluation_pp(2.814) == comma("+2.81", lang) + f"{NBSP}{t('unit.pp')}"
    assert evaluation_pp(None) == "–"
    if lang == "sv":
        assert evaluation_pp(0.72) == f"+0,72{NBSP}%-enh."


def test_a_table_never_gets_a_negative_zero_for_its_printf():
    # An English table's printf writes the value it gets: a value that rounds to zero at the
    # table's decimals becomes 0.0 (rounded as table_text rounds in fi and sv: the exact value,
    # a tie away from zero), every other value is kept as computed.
    # -0.04 -> 0.0; -0.0 -> 0.0; 0.04 -> 0.0; -0.05 is a tie (the binary -0.05 is
    # -0.05000000000000000277, beyond it): -0.1, kept; -1.26 kept; -0.4 persons -> 0.
    got = [table_value(v, "%") for v in (-0.04, -0.0, 0.04, -0.05, -1.26, None)]
    assert got == [0.0, 0.0, 0.0, -0.05, -1.26, None]
    assert table_value(-0.4, "persons") == 0.0 and table_value(-0.5, "persons") == -0.5
    for v in [*got[:3], table_value(-0.4, "persons")]:
        assert math.copysign(1.0, v) == 1.0  # +0.0, not -0.0
        # what a printf makes of it (Python's, as the browser's, writes -0.0 as '-0.0')
        assert f"{v:.1f}" == "0.0" and f"{v:+.1f}" == "+0.0"
    # kept values read as the Finnish and Swedish cells do
    assert f"{table_value(-0.05, '%'):.1f}" == "-0.1" == table_text(-0.05, "%", lang="en")
    assert table_text(-0.04, "%", lang="en") == "0.0"


def test_a_table_column_is_shown_as_table_value_shows_each_cell():
    from lib.web.render import _shown_column

    # the same cells one by one and as a column (only |v| < 0.1 go through the Decimal):
    # -0.04 -> 0.0; -0.05 a tie beyond it, kept; NaN -> null; 12.3 and -1.26 kept
    cells = [-0.04, 12.3, float("nan"), -0.05, None, -1.26, 0.049]
    got = _shown_column(pl.Series("rate", cells), "%").to_list()
    assert got == [0.0, 12.3, None, -0.05, None, -1.26, 0.0]
    assert got == [table_value(v if v == v else None, "%") for v in cells]
    # persons have no decimal: -0.4 -> 0.0, -0.6 kept (it rounds to -1)
    assert _shown_column(pl.Series([-0.4, -0.6, 3]), "persons").to_list() == [0.0, -0.6, 3.0]


# --- percentage points under their own heading ---------------------------------------------------


def test_a_rates_change_in_the_area_table_is_headed_in_percentage_points(lang):
    pp = t("unit.pp")
    for col in ("exit_rate", "placement_rate_90"):
        value, change = (
            overview.area_column_label(col),
            overview.area_column_label(col, change=True),
        )
        assert "%" in value
        assert change.endswith(pp) and "%" not in change.replace(pp, "")
    # counts and FTE change in their own unit, under their own heading
    assert overview.area_column_label("clients_per_fte", change=True) == t("table.clients_per_fte")
    if lang == "en":
        assert overview.area_column_label("exit_rate", change=True) == "Exit rate pp"
    if lang == "sv":
        assert overview.area_column_label("exit_rate", change=True) == "Till arbete %-enh."


# --- widths: headings ---------------------------------------------------------


def test_a_column_is_as_wide_as_its_heading():
    # 7.5 px a character at 14 px, and 36 px for padding, sort arrow and help icon
    assert column_px("Clients / FTE") == math.ceil(7.5 * 13) + 36 == 134
    assert column_px("%") == 64  # the narrowest column
    assert column_px("Kunder / årsv.") > column_px("Clients / FTE")


def test_a_texts_width_is_estimated_at_seven_and_a_half_px_a_character():
    assert text_px("abc") == 23  # 7.5 x 3 = 22.5 -> 23
    assert text_px("abc", per_char=10) == 30


# --- bar charts with one area ---------------------------------------------------------------------


def bar_layer(spec: dict) -> dict:
    layers = spec.get("layer", [spec])
    return next(x for x in layers if (x.get("mark") or {}).get("type") == "bar")


def test_one_areas_ranked_bar_keeps_a_band_and_a_bar_of_its_own():
    one = charts.ranked_bar_chart(
        pl.DataFrame({"name": ["Area one"], "value": [50.0]}), label="name", unit="%"
    ).to_dict(validate=True)
    many = charts.ranked_bar_chart(
        pl.DataFrame({"name": [f"A{i:02}" for i in range(30)], "value": [1.0] * 30}),
        label="name",
        unit="%",
    ).to_dict(validate=True)
    # one bar: the plot is the minimum 90 px (not 18), 30 bars: 18 px each = 540
    assert one["height"] == charts.MIN_BAR_CHART_HEIGHT == 90
    assert many["height"] == 18 * 30
    # the bar itself is 0.75 x 18 = 13.5 -> 14 px thick in both, not a slab or a hairline
    assert bar_layer(one)["mark"]["height"] == bar_layer(many)["mark"]["height"] == 14


def test_one_areas_paired_bars_get_the_minimum_height():
    spec = charts.paired_bar_chart(
        pl.DataFrame({"name": ["A"], "kind": ["Open"], "value": [2.0]}),
        label="name",
        series="kind",
        unit="%",
        colors={"Open": "#000"},
    ).to_dict(validate=True)
    # 14 px x 1 series + 6 = 20 px a row -> the minimum 90 over the one row; as a step per row,
    # since a fixed pixel height drew paired bars as one hairline in Chromium
    assert spec["height"] == {"step": 90}
    two = charts.paired_bar_chart(
        pl.DataFrame(
            {"name": ["A", "A", "B", "B"], "kind": ["Open", "Sub"] * 2, "value": [2.0] * 4}
        ),
        label="name",
        series="kind",
        unit="%",
        colors={"Open": "#000", "Sub": "#999"},
    ).to_dict(validate=True)
    # 14 x 2 series + 6 = 34 px a row, but 2 rows x 34 = 68 < 90: ceil(90 / 2) = 45 a row
    assert two["height"] == {"step": 45}


def test_the_explorers_bars_of_one_area_are_not_a_strip():
    table = pl.DataFrame(
        {"area_name": ["Area one"], "value": [3.0], "suppressed": [False]},
    )
    one = explorer_charts._bars(table, "trial_area_id", "persons").to_dict()
    assert one["height"] == 90  # 22 px a bar would give a 22 px strip
    assert bar_layer(one)["mark"]["height"] == explorer_charts.BAR_PX == 16
    ten = pl.DataFrame(
        {"area_name": [f"A{i}" for i in range(10)], "value": [1.0] * 10, "suppressed": [False] * 10}
    )
    # ten bars: 10 x 22 = 220 px, a step each (the page scrolls a long ranking by its step)
    assert explorer_charts._bars(ten, "trial_area_id", "persons").to_dict()["height"] == {
        "step": 22
    }


# --- the heat map's column labels ----------------------------------------------------------------


def heat(rows: int) -> dict:
    table = pl.DataFrame(
        {
            "municipality_name": [f"M{r:03}" for r in range(rows) for _ in range(2)],
            "gender_label": ["Women", "Men"] * rows,
            "value": [float(r) for r in range(rows) for _ in range(2)],
            "suppressed": [False] * (2 * rows),
        }
    )
    return explorer_charts._heatmap(table, "municipality_code", "gender", "persons").to_dict()


def x_orients(spec: dict) -> list[str]:
    return [
        layer["encoding"]["x"]["axis"].get("orient")
        for layer in spec["layer"]
        if "x" in layer.get("encoding", {}) and "axis" in layer["encoding"]["x"]
    ]


def test_a_tall_heat_map_labels_its_columns_on_top_as_well():
    tall = heat(125)  # 125 municipalities x 20 px = 2,500 px
    assert sorted(set(x_orients(tall))) == ["bottom", "top"]
    assert tall["resolve"] == {"axis": {"x": "independent"}}  # two axes of the one scale
    short = heat(explorer_charts.HEATMAP_AXIS_BOTH_ROWS)  # 15 rows, 300 px: below only
    assert set(x_orients(short)) == {"bottom"}
    assert "resolve" not in short
