"""Compare regions: a municipality or trial area beside chosen peers, its region, the whole trial
and the comparison group, indicator by indicator (small multiples over the months), in a ranked
table per 1,000 job seekers, ranked among all municipalities or areas, and on a map of the
municipalities (lib/figures/maps.py). Pure: indicator tables in, Blocks out.

"Per 1,000 job seekers": a count (persons, FTE, contacts) divided by the unemployed job seekers
of the same unit and months (`unemployed`, mean of the month ends) times 1,000; rates (%) and
clients per FTE are already normalised and shown as they are.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from lib.engine.access import HEADLINE_INDICATORS, Reader, is_limited
from lib.engine.indicators import INDICATORS, Query
from lib.figures import charts, maps
from lib.figures.blocks import Block, PageContext, caption, month_column, suppressed_column
from lib.figures.engine_texts import indicator_label as indicator_name
from lib.figures.exports import Column
from lib.figures.filters import NO_GEO, FilterOptions, region_label
from lib.figures.format import collation_key, format_month, unit_text
from lib.figures.i18n import N_, t
from lib.figures.view import Columns, Heading, Legend, Row, Text

# The keys `t(f"compare.short.{ind}")` and `t(f"compare.bars.{level}")` compute,
# written out for the catalogue's extraction.
_COMPARE_KEYS = (
    N_("compare.short.active_caseload"),
    N_("compare.short.transfers_in"),
    N_("compare.short.new_clients"),
    N_("compare.short.exit_rate"),
    N_("compare.short.placement_rate_90"),
    N_("compare.short.activation_rate"),
    N_("compare.short.clients_per_fte"),
    N_("compare.short.staff_fte"),
    N_("compare.short.contact_rate"),
    N_("compare.bars.municipality"),
    N_("compare.bars.area"),
    N_("compare.bars.region"),
    N_("compare.bars.note"),
)

COMPARE_INDICATORS = (
    "active_caseload",
    "transfers_in",
    "new_clients",
    "exit_rate",
    "placement_rate_90",
    "activation_rate",
    "clients_per_fte",
    "staff_fte",
    "contact_rate",
)
DEFAULT_INDICATORS = ("active_caseload", "exit_rate", "placement_rate_90", "clients_per_fte")
PEERS_SUGGESTED = 3
ROLES = ("focus", "peer", "region", "trial", "comparison", "country")
LEVELS = ("municipality", "area", "region")  # what the ranking ranks
RANK_ON = ("period", "latest")  # the ranking's figure: the whole period, or its last month
COUNTRY_COLOR = "#56B4E9"
# Peers: Okabe & Ito's orange, reddish purple and vermillion first (the blues and the green are
# the whole trial's and the region's), then brown and grey.
PEER_COLORS = ("#E69F00", "#CC79A7", "#D55E00", "#8C564B", "#999999", "#F0A3C0")


def indicator_choices(reader: Reader) -> tuple[list[str], list[str]]:
    """(the indicators to offer, the default ones) for the reader's viewer: a municipal viewer
    compares other areas at headline level, so only headline indicators are offered."""
    if not is_limited(reader.viewer):
        return list(COMPARE_INDICATORS), list(DEFAULT_INDICATORS)
    offered = [i for i in COMPARE_INDICATORS if i in HEADLINE_INDICATORS]
    return offered, [i for i in DEFAULT_INDICATORS if i in offered]


def normalised(indicator: str) -> bool:
    """True for the counts shown per 1,000 job seekers."""
    return INDICATORS[indicator].kind == "count"


def shown_unit(indicator: str) -> str:
    """The unit of the compared figure ('per 1,000 job seekers' for counts)."""
    return "per 1,000" if normalised(indicator) else INDICATORS[indicator].unit


def unit_words(indicator: str) -> str:
    if normalised(indicator):
        return t("compare.per_1000", unit=unit_text(INDICATORS[indicator].unit))
    return unit_text(INDICATORS[indicator].unit)


def indicator_label(indicator: str) -> str:
    """The indicator with its unit, once: "Active caseload (per 1,000)", but in Swedish
    "Kunder per årsverke i kundarbete", whose unit is its name (twice it was cut in a chip)."""
    label, unit = indicator_name(indicator), _short_unit(indicator)
    return label if unit.casefold() in label.casefold() else f"{label} ({unit})"


# ---------------------------------------------------------------------------------------------
# What can be compared


@dataclass(frozen=True)
class Unit:
    """A municipality ('m:091'), a trial area ('a:TA01') or a region ('r:Uusimaa')."""

    key: str
    kind: str  # municipality | area | region
    id: str
    name: str
    population: int | None
    region: str | None
    trial: bool  # in a trial area

    @property
    def dim(self) -> str:
        return level_dim(self.kind)


def level_dim(level: str) -> str:
    """The engine's dimension of a kind of unit (municipality, area, region)."""
    return {"municipality": "municipality_code", "area": "trial_area_id"}.get(level, "region")


