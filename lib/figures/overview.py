"""The Overview's figures: headline indicators for the whole trial and per trial area.

Pure Polars and plain Python. `build(ctx)` is the page's builder, as for every page: it reads
through the PageContext (its reader, and the selection's queries) and takes its reference facts
(areas, first and last month, the trial's start) from `ctx.options`. Below it, `figures` takes an
injected `read(query)` (tests pass `compute` on a snapshot) and `query(indicator, **kw)`
(lib.engine.access.default_query by default). Everything that picks "the latest month", computes
a change or decides to pool thin months lives here, so it is tested without a browser.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import polars as pl

from lib.engine.access import default_query
from lib.engine.indicators import INDICATORS, IndicatorUnavailable, Query
from lib.engine.months import last_date, month_index, month_label, month_of_date, shift_month
from lib.figures import charts
from lib.figures.blocks import PageContext
from lib.figures.filters import FilterOptions
from lib.figures.format import collation_key, format_date, format_month, format_number
from lib.figures.i18n import N_, t
from lib.figures.text import as_text
from lib.figures.view import (
    AreaTable,
    Control,
    Heading,
    Headlines,
    NationalContext,
    Text,
    View,
)

# The keys `t(f"overview.off_target.{side}")` computes, written out for the catalogue's
# extraction.
_SIDE_KEYS = (N_("overview.off_target.above"), N_("overview.off_target.below"))

Reader = Callable[[Query], pl.DataFrame]
# query(indicator, *, by, where=(), month_from=None, month_to=None, side="selection"): the
# query for the figures in view ("selection": the trial, or the sidebar's areas and groups;
# "comparison": the comparison municipalities). lib/figures/filters.py makes one from the sidebar.
QueryMaker = Callable[..., Query]

TRIAL_ONLY = ("trial_or_comparison", ("trial",))
CLIENT_FACING_ROLES = ("coach", "advisor")
PLACEMENT_INDICATOR = "placement_rate_90"
PLACEMENT_DAYS = 90
# A single month of placement outcomes resting on fewer episodes than this is pooled with the
# two months before it: a monthly share of a handful of episodes jumps too much to be read.
THIN_EPISODES = 30
POOL_MONTHS = 3
# Trend charts show this many months before the trial's start: enough to see the before-period
# that the trial-versus-comparison reading rests on, without years of an empty register.
CHART_MONTHS_BEFORE_START = 24

# Which direction of change is good news (drives the metric's green/red); others are neutral.
GOOD_DIRECTION = {"exit_rate": "up", "placement_rate_90": "up"}

HEADLINE_KEYS = (
    "active_caseload",
    "cumulative_transferred",
    "client_facing_fte",
    "clients_per_fte",
    "exit_rate",
    "placement_rate_90",
)


def _default_query(indicator: str, *, side: str = "selection", where: tuple = (), **kw) -> Query:
    """The whole trial (side 'selection') or the comparison municipalities ('comparison')."""
    scope = ("trial_or_comparison", ("comparison",)) if side == "comparison" else TRIAL_ONLY
    return default_query(indicator, where=(scope, *where), **kw)


# ---------------------------------------------------------------------------------------------
# Months


def latest_observable_month(as_of: dt.date, days: int) -> str:
    """The latest month all of whose episodes' outcomes `days` after their end are observable.

    An episode ending on the month's last day is observed on that day + `days`, which must be on
    or before `as_of`; later months are only partly observable (and biased to early endings).
    """
    midx = month_of_date(as_of)
    while last_date(midx) + dt.timedelta(days=days) > as_of:
        midx -= 1
    return month_label(midx)


# ---------------------------------------------------------------------------------------------
# Values


@dataclass(frozen=True)
class Figure:
    """One cell of an indicator table: the value, whether it is suppressed, its parts."""

    value: float | None
    suppressed: bool = False
    numerator: float | None = None
    denominator: float | None = None

    @property
    def shown(self) -> bool:
        """True when there is a number to show (not suppressed, not undefined)."""
        return self.value is not None and not self.suppressed


MISSING = Figure(None)


def figure_of(row: dict | None) -> Figure:
    if row is None:
        return MISSING
    return Figure(
        value=row.get("value"),
        suppressed=bool(row.get("suppressed") or False),
        numerator=row.get("numerator"),
        denominator=row.get("denominator"),
    )


def figure_at(df: pl.DataFrame, month: str, **dims) -> Figure:
    """The cell of `df` for `month` (and any other dimension values); MISSING if absent."""
    rows = df.filter(pl.col("month") == month, *[pl.col(k) == v for k, v in dims.items()])
    return figure_of(rows.row(0, named=True) if rows.height else None)


def single_figure(df: pl.DataFrame) -> Figure:
    """The one cell of a table without dimensions."""
    return figure_of(df.row(0, named=True) if df.height else None)


def change(current: Figure, previous: Figure | None) -> float | None:
    """current - previous, when both are shown; for rates, in percentage points."""
    if previous is None or not (current.shown and previous.shown):
        return None
    return float(current.value) - float(previous.value)


def is_thin(fig: Figure, thin: int = THIN_EPISODES) -> bool:
    """Too few units behind a rate to show it on its own (suppressed counts as thin)."""
    return fig.suppressed or fig.denominator is None or fig.denominator < thin


# ---------------------------------------------------------------------------------------------
# Context and headlines


@dataclass(frozen=True)
class OverviewContext:
    """What the Overview needs to know about the loaded extract."""

    as_of: dt.date
    first_month: str
    last_month: str  # the last complete month on or before as_of
    start_month: str | None  # the (earliest) trial's start month
    areas: pl.DataFrame  # trial_area_id, area_name; sorted by id
    min_count: int = 5
    period_from: str | None = None  # the sidebar's first month: charts start there when set

    @property
    def area_ids(self) -> list[str]:
        return self.areas["trial_area_id"].to_list()

    @property
    def area_names(self) -> dict[str, str]:
        return dict(zip(self.areas["trial_area_id"], self.areas["area_name"], strict=True))

    @property
    def chart_from(self) -> str:
        """Where whole-trial trend charts start: CHART_MONTHS_BEFORE_START before the trial's
        start (the before-period the comparison needs), never before the data's first month;
        or the first month of the period picked in the sidebar."""
        if self.period_from is not None:
            return max(self.period_from, self.first_month)
        if self.start_month is None:
            return self.first_month
        return max(shift_month(self.start_month, -CHART_MONTHS_BEFORE_START), self.first_month)

    @property
    def trend_from(self) -> str:
        """Where per-area trends start: the trial's start month (or the data's first month),
        or the first month of the period picked in the sidebar."""
        if self.period_from is not None:
            return max(self.period_from, self.first_month)
        return max(self.start_month or self.first_month, self.first_month)


def context_from_options(options: FilterOptions, as_of: dt.date, min_count: int) -> OverviewContext:
    """The OverviewContext of what the loaded extract offers (lib/figures/filters.py
    FilterOptions): its months, the earliest trial's start, every trial area by id."""
    starts = [trial.start_month for trial in options.trials if trial.start_month]
    names: dict[str, str] = {}
    for area in options.areas:
        names.setdefault(area.id, area.name)
    ids = sorted(names)
    areas = pl.DataFrame(
        {"trial_area_id": ids, "area_name": [names[i] for i in ids]},
        schema={"trial_area_id": pl.String, "area_name": pl.String},
    )
    return OverviewContext(
        as_of=as_of,
        first_month=options.first_month,
        last_month=options.last_month,
        start_month=min(starts) if starts else None,
        areas=areas,
        min_count=min_count,
    )


