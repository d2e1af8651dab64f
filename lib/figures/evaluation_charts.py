"""Chart builders of the Evaluation page: pure DataFrame -> Altair chart, as lib/figures/charts.py.

Effects are in percentage points with their 95 % intervals; zero is always drawn, since the
question each chart answers is whether an interval leaves zero.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from lib.figures.charts import AREA_PALETTE, COMPARISON_COLOR, RULE_COLOR, TRIAL_COLOR
from lib.figures.format import format_pp
from lib.figures.i18n import t

HEIGHT = 280


__all__ = ["format_pp"]  # lib/figures/evaluation.py reads it from here


def _effect_text(r: dict) -> str:
    """'+1.20 pp (+0.40 pp to +2.00 pp)' for a tooltip, in the reader's language."""
    return t(
        "{estimate} ({low} to {high})",
        estimate=format_pp(r["estimate"]),
        low=format_pp(r["ci_low"]),
        high=format_pp(r["ci_high"]),
    )


def _effect_texts(df: pl.DataFrame) -> pl.Series:
    """The tooltip text of every row, made here in Python: not by Polars' map_elements, whose
    callback runs on a Polars pool thread that must take the GIL, which deadlocks the server when
    another session holds the GIL in a Polars call that waits for the pool (seen with ten
    concurrent sessions)."""
    rows = df.select("estimate", "ci_low", "ci_high").to_dicts()
    return pl.Series("text", [_effect_text(r) for r in rows], dtype=pl.String)


def _zero_rule(axis: str) -> alt.Chart:
    enc = {axis: alt.datum(0)}
    return (
        alt.Chart(pl.DataFrame({"z": [0]})).mark_rule(color=RULE_COLOR, strokeWidth=1).encode(**enc)
    )


def event_study_chart(events: pl.DataFrame) -> alt.LayerChart:
    """Effect by month relative to the trial's start, with its 95 % band and zero line."""
    df = events.with_columns(
        text=_effect_texts(events),
        period=pl.when(pl.col("relative_month") < 0)
        .then(pl.lit(t("Before the start")))
        .otherwise(pl.lit(t("From the start"))),
    )
    x = alt.X(
        "relative_month:Q",
        title=t("Months from the trial's start (0 = first trial month)"),
        axis=alt.Axis(tickMinStep=6, grid=False),
    )
    y_title = t("Difference in exit rate (pp)")
    base = alt.Chart(df)
    band = base.mark_area(opacity=0.18, color=TRIAL_COLOR).encode(
        x=x, y=alt.Y("ci_low:Q", title=y_title), y2="ci_high:Q"
    )
    line = base.mark_line(point=alt.OverlayMarkDef(size=18), color=TRIAL_COLOR).encode(
        x=x,
        y=alt.Y("estimate:Q", title=y_title),
        tooltip=[
            alt.Tooltip("month:N", title=t("Month")),
            alt.Tooltip("text:N", title=t("Effect (95 % interval)")),
        ],
    )
    start = (
        alt.Chart(pl.DataFrame({"x": [-0.5], "label": [t("Trial starts")]}))
        .mark_rule(color=RULE_COLOR, strokeDash=[4, 3])
        .encode(x="x:Q")
    )
    label = (
        alt.Chart(pl.DataFrame({"x": [-0.5], "label": [t("Trial starts")]}))
        .mark_text(align="left", dx=4, dy=-6, color=RULE_COLOR, fontSize=11)
        .encode(x="x:Q", y=alt.value(8), text="label:N")
    )
    return alt.layer(band, _zero_rule("y"), line, start, label).properties(height=HEIGHT)


def forest_chart(
    effects: pl.DataFrame, label: str = "area_name", x_title: str | None = None
) -> alt.LayerChart:
    """One row per area: the estimate as a point, its 95 % interval as a bar, zero as a rule."""
    shown = effects.filter(pl.col("estimate").is_not_null())
    df = shown.with_columns(
        text=_effect_texts(shown),
        verdict=pl.when(pl.col("ci_low") > 0)
        .then(pl.lit(t("Above zero")))
        .when(pl.col("ci_high") < 0)
        .then(pl.lit(t("Below zero")))
        .otherwise(pl.lit(t("Interval includes zero"))),
    )
    order = df.sort("estimate", descending=True)[label].to_list()
    y = alt.Y(
        f"{label}:N", sort=order, title=None, axis=alt.Axis(labelLimit=220, labelOverlap=False)
    )
    x_title = x_title or t("Effect on the exit rate (percentage points, 95 % interval)")
    colors = alt.Scale(
        domain=[t("Above zero"), t("Interval includes zero"), t("Below zero")],
        range=[AREA_PALETTE[0], COMPARISON_COLOR, AREA_PALETTE[5]],
    )
    base = alt.Chart(df)
    bars = base.mark_rule(strokeWidth=2).encode(
        y=y,
        x=alt.X("ci_low:Q", title=x_title),
        x2="ci_high:Q",
        # One under another: side by side, the three ran past the right edge at 800 px
        # ("Below..."), the area names taking the left third of the width.
        color=alt.Color(
            "verdict:N",
            scale=colors,
            legend=alt.Legend(title=None, orient="top", direction="vertical"),
        ),
    )
    points = base.mark_point(filled=True, size=60).encode(
        y=y,
        x="estimate:Q",
        color=alt.Color("verdict:N", scale=colors, legend=None),
        tooltip=[
            alt.Tooltip(f"{label}:N", title=t("Area")),
            alt.Tooltip("text:N", title=t("Effect (95 % interval)")),
            alt.Tooltip("trial_municipalities:Q", title=t("Trial municipalities")),
        ],
    )
    return alt.layer(bars, _zero_rule("x"), points).properties(height=max(160, 24 * df.height))