def unit_label(unit: Unit) -> str:
    """'Espoo region (trial area)', 'Uusimaa (region)', 'Kerava', 'Akaa (comparison)'."""
    if unit.kind == "area":
        return t("compare.unit.area", name=unit.name)
    if unit.kind == "region":
        return t("{name} (region)", name=unit.name)
    if not unit.trial:
        return t("compare.unit.comparison", name=unit.name)
    return unit.name


def peer_label(unit: Unit) -> str:
    """A peer as its chip reads: peers are of the focus's kind, so a trial area needs no
    '(trial area)'; a comparison municipality keeps its mark."""
    return unit.name if unit.kind != "municipality" else unit_label(unit)


def units(opts: FilterOptions, lang: str = "en") -> dict[str, Unit]:
    """Every trial area, every region (maakunta) and every municipality, in that order, each
    by name."""
    out: dict[str, Unit] = {}
    for area in sorted(opts.areas, key=lambda a: collation_key(a.name, lang)):
        members = [m for m in opts.municipalities if m.area_id == area.id]
        pops = [m.population or 0 for m in members]
        biggest = max(members, key=lambda m: m.population or 0) if members else None
        out[f"a:{area.id}"] = Unit(
            key=f"a:{area.id}",
            kind="area",
            id=area.id,
            name=area.name,
            population=sum(pops) if members else None,
            region=biggest.region if biggest else None,
            trial=True,
        )
    regions: dict[str, list] = {}
    for m in opts.municipalities:
        if m.region:
            regions.setdefault(m.region, []).append(m)
    for name in sorted(regions, key=lambda r: collation_key(r, lang)):
        members = regions[name]
        out[f"r:{name}"] = Unit(
            key=f"r:{name}",
            kind="region",
            id=name,
            name=region_label(name, lang),
            population=sum(m.population or 0 for m in members),
            region=None,  # a region is not compared with itself
            trial=any(m.area_id is not None for m in members),
        )
    for m in sorted(opts.municipalities, key=lambda m: collation_key(m.label(lang), lang)):
        out[f"m:{m.code}"] = Unit(
            key=f"m:{m.code}",
            kind="municipality",
            id=m.code,
            name=m.label(lang),
            population=m.population,
            region=m.region,
            trial=m.area_id is not None,
        )
    return out


def default_focus(ctx: PageContext) -> str:
    """The sidebar's first municipality or area, else the trial's largest area."""
    state, opts = ctx.state, ctx.options
    if state.municipalities:
        return f"m:{state.municipalities[0]}"
    if state.areas:
        return f"a:{state.areas[0]}"
    all_units = units(opts, ctx.lang)
    areas = [u for u in all_units.values() if u.kind == "area"]
    if areas:
        return max(areas, key=lambda u: u.population or 0).key
    return next(iter(all_units), "")


def suggest_peers(
    all_units: dict[str, Unit], focus: str, n: int = PEERS_SUGGESTED, reader: Reader | None = None
) -> list[str]:
    """The default peer set. For a municipality, with the viewer's reader: its most similar
    municipalities (lib/stats/peers.py: size, unemployment, long-term and foreign shares, region).
    Otherwise the `n` units of the focus's kind nearest to it in population (log scale)."""
    f = all_units.get(focus)
    if f is not None and f.kind == "municipality" and reader is not None:
        keys = [f"m:{code}" for code in reader.peer_codes(f.id, n)]
        return [k for k in keys if k in all_units]
    if f is None or not f.population:
        return []
    candidates = [
        u for u in all_units.values() if u.kind == f.kind and u.key != focus and u.population
    ]
    log_f = math.log(f.population)
    candidates.sort(key=lambda u: (abs(math.log(u.population) - log_f), u.name))
    return [u.key for u in candidates[:n]]


# ---------------------------------------------------------------------------------------------
# Reading


@dataclass
class CompareView:
    focus: Unit
    peers: list[Unit]
    indicators: tuple[str, ...]
    rank_by: str
    multiples: list[Block]
    ranked: Block
    bars: Block
    legend: list[tuple[str, str, bool]]  # (label, colour, dashed)
    sidebar_geo: bool = False  # the sidebar picks areas or municipalities (not used here)
    map: Block | None = None  # the ranking indicator on a map of the municipalities
    rank_on: str = "period"

    @property
    def parts(self) -> list:
        notice = [Text(t("compare.sidebar_geo"))] if self.sidebar_geo else []
        return [
            *notice,
            Heading(t("compare.multiples")),
            Legend(self.legend),
            Row(self.multiples),
            Heading(t("compare.ranking")),
            self.ranked,
            # the map beside the ranking bars: the same indicator, by place and by rank
            Columns([[self.bars], [self.map]], widths=(1, 1)) if self.map else self.bars,
        ]


