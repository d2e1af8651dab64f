"""What every page is made of: a `PageContext` (the selection, the reader, the settings) and
`Block`s (one figure each: title, chart, the table behind it, definitions, notes).

Pure (no Streamlit). The page modules (lib/figures/caseload.py, staffing.py, placements.py,
compare.py) build blocks from what the reader returns; lib/web/render.py renders a block the
same way everywhere: the title is the definition's button, the chart, the caption with unit,
period and as-of date, the suppression mark, the table one click away and the CSV and Excel
downloads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import polars as pl

from lib.engine.access import Facts, Reader
from lib.engine.cohort import Cohort
from lib.engine.indicators import INDICATORS, IndicatorUnavailable, Query
from lib.figures import charts
from lib.figures.engine_texts import indicator_label
from lib.figures.exports import Column
from lib.figures.filters import COMPARISON, SELECTION, FilterState, Selection
from lib.figures.format import axis_title, format_date, format_period, unit_text
from lib.figures.i18n import t


@dataclass(frozen=True)
class PageContext:
    """What a page's figures depend on: the selection, the viewer's reader, the settings.

    Every figure is read through `reader` (lib/engine/access.Reader, or lib/web/data.py's cached
    reader with the same reads): a builder never sees the snapshot or the store."""

    sel: Selection
    reader: Reader
    as_of: dt.date
    min_count: int = 5
    fte_band: tuple[float, float] = (20.0, 30.0)
    weekly_contacts: int = 4
    youth_age: int = 25
    source: str | None = None  # the loaded extract's source (names a synthetic demo's scale)
    # the loaded published tables (lib/published/comparison.py PublishedView, or None)
    published: Callable[[], object] | None = None

    @property
    def state(self) -> FilterState:
        return self.sel.state

    @property
    def options(self):
        return self.sel.options

    @property
    def lang(self) -> str:
        return self.sel.lang

    @property
    def period(self) -> tuple[str, str]:
        s = self.state
        return s.month_from or self.options.first_month, s.month_to or self.options.last_month

    @property
    def start_month(self) -> str | None:
        trial = self.options.trial(self.state.trial)
        return trial.start_month if trial else None

    @property
    def area_names(self) -> dict[str, str]:
        return self.options.area_names()

    @property
    def municipality_names(self) -> dict[str, str]:
        return self.options.municipality_names(self.lang)

    def query(self, indicator: str, by: tuple[str, ...] = ("month",), **kw) -> Query:
        return self.sel.query(indicator, by, **kw)

    def without_geo(self) -> PageContext:
        """This context with the sidebar's areas and municipalities cleared: for a page that
        picks its own places (Compare regions), so that they do not key its cache."""
        state = replace(self.state, areas=(), municipalities=())
        return replace(self, sel=replace(self.sel, state=state))

    def read(self, query: Query) -> pl.DataFrame:
        """The indicator table of `query` (raises IndicatorError when it cannot be answered)."""
        return self.reader.indicator(query)

    def prefetch(self, queries: list[Query]) -> None:
        """Read these queries now, side by side where the reader can, so that the reads that
        follow find them cached. Queries the extract cannot answer are skipped."""
        if len(queries) > 1:
            self.reader.prefetch(list(dict.fromkeys(queries)))

    def facts(self) -> Facts:
        """The loaded extract's reference facts: trials, areas, municipalities, providers."""
        return self.reader.facts()

    def cohort(self, persons: bool = True) -> Cohort:
        """The sidebar's groups (and, with `persons`, its person filters) for the statistics."""
        s = self.state
        where = s.person_where() if persons else ()
        return Cohort(tuple(s.groups), s.match, self.youth_age, where)

    def table(self, indicator: str, by: tuple[str, ...] = ("month",), **kw) -> pl.DataFrame | None:
        """The indicator table, or None when the extract lacks the table it needs."""
        try:
            return self.read(self.query(indicator, by, **kw))
        except IndicatorUnavailable:
            return None

    def period_text(self) -> str:
        return format_period(*self.period)

    def as_of_text(self) -> str:
        return t("block.as_of", date=format_date(self.as_of))