# The points a survival chart draws at most: a national register's curves have a row for almost
# every day (1,800 days x 26 areas), more than a chart can show or Altair passes on (5,000).
CURVE_POINTS = 4000


def thinned_curve(curve: pl.DataFrame, points: int = CURVE_POINTS) -> pl.DataFrame:
    """The curve's rows a chart draws: all of them up to `points`; beyond, per stratum its
    first row (day 0) and the last row of each span of `span` days (the fewest days that keep
    the rows under `points`), so each step drawn is the curve's value at the end of its span,
    exactly (the table beside the chart keeps every row)."""
    if curve.height <= points:
        return curve
    strata = max(curve["stratum"].n_unique(), 1)
    days = int(curve["day"].max() or 0) + 1
    span = -(-days * strata // max(points - 2 * strata, 1))  # ceiling division
    with_span = curve.with_row_index("_row").with_columns(_span=pl.col("day") // span)
    first = pl.col("_row") == pl.col("_row").min().over("stratum")
    last = pl.col("_row") == pl.col("_row").max().over("stratum", "_span")
    return with_span.filter(first | last).sort("_row").drop("_row", "_span")


def survival_chart(curve: pl.DataFrame, names: dict[str, str] | None = None) -> alt.LayerChart:
    """Kaplan-Meier step curves (share still without work) with their 95 % bands."""
    names = names or {}
    df = thinned_curve(curve).with_columns(
        series=pl.col("stratum").cast(pl.String).replace(names),
        pct=100 * pl.col("survival"),
        lo=100 * pl.col("ci_low"),
        hi=100 * pl.col("ci_high"),
    )
    fixed = {"trial": TRIAL_COLOR, "comparison": COMPARISON_COLOR}
    strata = df["stratum"].cast(pl.String).unique(maintain_order=True).to_list()
    others = iter(AREA_PALETTE)
    colors = {names.get(s, s): fixed.get(s) or next(others, "#000000") for s in strata}
    scale = alt.Scale(domain=list(colors), range=list(colors.values()))
    x = alt.X("day:Q", title=t("Days since the start"), axis=alt.Axis(grid=False))
    y_title = t("Still without open-market work (%)")
    base = alt.Chart(df)
    band = base.mark_area(opacity=0.15, interpolate="step-after").encode(
        x=x,
        y=alt.Y("lo:Q", title=y_title),
        y2="hi:Q",
        color=alt.Color("series:N", scale=scale, legend=None),
    )
    line = base.mark_line(interpolate="step-after").encode(
        x=x,
        y=alt.Y("pct:Q", title=y_title, scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("series:N", scale=scale, legend=alt.Legend(title=None, orient="top")),
        tooltip=[
            alt.Tooltip("series:N", title=t("Group")),
            alt.Tooltip("day:Q", title=t("Day")),
            alt.Tooltip("pct:Q", title=t("Still without work (%)"), format=".1f"),
            alt.Tooltip("at_risk:Q", title=t("Still followed"), format=","),
        ],
    )
    return alt.layer(band, line).properties(height=HEIGHT)


def expected_chart(table: pl.DataFrame, label: str) -> alt.LayerChart:
    """Actual minus expected rate per unit, with its 95 % interval (percentage points)."""
    df = table.filter(pl.col("difference").is_not_null())
    order = df.sort("difference", descending=True)[label].to_list()
    y = alt.Y(
        f"{label}:N", sort=order, title=None, axis=alt.Axis(labelLimit=220, labelOverlap=False)
    )
    x_title = t("Actual minus expected (percentage points, 95 % interval)")
    base = alt.Chart(df)
    bars = base.mark_rule(strokeWidth=2, color=TRIAL_COLOR).encode(
        y=y, x=alt.X("ci_low:Q", title=x_title), x2="ci_high:Q"
    )
    points = base.mark_point(filled=True, size=50, color=TRIAL_COLOR).encode(
        y=y,
        x="difference:Q",
        tooltip=[
            alt.Tooltip(f"{label}:N", title=t("Unit")),
            alt.Tooltip("actual:Q", title=t("Actual (%)"), format=".1f"),
            alt.Tooltip("expected:Q", title=t("Expected (%)"), format=".1f"),
            alt.Tooltip("difference:Q", title=t("Difference (pp)"), format="+.2f"),
        ],
    )
    return alt.layer(bars, _zero_rule("x"), points).properties(height=max(160, 22 * df.height))