def _series_specs(ctx: PageContext, focus: Unit, peers: list[Unit]):
    """(role, id, label, colour, dashed) of every line of the small multiples."""
    specs = [("focus", focus.id, focus.name, charts.COMPARE_COLORS["focus"], False)]
    for i, p in enumerate(peers):
        specs.append(("peer", p.id, p.name, PEER_COLORS[i % len(PEER_COLORS)], False))
    if focus.region:
        specs.append(
            (
                "region",
                focus.region,
                t("compare.region", region=region_label(focus.region, ctx.lang)),
                charts.COMPARE_COLORS["region"],
                False,
            )
        )
    specs.append(
        ("trial", "trial", t("compare.whole_trial"), charts.COMPARE_COLORS["trial"], False)
    )
    if ctx.state.comparison:
        specs.append(
            (
                "comparison",
                "comparison",
                t("series.comparison"),
                charts.COMPARE_COLORS["comparison"],
                True,
            )
        )
    specs.append(("country", "SSS", t("Whole country"), COUNTRY_COLOR, True))
    return specs


def _sides(ctx: PageContext) -> tuple[str, ...]:
    return ("trial", "comparison") if ctx.state.comparison else ("trial",)


def _unit_queries(ctx: PageContext, indicator: str, focus: Unit, peers: list[Unit], by_month: bool):
    """(role, id column, query) of the focus and peers, the region, and trial / comparison.

    Trial areas are read all at once: the table the ranking's bars read too, so an area's
    figure (and what disclosure control hides) is the same in the table and the bars, and 25
    areas cost no more to read than four. Municipalities, over 300 of them, are read for the
    focus and its peers only (a table of them all costs more to read and hides more cells)."""
    time = ("month",) if by_month else ()
    ids = tuple(dict.fromkeys([focus.id, *[p.id for p in peers]]))
    where = () if focus.kind == "area" else ((focus.dim, ids),)
    out = [("own", focus.dim, ctx.query(indicator, (focus.dim, *time), side=NO_GEO, where=where))]
    if focus.region:
        out.append(
            (
                "region",
                "region",
                ctx.query(
                    indicator, ("region", *time), side=NO_GEO, where=(("region", (focus.region,)),)
                ),
            )
        )
    sides = _sides(ctx)
    out.append(
        (
            "sides",
            "trial_or_comparison",
            ctx.query(
                indicator,
                ("trial_or_comparison", *time),
                side=NO_GEO,
                where=(("trial_or_comparison", sides),),
            ),
        )
    )
    return out


def _exact_sums(indicator: str, table: pl.DataFrame) -> bool:
    """True when sums of this engine table's cells give the engine's own table of the larger
    cells they make up (lib/engine/indicators.compute), disclosure control included.

    That is for exact tables (min_count 0: perturbed cells need not add up) when no cell is
    suppressed. Its values are sums of whole numbers, divided as the engine divides them.
    Person counts and rates only: staff FTE sums fractions, and a running indicator is not a
    sum over months.
    tests/figures/test_compare_period.py checks each indicator against the engine."""
    ind = INDICATORS[indicator]
    summable = (
        ind.per_person
        and ind.aggregation in ("flow", "stock")
        and (ind.kind == "rate" or (ind.kind == "count" and ind.unit == "persons"))
    )
    return summable and table.height > 0 and not table["suppressed"].any()


def _rate_value(num: pl.Expr, den: pl.Expr) -> pl.Expr:
    # as the engine: 100 x numerator / denominator, none without a denominator
    return pl.when(den > 0).then(100.0 * num / den).otherwise(None)


def period_from_months(
    indicator: str, monthly: pl.DataFrame, dim: str, query: Query
) -> pl.DataFrame | None:
    """The table the indicator engine gives for a query over the whole period (`by=(dim,)`),
    worked out from the same query's table by (dim, month); None where that would not be exact
    (`_exact_sums`): a flow is the sum of its months, a stock the mean of its month ends.

    `query` (the monthly table's): with a threshold the engine perturbs the period's counts as
    cells of their own (lib/engine/disclosure.py), which the months' perturbed counts do not add
    up to, so only an exact table (min_count 0) is worked out here."""
    ind = INDICATORS[indicator]
    if query.min_count > 0 or not _exact_sums(indicator, monthly):
        return None
    n = monthly["month"].n_unique()
    stock = ind.aggregation == "stock"
    if ind.kind == "count":
        value = pl.col("value").sum()
        agg = [value / n if stock and n > 1 else value]
    else:
        num, den = pl.col("numerator").sum(), pl.col("denominator").sum()
        if stock:
            num, den = num / n, den / n
        agg = [
            num.alias("numerator"),
            den.alias("denominator"),
            _rate_value(num, den).alias("value"),
        ]
    columns = ["value"] if ind.kind == "count" else ["value", "numerator", "denominator"]
    return (
        monthly.group_by(dim)
        .agg(*agg)
        .select(dim, *columns, suppressed=pl.lit(False))
        .sort(dim, nulls_last=True)
    )


