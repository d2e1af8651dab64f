"""Chart builders: pure functions from an aggregated DataFrame to an Altair chart.

No Streamlit and no I/O: tests assert on `chart.to_dict()`. Every chart gets a few hundred rows
at most (one per month and series), already aggregated by lib/indicators.py.

Months arrive as 'YYYY-MM' labels; they are plotted at the month's first day as ISO date
strings, which Vega parses as UTC, with `utcyearmonth` on the axis so a browser's time zone can
never shift a month. Tooltips show preformatted text (lib/format.py), never raw column names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import altair as alt
import polars as pl

from lib.format import axis_title, format_month, format_number, format_value
from lib.i18n import t

TRIAL_START_MONTH = "2021-03"  # the Finnish municipal employment trials began on 1 March 2021

# Okabe & Ito's colour-blind-safe palette, yellow left out (unreadable on white). When there are
# more areas than colours, the next cycle adds a dash pattern so two areas never look the same.
AREA_PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#000000",  # black
)
AREA_DASHES = ((1, 0), (6, 3), (2, 2), (8, 3, 2, 3))

TRIAL_COLOR = "#0B4F8A"  # trial municipalities: dark blue, solid
COMPARISON_COLOR = "#7A7A7A"  # comparison municipalities: grey, dashed
COMPARISON_DASH = (5, 3)
RULE_COLOR = "#555555"
BAND_COLOR = "#009E73"

SPARK_HEIGHT = 170
CHART_HEIGHT = 260
LEGEND_HEIGHT = 26


# ---------------------------------------------------------------------------------------------
# Helpers


def _month_start(month: str) -> str:
    """'2021-03' -> '2021-03-01' (an ISO date string Vega reads as UTC)."""
    return f"{month}-01"


def _x(title: bool = True) -> alt.X:
    return alt.X(
        "utcyearmonth(date):T",
        title=t("chart.month") if title else None,
        axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount=6, labelOverlap=True, grid=False),
    )


def _y_axis(unit: str) -> alt.Axis:
    # "~" drops trailing zeros: ticks read 0, 10, 20 and 2.5, not 0.0, 10.0, 20.0.
    fmt = ",.0f" if unit in ("persons", "contacts") else ",.1~f"
    return alt.Axis(format=fmt, tickCount=4, titleFontWeight="normal")


def _plot_frame(df: pl.DataFrame, unit: str, value: str, series: str | None) -> pl.DataFrame:
    """The rows a chart plots: date, value, text for the tooltip, and the series if any."""
    suppressed = (
        pl.col("suppressed").fill_null(False) if "suppressed" in df.columns else pl.lit(False)
    )
    cols = [
        pl.col("month").map_elements(_month_start, return_dtype=pl.String).alias("date"),
        pl.col("month").map_elements(format_month, return_dtype=pl.String).alias("month_text"),
        pl.col(value).cast(pl.Float64).alias("value"),
    ]
    if series:
        cols.append(pl.col(series).cast(pl.String).alias("series"))
    out = df.with_columns(_supp=suppressed).select(*cols, "_supp")
    text = [
        t("chart.suppressed") if supp else format_value(v, unit)
        for v, supp in zip(out["value"].to_list(), out["_supp"].to_list(), strict=True)
    ]
    return out.with_columns(value_text=pl.Series(text, dtype=pl.String)).drop("_supp")


def _in_range(month: str | None, months: Iterable[str]) -> bool:
    months = [m for m in months if m is not None]
    return bool(month) and bool(months) and min(months) <= month <= max(months)


def _label_side(month: str, months: list[str]) -> str:
    """'left' when the month lies in the last third of the range, else 'right'."""
    first, last = min(months), max(months)
    span = _month_number(last) - _month_number(first)
    position = (_month_number(month) - _month_number(first)) / span if span else 0.0
    return "left" if position > 2 / 3 else "right"


def _month_number(month: str) -> int:
    year, mon = month.split("-")
    return int(year) * 12 + int(mon) - 1


def start_rule(
    start_month: str = TRIAL_START_MONTH, *, label: bool = True, label_side: str = "right"
) -> alt.LayerChart:
    """A dashed vertical rule at the trial's start month, labelled 'Trial starts'.

    label_side: the side of the rule the label is written on ('left' near a chart's right edge,
    so it is never cut off)."""
    data = pl.DataFrame({"date": [_month_start(start_month)], "label": [t("chart.trial_starts")]})
    base = alt.Chart(data)
    rule = base.mark_rule(color=RULE_COLOR, strokeDash=[4, 3], strokeWidth=1.2).encode(
        x=alt.X("utcyearmonth(date):T")
    )
    layers = [rule]
    if label:
        layers.append(
            # At the foot of the rule: values sit on a zero-based scale, so the bottom is where
            # a line is least likely to run (caseloads start from zero at the trial's start).
            base.mark_text(
                align="left" if label_side == "right" else "right",
                baseline="bottom",
                dx=4 if label_side == "right" else -4,
                dy=-3,
                fontSize=11,
                color=RULE_COLOR,
            ).encode(x=alt.X("utcyearmonth(date):T"), y=alt.value("height"), text="label:N")
        )
    return alt.layer(*layers)


def target_band(low: float, high: float, *, label: bool = True) -> alt.LayerChart:
    """A shaded horizontal band for a target range (e.g. 20-30 clients per client-facing FTE)."""
    text = t("chart.target_band", low=format_number(low), high=format_number(high))
    data = pl.DataFrame({"low": [float(low)], "high": [float(high)], "label": [text]})
    base = alt.Chart(data)
    rect = base.mark_rect(color=BAND_COLOR, opacity=0.14).encode(
        y=alt.Y("low:Q"), y2=alt.Y2("high:Q")
    )
    layers = [rect]
    if label:
        layers.append(
            # Inside the band at its top left: before a trial starts, its lines sit at zero.
            base.mark_text(
                align="left", baseline="top", dx=4, dy=2, fontSize=11, color=BAND_COLOR
            ).encode(x=alt.value(0), y=alt.Y("high:Q"), text="label:N")
        )
    return alt.layer(*layers)


# ---------------------------------------------------------------------------------------------
# Trend lines


def trend_chart(
    df: pl.DataFrame,
    *,
    unit: str,
    value: str = "value",
    start_month: str | None = TRIAL_START_MONTH,
    series: str | None = None,
    series_colors: Mapping[str, str] | None = None,
    series_dashes: Mapping[str, tuple[int, ...]] | None = None,
    series_title: str | None = None,
    band: tuple[float, float] | None = None,
    height: int = SPARK_HEIGHT,
    zero: bool = True,
) -> alt.LayerChart:
    """A small monthly trend line (one line, or one per `series`), the trial's start marked.

    `df` has `month` ('YYYY-MM'), `value`, optionally `suppressed` (shown as a gap) and the
    `series` column. The y axis is titled with the unit, the x axis 'Month'.
    """
    data = _plot_frame(df, unit, value, series)
    tooltip = [
        alt.Tooltip("month_text:N", title=t("chart.month")),
        alt.Tooltip("value_text:N", title=axis_title(unit)),
    ]
    enc = {
        "x": _x(),
        "y": alt.Y(
            "value:Q",
            title=axis_title(unit),
            axis=_y_axis(unit),
            scale=alt.Scale(zero=zero, nice=True),
        ),
    }
    mark = {"strokeWidth": 2, "invalid": "break-paths-show-domains"}
    if series:
        names = list(dict.fromkeys(data["series"].to_list()))
        colors = series_colors or dict(
            zip(names, AREA_PALETTE * (len(names) // 7 + 1), strict=False)
        )
        dashes = series_dashes or {}
        # Legend order: as series_colors lists them (e.g. trial before comparison), then others.
        domain = [n for n in colors if n in names] + [n for n in names if n not in colors]
        tooltip.insert(0, alt.Tooltip("series:N", title=series_title or t("chart.series")))
        enc["color"] = alt.Color(
            "series:N",
            title=None,
            scale=alt.Scale(domain=domain, range=[colors.get(n, RULE_COLOR) for n in domain]),
            legend=alt.Legend(
                orient="top",
                direction="horizontal",
                symbolStrokeWidth=2,
                labelFontSize=11,
                offset=4,
            ),
        )
        enc["strokeDash"] = alt.StrokeDash(
            "series:N",
            scale=alt.Scale(domain=domain, range=[list(dashes.get(n, (1, 0))) for n in domain]),
            legend=None,
        )
        line = alt.Chart(data).mark_line(**mark).encode(**enc, tooltip=tooltip)
    else:
        line = alt.Chart(data).mark_line(color=TRIAL_COLOR, **mark).encode(**enc, tooltip=tooltip)
    points = (
        alt.Chart(data)
        .mark_point(opacity=0, size=60)  # invisible: widens the tooltip's hover target
        .encode(x=enc["x"], y=alt.Y("value:Q"), tooltip=tooltip)
    )
    layers: list = []
    if band is not None:
        layers.append(target_band(*band))
    layers += [line, points]
    months = df["month"].to_list()
    if start_month and _in_range(start_month, months):
        layers.append(start_rule(start_month, label_side=_label_side(start_month, months)))
    # A legend takes its room out of the chart's height: give it back, so the plot keeps its size.
    return alt.layer(*layers).properties(height=height + (LEGEND_HEIGHT if series else 0))


# ---------------------------------------------------------------------------------------------
# Trial areas: a stable colour per area


def area_colors(area_ids: Iterable[str]) -> dict[str, str]:
    """A colour per trial area, assigned by sorted area id: the same area, the same colour."""
    ids = sorted(set(area_ids))
    return {a: AREA_PALETTE[i % len(AREA_PALETTE)] for i, a in enumerate(ids)}


def area_dashes(area_ids: Iterable[str]) -> dict[str, tuple[int, ...]]:
    """A dash pattern per area: solid for the first cycle of colours, then dashed, dotted..."""
    ids = sorted(set(area_ids))
    n = len(AREA_PALETTE)
    return {a: AREA_DASHES[(i // n) % len(AREA_DASHES)] for i, a in enumerate(ids)}


def area_color_scale(area_ids: Iterable[str], names: Mapping[str, str] | None = None) -> alt.Scale:
    """An Altair colour scale over the areas' display names (or ids), colours by sorted id.

    Pass every area of the extract, not only those shown, so colours never shift between pages.
    """
    colors = area_colors(area_ids)
    domain = [(names or {}).get(a, a) for a in colors]
    return alt.Scale(domain=domain, range=list(colors.values()))


def area_trend_chart(
    df: pl.DataFrame,
    *,
    unit: str,
    all_area_ids: Iterable[str],
    names: Mapping[str, str],
    area: str = "trial_area_id",
    start_month: str | None = TRIAL_START_MONTH,
    band: tuple[float, float] | None = None,
    height: int = CHART_HEIGHT,
) -> alt.LayerChart:
    """One line per trial area in the area's stable colour (and dash, beyond seven areas)."""
    ids = list(all_area_ids)
    colors = {names.get(a, a): c for a, c in area_colors(ids).items()}
    dashes = {names.get(a, a): d for a, d in area_dashes(ids).items()}
    data = df.with_columns(
        pl.col(area).replace_strict(names, default=pl.col(area)).alias("_area_name")
    )
    return trend_chart(
        data,
        unit=unit,
        start_month=start_month,
        series="_area_name",
        series_colors=colors,
        series_dashes=dashes,
        series_title=t("chart.area"),
        band=band,
        height=height,
    )
