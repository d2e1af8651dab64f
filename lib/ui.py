"""The Streamlit layer: cached data access, the page frame and rendering helpers.

The only lib module that imports streamlit. Caching by kind (see STYLE.md):

- the analytic snapshot once per process and loaded batch: `st.cache_resource`, keyed by the
  store URL and the batch's content hash (a new import changes the hash, so it is picked up);
- indicator tables per view: `st.cache_data`, keyed by the frozen Query, the viewer, the URL and
  the content hash. A DataFrame is never a cache key.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import polars as pl
import streamlit as st

from lib import access, charts, overview
from lib.format import (
    DASH,
    format_change,
    format_date,
    format_month,
    format_period,
    format_value,
    suppressed_footnote,
    unit_text,
)
from lib.i18n import set_language, t
from lib.indicators import INDICATORS, IndicatorError, Query
from lib.settings import get_settings

log = logging.getLogger("trialwatch")

VIEWER = access.FULL_ACCESS  # role rules will pick the viewer here (lib/access.py enforces them)


# ---------------------------------------------------------------------------------------------
# Data state


@dataclass(frozen=True)
class DataState:
    """What the store holds: 'ok' with its DataInfo, 'empty', or 'unreachable' with a reason."""

    status: str
    info: access.DataInfo | None = None
    detail: str | None = None


def _safe_url(url: str) -> str:
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 -- a malformed URL is shown as it is, minus nothing secret
        return url.split("@")[-1]


@st.cache_data(ttl=5, show_spinner=False)
def _data_info(db_url: str) -> access.DataInfo | None:
    # A short TTL: a new import shows up within seconds without a query on every widget change.
    return access.data_info(db_url)


def data_state() -> DataState:
    """The store's state for this run: never raises."""
    url = get_settings().db_url
    try:
        info = _data_info(url)
    except Exception as exc:  # noqa: BLE001 -- any failure to reach the store is reported
        log.warning("data store unreachable: %s", exc)
        return DataState("unreachable", detail=f"{type(exc).__name__}: {exc}")
    return DataState("ok", info) if info is not None else DataState("empty")


def current_info() -> access.DataInfo:
    """The loaded batch's DataInfo (the frame has already checked that there is one)."""
    state = data_state()
    if state.info is None:
        raise access.NoData(t("store.empty.body"))
    return state.info


@st.cache_resource(show_spinner=False, max_entries=4)
def _snapshot(db_url: str, content_hash: str):
    # content_hash is part of the key only: a new batch gets its own entry.
    return access.snapshot(db_url)


def snapshot():
    info = current_info()
    return _snapshot(info.db_url, info.content_hash)


@st.cache_data(show_spinner=False, max_entries=1024)
def _read(query: Query, viewer: access.Viewer, db_url: str, content_hash: str) -> pl.DataFrame:
    return access.read_indicator(query, viewer, snap=_snapshot(db_url, content_hash))


def read(query: Query) -> pl.DataFrame:
    """The indicator table for `query`, cached per query and loaded batch."""
    info = current_info()
    return _read(query, VIEWER, info.db_url, info.content_hash)


@st.cache_resource(show_spinner=False, max_entries=8)
def _overview_context(db_url: str, content_hash: str, min_count: int):
    return overview.context_from_snapshot(_snapshot(db_url, content_hash), min_count)


def overview_context() -> overview.OverviewContext:
    info = current_info()
    return _overview_context(info.db_url, info.content_hash, get_settings().min_count)


# ---------------------------------------------------------------------------------------------
# The frame around every page


def setup_language() -> None:
    """The language from the URL (?lang=fi), English by default."""
    set_language(str(st.query_params.get("lang", "en")))


def sidebar_header(state: DataState) -> None:
    """Product name, the extract's as-of date and its source."""
    with st.sidebar:
        st.markdown(f"## {t('app.name')}")
        st.caption(t("app.tagline"))
        if state.info is not None:
            info = state.info
            st.markdown(f"**{t('sidebar.as_of', date=format_date(info.as_of))}**")
            st.caption(t("sidebar.source", source=info.source or t("sidebar.unknown_source")))
            st.caption(t("sidebar.loaded", date=format_date(info.loaded_at)))


def synthetic_notice(state: DataState) -> None:
    """The persistent notice on every page when the loaded data is synthetic."""
    if state.info is not None and state.info.synthetic:
        st.warning(t("notice.synthetic"), icon=":material/science:")


def store_message(state: DataState) -> None:
    """What to do when there is nothing to show: an empty or unreachable store."""
    if state.status == "empty":
        st.info(f"**{t('store.empty.title')}**\n\n{t('store.empty.body')}", icon=":material/info:")
    elif state.status == "unreachable":
        st.error(
            t("store.unreachable", url=_safe_url(get_settings().db_url)), icon=":material/error:"
        )
        if state.detail:
            with st.expander(t("error.details")):
                st.code(state.detail, language=None)


def friendly_error(exc: BaseException) -> None:
    """A short message instead of a traceback; the traceback goes to the server log."""
    if isinstance(exc, access.NoData):
        store_message(DataState("empty"))
        return
    log.exception("page failed", exc_info=exc)
    if isinstance(exc, IndicatorError):
        st.error(t("error.query", message=str(exc)), icon=":material/error:")
        return
    st.error(t("error.page"), icon=":material/error:")
    with st.expander(t("error.details")):
        st.code(f"{type(exc).__name__}: {exc}", language=None)