def sides_from_areas(
    indicator: str, areas: pl.DataFrame, sides: tuple[str, ...], query: Query
) -> pl.DataFrame | None:
    """The table the indicator engine gives by `trial_or_comparison` (where it is one of
    `sides`), worked out from its table of every trial area by the same other dimensions
    (month, or none); None where that would not be exact (`_exact_sums`).

    The whole trial is the sum of the areas; the comparison group is the areas' empty row: the
    municipalities in no trial area are by definition the comparison municipalities. `query`
    (the areas table's): only an exact table (min_count 0) adds up, as for period_from_months."""
    ind = INDICATORS[indicator]
    if query.min_count > 0 or not _exact_sums(indicator, areas):
        return None
    time = [c for c in areas.columns if c == "month"]
    side = pl.when(pl.col("trial_area_id").is_null()).then(pl.lit("comparison"))
    rows = areas.with_columns(trial_or_comparison=side.otherwise(pl.lit("trial"))).filter(
        pl.col("trial_or_comparison").is_in(list(sides))
    )
    if ind.kind == "count":
        agg, columns = [pl.col("value").sum()], ["value"]
    else:
        num, den = pl.col("numerator").sum(), pl.col("denominator").sum()
        agg = [
            num.alias("numerator"),
            den.alias("denominator"),
            _rate_value(num, den).alias("value"),
        ]
        columns = ["value", "numerator", "denominator"]
    return (
        rows.group_by("trial_or_comparison", *time)
        .agg(*agg)
        .select("trial_or_comparison", *time, *columns, suppressed=pl.lit(False))
        .sort("trial_or_comparison", *time)
    )


def _with_roles(df: pl.DataFrame, kind: str, dim: str, roles: dict[str, str], time: list[str]):
    """An engine table as role, unit_id, [month], value, suppressed."""
    df = df.rename({dim: "unit_id"})
    if kind == "own":
        df = df.filter(pl.col("unit_id").is_in(list(roles)))
        role = pl.col("unit_id").replace_strict(roles, return_dtype=pl.String)
    elif kind == "region":
        role = pl.lit("region")
    else:
        role = pl.col("unit_id")
    return df.with_columns(role=role).select("role", "unit_id", *time, "value", "suppressed")


def _rank_period(ctx: PageContext, rank_on: str) -> tuple[str, str] | None:
    """The months the ranking covers: the period (None: the sidebar's), or its last month."""
    return (ctx.period[1], ctx.period[1]) if rank_on == "latest" else None


def _bars_queries(ctx: PageContext, ind: str, level: str, rank_on: str = "period") -> list[Query]:
    """The ranking bars' queries: the indicator (and job seekers) for every unit of the level,
    over the period or in its last month."""
    dim = level_dim(level)
    period = _rank_period(ctx, rank_on)
    out = [ctx.query(ind, (dim,), side=NO_GEO, period=period)]
    if normalised(ind):
        out.append(ctx.query("unemployed", (dim,), side=NO_GEO, period=period))
    return out


def read_all(ctx: PageContext, queries: Sequence[Query], into: dict) -> None:
    """Read the queries not yet in `into` side by side (the reader's `indicators`) and keep
    each table there under its query: read once, used where needed (a second read through
    the cache costs a hash and a copy per table)."""
    todo = [q for q in dict.fromkeys(queries) if q not in into]
    found = ctx.reader.indicators(todo) if len(todo) > 1 else []
    for i, q in enumerate(todo):
        df = found[i] if i < len(found) else None
        # None: the extract cannot answer it; ctx.read raises the error that says why
        into[q] = df if df is not None else ctx.read(q)