@dataclass(frozen=True)
class Metric:
    """One number shown large: a figure for the selection at the end of (or over) the period."""

    key: str
    label: str
    indicator: str
    value: float | None
    unit: str
    suppressed: bool = False
    caption: str = ""


def metric_from(
    key: str, label: str, indicator: str, df: pl.DataFrame | None, caption: str = "", **match
) -> Metric:
    """The metric of one cell of an indicator table (the first row matching `match`)."""
    unit = INDICATORS[indicator].unit
    if df is None:
        return Metric(key, label, indicator, None, unit, caption=t("caption.unavailable"))
    rows = df
    for col, val in match.items():
        rows = rows.filter(pl.col(col) == val)
    if rows.height == 0:
        return Metric(key, label, indicator, None, unit, caption=caption)
    row = rows.row(0, named=True)
    return Metric(
        key,
        label,
        indicator,
        row.get("value"),
        unit,
        suppressed=bool(row.get("suppressed") or False),
        caption=caption,
    )


@dataclass
class Block:
    """One figure: what the page shows and what a download writes."""

    key: str  # unique on its page: widget keys and file names
    title: str
    indicators: tuple[str, ...]
    table: pl.DataFrame
    columns: tuple[Column, ...]
    chart: object | None = None  # an Altair chart
    caption: str = ""
    notes: tuple[str, ...] = ()
    message: str | None = None  # shown instead of the chart (nothing to draw, not loaded)
    height: int | None = None  # the table's height on the page
    scroll: int | None = None  # a chart taller than this scrolls in a box this tall

    @property
    def suppressed(self) -> bool:
        return "suppressed" in self.table.columns and bool(
            self.table["suppressed"].fill_null(False).any()
        )

    @property
    def empty(self) -> bool:
        return self.table.height == 0


def unavailable_block(key: str, title: str, indicator: str) -> Block:
    """A block for an indicator whose table the extract does not have."""
    ind = INDICATORS[indicator]
    need = ", ".join(ind.needs)
    return Block(
        key=key,
        title=title,
        indicators=(indicator,),
        table=pl.DataFrame(),
        columns=(),
        message=t("block.unavailable", table=need),
    )


# ---------------------------------------------------------------------------------------------
# Columns


def month_column() -> Column:
    return Column("month", t("chart.month"), "month", description=t("column.month"))


def suppressed_column() -> Column:
    """The flag of a row whose figure is not shown (the disclosure threshold)."""
    return Column(
        "suppressed", t("column.suppressed"), "flag", description=t("column.suppressed.help")
    )


def value_columns(indicator: str, *, label: str | None = None) -> list[Column]:
    """value [numerator, denominator] suppressed, described for the indicator."""
    ind = INDICATORS[indicator]
    cols = [
        Column(
            "value",
            label or axis_title(ind.unit),
            "number",
            ind.unit,
            description=f"{indicator_label(ind.id)} ({unit_text(ind.unit)})",
        )
    ]
    if ind.kind in ("rate", "ratio"):
        cols += [
            Column(
                "numerator",
                t("column.numerator"),
                "number",
                "persons",
                description=t("column.numerator.help"),
                shown=False,
            ),
            Column(
                "denominator",
                t("column.denominator"),
                "number",
                "persons",
                description=t("column.denominator.help"),
                shown=False,
            ),
        ]
    cols.append(suppressed_column())
    return cols


def series_columns(name: str = "series", label: str | None = None) -> list[Column]:
    return [
        Column(
            f"{name}_id",
            t("column.series_id"),
            "code",
            shown=False,
            description=t("column.series_id.help"),
        ),
        Column(name, label or t("column.series"), "text"),
    ]