@dataclass
class Headline:
    """One headline indicator for the whole trial, ready to render."""

    key: str  # HEADLINE_KEYS
    indicator: str  # lib.engine.indicators id (label, unit, definition)
    unit: str
    month: str  # the month shown (for a pool, its last month)
    current: Figure
    previous: Figure | None = None
    previous_month: str | None = None  # the month (or last month of the pool) compared with
    change: float | None = None
    trend: pl.DataFrame = field(default_factory=pl.DataFrame)  # month, value, suppressed[, group]
    status: str = "ok"  # ok | suppressed | no_staff | no_outcomes | unavailable | empty
    message: str | None = None  # why unavailable
    pool_from: str | None = None  # first month of a pooled period
    comparison: Figure | None = None  # exit rate: the comparison municipalities
    comparison_change: float | None = None
    band: tuple[float, float] | None = None

    @property
    def pooled(self) -> bool:
        return self.pool_from is not None

    @property
    def good_direction(self) -> str | None:
        return GOOD_DIRECTION.get(self.key)


def _status(fig: Figure) -> str:
    if fig.suppressed:
        return "suppressed"
    return "ok" if fig.value is not None else "empty"


def _trend(df: pl.DataFrame, *extra: str) -> pl.DataFrame:
    return df.select("month", *extra, "value", "suppressed")