def unit_tables(
    ctx: PageContext,
    indicators: tuple[str, ...],
    focus: Unit,
    peers: list[Unit],
    read: dict | None = None,
    also: Sequence[Query] = (),
) -> dict[tuple[str, bool], pl.DataFrame]:
    """Every indicator for the focus and peers, the region, and trial / comparison, by month
    (True) and over the period (False): {(indicator, by_month): role, unit_id, [month], value,
    suppressed}.

    Read with as few passes over the register as exact figures allow (each pass costs about
    the same, whatever it is grouped by): the monthly tables (and `also`, say the ranking's)
    side by side; then, side by side too, what they cannot give exactly: the period tables
    (`period_from_months`) and, with a trial area in focus, the whole trial and comparison group
    (`sides_from_areas`). A third to a half of the reads of asking for every table. `read`
    (query -> table) keeps every table, `also` included, each exactly the engine's for its
    query."""
    read = {} if read is None else read
    roles = {focus.id: "focus", **{p.id: "peer" for p in peers if p.id != focus.id}}
    plans = {ind: _unit_queries(ctx, ind, focus, peers, by_month=True) for ind in indicators}
    periods = {ind: _unit_queries(ctx, ind, focus, peers, by_month=False) for ind in indicators}
    wholes = {q for plan in periods.values() for _k, _d, q in plan}
    # With a trial area in focus, every area is read: the whole trial and the comparison group
    # may be their sums (`sides_from_areas`), so they wait until the areas are in.
    from_areas = focus.kind == "area"
    sides = _sides(ctx)

    def settle() -> list[Query]:
        """Work out what the tables read so far give exactly; return what is left to read."""
        todo = []
        for ind, plan in plans.items():
            own = plan[0][2]
            for (kind, dim, query), (_k, _d, whole) in zip(plan, periods[ind], strict=True):
                if query not in read and kind == "sides" and from_areas and own in read:
                    derived = sides_from_areas(ind, read[own], sides, query)
                    if derived is not None:
                        read[query] = derived  # exactly the engine's table for that query
                if query not in read:
                    todo.append(query)
                elif whole not in read:
                    derived = period_from_months(ind, read[query], dim, query)
                    if derived is None:
                        todo.append(whole)
                    else:
                        read[whole] = derived
        return todo

    first = [q for plan in plans.values() for k, _d, q in plan if not (from_areas and k == "sides")]
    todo = first + [q for q in also if q not in wholes]
    while todo:  # two rounds, three at most
        read_all(ctx, todo, read)
        todo = settle()
    read_all(ctx, [q for q in also if q not in read], read)
    monthly, period = {}, {}
    for ind, plan in plans.items():
        for (kind, dim, query), (_k, _d, whole) in zip(plan, periods[ind], strict=True):
            monthly[(ind, kind)] = _with_roles(read[query], kind, dim, roles, ["month"])
            period[(ind, kind)] = _with_roles(read[whole], kind, dim, roles, [])
    out = {}
    for ind, plan in plans.items():
        for by_month, tables in ((True, monthly), (False, period)):
            frames = [tables[(ind, kind)] for kind, _d, _q in plan]
            out[(ind, by_month)] = pl.concat(frames, how="diagonal_relaxed")
    return out


def _normalise(df: pl.DataFrame, den: pl.DataFrame, by_month: bool):
    """value per 1,000 job seekers: value / unemployed x 1,000; suppressed when either is."""
    keys = ["role", "unit_id", *(["month"] if by_month else [])]
    den = den.select(*keys, jobseekers="value", js_suppressed="suppressed")
    out = df.join(den, on=keys, how="left")
    hidden = pl.col("suppressed") | pl.col("js_suppressed").fill_null(True)
    return out.with_columns(
        raw=pl.col("value"),
        value=pl.when(~hidden & (pl.col("jobseekers") > 0))
        .then(1000.0 * pl.col("value") / pl.col("jobseekers"))
        .otherwise(None),
        suppressed=hidden,
    )


def compared(tables: dict, indicator: str, by_month: bool) -> pl.DataFrame:
    """The compared figure per role and unit (per 1,000 job seekers for counts), from
    `unit_tables`."""
    df = tables[(indicator, by_month)]
    if normalised(indicator):
        return _normalise(df, tables[("unemployed", by_month)], by_month)
    return df.with_columns(raw=pl.col("value"), jobseekers=pl.lit(None, pl.Float64))


def _labels(specs) -> dict[tuple[str, str], str]:
    return {(role, uid): label for role, uid, label, _c, _d in specs}


