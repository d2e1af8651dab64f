"""The Overview's figures: headline indicators for the whole trial and per trial area.

Pure Polars and plain Python: the indicator tables come from an injected `read(query)` (the
dashboard passes lib/ui.py's cached reader, tests pass `compute` on a snapshot), and the queries
from an injected `query(indicator, **kw)` (lib.access.default_query by default). Everything that
picks "the latest month", computes a change or decides to pool thin months lives here, so it is
tested without a browser.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from lib.indicators import INDICATORS, IndicatorUnavailable, Query
from lib.panel import month_end_day, month_index_of_label, month_label

Reader = Callable[[Query], pl.DataFrame]
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


def _default_query(indicator: str, **kw) -> Query:
    from lib.access import default_query

    return default_query(indicator, **kw)


# ---------------------------------------------------------------------------------------------
# Months


def shift_month(month: str, n: int) -> str:
    """'2021-03' shifted by n months ('2021-03', -1 -> '2021-02')."""
    return month_label(month_index_of_label(month) + n)


def latest_observable_month(as_of: dt.date, days: int) -> str:
    """The latest month all of whose episodes' outcomes `days` after their end are observable.

    An episode ending on the month's last day is observed on that day + `days`, which must be on
    or before `as_of`; later months are only partly observable (and biased to early endings).
    """
    as_of_day = (as_of - dt.date(1970, 1, 1)).days
    midx = as_of.year * 12 + as_of.month - 1
    while month_end_day(midx) + days > as_of_day:
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

    @property
    def area_ids(self) -> list[str]:
        return self.areas["trial_area_id"].to_list()

    @property
    def area_names(self) -> dict[str, str]:
        return dict(zip(self.areas["trial_area_id"], self.areas["area_name"], strict=True))

    @property
    def chart_from(self) -> str:
        """Where whole-trial trend charts start: CHART_MONTHS_BEFORE_START before the trial's
        start (the before-period the comparison needs), never before the data's first month."""
        if self.start_month is None:
            return self.first_month
        return max(shift_month(self.start_month, -CHART_MONTHS_BEFORE_START), self.first_month)

    @property
    def trend_from(self) -> str:
        """Where per-area trends start: the trial's start month (or the data's first month)."""
        return max(self.start_month or self.first_month, self.first_month)


def context_from_snapshot(snap, min_count: int) -> OverviewContext:
    """The OverviewContext of an analytic snapshot (lib/panel.Snapshot)."""
    starts = snap.trials["start_date"].drop_nulls()
    start = starts.min() if starts.len() else None
    areas = (
        snap.trial_areas.select("trial_area_id", area_name=pl.col("name"))
        .unique("trial_area_id")
        .sort("trial_area_id")
    )
    return OverviewContext(
        as_of=snap.as_of,
        first_month=month_label(snap.first_month),
        last_month=month_label(snap.last_month),
        start_month=f"{start.year:04d}-{start.month:02d}" if start else None,
        areas=areas,
        min_count=min_count,
    )


@dataclass
class Headline:
    """One headline indicator for the whole trial, ready to render."""

    key: str  # HEADLINE_KEYS
    indicator: str  # lib.indicators id (label, unit, definition)
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


def placement_headline(
    read: Reader, ctx: OverviewContext, query: QueryMaker = _default_query
) -> Headline:
    """Placement at 90 days for the trial municipalities, in the latest month whose outcomes are
    all observable; pooled over that month and the two before when it is thin."""
    key = ind = PLACEMENT_INDICATOR
    month = min(latest_observable_month(ctx.as_of, PLACEMENT_DAYS), ctx.last_month)
    if month < ctx.first_month:
        return Headline(key, ind, "%", month, MISSING, status="no_outcomes")
    monthly = read(query(ind, by=("month",), where=(TRIAL_ONLY,), month_to=month))
    head = monthly_headline(key, ind, monthly, month)
    if not is_thin(head.current):
        return head
    first = max(shift_month(month, -(POOL_MONTHS - 1)), ctx.first_month)
    pooled = single_figure(
        read(query(ind, by=(), where=(TRIAL_ONLY,), month_from=first, month_to=month))
    )
    prev_to = shift_month(first, -1)
    prev = MISSING
    if prev_to >= ctx.first_month:
        prev_from = max(shift_month(prev_to, -(POOL_MONTHS - 1)), ctx.first_month)
        prev = single_figure(
            read(query(ind, by=(), where=(TRIAL_ONLY,), month_from=prev_from, month_to=prev_to))
        )
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
            df = read(query(ind, by=by_month, where=(TRIAL_ONLY, *where)))
        except IndicatorUnavailable as exc:
            heads.append(unavailable(key, ind, month, str(exc)))
            continue
        heads.append(monthly_headline(key, ind, df, month))
    heads[3].band = fte_band
    df = read(query("exit_rate", by=("trial_or_comparison", "month")))
    heads.append(exit_rate_headline(df, month))
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

