"""Drawing what the builders return: a block is drawn the same way everywhere (`block`): its
title is the button to its definition, then the chart, a caption with unit, period and as-of
date, the suppression mark, the table behind the chart one click away, and CSV and Excel
downloads of exactly that table. Metrics, tables, legends and downloads likewise."""

from __future__ import annotations

import html

import polars as pl
import streamlit as st

from lib.engine.indicators import INDICATORS
from lib.figures import exports
from lib.figures.blocks import Block, Metric
from lib.figures.exports import ExportMeta
from lib.figures.filters import Selection
from lib.figures.format import (
    DASH,
    format_month,
    format_value,
    suppressed_footnote,
    unit_text,
)
from lib.figures.i18n import t
from lib.settings import get_settings
from lib.web import sidebar
from lib.web.data import _national_activation, _vega_lite, current_info, selection


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


def _number_format(unit: str | None, *, signed: bool = False) -> str:
    if unit in ("persons", "contacts"):
        return "%+,d" if signed else "%,d"
    return "%+,.1f" if signed else "%,.1f"


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
