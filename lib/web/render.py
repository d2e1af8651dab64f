"""Drawing what the builders return: `view` draws any page's view (lib/figures/view.py), part
by part. A block is drawn the same way everywhere (`block`): its title is the button to its
definition, then the chart, a caption with unit, period and as-of date, the suppression mark,
the table behind the chart one click away, and CSV and Excel downloads of exactly that table.
Metrics, tables, legends, downloads, the Overview's headline cards and area table and the
Explorer's slice likewise. Text from a view becomes markdown in one place (`_markdown`)."""

from __future__ import annotations

import copy
import functools

import polars as pl
import streamlit as st

from lib.engine.indicators import INDICATORS
from lib.engine.months import shift_month
from lib.figures import charts, exports, overview, published_charts
from lib.figures import view as parts
from lib.figures.blocks import Block, Metric
from lib.figures.engine_texts import evaluation_day, indicator_definition, indicator_label
from lib.figures.explorer import ROLES, ExplorerView, SliceSpec, dim_label, metric_text
from lib.figures.exports import Column, ExportMeta
from lib.figures.filters import Selection
from lib.figures.format import (
    DASH,
    change_unit,
    column_px,
    format_change,
    format_date,
    format_general,
    format_month,
    format_number,
    format_period,
    format_value,
    suppressed_footnote,
    table_decimals,
    table_text,
    table_value,
    unit_text,
)
from lib.figures.i18n import N_, current_language, in_language, t
from lib.figures.text import as_text, join_lines
from lib.settings import get_settings
from lib.web import sidebar
from lib.web.data import _national_activation, _vega_lite, audit, current_info, selection
from lib.web.layout import GAP_PX, MAIN_PX, card_px, grid

# The keys `t(f"headline.{key}")` and `t(f"table.{col}")` compute, and the downloads' labels,
# written out for the catalogue's extraction.
_RENDER_KEYS = (
    N_("headline.active_caseload"),
    N_("headline.cumulative_transferred"),
    N_("headline.client_facing_fte"),
    N_("headline.clients_per_fte"),
    N_("headline.exit_rate"),
    N_("headline.placement_rate_90"),
    N_("headline.placement_rate_90.pooled"),
    N_("table.area"),
    N_("table.active_caseload"),
    N_("table.cumulative_transferred"),
    N_("table.client_facing_fte"),
    N_("table.clients_per_fte"),
    N_("table.exit_rate"),
    N_("table.placement_rate_90"),
    N_("table.trend"),
    N_("table.help.trend"),
    N_("table.help.client_facing_fte"),
    N_("table.notes"),
    N_("table.no_trend"),
    N_("table.note.no_staff"),
    N_("table.tab.values"),
    N_("table.tab.month"),
    N_("table.tab.year"),
    N_("table.off_target"),
    N_("table.mark.below"),
    N_("table.mark.above"),
    N_("table.help.off_target"),
    N_("table.help.change_on"),
    N_("table.help.change_pooled"),
    N_("table.help.change_month"),
    N_("table.help.change_year"),
    N_("table.change_month_of"),
    N_("table.change_year_of"),
    N_("table.suppressed_of"),
    N_("download.csv"),
    N_("download.excel"),
    N_("explorer.download.parquet"),
)


def view(page: parts.PageView, slots=None) -> None:
    """Draw a page's view, its parts in order. `slots` (lib/web/frame.py `slots`): where the
    page's controls go, for a view that places them (a `Control` part)."""
    draw(page.parts, slots)


def draw(items, slots=None) -> None:
    """Draw parts (lib/figures/view.py) in order."""
    for part in items:
        _draw(part, slots)


