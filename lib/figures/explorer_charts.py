"""The Explorer's chart: the one that fits the slice's dimensions.

Pure (no Streamlit). With a time dimension: lines over time, coloured by the next dimension
and in small multiples by the third. Without: bars for one dimension, a heat map for two, heat
maps in small multiples for three. Suppressed cells are marked (a gap in a line, `..` on a bar
or a grey tile); when there are more series or panels than a chart can tell apart, the chart
keeps the largest and says so, and the table keeps everything.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from lib.engine.indicators import INDICATORS, TIME_DIMS
from lib.engine.months import first_day_iso_expr
from lib.figures.blocks import PageContext
from lib.figures.charts import (
    AREA_PALETTE,
    CHART_HEIGHT,
    COMPARISON_COLOR,
    MIN_BAR_CHART_HEIGHT,
    TRIAL_COLOR,
    area_colors,
    trend_chart,
)
from lib.figures.format import axis_title, decimals_for, format_month, format_number, texts
from lib.figures.i18n import N_, t

# The keys `t(f"explorer.dim.{dim}")` computes, written out for the catalogue's extraction.
_DIM_KEYS = (
    N_("explorer.dim.none"),
    N_("explorer.dim.month"),
    N_("explorer.dim.quarter"),
    N_("explorer.dim.year"),
    N_("explorer.dim.municipality_code"),
    N_("explorer.dim.trial_area_id"),
    N_("explorer.dim.region"),
    N_("explorer.dim.trial_or_comparison"),
    N_("explorer.dim.gender"),
    N_("explorer.dim.age_band"),
    N_("explorer.dim.language"),
    N_("explorer.dim.education"),
    N_("explorer.dim.role"),
    N_("explorer.dim.origin"),
    N_("explorer.dim.provider_id"),
)

SERIES_MAX = 12
PANELS_MAX = 12
TEXT_CELLS_MAX = 400  # a heat map writes its numbers into the tiles up to this many
PANEL_WIDTH = 380  # two panels side by side in the page's width at 1366 px
SUPPRESSED_GREY = "#D9D9D9"
BAR_STEP = 22  # px a bar's row takes
BAR_PX = 16  # and the bar's own thickness
TILE_STEP = 20  # px a heat map's row takes
# A heat map taller than this writes its column labels above the tiles as well as below, so
# that they can be read without scrolling to the bottom of a long chart (125 municipalities
# are 2,500 px).
HEATMAP_AXIS_BOTH_ROWS = 15


NONE = "none"  # the Explorer's choice of no dimension in a role


def dim_label(dim: str | None) -> str:
    return t(f"explorer.dim.{dim or NONE}")


def label_column(dim: str) -> str:
    """The name column written beside a coded dimension (the CLI's columns stay as they are)."""
    return {
        "trial_area_id": "area_name",
        "municipality_code": "municipality_name",
    }.get(dim, f"{dim}_label")


def value_decimals(value: float, unit: str) -> int:
    """The unit's decimals; one for a count that is not whole (a stock's mean over months)."""
    decimals = decimals_for(unit)
    if decimals == 0 and not float(value).is_integer():
        return 1
    return decimals


def label_of(dim: str) -> str:
    """The column of the Explorer's table that names a dimension's values."""
    if dim in TIME_DIMS:
        return dim
    return label_column(dim)


def _keep_largest(df: pl.DataFrame, dim: str, n: int) -> tuple[pl.DataFrame, int]:
    """The rows of the `n` values of `dim` with the largest mean value; and how many there were."""
    label = label_of(dim)
    ranked = (
        df.group_by(label).agg(m=pl.col("value").mean()).sort("m", descending=True, nulls_last=True)
    )
    total = ranked.height
    if total <= n:
        return df, total
    keep = ranked.head(n)[label].implode()
    return df.filter(pl.col(label).is_in(keep)), total


def _colors(df: pl.DataFrame, dim: str | None, ctx: PageContext) -> dict[str, str] | None:
    """Colours that match the other pages: areas keep theirs, trial/comparison theirs."""
    if dim == "trial_area_id":
        by_id = area_colors(df["trial_area_id"].drop_nulls().unique().to_list())
        names = ctx.area_names
        return {names.get(k, k): v for k, v in by_id.items()}
    if dim == "trial_or_comparison":
        return {t("series.trial"): TRIAL_COLOR, t("series.comparison"): COMPARISON_COLOR}
    return None


def _time_chart(df: pl.DataFrame, time_dim: str, series: str | None, ctx: PageContext, unit: str,
                height: int) -> alt.TopLevelMixin:  # fmt: skip
    """One chart over time: the pages' trend chart for months (the trial's start marked)."""
    series_col = label_of(series) if series else None
    if time_dim == "month":
        return trend_chart(
            df,
            unit=unit,
            series=series_col,
            series_colors=_colors(df, series, ctx),
            series_title=_dim_title(series) if series else None,
            start_month=ctx.start_month,
            height=height,
            legend_columns=4 if series else None,
        )
    return _lines(df, time_dim, series, ctx, unit).properties(height=height)


def _lines(df: pl.DataFrame, time_dim: str, series: str | None, ctx: PageContext,
           unit: str) -> alt.Chart:  # fmt: skip
    """Plain lines over time (no layers, so they can be faceted cheaply)."""
    series_col = label_of(series) if series else None
    if time_dim == "month":
        period = first_day_iso_expr(pl.col("month")).alias("period")
        x = alt.X(
            "utcyearmonth(period):T",
            title=_dim_title(time_dim),
            axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount=4, labelOverlap=True, grid=False),
        )
    else:
        period = pl.col(time_dim).cast(pl.String).alias("period")
        x = alt.X("period:O", title=_dim_title(time_dim), axis=alt.Axis(labelAngle=0))
    data = df.with_columns(period, pl.col("value").cast(pl.Float64), *_value_text(df, unit))
    tooltip = [alt.Tooltip(f"{label_of(time_dim)}:N", title=_dim_title(time_dim))]
    if time_dim == "month":
        data = data.with_columns(texts(data["month"], format_month, "month_text"))
        tooltip = [alt.Tooltip("month_text:N", title=_dim_title(time_dim))]
    if series_col:
        tooltip.append(alt.Tooltip(f"{series_col}:N", title=_dim_title(series)))
    tooltip.append(alt.Tooltip("value_text:N", title=axis_title(unit)))
    enc = {
        "x": x,
        "y": alt.Y("value:Q", title=axis_title(unit), axis=_y_axis(unit)),
        "tooltip": tooltip,
    }
    if series_col:
        enc["color"] = _color(df, series, ctx)
    return (
        alt.Chart(data)
        .mark_line(point=time_dim != "month", strokeWidth=2, invalid="break-paths-show-domains")
        .encode(**enc)
    )