def area_columns() -> list[Column]:
    return [
        Column("trial_area_id", t("column.trial_area_id"), "code", shown=False),
        Column("area_name", t("chart.area"), "text"),
    ]


def municipality_columns() -> list[Column]:
    return [
        Column("municipality_code", t("column.municipality_code"), "code", shown=False),
        Column("municipality_name", t("column.municipality"), "text"),
    ]


# ---------------------------------------------------------------------------------------------
# Tables


def long_series(parts: Sequence[tuple[str, str, pl.DataFrame | None]]) -> pl.DataFrame:
    """Several indicator tables as one long table: series_id, series, then the tables' columns.

    parts: (series id, series label, table). None tables are left out."""
    frames = []
    for sid, label, df in parts:
        if df is None:
            continue
        frames.append(
            df.with_columns(series_id=pl.lit(sid), series=pl.lit(label)).select(
                "series_id", "series", *df.columns
            )
        )
    if not frames:
        return pl.DataFrame()
    return pl.concat(frames, how="diagonal_relaxed")


def with_names(df: pl.DataFrame, ctx: PageContext) -> pl.DataFrame:
    """Name columns beside the codes: area_name, municipality_name (in the user's language)."""
    out = df
    for code, name, names_of in (
        ("trial_area_id", "area_name", "area_names"),
        ("municipality_code", "municipality_name", "municipality_names"),
    ):
        if code in df.columns and name not in df.columns:
            names = getattr(ctx, names_of)  # built only when the table needs it
            label = pl.col(code).replace_strict(names, default=pl.col(code), return_dtype=pl.String)
            out = _after(out.with_columns(label.alias(name)), code, name)
    return out


def _after(df: pl.DataFrame, anchor: str, name: str) -> pl.DataFrame:
    cols = [c for c in df.columns if c != name]
    i = cols.index(anchor) + 1
    return df.select(cols[:i] + [name] + cols[i:])


def first_month_with(df: pl.DataFrame | None, floor: str | None = None) -> str | None:
    """The first month with a non-zero value (staff series start when staff are recorded)."""
    if df is None or df.height == 0:
        return floor
    nonzero = df.filter(pl.col("value").fill_null(0) != 0)
    if nonzero.height == 0:
        return floor
    first = nonzero["month"].min()
    return max(first, floor) if floor else first


def caption(ctx: PageContext, unit: str | None, *extra: str) -> str:
    """Unit, period, what else the figure needs said, and the as-of date."""
    parts = []
    if unit:
        parts.append(unit_text(unit))
    parts.append(ctx.period_text())
    parts += [e for e in extra if e]
    parts.append(ctx.as_of_text())
    return " · ".join(parts)


def not_applied_note(ctx: PageContext, indicator: str) -> str | None:
    """A note when person filters are in force but do not apply to the indicator."""
    names = ctx.state.not_applied(indicator)
    if not names:
        return None
    return t("block.not_applied", filters=", ".join(names))


def sides_trend_chart(table: pl.DataFrame, ctx: PageContext, unit: str):
    """A monthly trend of the selection against the comparison municipalities (`series` as in
    `long_series`): the trial's colour, the comparison's colour and dash."""
    comparison = side_label(COMPARISON, ctx)
    return charts.trend_chart(
        table,
        unit=unit,
        series="series",
        series_colors={
            side_label(SELECTION, ctx): charts.TRIAL_COLOR,
            comparison: charts.COMPARISON_COLOR,
        },
        series_dashes={comparison: charts.COMPARISON_DASH},
        series_title=t("chart.series"),
        start_month=ctx.start_month,
        height=charts.CHART_HEIGHT,
    )


def side_label(side: str, ctx: PageContext) -> str:
    """'Selected areas' / 'Trial' / 'Comparison municipalities'."""
    if side == SELECTION:
        return t("series.selection") if not ctx.state.whole_trial else t("series.trial")
    if side == "comparison":
        return t("series.comparison")
    return t("series.trial")
