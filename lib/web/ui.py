"""The Streamlit layer: cached data access, the page frame and rendering helpers.

With lib/web/sidebar.py (the sidebar's widgets), the only lib module that imports streamlit.
Caching by kind (see STYLE.md):

- the analytic snapshot once per process and loaded batch: `st.cache_resource`, keyed by the
  store URL and the batch's content hash (a new import changes the hash, so it is picked up);
- indicator tables per view: `st.cache_data`, keyed by the frozen Query, the viewer, the URL and
  the content hash. A DataFrame is never a cache key;
- a page's figures (`build`: Blocks with their charts as Vega-Lite dicts) per frozen
  FilterState, page arguments, language, settings and batch, so that going back to a selection
  redraws without computing or building a chart.

A block is drawn the same way everywhere (`block`): its title is the button to its definition,
then the chart, a caption with unit, period and as-of date, the suppression mark, the table
behind the chart one click away, and CSV and Excel downloads of exactly that table.
"""

from __future__ import annotations

import dataclasses
import gc
import html
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import polars as pl
import streamlit as st
from altair.utils import schemapi as alt_schemapi
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from lib.engine import access
from lib.engine.indicators import INDICATORS, IndicatorError, Query
from lib.figures import charts, exports, overview
from lib.figures.blocks import Block, Metric, PageContext
from lib.figures.exports import Column, ExportMeta
from lib.figures.filters import FilterOptions, FilterState, Selection, options_from_snapshot
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
from lib.figures.i18n import set_language, t
from lib.settings import get_settings
from lib.web import sidebar

log = logging.getLogger("trialwatch")

# Charts are built per rerun; Altair validating every piece as it is built costs more than the
# data. The finished spec is still valid: tests/figures/test_charts.py validates each
# builder's output.
alt_schemapi.disable_debug_mode()

# Role rules will pick the viewer here (lib/engine/access.py enforces them).
VIEWER = access.FULL_ACCESS


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
    require_frame()
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


_POOL = ThreadPoolExecutor(max_workers=3, thread_name_prefix="trialwatch-read")


def read_many(queries: list[Query]) -> list[pl.DataFrame | None]:
    """Several indicator tables read side by side (Polars releases the GIL), each cached as by
    `read`; None for a query the extract cannot answer."""
    info = current_info()
    run_ctx = get_script_run_ctx()

    def one(query: Query):
        add_script_run_ctx(threading.current_thread(), run_ctx)
        try:
            return _read(query, VIEWER, info.db_url, info.content_hash)
        except IndicatorError:
            return None

    return list(_POOL.map(one, queries))


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


def _definition_body(indicator_id: str, *, heading: bool = True) -> None:
    ind = INDICATORS[indicator_id]
    if heading:
        st.markdown(f"**{t(ind.label)}**")
    st.markdown(t(ind.definition))
    lines = [f"{t('definition.unit')}: {unit_text(ind.unit)}"]
    if ind.evaluation_day and ind.evaluation_day != "-":
        lines.append(f"{t('definition.evaluation_day')}: {t(ind.evaluation_day)}")
    st.caption("  \n".join(lines))


def definition_popover(
    indicator_id: str | tuple[str, ...],
    *,
    label: str | None = None,
    key: str | None = None,
):
    """The indicators' labels, units, definitions and evaluation days, one click away.

    The button carries the figure's name (an info icon beside it), so a card's title is
    itself the way to its definition.
    """
    ids = (indicator_id,) if isinstance(indicator_id, str) else tuple(indicator_id)
    title = label or t(INDICATORS[ids[0]].label)
    with st.popover(
        f"**{title}**",
        icon=":material/info:",
        type="tertiary",
        help=t("definition.help"),
        key=key or f"definition-{'-'.join(ids)}",
    ):
        if len(ids) == 1:
            st.markdown(f"**{title}**")
            _definition_body(ids[0], heading=False)
        else:
            for ind in ids:
                _definition_body(ind)
        min_count = get_settings().min_count
        if any(INDICATORS[i].disclosure for i in ids) and min_count > 0:
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


# ---------------------------------------------------------------------------------------------
# Per-area table

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


