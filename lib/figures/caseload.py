"""Caseload and transfers: the monthly flows, the initial transfer against its plan (per area,
with a status), the active caseload, its make-up by group, and the cumulative transferred.
Pure: indicator tables in, Blocks out.
"""

from __future__ import annotations

import polars as pl

from lib.engine.caseload import PLAN_STATUSES, PLAN_TOLERANCE, plan_status
from lib.engine.indicators import GROUPS
from lib.figures import charts
from lib.figures.blocks import (
    Block,
    Metric,
    PageContext,
    area_columns,
    caption,
    long_series,
    metric_from,
    month_column,
    municipality_columns,
    series_columns,
    suppressed_column,
    value_columns,
    with_names,
)
from lib.figures.engine_texts import indicator_label
from lib.figures.exports import Column
from lib.figures.format import DASH, format_month, format_value
from lib.figures.i18n import N_, t
from lib.figures.view import Control, Metrics, Row, View

# The keys `t(f"caseload.highlight.{kind}")` computes, written out for the catalogue's extraction.
_CASELOAD_KEYS = (
    N_("caseload.highlight.area"),
    N_("caseload.highlight.municipality"),
    N_("caseload.plan.status.below"),
    N_("caseload.plan.status.on_plan"),
    N_("caseload.plan.status.above"),
)

FLOWS = ("initial_transfer", "later_transfers_in", "new_clients", "transfers_out")
BREAKDOWNS = ("area", "municipality")
# The caseload per area or municipality: up to MAX_COLOURED units each in its colour with a
# legend; more: the HIGHLIGHTED largest in colour and the others grey behind them, MAX_LINES
# lines at most (the table lists every one).
MAX_COLOURED = 6
HIGHLIGHTED = 5
MAX_LINES = 30
CONTEXT_COLOR = "#C5CAD3"  # grey context lines: light enough to sit behind the coloured ones


def build(ctx: PageContext, *, breakdown: str = "area", include_initial: bool = False) -> View:
    """The page: its metrics, the flows (the page's 'initial' control above them), the caseload
    per area or municipality (the 'view' control above it), cumulative transfers and make-up."""
    return View(
        [
            Metrics(metrics(ctx), per_row=3),
            Control("initial"),
            flows_block(ctx, include_initial=include_initial),
            plan_block(ctx),
            Control("view"),
            caseload_block(ctx, breakdown),
            Row([cumulative_block(ctx), makeup_block(ctx)]),
        ]
    )


# ---------------------------------------------------------------------------------------------
# Metrics


def metrics(ctx: PageContext) -> list[Metric]:
    """The period's flows (summed), the caseload and the cumulative transferred at its end."""
    period = ctx.period_text()
    end = ctx.period[1]
    ends = ("active_caseload", "cumulative_transferred")
    ctx.prefetch(  # side by side; the reads below find them cached
        [ctx.query(ind, ()) for ind in FLOWS]
        + [ctx.query(ind, (), period=(end, end)) for ind in ends]
    )
    out = []
    for ind in FLOWS:
        df = ctx.table(ind, by=())
        out.append(metric_from(ind, indicator_label(ind), ind, df, period))
    end_text = t("caption.end_of", month=format_month(end))
    for ind in ends:
        df = ctx.table(ind, by=(), period=(end, end))
        out.append(metric_from(ind, indicator_label(ind), ind, df, end_text))
    return out


# ---------------------------------------------------------------------------------------------
# Flows


def flows_table(ctx: PageContext, include_initial: bool = True) -> pl.DataFrame:
    """month, series_id (indicator), series (label), value, suppressed: one row per flow and
    month (transfers out as a positive count)."""
    names = [f for f in FLOWS if include_initial or f != "initial_transfer"]
    ctx.prefetch([ctx.query(f, ("month",)) for f in names])
    parts = [(f, indicator_label(f), ctx.table(f, by=("month",))) for f in names]
    return long_series(parts).select("month", "series_id", "series", "value", "suppressed")