def _draw(part, slots) -> None:  # one branch per kind of part (lib/figures/view.py)
    if isinstance(part, Block):
        block(part, scroll=part.scroll)
    elif isinstance(part, parts.Row):
        block_row(part.blocks, part.per_row)
    elif isinstance(part, parts.Metrics):
        metric_row(part.items, part.per_row)
    elif isinstance(part, parts.Heading):
        (st.title if part.level == 1 else st.subheader)(as_text(part.text))
    elif isinstance(part, parts.Text):
        _text(part)
    elif isinstance(part, parts.Legend):
        legend(part.items)
    elif isinstance(part, parts.Control):
        if slots is not None:
            slots.draw(part.name)
    elif isinstance(part, parts.Columns):
        # Side by side at 1366 px, one under another where they would not fit (see card_px).
        widths = list(part.widths) if part.widths else [1] * len(part.columns)
        room = MAIN_PX - GAP_PX * (len(widths) - 1)
        stats = all(isinstance(p, parts.Stat) for inside in part.columns for p in inside)
        with grid():
            for w, inside in zip(widths, part.columns, strict=True):
                width = METRIC_CARD_PX if stats else int(room * w / sum(widths))
                with st.container(width=width):
                    draw(inside, slots)
    elif isinstance(part, parts.Stat):
        metric(part.label, part.value, help=part.help)
    elif isinstance(part, parts.Table):
        static_table(
            part.table,
            part.columns,
            key=part.key,
            title=part.title,
            wrap=part.wrap,
            list_body=part.list_body,
        )
    elif isinstance(part, parts.Chart):
        _markdown(f"**{as_text(part.title)}**")  # a chart's title may name places
        st.vega_lite_chart(_vega_lite(part.chart), width="stretch")
        if part.caption:
            st.caption(as_text(part.caption))
    elif isinstance(part, parts.Expander):
        with st.expander(as_text(part.title)):
            if part.kind == "dataframe":
                st.dataframe(plain_frame(part.parts[0]), hide_index=True, width="stretch")
            else:
                draw(part.parts, slots)
    elif isinstance(part, parts.EffectCard):
        effect_card(part)
    elif isinstance(part, parts.Headlines):
        headline_grid(part.headlines, part.context, part.per_row, part.specs)
    elif isinstance(part, parts.NationalContext):
        national_context(part.month)
    elif isinstance(part, parts.AreaTable):
        area_table(
            part.table,
            part.context,
            part.placement,
            fte_band=part.fte_band,
            meta_filters=part.filters,
        )
    elif isinstance(part, parts.Explorer):
        explorer(part.view)
    else:
        raise TypeError(f"not a part of a view: {type(part).__name__}")


def _text(part: parts.Text) -> None:
    if part.kind == "caption":
        st.caption(part.text)
    elif part.kind == "info":
        st.info(part.text, icon=part.icon)
    elif part.kind == "warning":
        st.warning(part.text, icon=part.icon)
    else:
        _markdown(part.text)


def _markdown(text: str) -> None:
    """The one place a view's text is written as markdown. A `Text` part's text is markdown
    the builder wrote, any outside text in it already through `as_text` (lib/figures/text.py);
    every other text of a view is plain, and the renderer passes it through `as_text`."""
    st.markdown(text)


def effect_card(card: parts.EffectCard) -> None:
    """The Evaluation's estimate: the number and its interval, what it means, the counts."""
    s = card.summary
    # The number beside what it means at 1366 px, above it where the card is narrow.
    with st.container(border=True), grid():
        with st.container(width=card_px(3) - 16):
            metric(card.label, s.estimate, help=card.help or None)
            st.caption(s.interval)
        with st.container(width=2 * card_px(3) - 16):
            st.markdown(f"**{s.verdict}**")
            st.markdown(s.trend_text)
            st.caption(s.counts)


