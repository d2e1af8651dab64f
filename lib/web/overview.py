"""The Overview page's headline cards and per-area table (figures: lib/figures/overview.py)."""

from __future__ import annotations

import dataclasses

import polars as pl
import streamlit as st

from lib.engine.indicators import INDICATORS
from lib.engine.months import shift_month
from lib.figures import charts, overview
from lib.figures.exports import Column, ExportMeta
from lib.figures.filters import Selection
from lib.figures.format import (
    DASH,
    format_change,
    format_date,
    format_month,
    format_number,
    format_period,
    format_value,
    suppressed_footnote,
    unit_text,
)
from lib.figures.i18n import t
from lib.settings import get_settings
from lib.web.data import (
    _options,
    _overview_context,
    _settings_key,
    current_info,
    read,
)
from lib.web.render import (
    _meta_kw,
    _number_format,
    chart_element,
    definition_popover,
    downloads,
)


def metric_value(fig: overview.Figure, unit: str) -> str:
    """A figure as a metric shows it: formatted with its unit, '–' when suppressed or missing."""
    return DASH if not fig.shown else format_value(fig.value, unit)


def _delta_color(head: overview.Headline) -> str:
    return "normal" if head.good_direction == "up" else "off"


def _caption(head: overview.Headline, ctx: overview.OverviewContext) -> str:
    unit = unit_text(head.unit)
    month = format_month(head.month)
    if head.status == "unavailable":
        return t("caption.unavailable")
    if head.key == "placement_rate_90":
        if head.status == "no_outcomes":
            return t("caption.placement_none")
        if head.pooled:
            period = format_period(head.pool_from, head.month)
            text = t("caption.placement_pooled", period=period, month=month)
        else:
            text = t("caption.placement_single", month=month)
        if head.current.shown and head.current.denominator is not None:
            text += " · " + t(
                "caption.episodes", n=format_value(head.current.denominator, "persons")
            )
        return text
    if head.key == "cumulative_transferred":
        return t("caption.since_start", unit=unit, month=month)
    if head.key == "client_facing_fte":
        return t("caption.fte", unit=unit, month=month)
    if head.key == "clients_per_fte":
        text = t("caption.month_end", unit=unit, month=month)
        if head.status == "no_staff":
            text = t("caption.no_staff", month=month)
        if head.band:
            text += " · " + t("caption.band", low=f"{head.band[0]:g}", high=f"{head.band[1]:g}")
        return text
    if head.key == "exit_rate":
        prev = format_month(head.previous_month) if head.previous_month else DASH
        return t("caption.exit_rate", unit=unit, month=month, prev=prev)
    return t("caption.month_end", unit=unit, month=month)


def _delta_description(head: overview.Headline) -> str | None:
    if head.previous_month is None:
        return None
    if head.pooled:
        first = shift_month(head.previous_month, -(overview.POOL_MONTHS - 1))
        return t("change.vs_pool", period=format_period(first, head.previous_month))
    return t("change.vs", month=format_month(head.previous_month))


def _metric(
    label: str,
    fig: overview.Figure,
    delta: float | None,
    head: overview.Headline,
    *,
    description: str | None,
    label_visibility: str = "visible",
) -> None:
    text = format_change(delta, head.unit)
    # No change (at the shown precision): grey and no arrow, whatever the unit's text says.
    unchanged = text is not None and not text.startswith(("+", "-"))
    st.metric(
        label,
        metric_value(fig, head.unit),
        delta=text,
        delta_color="off" if unchanged else _delta_color(head),
        delta_arrow="off" if unchanged else "auto",
        delta_description=description if delta is not None else None,
        label_visibility=label_visibility,
    )


def headline_card(
    head: overview.Headline, ctx: overview.OverviewContext, specs: dict | None = None
) -> None:
    """One headline: label and definition, the metric with its change, caption, trend chart."""
    label = t(f"headline.{head.key}")
    # height="stretch": the cards of a row share one height, so the row reads as a grid.
    with st.container(border=True, height="stretch"):
        definition_popover(head.indicator, label=label, key=f"definition-{head.key}")
        description = _delta_description(head)
        if head.comparison is not None:
            # Two metrics side by side: no room for "vs <month>"; the caption says it.
            a, b = st.columns(2)
            with a:
                _metric(t("metric.trial"), head.current, head.change, head, description=None)
            with b:
                _metric(
                    t("metric.comparison"),
                    head.comparison,
                    head.comparison_change,
                    head,
                    description=None,
                )
        else:
            _metric(
                label,
                head.current,
                head.change,
                head,
                description=description,
                label_visibility="collapsed",
            )
        if head.status != "unavailable":
            _trend(head, ctx, (specs or {}).get(head.key, False))
        st.caption(_caption(head, ctx))
        if head.comparison is not None:
            st.caption(t("caption.exit_rate_note"))
        if head.status == "unavailable" and head.message:
            st.caption(head.message)
        suppressed = head.current.suppressed or (
            head.comparison is not None and head.comparison.suppressed
        )
        if suppressed:
            st.caption(suppressed_footnote(ctx.min_count))