def flows_block(ctx: PageContext, *, include_initial: bool = False) -> Block:
    table = flows_table(ctx, include_initial)
    plot = table.with_columns(
        value=pl.when(pl.col("series_id") == "transfers_out")
        .then(-pl.col("value"))
        .otherwise(pl.col("value"))
    )
    colors = {indicator_label(f): c for f, c in charts.FLOW_COLORS.items()}
    chart = charts.flow_chart(plot, colors=colors, start_month=ctx.start_month)
    notes = []
    if not include_initial:
        notes.append(t("caseload.flows.no_initial"))
    return Block(
        key="flows",
        title=t("caseload.flows"),
        indicators=FLOWS if include_initial else FLOWS[1:],
        table=table,
        columns=(
            month_column(),
            *series_columns(label=t("chart.flow")),
            *value_columns("transfers_in", label=t("unit.persons")),
        ),
        chart=chart,
        caption=caption(ctx, "persons", t("caseload.flows.caption")),
        notes=tuple(notes),
    )


# ---------------------------------------------------------------------------------------------
# Active caseload per area or municipality


def caseload_block(ctx: PageContext, breakdown: str = "area") -> Block:
    ind = "active_caseload"
    if breakdown == "municipality":
        dim = "municipality_code"
        df = with_names(ctx.table(ind, by=(dim, "month")), ctx)
        chart, notes = caseload_chart(
            ctx,
            df,
            dim=dim,
            names=ctx.municipality_names,
            all_ids=[m.code for m in ctx.options.municipalities_of(ctx.state.trial)],
        )
        columns = (month_column(), *municipality_columns(), *value_columns(ind))
        table = df.select("month", dim, "municipality_name", "value", "suppressed")
        title = t("caseload.by_municipality")
    else:
        dim = "trial_area_id"
        df = with_names(ctx.table(ind, by=(dim, "month")), ctx)
        chart, notes = caseload_chart(
            ctx, df, dim=dim, names=ctx.area_names, all_ids=ctx.options.all_area_ids()
        )
        columns = (month_column(), *area_columns(), *value_columns(ind))
        table = df.select("month", dim, "area_name", "value", "suppressed")
        title = t("caseload.by_area")
    table = table.sort("month", dim)
    return Block(
        key=f"caseload-{breakdown}",
        title=title,
        indicators=(ind,),
        table=table,
        columns=columns,
        chart=chart,
        caption=caption(ctx, "persons", t("caption.month_ends")),
        notes=tuple(notes),
    )


def caseload_chart(
    ctx: PageContext, df: pl.DataFrame, *, dim: str, names: dict[str, str], all_ids: list[str]
) -> tuple[charts.Spec, list[str]]:
    """The active caseload per area (or municipality) over the months, and its notes.

    Up to MAX_COLOURED units: a line each in the unit's own colour (the same on every page),
    with a legend. More: the HIGHLIGHTED largest at the period's last month in colour, the
    others as grey lines behind them (their names on hover), at most MAX_LINES in all: 25
    coloured lines and a 25-entry legend cannot be read."""
    last = df["month"].max() if df.height else None
    ranked = (
        df.filter(pl.col("month") == last)
        .sort("value", dim, descending=[True, False], nulls_last=True)[dim]
        .to_list()
    )
    kind = "municipality" if dim == "municipality_code" else "area"
    notes = []
    if len(ranked) <= MAX_COLOURED:
        coloured, grey = ranked, []
    else:
        coloured, grey = ranked[:HIGHLIGHTED], ranked[HIGHLIGHTED:MAX_LINES]
        notes.append(
            t(
                f"caseload.highlight.{kind}",
                n=HIGHLIGHTED,
                month=format_month(last),
                others=len(grey),
                most=MAX_COLOURED,
            )
        )
        if len(ranked) > MAX_LINES:
            notes.append(t("caseload.lines_cut", n=MAX_LINES, total=len(ranked)))
    plot = df.with_columns(
        _name=pl.col(dim).replace_strict(names, default=pl.col(dim), return_dtype=pl.String)
    )
    colors, dashes = charts.area_colors(all_ids), charts.area_dashes(all_ids)
    title = t("column.municipality") if kind == "municipality" else t("chart.area")
    # Largest first in the legend; each unit in its colour (and dash) of the whole extract.
    front = charts.trend_chart(
        plot.filter(pl.col(dim).is_in(coloured)),
        unit="persons",
        series="_name",
        series_colors={names.get(a, a): colors.get(a, charts.RULE_COLOR) for a in coloured},
        series_dashes={names.get(a, a): dashes.get(a, (1, 0)) for a in coloured},
        series_title=title,
        start_month=ctx.start_month,
        height=charts.CHART_HEIGHT,
        legend_columns=MAX_COLOURED,
    )
    if not grey:
        return front, notes
    behind = charts.trend_chart(
        plot.filter(pl.col(dim).is_in(grey)),
        unit="persons",
        series="_name",
        series_colors={names.get(a, a): CONTEXT_COLOR for a in grey},
        series_title=title,
        start_month=None,
        height=front.height,  # the legend's room included: a layer has one height
        legend=False,
    )
    # Grey beneath colour, in one flat layer; colour scales independent, so only the coloured
    # lines are in the legend (the grey ones are named in their tooltips).
    chart = charts.Spec.layered(
        behind,
        front,
        height=front.height,
        resolve={"scale": {"color": "independent", "strokeDash": "independent"}},
    )
    return chart, notes