def _definition_body(indicator_id: str, *, heading: bool = True) -> None:
    ind = INDICATORS[indicator_id]
    if heading:
        st.markdown(f"**{indicator_label(ind.id)}**")
    st.markdown(indicator_definition(ind.id))
    lines = [f"{t('definition.unit')}: {unit_text(ind.unit)}"]
    if ind.evaluation_day and ind.evaluation_day != "-":
        lines.append(f"{t('definition.evaluation_day')}: {evaluation_day(ind.id)}")
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
    title = as_text(label or indicator_label(ids[0]))  # a block's title may name places
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
    """An English table's column format (Streamlit's printf formats; lib/figures/format.py
    `table_decimals`): '%,d' for counts, '%,.1f' otherwise."""
    if table_decimals(unit) == 0:
        return "%+,d" if signed else "%,d"
    return "%+,.1f" if signed else "%,.1f"


def _localized() -> bool:
    """Whether tables write their numbers and months as text in the language (fi, sv).

    Streamlit's column formats are printf (a decimal point always) or 'localized', which
    follows the browser's locale, not the language chosen here. So in Finnish and Swedish a
    table is a pandas Styler: the cells keep their values (a column still sorts by number, a
    month column by its 'YYYY-MM'), and each cell shows the text of `format.table_text` or
    `format_month`, which Streamlit draws for text and for number columns without a format."""
    return current_language() != "en"


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and value != value)


# Above so many cells a Styler costs seconds (pandas renders every cell through its templates;
# about 0.7 s for 9,000 cells here): a larger table gets its numbers as text columns instead,
# which read the same but sort as text.
STYLER_CELLS = 20_000


def _shown_as(formats: dict):
    return {name: (lambda v, fn=fn: DASH if _missing(v) else fn(v)) for name, fn in formats.items()}


def _styled(df: pl.DataFrame, formats: dict, shown: list[str]):
    """The frame's `shown` columns as a pandas Styler whose `formats` columns show their
    function's text (a missing value: '–')."""
    df = df.select(c for c in shown if c in df.columns)
    fns = {name: fn for name, fn in _shown_as(formats).items() if name in df.columns}
    return df.to_pandas().style.format(fns)


def _as_text(df: pl.DataFrame, formats: dict) -> pl.DataFrame:
    """The `formats` columns as their function's text (a large table: `STYLER_CELLS`).

    Called row by row here rather than through Polars' map_elements: a test once read English
    from map_elements on a Swedish page (not reproduced since); here the text is surely made in
    the session's context, where its language is set."""
    return df.with_columns(
        pl.Series(name, [fn(v) for v in df[name].to_list()], dtype=pl.String)
        for name, fn in _shown_as(formats).items()
    )


def _as_shown(df: pl.DataFrame, units: dict[str, str | None]) -> pl.DataFrame:
    """An English table's number columns (name -> unit) with a value that rounds to zero made
    0.0: Streamlit's printf formats would write -0.04 and -0.0 as '-0.0'."""
    return df.with_columns(
        _shown_column(df[name], unit) for name, unit in units.items() if name in df.columns
    )


def _shown_column(values: pl.Series, unit: str | None) -> pl.Series:
    """`table_value` of every value (NaN as null). Only a value under one unit of the last
    shown decimal can round to zero, so only those few go through table_value's Decimal."""
    out = values.cast(pl.Float64).fill_nan(None)
    near = (out.abs() < 10.0 ** -table_decimals(unit)).fill_null(False).arg_true()
    if len(near):
        out = out.scatter(near, [table_value(v, unit) for v in out.gather(near).to_list()])
    return out


def plain_frame(df: pl.DataFrame):
    """A table without column definitions (the published statistics' month by month): as it is
    in English; in Finnish and Swedish whole numbers '12 345' and others with one decimal,
    '6,2', as the language writes them (a Styler: the columns still sort by number)."""
    if not _localized() or df.height * df.width > STYLER_CELLS:
        return df
    formats = {
        name: _cell_format("persons" if dtype.is_integer() else None)
        for name, dtype in df.schema.items()
        if dtype.is_numeric()
    }
    return _styled(df, formats, df.columns) if formats else df