def trend_spec(head: overview.Headline, ctx: overview.OverviewContext) -> dict | None:
    """The headline's trend chart as a Vega-Lite dict (None when there is nothing to draw)."""
    trend = head.trend
    if not trend.height or not trend["value"].drop_nulls().len():
        return None
    kw = {}
    if "group" in trend.columns:
        names = {"trial": t("metric.trial"), "comparison": t("metric.comparison")}
        trend = trend.with_columns(pl.col("group").replace_strict(names))
        kw = {
            "series": "group",
            "series_colors": {
                names["trial"]: charts.TRIAL_COLOR,
                names["comparison"]: charts.COMPARISON_COLOR,
            },
            "series_dashes": {names["comparison"]: charts.COMPARISON_DASH},
            "series_title": t("chart.series"),
        }
    chart = charts.trend_chart(
        trend, unit=head.unit, start_month=ctx.start_month, band=head.band, **kw
    )
    return chart.vega_lite()


def _trend(head: overview.Headline, ctx: overview.OverviewContext, spec=False) -> None:
    spec = trend_spec(head, ctx) if spec is False else spec
    if spec is not None:
        chart_element(spec)


def headline_grid(
    heads: list[overview.Headline],
    ctx: overview.OverviewContext,
    per_row: int = 3,
    specs: dict | None = None,
) -> None:
    for start in range(0, len(heads), per_row):
        cols = st.columns(per_row)
        for col, head in zip(cols, heads[start : start + per_row]):
            with col:
                headline_card(head, ctx, specs)


_AREA_INDICATOR = {
    "active_caseload": "active_caseload",
    "cumulative_transferred": "cumulative_transferred",
    "client_facing_fte": "staff_fte",
    "clients_per_fte": "clients_per_fte",
    "exit_rate": "exit_rate",
    "placement_rate_90": "placement_rate_90",
}


_AREA_UNIT = {
    "active_caseload": "persons",
    "cumulative_transferred": "persons",
    "client_facing_fte": "FTE",
    "clients_per_fte": "clients per FTE",
    "exit_rate": "%",
    "placement_rate_90": "%",
}


def _area_notes(df: pl.DataFrame) -> list[str]:
    """Why a '–' is not a suppression (the footnote covers suppression)."""
    return [t("table.note.no_staff") if row["no_staff"] else "" for row in df.iter_rows(named=True)]


def _target_marks(df: pl.DataFrame, band: tuple[float, float] | None) -> list[str]:
    if band is None:
        return [""] * df.height
    band_text = f"{format_number(band[0])}–{format_number(band[1])}"
    marks = {
        "below": t("table.mark.below", band=band_text),
        "above": t("table.mark.above", band=band_text),
    }
    return [marks.get(v, "") if v else "" for v in df["clients_per_fte_target"].to_list()]


def area_table_columns(ctx: overview.OverviewContext) -> list[Column]:
    """The overview's per-area table as a download: every value and change, with the marks."""
    cols = [
        Column("trial_area_id", t("column.trial_area_id"), "code", shown=False),
        Column("area_name", t("table.area"), "text"),
    ]
    for name in overview.AREA_VALUE_COLUMNS:
        unit = _AREA_UNIT[name]
        label = t(f"table.{name}")
        cols += [
            Column(
                name, label, "number", unit, description=t(INDICATORS[_AREA_INDICATOR[name]].label)
            ),
            Column(
                f"{name}_month",
                t("table.change_month_of", name=label),
                "number",
                unit,
                description=t("table.help.change_month"),
            ),
            Column(
                f"{name}_year",
                t("table.change_year_of", name=label),
                "number",
                unit,
                description=t("table.help.change_year"),
            ),
            Column(f"{name}_suppressed", t("table.suppressed_of", name=label), "flag", shown=False),
        ]
    cols.append(
        Column("target_mark", t("table.off_target"), "text", description=t("table.help.off_target"))
    )
    return cols