def monthly_headline(key: str, indicator: str, df: pl.DataFrame, month: str) -> Headline:
    """A headline from a whole-trial table by month: the value in `month`, change on the month
    before, the whole series as the trend."""
    cur = figure_at(df, month)
    prev_month = shift_month(month, -1)
    prev = figure_at(df, prev_month)
    head = Headline(
        key=key,
        indicator=indicator,
        unit=INDICATORS[indicator].unit,
        month=month,
        current=cur,
        previous=prev,
        previous_month=prev_month,
        change=change(cur, prev),
        trend=_trend(df),
        status=_status(cur),
    )
    if key == "clients_per_fte" and not cur.suppressed and cur.value is None:
        head.status = "no_staff"  # caseload but no coach or advisor FTE recorded
    return head


def unavailable(key: str, indicator: str, month: str, message: str) -> Headline:
    return Headline(
        key=key,
        indicator=indicator,
        unit=INDICATORS[indicator].unit,
        month=month,
        current=MISSING,
        status="unavailable",
        message=message,
    )


def exit_rate_headline(df: pl.DataFrame, month: str) -> Headline:
    """Exit rate of the trial municipalities in `month`, the comparison municipalities beside it.

    `df` is exit_rate by (trial_or_comparison, month)."""
    trial = df.filter(pl.col("trial_or_comparison") == "trial")
    comp = df.filter(pl.col("trial_or_comparison") == "comparison")
    head = monthly_headline("exit_rate", "exit_rate", trial, month)
    head.trend = _trend(df.rename({"trial_or_comparison": "group"}), "group")
    head.comparison = figure_at(comp, month)
    head.comparison_change = change(head.comparison, figure_at(comp, shift_month(month, -1)))
    return head


def _sides(trial: pl.DataFrame, comparison: pl.DataFrame) -> pl.DataFrame:
    """Two monthly tables as one with trial_or_comparison ('trial' for the selection)."""
    return pl.concat(
        [
            trial.with_columns(trial_or_comparison=pl.lit("trial")),
            comparison.with_columns(trial_or_comparison=pl.lit("comparison")),
        ],
        how="diagonal_relaxed",
    )


def placement_headline(
    read: Reader, ctx: OverviewContext, query: QueryMaker = _default_query
) -> Headline:
    """Placement at 90 days for the trial municipalities, in the latest month whose outcomes are
    all observable; pooled over that month and the two before when it is thin."""
    key = ind = PLACEMENT_INDICATOR
    month = min(latest_observable_month(ctx.as_of, PLACEMENT_DAYS), ctx.last_month)
    if month < ctx.first_month:
        return Headline(key, ind, "%", month, MISSING, status="no_outcomes")
    monthly = read(query(ind, by=("month",), month_to=month))
    head = monthly_headline(key, ind, monthly, month)
    if not is_thin(head.current):
        return head
    first = max(shift_month(month, -(POOL_MONTHS - 1)), ctx.first_month)
    pooled = single_figure(read(query(ind, by=(), month_from=first, month_to=month)))
    prev_to = shift_month(first, -1)
    prev = MISSING
    if prev_to >= ctx.first_month:
        prev_from = max(shift_month(prev_to, -(POOL_MONTHS - 1)), ctx.first_month)
        prev = single_figure(read(query(ind, by=(), month_from=prev_from, month_to=prev_to)))
    head.current, head.previous, head.previous_month = pooled, prev, prev_to
    head.pool_from = first
    head.change = change(pooled, prev)
    head.status = _status(pooled)
    if head.status == "empty" or (pooled.shown and not pooled.denominator):
        head.status = "no_outcomes"
    return head