def _cell_format(unit: str | None, *, signed: bool = False, percent: bool = False):
    return lambda v: table_text(v, unit, signed=signed, percent=percent)


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
    """The table as the page shows it: months as words, labelled columns, codes hidden; in
    Finnish and Swedish a Styler whose cells read as the language writes them (`_localized`),
    or for a large table text columns (`STYLER_CELLS`)."""
    shown = [c for c in columns if c.shown and c.name in df.columns]
    order = [c.name for c in shown]
    localized = _localized()
    styler = localized and df.height * len(order) <= STYLER_CELLS
    config = {}
    formats = {}
    rounded: dict[str, str | None] = {}  # English number columns: no '-0.0' (_as_shown)
    out = df
    for col in shown:
        help_text = col.description or None
        if col.kind in ("number", "bar") and localized and not styler:
            formats[col.name] = _cell_format(col.unit, percent=col.kind == "bar")
            config[col.name] = st.column_config.TextColumn(
                col.label, help=help_text, alignment="right"
            )
        elif col.kind == "month":
            if styler:  # the cell keeps its 'YYYY-MM', so the column sorts by time
                formats[col.name] = format_month
            else:
                out = _as_text(out, {col.name: format_month})
            config[col.name] = st.column_config.TextColumn(col.label, help=help_text)
        elif col.kind == "number":
            if styler:
                formats[col.name] = _cell_format(col.unit)
                config[col.name] = st.column_config.NumberColumn(
                    col.label, help=help_text, width=column_px(col.label)
                )
            else:
                rounded[col.name] = col.unit
                config[col.name] = st.column_config.NumberColumn(
                    col.label,
                    format=_number_format(col.unit),
                    help=help_text,
                    width=column_px(col.label),
                )
        elif col.kind == "bar" and styler:
            # A progress bar's text is printf only: the share as a number column instead.
            formats[col.name] = _cell_format(col.unit, percent=True)
            config[col.name] = st.column_config.NumberColumn(col.label, help=help_text)
        elif col.kind == "bar":
            config[col.name] = st.column_config.ProgressColumn(
                col.label,
                min_value=0,
                max_value=100,
                format="%.1f %%",
                help=help_text,
            )
        elif col.kind == "flag":
            config[col.name] = st.column_config.CheckboxColumn(
                col.label, help=help_text, width=column_px(col.label)
            )
        else:
            config[col.name] = st.column_config.TextColumn(col.label, help=help_text)
    if rounded:
        out = _as_shown(out, rounded)
    if styler and formats:
        out = _styled(out, formats, order)
    elif formats:
        out = _as_text(out, formats)
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
    download_row(buttons, meta, key=key, rows=df.height)


def download_row(buttons, meta: ExportMeta, *, key: str, rows: int | None = None) -> None:
    """Download buttons side by side: (label key, bytes-making callable, extension, MIME type)
    each; the file is written only when its button is clicked, and the click writes an `export`
    row in the audit trail (who, page, what the file holds, how many rows)."""
    # A row that wraps, each button as wide as its label (which may wrap too): in fixed columns
    # a fifth of a narrow box cut "CSV" to "C" at 800 px, and Finnish labels are longer.
    with st.container(horizontal=True, wrap=True, gap="small"):
        for label, make, ext, mime in buttons:
            st.download_button(
                t(label),
                data=in_language(make),  # written later, on a server thread: in this language
                file_name=exports.file_name(meta.title, meta.as_of, ext),
                mime=mime,
                key=f"{ext}-{key}",
                icon=":material/download:",
                on_click=_downloaded,
                args=(meta, ext, rows),
                type="tertiary",
                width="content",
                wrap=True,
            )


def _downloaded(meta: ExportMeta, ext: str, rows: int | None) -> None:
    """A download button was clicked: the audit trail's `export` row."""

    audit(
        "export",
        detail={
            "title": meta.title,
            "format": ext,
            "indicators": list(meta.indicators),
            "filters": [list(f) for f in meta.filters],
            "link": meta.link,
            "batch_id": meta.batch_id,
        },
        rows=rows,
    )