def build(
    ctx: PageContext,
    *,
    focus: str,
    peers: list[str],
    indicators: tuple[str, ...] = DEFAULT_INDICATORS,
    rank_by: str | None = None,
    level: str | None = None,
    sidebar_geo: bool = False,
    rank_on: str = "period",
    country: tuple[tuple[str, tuple[tuple[str, float], ...]], ...] = (),
) -> CompareView:
    """The page for a focus unit and its peers. `rank_on`: the ranking's figure, over the whole
    period or in its last month; `country`: the published whole-country figure per indicator
    where a published table gives one ((indicator, ((month, value), ...)), ...)."""
    rank_on = rank_on if rank_on in RANK_ON else "period"
    all_units = units(ctx.options, ctx.lang)
    f = all_units[focus]
    peer_units = [all_units[p] for p in peers if p in all_units and all_units[p].kind == f.kind]
    peer_units = [p for p in peer_units if p.key != f.key]
    offered, defaults = indicator_choices(ctx.reader)
    indicators = tuple(i for i in indicators if i in offered) or tuple(defaults)
    rank_by = rank_by if rank_by in indicators else indicators[0]
    specs = _series_specs(ctx, f, peer_units)
    labels = _labels(specs)
    colors = {label: c for _r, _u, label, c, _d in specs}
    dashes = {label: (5, 3) for _r, _u, label, _c, d in specs if d}

    # Every table this view reads, asked for at once (the reader runs them side by side).
    wanted = [*indicators, "unemployed"] if any(map(normalised, indicators)) else indicators
    read: dict = {}
    level = level if level in LEVELS else f.kind
    bars_queries = _bars_queries(ctx, rank_by, level, rank_on)
    tables = unit_tables(ctx, tuple(wanted), f, peer_units, read, also=bars_queries)
    published = {ind: series for ind, series in country if series}
    multiples = []
    period_tables = {}
    for ind in indicators:
        by_month = compared(tables, ind, by_month=True)
        whole = _country_rows(ctx, published.get(ind, ()))
        monthly = _label(pl.concat([by_month, whole], how="diagonal_relaxed"), labels)
        multiples.append(_multiple_block(ctx, ind, monthly, colors, dashes, published))
        if rank_on == "latest":
            last = monthly.filter(pl.col("month") == ctx.period[1]).drop("month")
            period_tables[ind] = last
        else:
            period = compared(tables, ind, by_month=False)
            mean = _country_mean(whole)
            period_tables[ind] = _label(pl.concat([period, mean], how="diagonal_relaxed"), labels)
    ranked = _ranked_block(ctx, indicators, rank_by, period_tables, specs, rank_on, published)
    bars = _bars_block(ctx, rank_by, f, peer_units, level, read, rank_on)
    legend = [(label, c, d) for _r, _u, label, c, d in specs]
    bars.scroll = 600  # a long ranking scrolls in its own box
    map_block = _map_block(ctx, rank_by, f, read, rank_on)
    return CompareView(
        f,
        peer_units,
        indicators,
        rank_by,
        multiples,
        ranked,
        bars,
        legend,
        sidebar_geo,
        map_block,
        rank_on,
    )


def _country_rows(ctx: PageContext, series: tuple[tuple[str, float], ...]) -> pl.DataFrame:
    """The published whole-country figure in the period's months, as compared rows."""
    first, last = ctx.period
    rows = [(m, v) for m, v in series if first <= m <= last]
    return pl.DataFrame(
        {
            "role": ["country"] * len(rows),
            "unit_id": ["SSS"] * len(rows),
            "month": [m for m, _v in rows],
            "value": [v for _m, v in rows],
            "suppressed": [False] * len(rows),
        },
        schema={
            "role": pl.String,
            "unit_id": pl.String,
            "month": pl.String,
            "value": pl.Float64,
            "suppressed": pl.Boolean,
        },
    ).with_columns(raw=pl.col("value"), jobseekers=pl.lit(None, pl.Float64))


def _country_mean(rows: pl.DataFrame) -> pl.DataFrame:
    """The whole country over the period: the mean of its published months (published rates
    come without their numerators and denominators, so they cannot be pooled as the register's
    are)."""
    if rows.height == 0:
        return rows.drop("month")
    return (
        rows.group_by("role", "unit_id")
        .agg(pl.col("value").mean(), suppressed=pl.lit(False))
        .with_columns(raw=pl.col("value"), jobseekers=pl.lit(None, pl.Float64))
    )


def country_note(ind: str, published: dict) -> str:
    """Where the whole country's figure of an indicator comes from, or why there is none."""
    series = published.get(ind)
    if series:
        return t(
            "Whole country: Statistics Finland's published figure (table 12u4), "
            "{first} to {last}; the register covers only the trial and comparison "
            "municipalities. Its definition may differ slightly from the register's.",
            first=format_month(series[0][0]),
            last=format_month(series[-1][0]),
        )
    return t(
        "Whole country: not available for this indicator. The register covers the trial and "
        "comparison municipalities, not the country, and no published table loaded here gives "
        "it for the whole country (the activation rate is the one that has it)."
    )


def _label(df: pl.DataFrame, labels: dict) -> pl.DataFrame:
    names = [labels.get((r, u), u) for r, u in zip(df["role"], df["unit_id"], strict=True)]
    return df.with_columns(series=pl.Series(names, dtype=pl.String))


def _value_columns(ind: str) -> list[Column]:
    i = INDICATORS[ind]
    cols = [
        Column(
            "value",
            unit_words(ind),
            "number",
            shown_unit(ind),
            description=f"{indicator_name(i.id)} ({unit_words(ind)})",
        ),
    ]
    if normalised(ind):
        cols += [
            Column(
                "raw",
                indicator_name(i.id),
                "number",
                i.unit,
                description=f"{indicator_name(i.id)} ({unit_text(i.unit)})",
                shown=False,
            ),
            Column(
                "jobseekers",
                t("compare.jobseekers"),
                "number",
                "persons",
                description=t("compare.jobseekers.help"),
                shown=False,
            ),
        ]
    cols.append(suppressed_column())
    return cols


def _role_columns() -> list[Column]:
    return [
        Column("role", t("compare.role"), "code", shown=False, description=t("compare.role.help")),
        Column(
            "unit_id",
            t("compare.unit_id"),
            "code",
            shown=False,
            description=t("compare.unit_id.help"),
        ),
        Column("series", t("compare.unit"), "text"),
    ]