# ---------------------------------------------------------------------------------------------
# Make-up by group


def makeup_table(ctx: PageContext) -> pl.DataFrame:
    """month, series_id (group), series (its name), value (persons in the group), total
    (the caseload), share (%), suppressed: the caseload of the selection by group.

    The sidebar's person filters apply; its group filter does not (every group is shown)."""
    total_query = ctx.query("active_caseload", ("month",), groups=())
    queries = {
        g: ctx.query("active_caseload", ("month",), groups=(g,), match="all") for g in GROUPS
    }
    ctx.prefetch([total_query, *queries.values()])
    total = ctx.read(total_query)
    total = total.select("month", total="value", total_suppressed="suppressed")
    parts = [(g, t(f"group.{g}"), ctx.read(q)) for g, q in queries.items()]
    long = long_series(parts).join(total, on="month", how="left")
    hidden = pl.col("suppressed") | pl.col("total_suppressed").fill_null(True)
    share = (
        pl.when(~hidden & (pl.col("total") > 0))
        .then(100.0 * pl.col("value") / pl.col("total"))
        .otherwise(None)
    )
    return long.with_columns(share=share, suppressed=hidden).select(
        "month", "series_id", "series", "value", "total", "share", "suppressed"
    )


def makeup_block(ctx: PageContext) -> Block:
    table = makeup_table(ctx)
    names = [t(f"group.{g}") for g in GROUPS]
    colors = dict(zip(names, charts.GROUP_PALETTE, strict=False))
    chart = charts.trend_chart(
        table.rename({"value": "persons"}).rename({"share": "value"}),
        unit="%",
        series="series",
        series_colors=colors,
        series_title=t("filter.groups"),
        start_month=ctx.start_month,
        height=charts.CHART_HEIGHT,
        legend_columns=2,
    )
    notes = [t("caseload.makeup.overlap")]
    if ctx.state.groups:
        notes.append(t("caseload.makeup.no_group_filter"))
    return Block(
        key="makeup",
        title=t("caseload.makeup"),
        indicators=("active_caseload",),
        table=table,
        columns=(
            month_column(),
            *series_columns(label=t("filter.groups")),
            Column(
                "value",
                t("caseload.makeup.persons"),
                "number",
                "persons",
                description=t("caseload.makeup.persons.help"),
            ),
            Column(
                "total",
                t("caseload.makeup.total"),
                "number",
                "persons",
                description=t("caseload.makeup.total.help"),
            ),
            Column(
                "share",
                t("caseload.makeup.share"),
                "number",
                "%",
                description=t("caseload.makeup.share.help"),
            ),
            suppressed_column(),
        ),
        chart=chart,
        caption=caption(ctx, "%", t("caseload.makeup.caption")),
        notes=tuple(notes),
    )


# ---------------------------------------------------------------------------------------------
# The initial transfer against the plan; cumulative transferred (the later ones included)

STATUS_COLORS = {
    "below": charts.HIGHLIGHT_COLOR,  # vermillion
    "on_plan": charts.BAND_COLOR,  # green, the band's colour
    "above": "#0072B2",  # blue
}