def table(df: pl.DataFrame, columns, *, key: str, height: int | None = None) -> None:
    shown, config, order = display_frame(df, columns)
    rows = df.height
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
    """Figures side by side, `per_row` to a row at 1366 px and fewer where the screen is
    narrower (at 800 px one to a row: two boxes of 226 px cut the legends and crowd the axis
    labels), each line's boxes as tall as its tallest (a caption of three lines beside one of
    one would leave the boxes ragged)."""
    width = card_px(per_row)
    for start in range(0, len(blocks), per_row):
        with grid():
            for b in blocks[start : start + per_row]:
                block(b, stretch=True, width=width)


def block(
    b: Block,
    *,
    border: bool = True,
    table_open: bool = False,
    scroll: int | None = None,
    stretch: bool = False,
    width: int | str = "stretch",
) -> None:
    """A figure: its title (the definition's button), chart, caption with the as-of date and
    the suppression mark, the table behind it one click away, and the downloads. `stretch`:
    as tall as its row (see block_row); `width`: the box's width in pixels, in a row of them."""
    sel = selection()
    height = "stretch" if stretch else "content"
    with st.container(border=border, height=height, width=width):
        definition_popover(b.indicators, label=b.title, key=f"definition-{b.key}")
        if b.message:
            st.info(as_text(b.message), icon=":material/info:")
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
            st.caption(join_lines(lines))
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


# A metric card's width: four side by side in the main column at 1366 px with the sidebar open
# (906 px); on a narrower screen the cards wrap onto the next line instead of cutting their
# values ("3,…" in four columns of 105 px at 800 px).
METRIC_CARD_PX = 210


def metric_row(metrics: list[Metric], per_row: int | None = None) -> None:
    """Large numbers side by side, each with its definition on hover and its caption; cards of
    one width that wrap to the next line where the screen is narrow (per_row: at most so many
    on a line, by starting a new row after them)."""
    n = per_row or len(metrics)
    for start in range(0, len(metrics), n):
        with st.container(horizontal=True, wrap=True):
            for m in metrics[start : start + n]:
                _metric_card(m)


def metric(label: str, value, *, help: str | None = None, **kw) -> None:
    """A metric whose label wraps. Streamlit cuts a metric's own label to one line ("Placement
    at 90 days ov…"), and Finnish and Swedish labels are longer still: the label is written
    above the number as small text that wraps, the definition on hover; the metric keeps it as
    its (hidden) label. `label` is plain text."""
    with st.container(gap=None):
        st.markdown(f":small[{as_text(label)}]", help=help)
        st.metric(as_text(label), value, label_visibility="collapsed", **kw)


def _metric_card(m: Metric) -> None:
    """One metric card: the value, its definition on hover, its caption."""
    with st.container(border=True, width=METRIC_CARD_PX):
        ind = INDICATORS[m.indicator]
        value = DASH if (m.suppressed or m.value is None) else format_value(m.value, m.unit)
        metric(
            m.label,
            value,
            help=f"{indicator_definition(ind.id)} ({t('definition.unit')}: {unit_text(ind.unit)})",
        )
        caption = m.caption
        if m.suppressed:
            caption = f"{caption} · {t('suppressed.long', n=get_settings().min_count)}"
        if caption:
            st.caption(as_text(caption))


def legend(items: list[tuple[str, str, bool]]) -> None:
    """A legend shared by several charts: a coloured line and the name of each series, drawn
    as a chart (lib/figures/charts.legend_chart), so no HTML of ours reaches the page. One
    chart a series, side by side in a row that wraps: drawn as one chart, a line of eight names
    ran past the right edge at 800 px ("Turku re")."""
    with grid():
        for item in items:
            # legend_chart's own advance for a series: line 22, gap 6, 7 px a character, 24
            width = 22 + 6 + 7 * len(item[0]) + 24
            spec = copy.deepcopy(_legend_spec(tuple(item), current_language()))
            st.vega_lite_chart({**spec, "width": width}, width=width)