def whole_trial_headlines(
    read: Reader,
    ctx: OverviewContext,
    query: QueryMaker = _default_query,
    *,
    fte_band: tuple[float, float] | None = None,
) -> list[Headline]:
    """The six headline indicators for the trial municipalities as a whole, in HEADLINE_KEYS
    order. Figures are for ctx.last_month (placement: see placement_headline)."""
    month = ctx.last_month
    by_month = ("month",)
    specs = [
        ("active_caseload", "active_caseload", ()),
        ("cumulative_transferred", "cumulative_transferred", ()),
        ("client_facing_fte", "staff_fte", (("role", CLIENT_FACING_ROLES),)),
        ("clients_per_fte", "clients_per_fte", ()),
    ]
    heads = []
    for key, ind, where in specs:
        try:
            df = read(query(ind, by=by_month, where=where))
        except IndicatorUnavailable as exc:
            heads.append(unavailable(key, ind, month, str(exc)))
            continue
        heads.append(monthly_headline(key, ind, df, month))
    heads[3].band = fte_band
    trial = read(query("exit_rate", by=by_month))
    comparison = read(query("exit_rate", by=by_month, side="comparison"))
    heads.append(exit_rate_headline(_sides(trial, comparison), month))
    try:
        heads.append(placement_headline(read, ctx, query))
    except IndicatorUnavailable as exc:
        heads.append(unavailable(PLACEMENT_INDICATOR, PLACEMENT_INDICATOR, month, str(exc)))
    for head in heads:
        if head.trend.height:
            head.trend = head.trend.filter(pl.col("month") >= ctx.chart_from)
    return heads


# ---------------------------------------------------------------------------------------------
# Per trial area

AREA_VALUE_COLUMNS = HEADLINE_KEYS  # the area table shows every headline
# Each value column's unit; its changes are in change_unit of it (a rate's in pp).
AREA_UNITS = {
    "active_caseload": "persons",
    "cumulative_transferred": "persons",
    "client_facing_fte": "FTE",
    "clients_per_fte": "clients per FTE",
    "exit_rate": "%",
    "placement_rate_90": "%",
}
# The keys `t(f"table.{col}.change")` computes, written out for the catalogue's extraction.
_CHANGE_KEYS = (N_("table.exit_rate.change"), N_("table.placement_rate_90.change"))


def area_column_label(col: str, *, change: bool = False) -> str:
    """The heading of an area-table column. A change of a rate is in percentage points and
    says so ('Exit rate pp', 'Till arbete %-enh.'), never under the rate's '%' heading."""
    if change and AREA_UNITS[col] == "%":
        return t(f"table.{col}.change", pp=t("unit.pp"))
    return t(f"table.{col}")


# Each value column V comes with V_suppressed, V_month (change on the previous month; for the
# pooled placement, on the three months before) and V_year (change on a year earlier).
CHANGES = ("month", "year")


def _area_values(df: pl.DataFrame, month: str | None, name: str) -> pl.DataFrame:
    """trial_area_id, <name>, <name>_suppressed for one month (or a table without months)."""
    rows = df.filter(pl.col("month") == month) if month else df
    return rows.select(
        "trial_area_id",
        pl.col("value").cast(pl.Float64).alias(name),
        pl.col("suppressed").alias(f"{name}_suppressed"),
    )


def _with_changes(out: pl.DataFrame, name: str, current, before: dict) -> pl.DataFrame:
    """Join the current values and the changes on each earlier table in `before`."""
    out = out.join(current, on="trial_area_id", how="left")
    for change_name, table in before.items():
        prev = table.rename({name: "_prev", f"{name}_suppressed": "_prev_supp"})
        out = out.join(prev, on="trial_area_id", how="left")
        shown = ~pl.col(f"{name}_suppressed").fill_null(True) & ~pl.col("_prev_supp").fill_null(
            True
        )
        out = out.with_columns(
            pl.when(shown).then(pl.col(name) - pl.col("_prev")).alias(f"{name}_{change_name}")
        ).drop("_prev", "_prev_supp")
    return out


def area_placement_period(placement: Headline, ctx: OverviewContext) -> tuple[str, str]:
    """The months a per-area placement rate covers: always pooled over POOL_MONTHS months ending
    with the whole-trial headline's month, since one month is thin in all but the largest areas
    (and one period for every area keeps the column comparable)."""
    first = max(shift_month(placement.month, -(POOL_MONTHS - 1)), ctx.first_month)
    return first, placement.month


def off_target(value: float | None, band: tuple[float, float] | None) -> str | None:
    """'below' or 'above' the target band, None inside it (or without a value or band)."""
    if value is None or band is None:
        return None
    if value < band[0]:
        return "below"
    if value > band[1]:
        return "above"
    return None