def _number_format(unit: str | None, *, signed: bool = False) -> str:
    if unit in ("persons", "contacts"):
        return "%+,d" if signed else "%,d"
    return "%+,.1f" if signed else "%,.1f"


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
    prev = format_month(overview.shift_month(ctx.last_month, -1))
    year = format_month(overview.shift_month(ctx.last_month, -12))
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


# ---------------------------------------------------------------------------------------------
# The selection and the page context


@st.cache_resource(show_spinner=False, max_entries=4)
def _options(db_url: str, content_hash: str) -> FilterOptions:
    return options_from_snapshot(_snapshot(db_url, content_hash))


def options() -> FilterOptions:
    """What the loaded extract offers to filter by (cached per batch)."""
    info = current_info()
    return _options(info.db_url, info.content_hash)


def filters_sidebar() -> FilterState:
    """The sidebar's filters for this run (the frame calls it once, before the page)."""
    return sidebar.sidebar(options())


def selection() -> Selection:
    """The selection the sidebar holds, checked against the loaded extract."""
    require_frame()
    opts = options()
    state = st.session_state.get(sidebar.CANON) or opts.default_state()
    from lib.figures.i18n import current_language

    return Selection(state, opts, current_language())


def page_context() -> PageContext:
    """What a page's figures depend on: the selection, the cached reader, the settings."""
    return _context(selection())