def area_table(
    df: pl.DataFrame,
    ctx: overview.OverviewContext,
    placement: overview.Headline | None,
    *,
    fte_band: tuple[float, float] | None = None,
    meta_filters: tuple = (),
) -> None:
    """The headline indicators per trial area: values with off-target marks, the change on the
    previous month and on a year earlier (one tab each), sortable, with downloads."""
    if df.height == 0:
        st.info(t("overview.no_areas"))
        return
    prev = format_month(shift_month(ctx.last_month, -1))
    year = format_month(shift_month(ctx.last_month, -12))
    shown = df.with_columns(
        notes=pl.Series(_area_notes(df), dtype=pl.String),
        target_mark=pl.Series(_target_marks(df, fte_band), dtype=pl.String),
    )
    trend_span = {"start": format_month(ctx.trend_from), "end": format_month(ctx.last_month)}
    base = {
        "area_name": st.column_config.TextColumn(t("table.area"), pinned=True),
        "trend": st.column_config.LineChartColumn(
            t("table.trend"), help=t("table.help.trend", **trend_span), y_min=0, width=120
        ),
        "notes": st.column_config.TextColumn(t("table.notes")),
        "target_mark": st.column_config.TextColumn(
            t("table.off_target"), help=t("table.help.off_target"), width=105
        ),
    }
    helps = {"client_facing_fte": t("table.help.client_facing_fte")}
    values, month_changes, year_changes = dict(base), dict(base), dict(base)
    for col in overview.AREA_VALUE_COLUMNS:
        unit = _AREA_UNIT[col]
        definition = helps.get(col) or t(INDICATORS[_AREA_INDICATOR[col]].definition)
        values[col] = st.column_config.NumberColumn(
            t(f"table.{col}"), format=_number_format(unit), help=definition
        )
        month_changes[f"{col}_month"] = st.column_config.NumberColumn(
            t(f"table.{col}"),
            format=_number_format(unit, signed=True),
            help=t("table.help.change_on", month=prev)
            if col != overview.PLACEMENT_INDICATOR
            else t("table.help.change_pooled"),
        )
        year_changes[f"{col}_year"] = st.column_config.NumberColumn(
            t(f"table.{col}"),
            format=_number_format(unit, signed=True),
            help=t("table.help.change_on", month=year),
        )
    height = min(36 + 35 * shown.height, 36 + 35 * 30)
    common = {"hide_index": True, "placeholder": DASH, "width": "stretch", "height": height}
    tab_values, tab_month, tab_year = st.tabs(
        [t("table.tab.values"), t("table.tab.month", month=prev), t("table.tab.year", month=year)]
    )
    with tab_values:
        order = ["area_name", *overview.AREA_VALUE_COLUMNS, "target_mark", "trend"]
        if shown["notes"].str.len_chars().sum():
            order.append("notes")
        st.dataframe(
            shown, column_config=values, column_order=order, key="overview-areas", **common
        )
    with tab_month:
        order = ["area_name", *[f"{c}_month" for c in overview.AREA_VALUE_COLUMNS]]
        st.dataframe(
            shown,
            column_config=month_changes,
            column_order=order,
            key="overview-areas-month",
            **common,
        )
    with tab_year:
        order = ["area_name", *[f"{c}_year" for c in overview.AREA_VALUE_COLUMNS]]
        st.dataframe(
            shown,
            column_config=year_changes,
            column_order=order,
            key="overview-areas-year",
            **common,
        )
    month = format_month(ctx.last_month)
    if placement is not None and placement.status not in ("unavailable", "no_outcomes"):
        period = format_period(*overview.area_placement_period(placement, ctx))
        caption = t("overview.areas.caption", month=month, placement_period=period)
    else:
        caption = t("overview.areas.caption_no_placement", month=month)
    if fte_band is not None:
        caption += "  \n" + t(
            "overview.areas.marks", low=format_number(fte_band[0]), high=format_number(fte_band[1])
        )
    if ctx.min_count > 0:
        caption += "  \n" + suppressed_footnote(ctx.min_count)
    if shown["trend"].is_null().any():
        caption += "  \n" + t("table.no_trend")
    caption += "  \n" + t("block.as_of", date=format_date(ctx.as_of))
    st.caption(caption)
    columns = area_table_columns(ctx)
    downloads(
        shown,
        columns,
        ExportMeta(
            title=t("overview.areas"),
            indicators=tuple(dict.fromkeys(_AREA_INDICATOR.values())),
            filters=meta_filters,
            notes=(caption.replace("  \n", " "),),
            **_meta_kw(),
        ),
        key="overview-areas",
    )


def overview_query(sel: Selection):
    """The Overview's query maker: the sidebar's selection (lib/figures/overview.py's protocol)."""

    def make(indicator: str, *, by, where=(), month_from=None, month_to=None, side="selection"):
        return sel.state.to_query(
            sel.options,
            indicator,
            tuple(by),
            side="comparison" if side == "comparison" else "selection",
            where=tuple(where),
            period=(month_from, month_to),
        )

    return make


def overview_view(sel: Selection):
    """The Overview's figures for the selection (its areas, its months) and the headlines'
    chart specs, cached per selection and loaded batch: (context, view, specs)."""
    info = current_info()
    return _overview_view(sel.state, sel.lang, info.db_url, info.content_hash, _settings_key())


@st.cache_data(show_spinner=False, max_entries=64)
def _overview_view(state, lang, db_url, content_hash, settings_key):
    sel = Selection(state, _options(db_url, content_hash), lang)
    s = get_settings()
    ctx = _overview_context(db_url, content_hash, s.min_count)
    area_ids = state.selected_area_ids(sel.options)
    ctx = dataclasses.replace(
        ctx,
        areas=ctx.areas.filter(pl.col("trial_area_id").is_in(area_ids)),
        last_month=state.month_to or ctx.last_month,
        period_from=state.month_from,
    )
    view = overview.build(read, ctx, overview_query(sel), fte_band=s.fte_band)
    specs = {h.key: trend_spec(h, ctx) for h in view.headlines if h.status != "unavailable"}
    return ctx, view, specs