@dataclass(frozen=True)
class OffTarget:
    """An area whose figure is outside its target band in the last month, and for how long:
    `since` is the first month of the unbroken run of months on the same side of the band that
    ends in the last month (a month without a figure, inside the band or on the other side
    ends the run), `months` its length; `from_start`: the run goes back to the first month
    with data, so it may have begun earlier."""

    area_id: str
    area_name: str
    indicator: str
    side: str  # below | above
    since: str
    months: int
    value: float
    band: tuple[float, float]
    from_start: bool = False


def off_target_runs(
    df: pl.DataFrame,
    areas: pl.DataFrame,
    last_month: str,
    band: tuple[float, float] | None,
    *,
    indicator: str = "clients_per_fte",
    first_month: str | None = None,
) -> list[OffTarget]:
    """The areas off target in `last_month`, the longest run first (then by name).

    `df`: the indicator by trial_area_id and month (value, suppressed); a suppressed cell has
    no figure. `first_month`: the first month with data (default: the table's first)."""
    if band is None or not df.height:
        return []
    first = first_month or df["month"].min()
    shown = df.filter(~pl.col("suppressed").fill_null(False) & pl.col("value").is_not_null())
    values = {
        (row["trial_area_id"], row["month"]): float(row["value"])
        for row in shown.iter_rows(named=True)
    }
    out = []
    for area_id, name in zip(areas["trial_area_id"], areas["area_name"], strict=True):
        now = values.get((area_id, last_month))
        side = off_target(now, band)
        if side is None:
            continue
        since, months = last_month, 1
        while (
            since > first
            and off_target(values.get((area_id, shift_month(since, -1))), band) == side
        ):
            since, months = shift_month(since, -1), months + 1
        out.append(
            OffTarget(area_id, name, indicator, side, since, months, now, band, since <= first)
        )
    return sorted(out, key=lambda o: (-o.months, o.area_name))


def area_table(
    read: Reader,
    ctx: OverviewContext,
    placement: Headline | None = None,
    query: QueryMaker = _default_query,
    *,
    trend_from: str | None = None,
    fte_band: tuple[float, float] | None = None,
) -> pl.DataFrame:
    """The headline indicators per trial area, one row per area of ctx.areas, sorted by name.

    Columns: trial_area_id, area_name; for each AREA_VALUE_COLUMNS V: V (null where suppressed
    or undefined), V_suppressed, V_month and V_year (changes on the month before and a year
    before; null unless both figures are shown); clients_per_fte_target ('below' / 'above' the
    band, else null); `trend` (the monthly active caseload from `trend_from`, a list; null when
    any month of it is suppressed) and `no_staff` (caseload but no coach or advisor FTE).
    Placement covers `area_placement_period` (its changes: the three months before, and the
    same months a year before).
    """
    month = ctx.last_month
    earlier = {"month": shift_month(month, -1), "year": shift_month(month, -12)}
    by = ("trial_area_id", "month")
    out = ctx.areas

    caseload = read(query("active_caseload", by=by))
    tables: list[tuple[str, str, tuple]] = [
        ("cumulative_transferred", "cumulative_transferred", ()),
        ("client_facing_fte", "staff_fte", (("role", CLIENT_FACING_ROLES),)),
        ("clients_per_fte", "clients_per_fte", ()),
        ("exit_rate", "exit_rate", ()),
    ]
    frames: dict[str, pl.DataFrame | None] = {"active_caseload": caseload}
    for name, ind, where in tables:
        try:
            # The full series, as the other pages read it: one query shared through the reader's
            # cache (a cell's perturbed figure is the same in any table that holds it).
            frames[name] = read(query(ind, by=by, where=where))
        except IndicatorUnavailable:
            frames[name] = None
    for name, df in frames.items():
        if df is None:
            out = out.with_columns(
                pl.lit(None, pl.Float64).alias(name),
                pl.lit(False).alias(f"{name}_suppressed"),
                *[pl.lit(None, pl.Float64).alias(f"{name}_{c}") for c in CHANGES],
            )
            continue
        before = {c: _area_values(df, m, name) for c, m in earlier.items()}
        out = _with_changes(out, name, _area_values(df, month, name), before)

    name = PLACEMENT_INDICATOR
    if placement is not None and placement.status != "unavailable":
        first, last = area_placement_period(placement, ctx)
        n = month_index(last) - month_index(first) + 1

        def pooled(shift: int) -> pl.DataFrame:
            lo, hi = shift_month(first, shift), shift_month(last, shift)
            if hi < ctx.first_month:
                return ctx.areas.select(
                    "trial_area_id",
                    pl.lit(None, pl.Float64).alias(name),
                    pl.lit(False).alias(f"{name}_suppressed"),
                )
            df = read(
                query(name, by=("trial_area_id",), month_from=max(lo, ctx.first_month), month_to=hi)
            )
            return _area_values(df, None, name)

        out = _with_changes(out, name, pooled(0), {"month": pooled(-n), "year": pooled(-12)})
    else:
        out = out.with_columns(
            pl.lit(None, pl.Float64).alias(name),
            pl.lit(False).alias(f"{name}_suppressed"),
            *[pl.lit(None, pl.Float64).alias(f"{name}_{c}") for c in CHANGES],
        )

    trend_rows = caseload.filter(
        pl.col("month").is_between(pl.lit(trend_from or ctx.trend_from), pl.lit(month))
    ).sort("trial_area_id", "month")
    # A sparkline cannot show a gap, and leaving a suppressed month out would bend time: an area
    # with any suppressed month in the window gets no trend (null) rather than a false one.
    trend = trend_rows.group_by("trial_area_id", maintain_order=True).agg(
        trend=pl.when(pl.col("suppressed").any())
        .then(pl.lit(None, pl.List(pl.Float64)))
        .otherwise(pl.col("value").cast(pl.Float64).implode())
    )
    out = out.join(trend, on="trial_area_id", how="left")
    out = out.with_columns(
        pl.col(f"{c}_suppressed").fill_null(False) for c in AREA_VALUE_COLUMNS
    ).with_columns(
        no_staff=pl.col("clients_per_fte").is_null()
        & ~pl.col("clients_per_fte_suppressed")
        & (pl.col("active_caseload").fill_null(0) > 0),
        clients_per_fte_target=pl.Series(
            [off_target(v, fte_band) for v in out["clients_per_fte"].to_list()],
            dtype=pl.String,
        ),
    )
    return out.sort("area_name")