AREA_VALUE_COLUMNS = (
    "active_caseload",
    "caseload_change",
    "cumulative_transferred",
    "client_facing_fte",
    "clients_per_fte",
    "exit_rate",
    "placement_rate_90",
)


def _area_values(df: pl.DataFrame, month: str | None, name: str) -> pl.DataFrame:
    """trial_area_id, <name>, <name>_suppressed for one month (or a table without months)."""
    rows = df.filter(pl.col("month") == month) if month else df
    return rows.select(
        "trial_area_id",
        pl.col("value").cast(pl.Float64).alias(name),
        pl.col("suppressed").alias(f"{name}_suppressed"),
    )


def area_placement_period(placement: Headline, ctx: OverviewContext) -> tuple[str, str]:
    """The months a per-area placement rate covers: always pooled over POOL_MONTHS months ending
    with the whole-trial headline's month, since one month is thin in all but the largest areas
    (and one period for every area keeps the column comparable)."""
    first = max(shift_month(placement.month, -(POOL_MONTHS - 1)), ctx.first_month)
    return first, placement.month


def area_table(
    read: Reader,
    ctx: OverviewContext,
    placement: Headline | None = None,
    query: QueryMaker = _default_query,
    *,
    trend_from: str | None = None,
) -> pl.DataFrame:
    """The headline indicators per trial area, one row per area, sorted by area name.

    Columns: trial_area_id, area_name, the AREA_VALUE_COLUMNS (null where suppressed or
    undefined), a `<column>_suppressed` flag for each, `trend` (the monthly active caseload from
    `trend_from`, a list; null when any month of it is suppressed) and `no_staff` (caseload but
    no coach or
    advisor FTE recorded). Placement covers `area_placement_period`.
    """
    month = ctx.last_month
    prev = shift_month(month, -1)
    by = ("trial_area_id", "month")
    out = ctx.areas

    caseload = read(query("active_caseload", by=by))
    cur = _area_values(caseload, month, "active_caseload")
    before = _area_values(caseload, prev, "_prev")
    out = out.join(cur, on="trial_area_id", how="left").join(before, on="trial_area_id", how="left")
    shown = ~pl.col("active_caseload_suppressed") & ~pl.col("_prev_suppressed")
    out = out.with_columns(
        caseload_change=pl.when(shown).then(pl.col("active_caseload") - pl.col("_prev")),
        caseload_change_suppressed=~shown,
    ).drop("_prev", "_prev_suppressed")

    tables: list[tuple[str, str, tuple]] = [
        ("cumulative_transferred", "cumulative_transferred", ()),
        ("client_facing_fte", "staff_fte", (("role", CLIENT_FACING_ROLES),)),
        ("clients_per_fte", "clients_per_fte", ()),
        ("exit_rate", "exit_rate", ()),
    ]
    for name, ind, where in tables:
        try:
            # The full series, as everywhere else: secondary suppression depends on the table's
            # cells, so a shorter table could hide (or show) a different set of cells.
            df = read(query(ind, by=by, where=where))
            out = out.join(_area_values(df, month, name), on="trial_area_id", how="left")
        except IndicatorUnavailable:
            out = out.with_columns(
                pl.lit(None, pl.Float64).alias(name), pl.lit(False).alias(f"{name}_suppressed")
            )

    if placement is not None and placement.status != "unavailable":
        first, _ = area_placement_period(placement, ctx)
        df = read(
            query(
                PLACEMENT_INDICATOR,
                by=("trial_area_id",),
                month_from=first,
                month_to=placement.month,
            )
        )
        out = out.join(_area_values(df, None, PLACEMENT_INDICATOR), on="trial_area_id", how="left")
    else:
        out = out.with_columns(
            pl.lit(None, pl.Float64).alias(PLACEMENT_INDICATOR),
            pl.lit(False).alias(f"{PLACEMENT_INDICATOR}_suppressed"),
        )

    trend_rows = caseload.filter(pl.col("month") >= (trend_from or ctx.trend_from)).sort(
        "trial_area_id", "month"
    )
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
    )
    return out.sort("area_name")


@dataclass
class Overview:
    """Everything the Overview page shows."""

    context: OverviewContext
    headlines: list[Headline]
    areas: pl.DataFrame

    def headline(self, key: str) -> Headline:
        return next(h for h in self.headlines if h.key == key)

    @property
    def placement(self) -> Headline:
        return self.headline(PLACEMENT_INDICATOR)


def build(
    read: Reader,
    ctx: OverviewContext,
    query: QueryMaker = _default_query,
    *,
    fte_band: tuple[float, float] | None = None,
) -> Overview:
    """The whole-trial headlines and the per-area table."""
    heads = whole_trial_headlines(read, ctx, query, fte_band=fte_band)
    placement = next(h for h in heads if h.key == PLACEMENT_INDICATOR)
    return Overview(ctx, heads, area_table(read, ctx, placement, query))