@functools.lru_cache(maxsize=1024)
def _legend_spec(item: tuple[str, str, bool], lang: str) -> dict:
    """One series' legend as Vega-Lite, made once per series and language: Altair takes about
    13 ms to make one, and Compare draws one for each of its 25 areas on every run."""
    return _vega_lite(charts.legend_chart([item]))


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
    credit = published_charts.credit_text(act.credit)
    st.caption(f":material/query_stats: {text}. {meaning} {credit}")


# ---------------------------------------------------------------------------------------------
# The Overview's headline cards and per-area table


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
            text += " · " + t(
                "caption.band", low=format_general(head.band[0]), high=format_general(head.band[1])
            )
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
    kw = dict(
        delta=text,
        delta_color="off" if unchanged else _delta_color(head),
        delta_arrow="off" if unchanged else "auto",
        delta_description=description if delta is not None else None,
    )
    if label_visibility == "visible":
        metric(label, metric_value(fig, head.unit), **kw)
    else:
        st.metric(label, metric_value(fig, head.unit), label_visibility=label_visibility, **kw)


# Half a headline card's inside (291 px less its border and padding, 257 px, less the gap):
# the trial's and the comparison's metrics side by side.
HALF_CARD_PX = 116


def headline_card(
    head: overview.Headline,
    ctx: overview.OverviewContext,
    specs: dict | None = None,
    *,
    width: int | str = "stretch",
) -> None:
    """One headline: label and definition, the metric with its change, caption, trend chart."""
    pooled = head.pooled and head.key == overview.PLACEMENT_INDICATOR
    label = t(f"headline.{head.key}.pooled" if pooled else f"headline.{head.key}")
    # height="stretch": the cards of a row share one height, so the row reads as a grid.
    with st.container(border=True, height="stretch", width=width):
        definition_popover(head.indicator, label=label, key=f"definition-{head.key}")
        description = _delta_description(head)
        if head.comparison is not None:
            # Two metrics side by side, one under the other where the card is narrow: no room
            # for "vs <month>"; the caption says it.
            with st.container(horizontal=True, wrap=True, gap="small"):
                with st.container(width=HALF_CARD_PX):
                    _metric(t("metric.trial"), head.current, head.change, head, description=None)
                with st.container(width=HALF_CARD_PX):
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


def _trend(head: overview.Headline, ctx: overview.OverviewContext, spec=False) -> None:
    spec = overview.trend_spec(head, ctx) if spec is False else spec
    if spec is not None:
        chart_element(spec)


def headline_grid(
    heads: list[overview.Headline],
    ctx: overview.OverviewContext,
    per_row: int = 3,
    specs: dict | None = None,
) -> None:
    """The headline cards, `per_row` to a line at 1366 px, fewer where the screen is narrower
    (three columns of 145 px at 800 px cut "343.1 FTE" to "343.…")."""
    width = card_px(per_row)
    for start in range(0, len(heads), per_row):
        with grid():
            for head in heads[start : start + per_row]:
                headline_card(head, ctx, specs, width=width)


_AREA_INDICATOR = {
    "active_caseload": "active_caseload",
    "cumulative_transferred": "cumulative_transferred",
    "client_facing_fte": "staff_fte",
    "clients_per_fte": "clients_per_fte",
    "exit_rate": "exit_rate",
    "placement_rate_90": "placement_rate_90",
}


