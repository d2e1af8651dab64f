"""Chart builders (lib/figures/charts.py) asserted on their Vega-Lite dicts, without rendering."""

from __future__ import annotations

import polars as pl
import pytest

from lib.figures import charts
from lib.figures.charts import area_colors, area_dashes, trend_chart


def monthly(months, values, suppressed=None, **extra):
    data = {
        "month": months,
        "value": values,
        "suppressed": suppressed or [False] * len(months),
        **extra,
    }
    return pl.DataFrame(data)


def labels(spec: dict) -> list[dict]:
    """The text layers people read (not the white outline drawn beneath a label)."""
    return [x for x in by_mark(spec, "text") if x["mark"].get("stroke") != "white"]


MONTHS = ["2020-12", "2021-01", "2021-02", "2021-03", "2021-04", "2021-05"]


def layers(spec: dict) -> list[dict]:
    """Every leaf layer of a (nested) layer spec."""
    out = []
    for layer in spec.get("layer", []):
        out.extend(layers(layer) if "layer" in layer else [layer])
    return out


def mark_type(layer: dict) -> str:
    mark = layer["mark"]
    return mark if isinstance(mark, str) else mark["type"]


def by_mark(spec: dict, kind: str) -> list[dict]:
    return [layer for layer in layers(spec) if mark_type(layer) == kind]


def dataset(spec: dict, layer: dict, parent: dict | None = None) -> list[dict]:
    """The rows a layer draws: its own data, else its parent's, else the chart's (Altair lifts
    data shared by all layers to the top)."""
    data = layer.get("data") or (parent or {}).get("data") or spec.get("data")
    return spec["datasets"][data["name"]]


def test_trend_line_axes_are_labelled_with_month_and_unit():
    spec = trend_chart(monthly(MONTHS, [0, 0, 0, 3, 5, 4]), unit="persons").to_dict()
    (line,) = by_mark(spec, "line")
    x, y = line["encoding"]["x"], line["encoding"]["y"]
    assert (x["field"], x["type"], x["timeUnit"], x["title"]) == (
        "date",
        "temporal",
        "utcyearmonth",
        "Month",
    )
    assert (y["field"], y["type"], y["title"]) == ("value", "quantitative", "persons")
    assert y["axis"]["format"] == ",.0f"
    assert spec["height"] == charts.SPARK_HEIGHT


def test_percent_axis_is_titled_per_cent_and_tooltips_are_formatted_text():
    spec = trend_chart(monthly(MONTHS[:2], [24.61, 25.0]), unit="%").to_dict()
    (line,) = by_mark(spec, "line")
    assert line["encoding"]["y"]["title"] == "per cent (%)"
    assert [t["title"] for t in line["encoding"]["tooltip"]] == ["Month", "per cent (%)"]
    rows = dataset(spec, line)
    assert rows[0]["month_text"] == "Dec\u00a02020" and rows[0]["value_text"] == "24.6\u00a0%"
    assert rows[0]["date"] == "2020-12-01"


def test_trial_start_is_a_labelled_rule_at_march_2021():
    spec = trend_chart(monthly(MONTHS, [1, 2, 3, 4, 5, 6]), unit="persons").to_dict()
    (rule,) = by_mark(spec, "rule")
    (text,) = labels(spec)
    assert dataset(spec, rule) == [{"date": "2021-03-01", "label": "Trial starts"}]
    assert rule["encoding"]["x"]["timeUnit"] == "utcyearmonth"
    assert text["encoding"]["text"] == {"field": "label", "type": "nominal"}


def test_start_label_moves_left_of_the_rule_near_the_right_edge():
    late = ["2020-01", "2020-06", "2021-01", "2021-03", "2021-04"]
    spec = trend_chart(monthly(late, [1, 2, 3, 4, 5]), unit="persons").to_dict()
    (text,) = labels(spec)
    assert text["mark"]["align"] == "right"


def test_no_start_rule_when_the_start_is_outside_the_series():
    spec = trend_chart(monthly(["2023-01", "2023-02"], [1, 2]), unit="persons").to_dict()
    assert by_mark(spec, "rule") == []
    spec = trend_chart(monthly(MONTHS, [1] * 6), unit="persons", start_month=None).to_dict()
    assert by_mark(spec, "rule") == []