@dataclass
class Overview:
    """Everything the Overview page shows."""

    context: OverviewContext
    headlines: list[Headline]
    areas: pl.DataFrame
    off_target: list[OffTarget] = field(default_factory=list)

    def headline(self, key: str) -> Headline:
        return next(h for h in self.headlines if h.key == key)

    @property
    def placement(self) -> Headline:
        return self.headline(PLACEMENT_INDICATOR)


def figures(
    read: Reader,
    ctx: OverviewContext,
    query: QueryMaker = _default_query,
    *,
    fte_band: tuple[float, float] | None = None,
) -> Overview:
    """The whole-trial headlines, the per-area table and what is off target since when."""
    heads = whole_trial_headlines(read, ctx, query, fte_band=fte_band)
    placement = next(h for h in heads if h.key == PLACEMENT_INDICATOR)
    table = area_table(read, ctx, placement, query, fte_band=fte_band)
    runs: list[OffTarget] = []
    if fte_band is not None:
        try:
            # the same query as the area table's (read once where the reader keeps it)
            per_month = read(query("clients_per_fte", by=("trial_area_id", "month")))
        except IndicatorUnavailable:
            per_month = pl.DataFrame()
        runs = off_target_runs(
            per_month, ctx.areas, ctx.last_month, fte_band, first_month=ctx.first_month
        )
    return Overview(ctx, heads, table, runs)


# ---------------------------------------------------------------------------------------------
# The page


def query_maker(page: PageContext) -> QueryMaker:
    """The Overview's queries for the sidebar's selection (see QueryMaker)."""
    sel = page.sel

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


def selection_context(page: PageContext) -> OverviewContext:
    """The OverviewContext of the sidebar's selection: its trial areas, its last month (the
    extract's when none is picked) and its first month (where charts start)."""
    ctx = context_from_options(page.options, page.as_of, page.min_count)
    area_ids = page.state.selected_area_ids(page.options)
    return replace(
        ctx,
        areas=ctx.areas.filter(pl.col("trial_area_id").is_in(area_ids)),
        last_month=page.state.month_to or ctx.last_month,
        period_from=page.state.month_from,
    )