_AREA_UNIT = overview.AREA_UNITS


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
        label = overview.area_column_label(name)
        change = overview.area_column_label(name, change=True)
        cols += [
            Column(name, label, "number", unit, description=indicator_label(_AREA_INDICATOR[name])),
            Column(
                f"{name}_month",
                t("table.change_month_of", name=change),
                "number",
                change_unit(unit),
                description=t("table.help.change_month"),
            ),
            Column(
                f"{name}_year",
                t("table.change_year_of", name=change),
                "number",
                change_unit(unit),
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
            t("table.trend"),
            help=t("table.help.trend", **trend_span),
            y_min=0,
            width=max(120, column_px(t("table.trend"))),  # the Finnish heading is longer
        ),
        "notes": st.column_config.TextColumn(t("table.notes")),
        "target_mark": st.column_config.TextColumn(
            t("table.off_target"),
            help=t("table.help.off_target"),
            # as wide as its longest mark in the reader's language ('▲ yli tavoitevälin')
            width=max(
                105,
                column_px(t("table.off_target")),
                *(column_px(m) for m in shown["target_mark"] if m),
            ),
        ),
    }
    helps = {"client_facing_fte": t("table.help.client_facing_fte")}
    values, month_changes, year_changes = dict(base), dict(base), dict(base)
    localized = _localized()
    formats = {}

    def fmt(unit: str, signed: bool = False) -> dict:
        return {} if localized else {"format": _number_format(unit, signed=signed)}

    for col in overview.AREA_VALUE_COLUMNS:
        unit = _AREA_UNIT[col]
        definition = helps.get(col) or indicator_definition(_AREA_INDICATOR[col])
        # a rate's change is in percentage points, and its heading says so; each column as
        # wide as its heading, which a column of short numbers would cut ('Clients / F')
        label = overview.area_column_label(col)
        change = overview.area_column_label(col, change=True)
        values[col] = st.column_config.NumberColumn(
            label, help=definition, width=column_px(label), **fmt(unit)
        )
        month_changes[f"{col}_month"] = st.column_config.NumberColumn(
            change,
            help=t("table.help.change_on", month=prev)
            if col != overview.PLACEMENT_INDICATOR
            else t("table.help.change_pooled"),
            width=column_px(change),
            **fmt(unit, signed=True),
        )
        year_changes[f"{col}_year"] = st.column_config.NumberColumn(
            change,
            help=t("table.help.change_on", month=year),
            width=column_px(change),
            **fmt(unit, signed=True),
        )
        formats[col] = _cell_format(unit)
        formats[f"{col}_month"] = formats[f"{col}_year"] = _cell_format(unit, signed=True)
    height = min(36 + 35 * shown.height, 36 + 35 * 30)
    common = {"hide_index": True, "placeholder": DASH, "width": "stretch", "height": height}
    everything = [
        "area_name",
        "trend",
        "notes",
        "target_mark",
        *(f"{c}{end}" for c in overview.AREA_VALUE_COLUMNS for end in ("", "_month", "_year")),
    ]
    # English: printf formats the values in the browser, so a negative value that rounds to
    # zero arrives as 0.0 (no '-0.0'); the download keeps the values as computed
    numbers = {
        f"{c}{end}": _AREA_UNIT[c]
        for c in overview.AREA_VALUE_COLUMNS
        for end in ("", "_month", "_year")
    }
    data = _styled(shown, formats, everything) if localized else _as_shown(shown, numbers)
    tab_values, tab_month, tab_year = st.tabs(
        [t("table.tab.values"), t("table.tab.month", month=prev), t("table.tab.year", month=year)]
    )
    with tab_values:
        order = ["area_name", *overview.AREA_VALUE_COLUMNS, "target_mark", "trend"]
        if shown["notes"].str.len_chars().sum():
            order.append("notes")
        st.dataframe(data, column_config=values, column_order=order, key="overview-areas", **common)
    with tab_month:
        order = ["area_name", *[f"{c}_month" for c in overview.AREA_VALUE_COLUMNS]]
        st.dataframe(
            data,
            column_config=month_changes,
            column_order=order,
            key="overview-areas-month",
            **common,
        )
    with tab_year:
        order = ["area_name", *[f"{c}_year" for c in overview.AREA_VALUE_COLUMNS]]
        st.dataframe(
            data,
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
# The Explorer's slice

EXPLORER_TALL = 620  # px: a taller chart scrolls in its own box


def explorer(view: ExplorerView) -> None:
    """The Explorer's slice: the chart, the pivot with its symbols, the notes, the downloads and
    how to reproduce it (its controls and saved views: lib/web/explorer_ui.py)."""
    ind = INDICATORS[view.spec.indicator]
    with st.container(border=True):
        definition_popover((ind.id,), label=indicator_label(ind.id), key="definition-explorer")
        if not view.spec.dims:
            row = view.table.row(0, named=True) if view.table.height else {}
            value = (
                t("chart.suppressed")
                if row.get("suppressed")
                else metric_text(row.get("value"), ind.unit)
            )
            metric(t("explorer.single"), value)
        elif view.chart is not None:
            height = view.chart.get("height") if isinstance(view.chart, dict) else None
            rows = len({r for r in view.pivot[view.pivot.columns[0]].to_list()})
            if isinstance(height, dict) and height.get("step", 0) * rows > EXPLORER_TALL:
                # a long ranking scrolls inside its own box instead of pushing the table away
                with st.container(height=EXPLORER_TALL, border=False):
                    chart_element(view.chart, key="chart-explorer")
            else:
                chart_element(view.chart, key="chart-explorer")
        st.caption(join_lines([view.caption, *view.notes]))  # they name the selection
        _pivot_table(view)
        st.caption(
            t("explorer.symbols")
            + " · "
            + t(
                "explorer.cells",
                rows=format_number(view.pivot.height),
                cells=format_number(view.table.height),
            )
        )
        _explorer_downloads(view)
    _reproduce(view)


def _pivot_table(view: ExplorerView) -> None:
    config = {}
    for name in view.pivot.columns:
        heading = name in view.pivot_index
        config[name] = st.column_config.TextColumn(
            name, alignment="left" if heading else "right", pinned=heading or None
        )
    rows = view.pivot.height
    st.dataframe(
        view.pivot,
        column_config=config,
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * max(rows, 1), 38 + 35 * 15),
        key="table-explorer",
    )