def _context(sel: Selection) -> PageContext:
    s = get_settings()
    return PageContext(
        sel=sel,
        read=read,
        as_of=current_info().as_of,
        min_count=s.min_count,
        fte_band=s.fte_band,
        weekly_contacts=s.weekly_contacts,
        youth_age=s.youth_age,
        snap=snapshot,
        read_many=read_many,
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


def _settings_key() -> tuple:
    s = get_settings()
    return (s.min_count, s.youth_age, s.fte_band, s.weekly_contacts)


def build(fn, ctx: PageContext, *args, **kw):
    """`fn(ctx, *args, **kw)` (a page module's builder), cached per selection, arguments and
    loaded batch. Its Altair charts come back as Vega-Lite dicts, so a page shown again (or a
    filter switched back) is drawn without building a chart."""
    info = current_info()
    name = f"{fn.__module__}:{fn.__qualname__}"
    return _build(
        name,
        ctx.state,
        args,
        tuple(sorted(kw.items())),
        ctx.lang,
        info.db_url,
        info.content_hash,
        _settings_key(),
    )


@st.cache_data(show_spinner=False, max_entries=512)
def _build(name, state, args, kw, lang, db_url, content_hash, settings_key):
    import importlib

    module, qualname = name.split(":")
    fn = importlib.import_module(module)
    for part in qualname.split("."):
        fn = getattr(fn, part)
    ctx = _context(Selection(state, _options(db_url, content_hash), lang))
    return _freeze(fn(ctx, *args, **dict(kw)))


def _freeze(value):
    """Charts inside a result (a Block, a view of Blocks, a list) as Vega-Lite dicts."""
    if isinstance(value, Block):
        value.chart = _vega_lite(value.chart)
        return value
    if isinstance(value, list):
        return [_freeze(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            if isinstance(item, Block | list):
                setattr(value, f.name, _freeze(item))
            elif f.name == "chart":
                setattr(value, f.name, _vega_lite(item))
        return value
    return value


def _vega_lite(chart):
    """A chart (lib.figures.charts.Spec or Altair) as the dict st.vega_lite_chart takes; None and
    dicts as they are."""
    if isinstance(chart, charts.Spec):
        return chart.vega_lite()
    if chart is not None and not isinstance(chart, dict) and hasattr(chart, "to_dict"):
        return chart.to_dict(validate=False)
    return chart


# ---------------------------------------------------------------------------------------------
# Blocks: a figure with its definition, caption, table and downloads


def _meta_kw() -> dict:
    info = current_info()
    return {
        "as_of": info.as_of,
        "source": info.source,
        "loaded_at": info.loaded_at,
        "batch_id": info.batch_id,
        "min_count": get_settings().min_count,
        "synthetic": info.synthetic,
        "link": _link(),
    }


def _link() -> str | None:
    try:
        sel = selection()
        return sidebar.share_link(sel.state, sel.options)
    except Exception:  # noqa: BLE001 -- a link is a courtesy, never a failure
        return None


def explorer_export_meta(
    *, title: str, indicators: tuple[str, ...], filters: tuple, notes: tuple[str, ...]
) -> ExportMeta:
    """The metadata of a download built outside a Block (the Explorer's)."""
    return ExportMeta(
        title=title, indicators=indicators, filters=filters, notes=notes, **_meta_kw()
    )


def export_meta(block: Block, sel: Selection) -> ExportMeta:
    return ExportMeta(
        title=block.title,
        indicators=block.indicators,
        filters=tuple(sel.state.describe(sel.options, sel.lang)),
        notes=tuple(n for n in (block.caption, *block.notes) if n),
        **_meta_kw(),
    )


def display_frame(df: pl.DataFrame, columns) -> tuple[pl.DataFrame, dict, list[str]]:
    """The table as the page shows it: months as words, labelled columns, codes hidden."""
    config = {}
    order = []
    out = df
    for col in columns:
        if not col.shown or col.name not in df.columns:
            continue
        order.append(col.name)
        if col.kind == "month":
            out = out.with_columns(
                pl.col(col.name).map_elements(format_month, return_dtype=pl.String)
            )
            config[col.name] = st.column_config.TextColumn(col.label, help=col.description or None)
        elif col.kind == "number":
            config[col.name] = st.column_config.NumberColumn(
                col.label, format=_number_format(col.unit), help=col.description or None
            )
        elif col.kind == "bar":
            config[col.name] = st.column_config.ProgressColumn(
                col.label,
                min_value=0,
                max_value=100,
                format="%.1f %%",
                help=col.description or None,
            )
        elif col.kind == "flag":
            config[col.name] = st.column_config.CheckboxColumn(
                col.label, help=col.description or None
            )
        else:
            config[col.name] = st.column_config.TextColumn(col.label, help=col.description or None)
    return out, config, order


def downloads(df: pl.DataFrame, columns, meta: ExportMeta, *, key: str) -> None:
    """CSV and Excel buttons; the files are written only when a button is clicked."""
    columns = list(columns)
    formats = (
        ("download.csv", exports.to_csv, "csv", "text/csv"),
        (
            "download.excel",
            exports.to_excel,
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    )
    buttons = [
        (label, lambda write=write: write(df, columns, meta), ext, mime)
        for label, write, ext, mime in formats
    ]
    download_row(buttons, meta, key=key)


def download_row(buttons, meta: ExportMeta, *, key: str) -> None:
    """Download buttons side by side: (label key, bytes-making callable, extension, MIME type)
    each; the file is written only when its button is clicked."""
    widths = [1] * len(buttons) + [5 - len(buttons)]
    for col, (label, make, ext, mime) in zip(st.columns(widths), buttons, strict=False):
        with col:
            st.download_button(
                t(label),
                data=make,
                file_name=exports.file_name(meta.title, meta.as_of, ext),
                mime=mime,
                key=f"{ext}-{key}",
                icon=":material/download:",
                on_click="ignore",
                type="tertiary",
            )


def table(df: pl.DataFrame, columns, *, key: str, height: int | None = None) -> None:
    shown, config, order = display_frame(df, columns)
    rows = shown.height
    st.dataframe(
        shown,
        column_config=config,
        column_order=order,
        hide_index=True,
        placeholder=DASH,
        width="stretch",
        height=height or min(38 + 35 * max(rows, 1), 38 + 35 * 12),
        key=f"table-{key}",
    )


def static_table(
    df: pl.DataFrame,
    columns,
    *,
    key: str,
    title: str,
    height: int | None = None,
    wrap: bool = False,
    list_body: str | None = None,
) -> None:
    """A table with its downloads (no chart): the definitions page's tables. wrap: a static
    table whose long texts wrap, instead of a scrolling grid. list_body: the column to write as
    a paragraph under each row's first column (a definition list, for long definitions)."""
    if list_body:
        definition_list(df, columns, list_body)
    elif wrap:
        shown = [c for c in columns if c.shown and c.name in df.columns]
        st.table(
            df.select([pl.col(c.name).alias(c.label) for c in shown]),
            hide_index=True,
            border="horizontal",
        )
    else:
        table(df, columns, key=key, height=height)
    downloads(df, columns, ExportMeta(title=title, **_meta_kw()), key=key)


def definition_list(df: pl.DataFrame, columns, body: str) -> None:
    """Rows as a definition list: the first column in bold, `body` as its paragraph, the other
    shown columns on one line beneath ('Unit: persons · Evaluated on: ...')."""
    shown = [c for c in columns if c.shown and c.name in df.columns]
    head, rest = shown[0], [c for c in shown[1:] if c.name != body]
    parts = []
    for row in df.iter_rows(named=True):
        meta = " · ".join(f"*{c.label}:* {row[c.name]}" for c in rest if row[c.name])
        text = f"**{row[head.name]}**  \n{row[body]}"
        parts.append(f"{text}  \n{meta}" if meta else text)
    st.markdown("\n\n".join(parts))


def block_row(blocks: list[Block], per_row: int = 2) -> None:
    """Figures side by side, `per_row` to a row, each row's boxes as tall as its tallest (a
    caption of three lines beside one of one would leave the boxes ragged)."""
    for start in range(0, len(blocks), per_row):
        for col, b in zip(st.columns(per_row), blocks[start : start + per_row], strict=False):
            with col:
                block(b, stretch=True)


def block(
    b: Block,
    *,
    border: bool = True,
    table_open: bool = False,
    scroll: int | None = None,
    stretch: bool = False,
) -> None:
    """A figure: its title (the definition's button), chart, caption with the as-of date and
    the suppression mark, the table behind it one click away, and the downloads. `stretch`:
    as tall as its row (see block_row)."""
    sel = selection()
    with st.container(border=border, height="stretch" if stretch else "content"):
        definition_popover(b.indicators, label=b.title, key=f"definition-{b.key}")
        if b.message:
            st.info(b.message, icon=":material/info:")
        if b.chart is not None and not b.empty:
            chart_height = _chart_height(b.chart)
            if scroll and chart_height and chart_height > scroll:
                # A tall ranking scrolls inside its own box rather than pushing the page.
                with st.container(height=scroll, border=False):
                    chart_element(b.chart, key=f"chart-{b.key}")
            else:
                chart_element(b.chart, key=f"chart-{b.key}")
        lines = [b.caption] if b.caption else []
        if b.suppressed:
            lines.append(suppressed_footnote(get_settings().min_count))
        lines += list(b.notes)
        if lines:
            st.caption("  \n".join(lines))
        if b.empty:
            return
        if b.chart is None:
            table(b.table, b.columns, key=b.key, height=b.height)
        else:
            with st.expander(t("block.table"), icon=":material/table:", expanded=table_open):
                table(b.table, b.columns, key=b.key, height=b.height)
        downloads(b.table, b.columns, export_meta(b, sel), key=b.key)


def chart_element(chart, *, key: str | None = None) -> None:
    """Draw an Altair chart (or its Vega-Lite dict) across the container's width.

    The spec is written without Altair's JSON-schema validation, which costs about a tenth of a
    second per chart; tests/figures/test_charts.py validates every builder's output instead."""
    st.vega_lite_chart(_vega_lite(chart), width="stretch", key=key)


def _chart_height(chart) -> int | None:
    if isinstance(chart, dict):
        height = chart.get("height")
        return height if isinstance(height, int) else None
    height = getattr(chart, "height", None)
    return height if isinstance(height, int) else None


def metric_row(metrics: list[Metric], per_row: int | None = None) -> None:
    """Large numbers in a row, each with its definition on hover and its caption."""
    n = per_row or len(metrics)
    for start in range(0, len(metrics), n):
        cols = st.columns(n)
        for col, m in zip(cols, metrics[start : start + n]):
            with col, st.container(border=True, height="stretch"):
                ind = INDICATORS[m.indicator]
                value = DASH if (m.suppressed or m.value is None) else format_value(m.value, m.unit)
                st.metric(
                    m.label,
                    value,
                    help=f"{t(ind.definition)} ({t('definition.unit')}: {unit_text(ind.unit)})",
                )
                caption = m.caption
                if m.suppressed:
                    caption = f"{caption} · {t('suppressed.long', n=get_settings().min_count)}"
                if caption:
                    st.caption(caption)


def legend(items: list[tuple[str, str, bool]]) -> None:
    """A legend shared by several charts: a coloured line and the name of each series."""
    parts = []
    for label, color, dashed in items:
        style = "dashed" if dashed else "solid"
        parts.append(
            "<span style='white-space:nowrap'>"
            f"<span style='display:inline-block;width:22px;border-top:3px {style} {color};"
            f"vertical-align:middle;margin-right:5px'></span>{html.escape(label)}</span>"
        )
    st.markdown(
        "<div style='line-height:1.9'>" + " &emsp;".join(parts) + "</div>",
        unsafe_allow_html=True,
    )


def page_header(title_key: str, subtitle: str | None = None) -> None:
    """The page's title and one line: what it shows, for which selection, as of which date."""
    sel = selection()
    st.title(t(title_key))
    summary = sel.state.summary(sel.options, sel.lang)
    text = subtitle or ""
    info = current_info()
    line = " · ".join(
        x for x in (text, summary, t("block.as_of", date=format_date(info.as_of))) if x
    )
    st.caption(line)


def share_popover() -> None:
    """'Share this view': the address that reproduces the page as shown."""
    sel = selection()
    with st.sidebar, st.popover(t("share.button"), icon=":material/link:", width="stretch"):
        st.caption(t("share.help"))
        st.code(sidebar.share_link(sel.state, sel.options), language=None, wrap_lines=True)


@st.cache_data(ttl=5, show_spinner=False)
def _history(db_url: str):
    return access.load_history(db_url)


def load_history():
    """Every load of the store, newest first."""
    return _history(current_info().db_url)


_frame = threading.local()


def page_frame(page) -> None:
    """The shared sidebar (filters, share link), the URL notices, then the page itself."""
    _frame.active = True
    try:
        filters_sidebar()
        share_popover()
        sidebar.notices()
        sidebar.start_run()
        try:
            page.run()
        finally:
            sidebar.finish_run()
    finally:
        _frame.active = False
        _freeze_once()


_frozen = threading.Event()


def _freeze_once() -> None:
    """After the first page of the server process: collect once, then move every object alive
    (the imported libraries, the snapshot) out of the garbage collector's view. Otherwise a full
    collection walks them all (about 190,000 objects, 0.15-0.2 s) on a random later rerun."""
    if not _frozen.is_set():
        _frozen.set()
        gc.collect()
        gc.freeze()


def require_frame() -> None:
    """Make sure the page runs inside dashboard.py's frame.

    Streamlit runs a server process's very first script run the pre-`st.navigation` way when
    a `pages/` folder exists: a deep link (say /caseload, from a shared link) then runs the page
    file alone, without the frame's sidebar and filters. Switch that off and run again, so the
    frame resolves the link to its page."""
    if getattr(_frame, "active", False):
        return
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False
    st.rerun()


page_choice = sidebar.page_choice


# ---------------------------------------------------------------------------------------------
# Published context


@st.cache_data(show_spinner=False, ttl=300)
def _national_activation(db_url: str, month: str):
    from lib import published

    try:
        return published.national_activation(db_url, month)
    except Exception:  # noqa: BLE001 - published tables not loaded: no context line
        return None


def national_context(month: str) -> None:
    """The published national activation rate as context, with its source credited."""
    act = _national_activation(current_info().db_url, month)
    if act is None:
        return
    text = t(
        "National activation rate, published: {value} in {month}",
        value=format_value(act.value, "%"),
        month=format_month(act.month),
    )
    if not act.exact:
        text += t(" (the latest published month: the series ends there)")
    meaning = t(
        "Persons in services or subsidised employment per 100 of the unemployed, in services "
        "or subsidised employment, for the whole country."
    )
    st.caption(f":material/query_stats: {text}. {meaning} {act.credit}")