def _color(df: pl.DataFrame, dim: str, ctx: PageContext) -> alt.Color:
    col = label_of(dim)
    names = list(dict.fromkeys(v for v in df[col].to_list() if v is not None))
    colors = _colors(df, dim, ctx) or {}
    palette = list(AREA_PALETTE) * (len(names) // len(AREA_PALETTE) + 1)
    rng = [colors.get(n, palette[i]) for i, n in enumerate(names)]
    return alt.Color(
        f"{col}:N",
        title=_dim_title(dim),
        scale=alt.Scale(domain=names, range=rng),
        legend=alt.Legend(orient="top", columns=min(len(names), 6), labelLimit=220),
    )


def _bars(df: pl.DataFrame, dim: str, unit: str) -> alt.LayerChart:
    """Horizontal bars, largest first (periods in time order); a suppressed bar reads '..'."""
    col = label_of(dim)
    data = df.with_columns(
        pl.col(col).cast(pl.String).alias("label"),
        pl.col("value").cast(pl.Float64),
        *_value_text(df, unit),
    )
    ranked = data if dim in TIME_DIMS else data.sort("value", descending=True, nulls_last=True)
    order = list(dict.fromkeys(ranked["label"].to_list()))
    y = alt.Y("label:N", title=_dim_title(dim), sort=order, axis=alt.Axis(labelLimit=260))
    x = alt.X("value:Q", title=axis_title(unit), axis=_y_axis(unit))
    tooltip = [alt.Tooltip("label:N", title=_dim_title(dim)),
               alt.Tooltip("value_text:N", title=axis_title(unit))]  # fmt: skip
    bars = alt.Chart().mark_bar(color=TRIAL_COLOR, height=BAR_PX).encode(x=x, y=y, tooltip=tooltip)
    marks = (
        alt.Chart()
        .transform_filter("!isValid(datum.value)")
        .mark_text(align="left", dx=3, color="#555555")
        .encode(x=alt.datum(0), y=y, text="tile_text:N", tooltip=tooltip)
    )
    # A step a bar; a few bars (one area) get the minimum height, not a 22 px strip.
    few = BAR_STEP * len(order) < MIN_BAR_CHART_HEIGHT
    height = MIN_BAR_CHART_HEIGHT if few else alt.Step(BAR_STEP)
    return alt.layer(bars, marks, data=data).properties(height=height)


def _heatmap(df: pl.DataFrame, row_dim: str, col_dim: str, unit: str) -> alt.LayerChart:
    """Tiles coloured by value, rows by columns; suppressed tiles grey, numbers written in
    when there are few enough tiles to read them."""
    rc, cc = label_of(row_dim), label_of(col_dim)
    data = df.with_columns(
        pl.col(rc).cast(pl.String).alias("r"),
        pl.col(cc).cast(pl.String).alias("c"),
        pl.col("value").cast(pl.Float64),
        *_value_text(df, unit),
    ).with_columns(dark=pl.col("value") > 0.6 * pl.col("value").max())
    rows = list(dict.fromkeys(data["r"].to_list()))
    cols = list(dict.fromkeys(data["c"].to_list()))
    few = len(cols) <= 8
    step = 76 if few else 22

    def x_axis(orient: str) -> alt.X:
        return alt.X(
            "c:O",
            title=_dim_title(col_dim),
            sort=cols,
            axis=alt.Axis(
                orient=orient, labelAngle=0 if few else -90, labelLimit=step - 4 if few else 120
            ),
        )

    x = x_axis("bottom")
    y = alt.Y("r:O", title=_dim_title(row_dim), sort=rows, axis=alt.Axis(labelLimit=220))
    tooltip = [
        alt.Tooltip("r:N", title=_dim_title(row_dim)),
        alt.Tooltip("c:N", title=_dim_title(col_dim)),
        alt.Tooltip("value_text:N", title=axis_title(unit)),
    ]
    tiles = (
        alt.Chart()
        .mark_rect(stroke="white", strokeWidth=0.5)
        .encode(
            x=x,
            y=y,
            color=alt.condition(
                "isValid(datum.value)",
                alt.Color(
                    "value:Q",
                    title=axis_title(unit),
                    scale=alt.Scale(scheme="blues", zero=True),
                    legend=alt.Legend(
                        format=_fmt(unit),
                        orient="right",
                        **({"tickMinStep": 1} if decimals_for(unit) == 0 else {}),
                    ),
                ),
                alt.value(SUPPRESSED_GREY),
            ),
            tooltip=tooltip,
        )
    )
    layers = [tiles]
    both = len(rows) > HEATMAP_AXIS_BOTH_ROWS
    if both:
        # the same columns' axis on top, from a layer of its own that draws nothing
        layers.append(alt.Chart().mark_rect(opacity=0).encode(x=x_axis("top"), y=y))
    if len(rows) * len(cols) <= TEXT_CELLS_MAX:
        text_color = alt.condition("datum.dark", alt.value("white"), alt.value("#222222"))
        layers.append(
            alt.Chart()
            .mark_text(fontSize=10)
            .encode(x=x, y=y, text="tile_text:N", color=text_color, tooltip=tooltip)
        )
    chart = alt.layer(*layers, data=data).properties(
        height=alt.Step(TILE_STEP), width=min(step * len(cols), 860)
    )
    return chart.resolve_axis(x="independent") if both else chart


def slice_chart(table: pl.DataFrame, spec, ctx: PageContext):
    """The chart of a slice (an Altair chart), or None for a single number."""
    dims = [d for d in (spec.rows, spec.cols, spec.colour) if d]
    if not dims or table.height == 0:
        return None
    unit = INDICATORS[spec.indicator].unit
    time_dim = next((d for d in dims if d in TIME_DIMS), None)
    others = [d for d in dims if d != time_dim]
    df = table
    if time_dim:
        series, facet = _series_of(spec), _facet_of(spec)
        if series:
            df, _ = _keep_largest(df, series, SERIES_MAX)
        if facet is None:
            return _time_chart(df, time_dim, series, ctx, unit, CHART_HEIGHT + 60)
        df, _ = _keep_largest(df, facet, PANELS_MAX)
        lines = _lines(df, time_dim, series, ctx, unit).properties(width=PANEL_WIDTH, height=170)
        return _facet(lines, df, facet, columns=2)
    if len(others) == 1:
        return _bars(df, others[0], unit)
    row_dim = spec.rows or others[0]
    col_dim = next(d for d in (spec.cols, spec.colour, *others) if d and d != row_dim)
    facet = next((d for d in others if d not in (row_dim, col_dim)), None)
    if facet is None:
        return _heatmap(df, row_dim, col_dim, unit)
    df, _ = _keep_largest(df, facet, PANELS_MAX)
    return _facet(_heatmap(df, row_dim, col_dim, unit), df, facet, columns=1)


def dropped_series(table: pl.DataFrame, spec) -> str | None:
    """A note when the chart leaves out series or panels (the table has them all)."""
    if table.height == 0:
        return None
    notes = []
    series, facet = _series_of(spec), _facet_of(spec)
    if series and table[label_of(series)].n_unique() > SERIES_MAX:
        n = table[label_of(series)].n_unique()
        notes.append(t("explorer.chart_limit", n=SERIES_MAX, total=n, dim=_dim_title(series)))
    if facet:
        n = table[label_of(facet)].n_unique()
        if n > PANELS_MAX:
            notes.append(t("explorer.chart_limit", n=PANELS_MAX, total=n, dim=_dim_title(facet)))
        elif empty := _empty_panels(table, facet):
            notes.append(t("explorer.empty_panels", names=", ".join(empty)))
    return " ".join(notes) or None


def _series_of(spec) -> str | None:
    """The dimension a time chart draws as coloured lines, if any."""
    dims = [d for d in (spec.rows, spec.cols, spec.colour) if d]
    time_dim = next((d for d in dims if d in TIME_DIMS), None)
    others = [d for d in dims if d != time_dim]
    if not time_dim or not others:
        return None
    return spec.colour if spec.colour and spec.colour != time_dim else others[0]


def _facet_of(spec) -> str | None:
    """The dimension the chart draws in small multiples (the third), if any."""
    dims = [d for d in (spec.rows, spec.cols, spec.colour) if d]
    if len(dims) < 3:
        return None
    time_dim = next((d for d in dims if d in TIME_DIMS), None)
    others = [d for d in dims if d != time_dim]
    if time_dim:
        series = _series_of(spec)
        return next(d for d in others if d != series)
    row_dim = spec.rows or others[0]
    col_dim = next(d for d in (spec.cols, spec.colour, *others) if d and d != row_dim)
    return next(d for d in others if d not in (row_dim, col_dim))


def _empty_panels(df: pl.DataFrame, facet: str) -> list[str]:
    """The facet's values with nothing to draw: every cell suppressed or not defined."""
    col = label_of(facet)
    shown = set(df.filter(pl.col("value").is_not_null())[col].to_list())
    return [n for n in dict.fromkeys(df[col].to_list()) if n not in shown]


def _facet(chart: alt.Chart, df: pl.DataFrame, facet: str, columns: int) -> alt.FacetChart:
    """Small multiples of `chart` by `facet`, panels with nothing to draw left out."""
    col = label_of(facet)
    empty = set(_empty_panels(df, facet))
    names = [n for n in dict.fromkeys(df[col].to_list()) if n not in empty]
    if empty:
        chart.data = chart.data.filter(pl.col(col).is_in(names))
    return chart.facet(
        facet=alt.Facet(
            f"{col}:N",
            sort=names,
            title=None,
            header=alt.Header(labelFontSize=13, labelAnchor="start", labelFontWeight="bold"),
        ),
        columns=columns,
    )


def _dim_title(dim: str | None) -> str:
    return dim_label(dim)


def _fmt(unit: str) -> str:
    return ",.0f" if decimals_for(unit) == 0 else ",.1f"


def _y_axis(unit: str) -> alt.Axis:
    return alt.Axis(format=_fmt(unit), tickCount=5, titleFontWeight="normal")


def _value_text(df: pl.DataFrame, unit: str) -> list[pl.Expr]:
    """value_text (words, for tooltips) and tile_text (the pivot's symbols, in heat maps) of
    df's rows."""
    supp = pl.col("suppressed").fill_null(False)
    number = pl.lit(texts(df["value"], lambda v: format_number(v, value_decimals(v, unit))))
    return [
        pl.when(supp)
        .then(pl.lit(t("chart.suppressed")))
        .when(pl.col("value").is_null())
        .then(pl.lit(t("explorer.undefined")))
        .otherwise(number)
        .alias("value_text"),
        pl.when(supp)
        .then(pl.lit(t("explorer.symbol.suppressed")))
        .when(pl.col("value").is_null())
        .then(pl.lit("."))
        .otherwise(number)
        .alias("tile_text"),
    ]