def trend_spec(head: Headline, ctx: OverviewContext) -> dict | None:
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


OFF_TARGET_SHOWN = 5  # lines in the list at the top (the first screen stays for the headlines)


def off_target_text(
    runs: list[OffTarget], ctx: OverviewContext, band, measured: int | None = None
) -> Text | None:
    """The short list at the top of the page: what is off target in the last month, since
    when, for how long, the value against the band. None without a band, or when nothing is off
    target and `measured` (the areas with a figure in the last month) is 0: "on target" would
    then say what no figure shows (the area table marks the areas without staff)."""
    if band is None or (not runs and measured == 0):
        return None
    low, high = (format_number(b, 0 if float(b).is_integer() else 1) for b in band)
    month = format_month(ctx.last_month)
    indicator = t("overview.off_target.ind.clients_per_fte")
    if not runs:
        return Text(
            t("overview.off_target.none", month=month, indicator=indicator, low=low, high=high)
        )
    lines = []
    for run in runs[:OFF_TARGET_SHOWN]:
        months = (
            t("overview.off_target.month")
            if run.months == 1
            else t("overview.off_target.months", n=run.months)
        )
        key = (
            N_("overview.off_target.line_from_start")
            if run.from_start
            else N_("overview.off_target.line")
        )
        lines.append(
            "- "
            + t(
                key,
                area=as_text(run.area_name),
                indicator=t(f"overview.off_target.ind.{run.indicator}"),
                side=t(f"overview.off_target.{run.side}"),
                since=format_month(run.since),
                months=months,
                value=format_number(run.value, 1),
                low=low,
                high=high,
            )
        )
    if len(runs) > OFF_TARGET_SHOWN:
        lines.append("- " + t("overview.off_target.more", n=len(runs) - OFF_TARGET_SHOWN))
    title = t("overview.off_target.title", month=month, n=len(runs), of=ctx.areas.height)
    body = "\n".join(lines)
    return Text(
        f"**{title}**\n\n{body}\n\n{t('overview.off_target.rule')}",
        kind="warning",
        icon=":material/flag:",
    )


AREA_SORTS = ("area_name", *AREA_VALUE_COLUMNS)  # what the area table can be sorted by


def sort_areas(df: pl.DataFrame, by: str = "area_name", descending: bool = False) -> pl.DataFrame:
    """The area table in the chosen order: by one column (areas without a figure last), then by
    name; an unknown column sorts by name."""
    if by not in AREA_SORTS or by not in df.columns:
        by = "area_name"
    names = pl.Series(
        [collation_key(n or "")[0] for n in df["area_name"].to_list()], dtype=pl.String
    )
    keys = ["_name"] if by == "area_name" else [by, "_name"]
    out = df.with_columns(_name=names)
    return out.sort(keys, descending=[descending, False][: len(keys)], nulls_last=True).drop(
        "_name"
    )


def build(page: PageContext, *, sort_by: str = "area_name", descending: bool = False) -> View:
    """The page: the headlines for the selection (with their trend charts), the published
    national activation rate beside them, and the headline indicators per trial area (in the
    order of the page's sort control, which the view places above the table)."""
    ctx = selection_context(page)
    found = figures(page.read, ctx, query_maker(page), fte_band=page.fte_band)
    specs = {h.key: trend_spec(h, ctx) for h in found.headlines if h.status != "unavailable"}
    subtitle = t(
        "overview.subtitle", date=format_date(ctx.as_of), month=format_month(ctx.last_month)
    )
    summary = as_text(page.state.summary(page.options, page.lang))  # a Text part is markdown
    measured = found.areas["clients_per_fte"].is_not_null().sum()
    flagged = off_target_text(found.off_target, ctx, page.fte_band, measured)
    return View(
        [
            Heading(t("overview.title"), level=1),
            Text(f"{subtitle} {summary}" if summary else subtitle),
            *([flagged] if flagged else []),
            Heading(t("overview.headlines")),
            Headlines(found.headlines, ctx, specs),
            NationalContext(ctx.last_month),
            Heading(t("overview.areas")),
            Control("sort"),
            AreaTable(
                sort_areas(found.areas, sort_by, descending),
                ctx,
                found.placement,
                fte_band=page.fte_band,
                filters=tuple(page.state.describe(page.options, page.lang)),
            ),
        ]
    )