def _multiple_block(ctx, ind, monthly, colors, dashes, published=None) -> Block:
    i = INDICATORS[ind]
    chart_unit = shown_unit(ind)
    chart = charts.trend_chart(
        monthly,
        unit=chart_unit,
        series="series",
        series_colors=colors,
        series_dashes=dashes,
        series_title=t("compare.unit"),
        start_month=ctx.start_month,
        height=charts.SPARK_HEIGHT,
        legend=False,
    )
    notes = []
    if i.scope == "trial":
        notes.append(t("compare.trial_only"))
    notes.append(country_note(ind, published or {}))
    return Block(
        key=f"multiple-{ind}",
        title=indicator_name(i.id),
        indicators=(ind,) + (("unemployed",) if normalised(ind) else ()),
        table=monthly.select(
            "month",
            "role",
            "unit_id",
            "series",
            "value",
            *(["raw", "jobseekers"] if normalised(ind) else []),
            "suppressed",
        ).sort("role", "unit_id", "month"),
        columns=(month_column(), *_role_columns(), *_value_columns(ind)),
        chart=chart,
        caption=caption(ctx, None, unit_words(ind)),
        notes=tuple(notes),
    )


def _ranked_block(
    ctx, indicators, rank_by, period_tables, specs, rank_on="period", published=None
) -> Block:
    rows = [(r, u, label) for r, u, label, _c, _d in specs]
    table = pl.DataFrame(
        {
            "role": [r for r, _u, _l in rows],
            "unit_id": [u for _r, u, _l in rows],
            "series": [label for _r, _u, label in rows],
        },
        schema={"role": pl.String, "unit_id": pl.String, "series": pl.String},
    )
    columns = list(_role_columns())
    for ind in indicators:
        df = period_tables[ind].select(
            "role", "unit_id", pl.col("value").alias(ind), pl.col("suppressed").alias(f"{ind}__s")
        )
        table = table.join(df, on=["role", "unit_id"], how="left")
        i = INDICATORS[ind]
        columns.append(
            Column(
                ind,
                t(f"compare.short.{ind}"),
                "number",
                shown_unit(ind),
                description=f"{indicator_name(i.id)}, {unit_words(ind)}",
            )
        )
        columns.append(
            Column(
                f"{ind}__s",
                t("compare.suppressed", name=indicator_name(i.id)),
                "flag",
                shown=False,
                description=t("column.suppressed.help"),
            )
        )
    table = table.sort(rank_by, descending=True, nulls_last=True).with_columns(
        rank=pl.when(pl.col(rank_by).is_not_null())
        .then(pl.col(rank_by).rank("min", descending=True))
        .otherwise(None)
        .cast(pl.Int64)
    )
    columns.insert(
        0,
        Column(
            "rank",
            t("compare.rank"),
            "number",
            "persons",
            description=t("compare.rank.help", name=indicator_name(rank_by)),
        ),
    )
    table = table.select([c.name for c in columns])
    return Block(
        key="ranked",
        title=t("compare.ranked", name=indicator_name(rank_by)),
        indicators=tuple(dict.fromkeys([*indicators, "unemployed"])),
        table=table,
        columns=tuple(columns),
        chart=None,
        caption=caption(ctx, None, _rank_words(ctx, rank_on)),
        notes=(
            t("compare.per_1000.help"),
            t("caption.exit_rate_note"),
            country_note(rank_by, published or {}),
        ),
    )


def _rank_words(ctx: PageContext, rank_on: str) -> str:
    if rank_on == "latest":
        return t("the latest month of the period, {month}", month=format_month(ctx.period[1]))
    return t(
        "the whole period: stocks the mean of the month ends, flows the total, rates pooled "
        "over the months"
    )


def _short_unit(ind: str) -> str:
    if normalised(ind):
        return t("compare.per_1000_short")
    return unit_text(INDICATORS[ind].unit)


def _every_unit(ctx, ind: str, level: str, read: dict, rank_on: str = "period") -> pl.DataFrame:
    """The compared figure for every municipality (or trial area) over the period: the
    engine's table of the level (per 1,000 job seekers for counts; suppressed when the count
    or its job seekers are), without the row of no unit."""
    dim = level_dim(level)
    queries = _bars_queries(ctx, ind, level, rank_on)
    read_all(ctx, queries, read)
    df = read[queries[0]]
    if normalised(ind):
        den = read[queries[1]]
        den = den.select(dim, jobseekers="value", js_suppressed="suppressed")
        df = df.join(den, on=dim, how="left")
        hidden = pl.col("suppressed") | pl.col("js_suppressed").fill_null(True)
        df = df.with_columns(
            raw=pl.col("value"),
            value=pl.when(~hidden & (pl.col("jobseekers") > 0))
            .then(1000.0 * pl.col("value") / pl.col("jobseekers"))
            .otherwise(None),
            suppressed=hidden,
        )
    return df.filter(pl.col(dim).is_not_null())