# ---------------------------------------------------------------------------------------------
# Indicators


def indicator_label(indicator_id: str) -> str:
    return t(INDICATORS[indicator_id].label)


def definition_popover(indicator_id: str, *, label: str | None = None, key: str | None = None):
    """The indicator's label, unit, definition and evaluation day, one click away.

    The button carries the indicator's name (an info icon beside it), so a card's title is
    itself the way to its definition.
    """
    ind = INDICATORS[indicator_id]
    title = label or t(ind.label)
    with st.popover(
        f"**{title}**",
        icon=":material/info:",
        type="tertiary",
        help=t("definition.help"),
        key=key or f"definition-{indicator_id}",
    ):
        st.markdown(f"**{title}**")
        st.markdown(t(ind.definition))
        lines = [f"{t('definition.unit')}: {unit_text(ind.unit)}"]
        if ind.evaluation_day and ind.evaluation_day != "-":
            lines.append(f"{t('definition.evaluation_day')}: {t(ind.evaluation_day)}")
        st.caption("  \n".join(lines))
        min_count = get_settings().min_count
        if ind.disclosure and min_count > 0:
            st.caption(t("definition.disclosure", n=min_count))


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
        first = overview.shift_month(head.previous_month, -(overview.POOL_MONTHS - 1))
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


def headline_card(head: overview.Headline, ctx: overview.OverviewContext) -> None:
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
            _trend(head, ctx)
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


def _trend(head: overview.Headline, ctx: overview.OverviewContext) -> None:
    trend = head.trend
    if not trend.height or not trend["value"].drop_nulls().len():
        return
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
    st.altair_chart(chart, width="stretch")


def headline_grid(
    heads: list[overview.Headline], ctx: overview.OverviewContext, per_row: int = 3
) -> None:
    for start in range(0, len(heads), per_row):
        cols = st.columns(per_row)
        for col, head in zip(cols, heads[start : start + per_row]):
            with col:
                headline_card(head, ctx)


# ---------------------------------------------------------------------------------------------
# Per-area table

_AREA_COLUMNS = {
    "active_caseload": ("table.active_caseload", "%,d"),
    "caseload_change": ("table.caseload_change", "%+d"),
    "cumulative_transferred": ("table.cumulative_transferred", "%,d"),
    "client_facing_fte": ("table.client_facing_fte", "%.1f"),
    "clients_per_fte": ("table.clients_per_fte", "%.1f"),
    "exit_rate": ("table.exit_rate", "%.1f"),
    "placement_rate_90": ("table.placement_rate_90", "%.1f"),
}
_AREA_INDICATOR = {
    "active_caseload": "active_caseload",
    "caseload_change": "active_caseload",
    "cumulative_transferred": "cumulative_transferred",
    "client_facing_fte": "staff_fte",
    "clients_per_fte": "clients_per_fte",
    "exit_rate": "exit_rate",
    "placement_rate_90": "placement_rate_90",
}


def _area_notes(df: pl.DataFrame) -> list[str]:
    """Why a '–' is not a suppression (the footnote covers suppression)."""
    return [t("table.note.no_staff") if row["no_staff"] else "" for row in df.iter_rows(named=True)]


def area_table(
    df: pl.DataFrame, ctx: overview.OverviewContext, placement: overview.Headline | None
) -> None:
    """The headline indicators per trial area: sortable, formatted, with the caseload trend."""
    if df.height == 0:
        st.info(t("overview.no_areas"))
        return
    prev = format_month(overview.shift_month(ctx.last_month, -1))
    shown = df.with_columns(notes=pl.Series(_area_notes(df), dtype=pl.String))
    trend_span = {"start": format_month(ctx.trend_from), "end": format_month(ctx.last_month)}
    config = {
        "area_name": st.column_config.TextColumn(t("table.area"), pinned=True),
        "trend": st.column_config.LineChartColumn(
            t("table.trend"), help=t("table.help.trend", **trend_span), y_min=0, width=130
        ),
        "notes": st.column_config.TextColumn(t("table.notes")),
    }
    helps = {
        "caseload_change": t("table.help.caseload_change", month=prev),
        "client_facing_fte": t("table.help.client_facing_fte"),
    }
    for col, (key, fmt) in _AREA_COLUMNS.items():
        config[col] = st.column_config.NumberColumn(
            t(key),
            format=fmt,
            help=helps.get(col) or t(INDICATORS[_AREA_INDICATOR[col]].definition),
        )
    order = ["area_name", *_AREA_COLUMNS, "trend"]
    if shown["notes"].str.len_chars().sum():
        order.append("notes")
    st.dataframe(
        shown,
        column_config=config,
        column_order=order,
        hide_index=True,
        placeholder=DASH,
        width="stretch",
        height=min(36 + 35 * shown.height, 36 + 35 * 30),
        key="overview-areas",
    )
    month = format_month(ctx.last_month)
    if placement is not None and placement.status not in ("unavailable", "no_outcomes"):
        period = format_period(*overview.area_placement_period(placement, ctx))
        caption = t("overview.areas.caption", month=month, placement_period=period)
    else:
        caption = t("overview.areas.caption_no_placement", month=month)
    if ctx.min_count > 0:
        caption += "  \n" + suppressed_footnote(ctx.min_count)
    if shown["trend"].is_null().any():
        caption += "  \n" + t("table.no_trend")
    st.caption(caption)