def test_suppressed_months_break_the_line():
    df = monthly(MONTHS[:3], [1.0, None, 3.0], [False, True, False])
    spec = trend_chart(df, unit="persons").to_dict()
    (line,) = by_mark(spec, "line")
    assert line["mark"]["invalid"] == "break-paths-show-domains"
    rows = dataset(spec, line)
    assert rows[1]["value"] is None and rows[1]["value_text"] == "suppressed"


def test_series_get_their_colours_dashes_and_a_legend_in_the_given_order():
    df = monthly(
        MONTHS[:2] * 2, [5.0, 6.0, 4.0, 4.5], group=["Comparison", "Comparison", "Trial", "Trial"]
    )
    spec = trend_chart(
        df,
        unit="%",
        series="group",
        series_colors={"Trial": charts.TRIAL_COLOR, "Comparison": charts.COMPARISON_COLOR},
        series_dashes={"Comparison": charts.COMPARISON_DASH},
    ).to_dict()
    (line,) = by_mark(spec, "line")
    color = line["encoding"]["color"]
    assert color["field"] == "series"
    assert color["scale"] == {
        "domain": ["Trial", "Comparison"],
        "range": [charts.TRIAL_COLOR, charts.COMPARISON_COLOR],
    }
    assert line["encoding"]["strokeDash"]["scale"]["range"] == [[1, 0], [5, 3]]
    assert spec["height"] == charts.SPARK_HEIGHT + charts.LEGEND_HEIGHT


def test_target_band_spans_the_band():
    spec = trend_chart(monthly(MONTHS, [20.0] * 6), unit="clients per FTE", band=(20, 30)).to_dict()
    (rect,) = by_mark(spec, "rect")
    assert rect["encoding"]["y"]["field"] == "low" and rect["encoding"]["y2"]["field"] == "high"
    assert {"low": 20.0, "high": 30.0, "label": "Target 20–30"} in [
        row for rows in spec["datasets"].values() for row in rows
    ]


def test_trend_with_a_band_draws_it_beneath_the_line():
    spec = trend_chart(monthly(MONTHS, [20.0] * 6), unit="clients per FTE", band=(20, 30)).to_dict()
    kinds = [mark_type(layer) for layer in layers(spec)]
    assert kinds.index("rect") < kinds.index("line")


def test_area_colours_are_stable_and_colour_blind_safe():
    ids = ["TA03", "TA01", "TA02"]
    colors = area_colors(ids)
    assert colors == {"TA01": "#0072B2", "TA02": "#E69F00", "TA03": "#009E73"}
    # Same area, same colour, whatever order the ids arrive in.
    assert area_colors(reversed(ids)) == colors
    assert "#F0E442" not in charts.AREA_PALETTE  # Okabe-Ito yellow: unreadable on white
    assert len(set(charts.AREA_PALETTE)) == len(charts.AREA_PALETTE)


def test_more_areas_than_colours_are_told_apart_by_dashes():
    ids = [f"TA{i:02d}" for i in range(1, 27)]
    colors, dashes = area_colors(ids), area_dashes(ids)
    pairs = {(colors[a], dashes[a]) for a in ids}
    assert len(pairs) == len(ids)
    assert dashes["TA01"] == (1, 0) and dashes["TA08"] != (1, 0)


@pytest.mark.parametrize("unit, fmt", [("persons", ",.0f"), ("%", ",.1~f"), ("FTE", ",.1~f")])
def test_y_axis_number_format_follows_the_unit(unit, fmt):
    spec = trend_chart(monthly(MONTHS[:2], [1, 2]), unit=unit).to_dict()
    (line,) = by_mark(spec, "line")
    assert line["encoding"]["y"]["axis"]["format"] == fmt