def planned_transfers(ctx: PageContext) -> tuple[float | None, bool]:
    """(number, suppressed): job seekers served by the state office in the selected
    municipalities at the end of the month before the trial's start: those the trial was
    planned to take over, the plan of the initial transfer. The sidebar's groups and person
    filters apply, evaluated that day.

    Read through the access layer (lib/engine/caseload.py), perturbed and thresholded as
    every count of persons."""
    if ctx.start_month is None:
        return None, False
    codes = tuple(m.code for m in ctx.state.selected_municipalities(ctx.options))
    return ctx.reader.state_caseload(ctx.start_month, codes, ctx.cohort(), ctx.min_count)


def _flow_total(ctx: PageContext, ind: str, by: tuple[str, ...], first: str, last: str):
    if last < first:
        return None
    return ctx.table(ind, by=by, period=(first, last))


def plan_table(ctx: PageContext) -> pl.DataFrame:
    """Per trial area of the selection: trial_area_id, area_name, planned (the state office's
    caseload the day before the start), initial (the initial transfer), share (initial in %
    of planned), status (below / on_plan / above: lib/engine/caseload.py PLAN_TOLERANCE),
    status_text, later (transfers in after the start day, up to the period's end: not part of
    the plan), suppressed (planned or initial not shown).

    Every number is read through the access layer, perturbed, and the share made from the
    perturbed numbers, as a rate is."""
    schema = {
        "trial_area_id": pl.String,
        "area_name": pl.String,
        "planned": pl.Float64,
        "initial": pl.Float64,
        "share": pl.Float64,
        "status": pl.String,
        "status_text": pl.String,
        "later": pl.Float64,
        "suppressed": pl.Boolean,
    }
    start = ctx.start_month
    if start is None:
        return pl.DataFrame(schema=schema)
    by_area: dict[str, list[str]] = {}
    for m in ctx.state.selected_municipalities(ctx.options):
        if m.area_id:
            by_area.setdefault(m.area_id, []).append(m.code)
    units = tuple((a, tuple(ms)) for a, ms in sorted(by_area.items()))
    plan = ctx.reader.state_caseload_table(start, units, ctx.cohort(), ctx.min_count)
    dim = ("trial_area_id",)
    initial = ctx.table("initial_transfer", by=dim, period=(start, start))
    later = _flow_total(ctx, "later_transfers_in", dim, start, ctx.period[1])
    if initial is None or plan.height == 0:
        return pl.DataFrame(schema=schema)
    rows = plan.select(trial_area_id="unit", planned="value", planned_suppressed="suppressed").join(
        initial.select(
            pl.col("trial_area_id").cast(pl.String),
            initial="value",
            initial_suppressed="suppressed",
        ),
        on="trial_area_id",
        how="inner",  # areas whose initial transfer this viewer may not see are left out
    )
    if later is not None:
        rows = rows.join(
            later.select(pl.col("trial_area_id").cast(pl.String), later="value"),
            on="trial_area_id",
            how="left",
        )
    else:
        rows = rows.with_columns(later=pl.lit(None, dtype=pl.Float64))
    rows = plan_status(rows)
    texts = {s: t(f"caseload.plan.status.{s}") for s in PLAN_STATUSES}
    return with_names(
        rows.with_columns(
            status_text=pl.col("status").replace_strict(
                texts, default=pl.lit(DASH), return_dtype=pl.String
            ),
            suppressed=pl.col("planned_suppressed") | pl.col("initial_suppressed"),
        ),
        ctx,
    ).select(pl.col(c).cast(d) for c, d in schema.items())