def explorer_meta(view: ExplorerView, sel: Selection) -> exports.ExportMeta:
    """The metadata of the Explorer's downloads: the selection's filters, the slice's layout."""
    spec = view.spec
    layout = tuple((t(f"explorer.{role}"), dim_label(getattr(spec, role))) for role in ROLES)
    return explorer_export_meta(
        title=_explorer_title(spec),
        indicators=(spec.indicator,),
        filters=tuple(sel.state.describe(sel.options, sel.lang)) + layout,
        notes=(
            view.caption,
            *view.notes,
            t("explorer.symbols").replace("`", ""),
            f"{t('explorer.reproduce.cli')} {view.command}",
        ),
    )


def _explorer_title(spec: SliceSpec) -> str:
    label = indicator_label(spec.indicator)
    if not spec.dims:
        return label
    dims = ", ".join(dim_label(d).lower() for d in spec.dims)
    return t("explorer.download.title", indicator=label, dims=dims)


def _explorer_downloads(view: ExplorerView) -> None:
    meta = explorer_meta(view, selection())
    table, columns = view.table, list(view.columns)
    formats = (
        ("download.csv", lambda: exports.to_csv(table, columns, meta), "csv", "text/csv"),
        (
            "download.excel",
            lambda: exports.to_excel(table, columns, meta, pivot=view.pivot),
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            "explorer.download.parquet",
            lambda: exports.to_parquet(table, columns, meta),
            "parquet",
            "application/vnd.apache.parquet",
        ),
    )
    download_row(formats, meta, key="explorer", rows=table.height)


def _reproduce(view: ExplorerView) -> None:
    with st.expander(t("explorer.reproduce"), icon=":material/terminal:"):
        st.caption(t("explorer.reproduce.help"))
        st.markdown(t("explorer.reproduce.cli"))
        st.code(view.command, language="bash", wrap_lines=True)
        st.markdown(t("explorer.reproduce.polars"))
        st.code(view.snippet, language="python")