def test_a_shape_is_written_once_and_bound_to_each_calls_values():
    """Two charts of one shape: the second reuses the first's compiled shape, yet shows its own
    rows, series, colours and dashes, and the first is unchanged by the second."""
    first = trend_chart(
        monthly(MONTHS[:2] * 2, [1.0, 2.0, 3.0, 4.0], area=["North"] * 2 + ["South"] * 2),
        unit="persons",
        series="area",
        series_colors={"South": "#E69F00", "North": "#0072B2"},
        series_dashes={"North": (6, 3)},
    )
    second = trend_chart(
        monthly(MONTHS[:2], [7.0, 9.0], area=["East"] * 2),
        unit="persons",
        series="area",
        series_colors={"East": "#009E73"},
    )
    assert first.shape is second.shape  # compiled once
    a, b = first.to_dict(), second.to_dict()
    (line_a,), (line_b,) = by_mark(a, "line"), by_mark(b, "line")
    assert line_a["encoding"]["color"]["scale"] == {
        "domain": ["South", "North"],
        "range": ["#E69F00", "#0072B2"],
    }
    assert line_a["encoding"]["strokeDash"]["scale"]["range"] == [[1, 0], [6, 3]]
    assert line_b["encoding"]["color"]["scale"] == {"domain": ["East"], "range": ["#009E73"]}
    assert [r["value"] for r in dataset(b, line_b)] == [7.0, 9.0]
    assert [r["value"] for r in dataset(a, line_a)] == [1.0, 2.0, 3.0, 4.0]
    assert "\x00" not in str(a) and "\x00" not in str(b)  # every slot bound


def test_a_different_shape_is_compiled_apart():
    plain = trend_chart(monthly(MONTHS, [1.0] * 6), unit="persons")
    banded = trend_chart(monthly(MONTHS, [1.0] * 6), unit="persons", band=(1, 2))
    percent = trend_chart(monthly(MONTHS, [1.0] * 6), unit="%")
    assert len({id(plain.shape), id(banded.shape), id(percent.shape)}) == 3
    assert "rect" not in [mark_type(x) for x in layers(plain.to_dict())]


def test_every_builder_writes_valid_vega_lite_and_arrow_datasets_for_streamlit():
    import pyarrow as pa

    months = monthly(
        MONTHS[:3] * 2, [1.0, -2.0, 3.0, 4.0, 5.0, 6.0], series=["In"] * 3 + ["Out"] * 3
    )
    bars = pl.DataFrame({"name": ["A", "B", "C"], "value": [3.0, None, 1.0]})
    pairs = pl.DataFrame({"name": ["A", "A"], "kind": ["Open", "Subsidised"], "value": [2.0, 1.0]})
    built = [
        trend_chart(months, unit="%", series="series", band=(1, 4)),
        charts.flow_chart(months, colors={"In": "#0072B2", "Out": "#D55E00"}),
        charts.stacked_area_chart(months, unit="FTE", colors={"Out": "#000000", "In": "#999999"}),
        charts.ranked_bar_chart(bars, label="name", unit="%", band=(1, 2)),
        charts.paired_bar_chart(
            pairs,
            label="name",
            series="kind",
            unit="%",
            colors={"Open": "#000", "Subsidised": "#999"},
        ),
    ]
    for chart in built:
        rows = chart.to_dict(validate=True)["datasets"]  # raises on an invalid spec
        sent = chart.vega_lite()["datasets"]
        assert sent.keys() == rows.keys()
        for name, data in sent.items():
            assert pa.ipc.open_stream(data).read_all().to_pylist() == rows[name]
    ranked = by_mark(built[3].to_dict(), "bar")[0]
    assert ranked["encoding"]["y"]["sort"] == ["A", "C", "B"]  # by value, suppressed last


def test_the_shared_legend_is_a_chart_with_each_series_colour_and_dash():
    items = [("Trial", "#0B4F8A", False), ("Comparison <b>x</b>", "#888888", True)]
    spec = charts.legend_chart(items).to_dict(validate=True)  # raises on an invalid spec
    (line, text) = spec["layer"]
    rows = spec["layer"][0].get("data", spec.get("data"))["values"]
    # the labels as they are (a chart shows text, never markup), in order, with their colours
    assert [r["label"] for r in rows] == ["Trial", "Comparison <b>x</b>"]
    assert [(r["color"], r["dash"]) for r in rows] == [("#0B4F8A", [1, 0]), ("#888888", [6, 4])]
    # side by side: the second starts after the first's line (22), gap (6), 5 characters at
    # 7 px (35) and a space (24): 87 px
    assert [(r["x"], r["x2"]) for r in rows] == [(0, 22), (87, 109)]
    assert line["mark"]["type"] == "rule" and text["encoding"]["text"]["field"] == "label"