def plan_summary(ctx: PageContext) -> list[str]:
    """The selection as a whole: the initial transfer against the plan and its status, then
    the later transfers in, said to be outside the plan. Each total read as a cell of its own
    (perturbed as such), so the areas need not add up to it."""
    start = ctx.start_month
    if start is None:
        return []
    planned, planned_suppressed = planned_transfers(ctx)
    initial_df = ctx.table("initial_transfer", by=(), period=(start, start))
    later_df = _flow_total(ctx, "later_transfers_in", (), start, ctx.period[1])
    notes = []
    initial = None
    if initial_df is not None and initial_df.height:
        initial = initial_df.row(0, named=True)
    day = format_month(start)
    if planned_suppressed or (initial is not None and initial["suppressed"]):
        notes.append(t("caseload.plan.suppressed", n=ctx.min_count))
    elif planned is None:
        notes.append(t("caseload.plan.no_plan"))
    elif initial is not None:
        row = plan_status(pl.DataFrame({"planned": [planned], "initial": [initial["value"]]})).row(
            0, named=True
        )
        if row["status"] is None:
            notes.append(t("caseload.plan.no_plan"))
        else:
            notes.append(
                t(
                    "caseload.plan.summary",
                    day=day,
                    initial=format_value(initial["value"], "persons"),
                    planned=format_value(planned, "persons"),
                    share=format_value(row["share"], "%"),
                    status=t(f"caseload.plan.status.{row['status']}"),
                )
            )
    if later_df is not None and later_df.height:
        later = later_df.row(0, named=True)
        value = (
            t("chart.suppressed")
            if later["suppressed"]
            else format_value(later["value"], "persons")
        )
        notes.append(t("caseload.plan.later", n=value, month=format_month(ctx.period[1])))
    notes.append(
        t(
            "caseload.plan.threshold",
            low=format_value(100.0 - PLAN_TOLERANCE, "%"),
            high=format_value(100.0 + PLAN_TOLERANCE, "%"),
        )
    )
    return notes


def plan_block(ctx: PageContext) -> Block:
    table = plan_table(ctx)
    chart = None
    message = None
    if table.height:
        colors = {
            r["area_name"]: STATUS_COLORS.get(r["status"], charts.OTHER_BAR_COLOR)
            for r in table.iter_rows(named=True)
        }
        chart = charts.ranked_bar_chart(
            table.select("area_name", value="share", suppressed="suppressed", note="status_text"),
            label="area_name",
            unit="%",
            label_title=t("chart.area"),
            highlight=colors,
            band=(100.0 - PLAN_TOLERANCE, 100.0 + PLAN_TOLERANCE),
            note="note",
        )
    else:
        message = t("caseload.plan.no_plan")
    persons = t("unit.persons")
    return Block(
        key="plan",
        title=t("caseload.plan"),
        indicators=("initial_transfer", "later_transfers_in"),
        table=table,
        columns=(
            *area_columns(),
            Column(
                "planned",
                t("caseload.planned"),
                "number",
                "persons",
                description=t("caseload.planned.help"),
            ),
            Column(
                "initial",
                t("caseload.plan.initial"),
                "number",
                "persons",
                description=t("caseload.plan.initial.help"),
            ),
            Column(
                "share",
                t("caseload.plan.share"),
                "number",
                "%",
                description=t("caseload.plan.share.help"),
            ),
            Column("status", t("caseload.plan.status_id"), "code", shown=False),
            Column(
                "status_text",
                t("caseload.plan.status"),
                "text",
                description=t(
                    "caseload.plan.status.help",
                    low=format_value(100.0 - PLAN_TOLERANCE, "%"),
                    high=format_value(100.0 + PLAN_TOLERANCE, "%"),
                ),
            ),
            Column(
                "later",
                t("caseload.plan.later_column"),
                "number",
                "persons",
                description=t("caseload.plan.later.help"),
            ),
            suppressed_column(),
        ),
        chart=chart,
        message=message,
        caption=caption(ctx, None, persons, t("caseload.plan.caption")),
        notes=(t("caseload.planned.help"), *plan_summary(ctx)),
    )


def cumulative_block(ctx: PageContext) -> Block:
    """Cumulative transferred: the initial transfer and the later transfers in since the
    start. Not set against the plan, which the initial transfer alone is (plan_block)."""
    ind = "cumulative_transferred"
    df = ctx.table(ind, by=("month",))
    chart = charts.trend_chart(
        df, unit="persons", start_month=ctx.start_month, height=charts.CHART_HEIGHT
    )
    return Block(
        key="cumulative",
        title=t("caseload.cumulative"),
        indicators=(ind,),
        table=df.select("month", "value", "suppressed"),
        columns=(month_column(), *value_columns(ind, label=t("caseload.cumulative.value"))),
        chart=chart,
        caption=caption(ctx, "persons", t("caseload.cumulative.caption")),
        notes=(t("caseload.cumulative.not_plan"),),
    )