def _bars_block(
    ctx, ind, focus: Unit, peers: list[Unit], level: str, read: dict, rank_on: str = "period"
) -> Block:
    """The ranking indicator for every municipality (trial area, region), ranked."""
    dim = level_dim(level)
    df = _every_unit(ctx, ind, level, read, rank_on)
    if level == "municipality":
        names = ctx.municipality_names
    elif level == "area":
        names = ctx.area_names
    else:
        names = {r: region_label(r, ctx.lang) for r in df[dim].unique().drop_nulls()}
    df = df.with_columns(
        name=pl.col(dim).replace_strict(names, default=pl.col(dim), return_dtype=pl.String)
    )
    highlight = {focus.name: charts.COMPARE_COLORS["focus"]}
    for i, p in enumerate(peers):
        highlight[p.name] = PEER_COLORS[i % len(PEER_COLORS)]
    i = INDICATORS[ind]
    chart_unit = shown_unit(ind)
    label_title = {
        "municipality": t("column.municipality"),
        "area": t("chart.area"),
        "region": t("Region"),
    }[level]
    chart = charts.ranked_bar_chart(
        df,
        label="name",
        unit=chart_unit,
        label_title=label_title,
        highlight=highlight,
        bar_height=14 if level == "municipality" else 18,
    )
    df = df.sort("value", descending=True, nulls_last=True)
    cols = [
        Column(dim, t(f"column.{dim}"), "code", shown=False),
        Column("name", label_title, "text"),
        *_value_columns(ind),
    ]
    return Block(
        key=f"bars-{level}",
        title=t(f"compare.bars.{level}", name=indicator_name(i.id)),
        indicators=(ind,) + (("unemployed",) if normalised(ind) else ()),
        table=df.select([c.name for c in cols if c.name in df.columns]),
        columns=tuple(c for c in cols if c.name in df.columns),
        chart=chart,
        caption=caption(ctx, None, unit_words(ind), _rank_words(ctx, rank_on)),
        notes=(t("compare.bars.note"),),
    )


def _map_block(
    ctx: PageContext, ind: str, focus: Unit, read: dict, rank_on: str = "period"
) -> Block:
    """The ranking indicator on a map of the municipalities, whatever the ranking's level: the
    table of every municipality the reader gives (the bars' own when they rank
    municipalities), the own area outlined, the trial areas outlined apart."""
    df = _every_unit(ctx, ind, "municipality", read, rank_on)
    opts = ctx.options
    area_of = {m.code: m.area_id for m in opts.municipalities}
    area_names = ctx.area_names
    names = ctx.municipality_names
    if focus.kind == "area":
        own = [m.code for m in opts.municipalities if m.area_id == focus.id]
    elif focus.kind == "region":
        own = [m.code for m in opts.municipalities if m.region == focus.id]
    else:
        own = [focus.id]
    unit = shown_unit(ind)
    data = maps.map_data(
        df,
        unit=unit,
        names=names,
        area_of=area_of,
        area_names=area_names,
        own=own,
        own_label=t("map.own", name=focus.name),
        min_count=ctx.min_count,
    )
    chart = maps.choropleth(data, unit=unit, value_title=unit_words(ind), min_count=ctx.min_count)
    place = {
        code: (
            t("map.trial_area", name=area_names.get(area, area)) if area else t("map.comparison")
        )
        for code, area in area_of.items()
    }
    known = pl.DataFrame(
        {"municipality_code": list(area_of)}, schema={"municipality_code": pl.String}
    )
    table = (
        known.join(df, on="municipality_code", how="left")
        .with_columns(
            name=pl.col("municipality_code").replace_strict(
                names, default=pl.col("municipality_code"), return_dtype=pl.String
            ),
            place=pl.col("municipality_code").replace_strict(
                place, default=None, return_dtype=pl.String
            ),
            suppressed=pl.col("suppressed").fill_null(False),
        )
        .sort("value", "name", descending=[True, False], nulls_last=True)
    )
    cols = [
        Column("municipality_code", t("column.municipality_code"), "code", shown=False),
        Column("name", t("column.municipality"), "text"),
        Column("place", t("compare.map.place"), "text"),
        *_value_columns(ind),
    ]
    cols = [c for c in cols if c.name in table.columns]
    notes = [t("compare.map.note")]
    if data.missing:
        notes.append(t("compare.map.missing", codes=", ".join(data.missing)))
    i = INDICATORS[ind]
    return Block(
        key="map",
        title=t("compare.map", name=indicator_name(i.id)),
        indicators=(ind,) + (("unemployed",) if normalised(ind) else ()),
        table=table.select([c.name for c in cols]),
        columns=tuple(cols),
        chart=chart,
        caption=caption(ctx, None, unit_words(ind), _rank_words(ctx, rank_on)),
        notes=tuple(notes),
    )
