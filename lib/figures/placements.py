"""Placements and exits: the exit-to-employment rate of the selection against the comparison
municipalities; placement 14, 90 and 180 days after coaching by month of ending, per trial area
and per provider, with subsidised employment beside open-market employment and 95 % Wilson
intervals. Pure: indicator tables in, Blocks out.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from lib.engine.errors import FigureError
from lib.engine.indicators import PLACEMENT_DAYS  # noqa: F401  (the page's choices)
from lib.engine.intervals import wilson  # noqa: F401  (re-exported for the page tests)
from lib.engine.intervals import with_wilson as _with_wilson
from lib.figures import charts, evaluation_charts
from lib.figures.blocks import (
    Block,
    Metric,
    PageContext,
    area_columns,
    caption,
    long_series,
    metric_from,
    month_column,
    series_columns,
    side_label,
    sides_trend_chart,
    suppressed_column,
    unavailable_block,
    value_columns,
    with_names,
)
from lib.figures.exports import Column
from lib.figures.filters import COMPARISON, SELECTION
from lib.figures.format import format_month, format_number
from lib.figures.i18n import N_, t
from lib.figures.view import Metrics

# The keys this module computes (by horizon, by provider kind),
# written out for the catalogue's extraction.
_PLACEMENT_KEYS = (
    N_("placements.series.subsidised"),
    N_("placements.series.open"),
    N_("placements.by_month"),
    N_("value.provider_kind.municipal"),
    N_("value.provider_kind.state"),
    N_("value.provider_kind.external"),
)


@dataclass
class PlacementsView:
    metrics: list[Metric]
    exit_rate: Block
    by_month: Block
    effect: Block
    by_area: Block
    by_provider: Block

    @property
    def parts(self) -> list:
        blocks = [self.exit_rate, self.by_month, self.effect, self.by_area, self.by_provider]
        return [Metrics(self.metrics), *blocks]


def build(ctx: PageContext, *, days: int = 90) -> PlacementsView:
    return PlacementsView(
        metrics=metrics(ctx, days),
        exit_rate=exit_block(ctx),
        by_month=by_month_block(ctx, days),
        effect=effect_block(ctx, days),
        by_area=by_area_block(ctx, days),
        by_provider=by_provider_block(ctx, days),
    )


def with_wilson(df: pl.DataFrame) -> pl.DataFrame:
    """ci_low, ci_high (per cent) beside a rate table's numerator and denominator; none where the
    cell is suppressed (its numerator and denominator are hidden too)."""
    out = _with_wilson(df)
    text = [
        t("column.ci.range", low=format_number(lo, 1), high=format_number(hi, 1))
        if lo is not None
        else None
        for lo, hi in zip(out["ci_low"].to_list(), out["ci_high"].to_list(), strict=True)
    ]
    return out.with_columns(ci_text=pl.Series(text, dtype=pl.String))


def _ci_columns() -> list[Column]:
    """The interval as one column on the page; its bounds as numbers in the download."""
    return [
        Column("ci_text", t("column.ci"), "text", description=t("column.ci.help")),
        Column(
            "ci_low",
            t("column.ci_low"),
            "number",
            "%",
            description=t("column.ci.help"),
            shown=False,
        ),
        Column(
            "ci_high",
            t("column.ci_high"),
            "number",
            "%",
            description=t("column.ci.help"),
            shown=False,
        ),
    ]


# ---------------------------------------------------------------------------------------------
# Metrics


def metrics(ctx: PageContext, days: int) -> list[Metric]:
    end = ctx.period[1]
    last = (end, end)
    out = [
        metric_from(
            "exit_rate",
            t("placements.metric.exit_of", side=side_label(SELECTION, ctx)),
            "exit_rate",
            ctx.table("exit_rate", by=(), period=last),
            t("placements.metric.exit", month=format_month(end)),
        ),
    ]
    if ctx.state.comparison:
        out.append(
            metric_from(
                "exit_rate_comparison",
                t("placements.metric.exit_of", side=t("series.comparison_short")),
                "exit_rate",
                ctx.table("exit_rate", by=(), period=last, side=COMPARISON),
                t("placements.metric.exit", month=format_month(end)),
            )
        )
    for ind, label in (
        (f"placement_rate_{days}", t("placements.metric.open.period", d=days)),
        (f"placement_subsidised_{days}", t("placements.metric.subsidised.period", d=days)),
    ):
        out.append(
            metric_from(
                ind,
                label,
                ind,
                ctx.table(ind, by=()),
                t("placements.metric.pooled", period=ctx.period_text()),
            )
        )
    return out


# ---------------------------------------------------------------------------------------------
# Exit rate, trial against comparison


def exit_block(ctx: PageContext) -> Block:
    ind = "exit_rate"
    sides = [SELECTION] + ([COMPARISON] if ctx.state.comparison else [])
    parts = [(s, side_label(s, ctx), ctx.table(ind, side=s)) for s in sides]
    table = long_series(parts).select(
        "month", "series_id", "series", "value", "numerator", "denominator", "suppressed"
    )
    chart = sides_trend_chart(table, ctx, "%")
    notes = [t("caption.exit_rate_note")]
    if ctx.start_month and ctx.period[0] >= ctx.start_month:
        notes.append(t("placements.exit.before"))
    return Block(
        key="exit-rate",
        title=t("placements.exit"),
        indicators=(ind,),
        table=table,
        columns=(month_column(), *series_columns(label=t("chart.series")), *value_columns(ind)),
        chart=chart,
        caption=caption(ctx, "%", t("placements.exit.caption")),
        notes=tuple(notes),
    )


# ---------------------------------------------------------------------------------------------
# Placement by month of ending


def _days_label(d: int, subsidised: bool) -> str:
    key = "placements.series.subsidised" if subsidised else "placements.series.open"
    return t(key, d=d)


def by_month_block(ctx: PageContext, days: int = 90) -> Block:
    """Placement at the chosen horizon by month of ending, the selection against the comparison
    municipalities, with 95 % Wilson intervals in the table."""
    key = "placement-month"
    ind = f"placement_rate_{days}"
    title = t("Placement at {d} days after coaching, by month of ending", d=days)
    sides = [SELECTION] + ([COMPARISON] if ctx.state.comparison else [])
    parts = [(s, side_label(s, ctx), ctx.table(ind, side=s)) for s in sides]
    if parts[0][2] is None:
        return unavailable_block(key, title, ind)
    table = with_wilson(
        long_series(parts).select(
            "month", "series_id", "series", "value", "numerator", "denominator", "suppressed"
        )
    )
    # Months whose outcomes are not observable yet have no episodes: leave them out.
    table = table.filter(pl.col("denominator").fill_null(1) > 0).sort("series_id", "month")
    return Block(
        key=key,
        title=title,
        indicators=(ind,),
        table=table,
        columns=(
            month_column(),
            *series_columns(label=t("chart.series")),
            *value_columns(ind),
            *_ci_columns(),
        ),
        chart=sides_trend_chart(table, ctx, "%") if table.height else None,
        caption=caption(ctx, "%", t("placements.by_month.caption")),
        notes=(
            t(
                "Open-market employment {d} days after the episode ended; subsidised employment "
                "is shown beside it per trial area below.",
                d=days,
            ),
            t("placements.observable"),
        ),
    )


# ---------------------------------------------------------------------------------------------
# The effect on placement: before and after the start, trial against comparison

PLACEMENT_EFFECT_METHOD = N_("placements.effect_method")
PLACEMENT_EFFECT_CAVEAT = N_("placements.effect_caveat")


def _effect_rows(ctx: PageContext, days: int) -> pl.DataFrame | None:
    """The whole trial's row and one row per selected area; a read the viewer may not have (a
    municipal user's group figure for the whole trial) is left out."""
    cohort = ctx.cohort(persons=False)
    frames = []
    try:
        whole = ctx.reader.placement_effect(cohort, None, days, ctx.min_count)
        frames.append(whole.with_columns(unit=pl.lit(t("Whole trial")), trial_area_id=None))
    except FigureError:
        pass
    try:
        areas = ctx.reader.placement_effect(cohort, "trial_area_id", days, ctx.min_count)
    except FigureError:
        areas = None
    if areas is not None:
        wanted = set(ctx.state.selected_area_ids(ctx.options))
        areas = areas.filter(pl.col("trial_area_id").is_in(sorted(wanted)))
        frames.append(
            areas.with_columns(
                unit=pl.col("trial_area_id").replace_strict(
                    ctx.area_names, default=pl.col("trial_area_id"), return_dtype=pl.String
                )
            )
        )
    if not frames:
        return None
    table = pl.concat(frames, how="diagonal_relaxed")
    return table.with_columns(
        trial_change=pl.col("trial_after") - pl.col("trial_before"),
        comparison_change=pl.col("comparison_after") - pl.col("comparison_before"),
    ).select(
        "unit",
        "trial_area_id",
        "trial_before",
        "trial_after",
        "trial_change",
        "comparison_before",
        "comparison_after",
        "comparison_change",
        "estimate",
        "ci_low",
        "ci_high",
        "trial_municipalities",
        "comparison_municipalities",
        "episodes",
        "suppressed",
    )


def effect_block(ctx: PageContext, days: int = 90) -> Block:
    key = "placement-effect"
    ind = f"placement_rate_{days}"
    title = t("Placement at {d} days before and after the start: the trial's effect", d=days)
    table = _effect_rows(ctx, days)
    if table is None or table.height == 0:
        return Block(
            key=key,
            title=title,
            indicators=(ind,),
            table=pl.DataFrame(),
            columns=(),
            message=t(
                "The effect on placement cannot be shown for this choice: it needs coaching "
                "episodes with a known outcome before and after the start."
            ),
        )
    pct = t("Placement at {d} days (%)", d=days)

    def share(name: str, label: str) -> Column:
        return Column(name, label, "number", "%", description=pct)

    def change(name: str, label: str) -> Column:
        return Column(name, label, "number", "pp", description=t("After minus before"))

    chart = evaluation_charts.forest_chart(
        table,
        label="unit",
        x_title=t("Effect on placement at {d} days (percentage points, 95 % interval)", d=days),
    )
    return Block(
        key=key,
        title=title,
        indicators=(ind,),
        table=table,
        columns=(
            Column("unit", t("Trial or area"), "text"),
            Column("trial_area_id", t("column.trial_area_id"), "code", shown=False),
            share("trial_before", t("Trial before (%)")),
            share("trial_after", t("Trial after (%)")),
            change("trial_change", t("Trial change (pp)")),
            share("comparison_before", t("Comparison before (%)")),
            share("comparison_after", t("Comparison after (%)")),
            change("comparison_change", t("Comparison change (pp)")),
            Column(
                "estimate",
                t("Effect (pp)"),
                "number",
                "pp",
                description=t("Trial change minus comparison change (difference-in-differences)"),
            ),
            Column("ci_low", t("95 % low"), "number", "pp"),
            Column("ci_high", t("95 % high"), "number", "pp"),
            Column("trial_municipalities", t("Trial municipalities"), "number", "count"),
            Column("comparison_municipalities", t("Comparison municipalities"), "number", "count"),
            Column("episodes", t("Episodes"), "number", "persons"),
            Column(
                "suppressed",
                t("column.suppressed"),
                "flag",
                description=t(
                    "A before or after share over fewer episodes than the disclosure threshold "
                    "is not shown"
                ),
            ),
        ),
        chart=chart if table["estimate"].is_not_null().any() else None,
        caption=caption(
            ctx,
            None,
            t(
                "per cent and percentage points; episodes ending before the start against "
                "those ending from it on, each area against all comparison municipalities"
            ),
        ),
        notes=(t(PLACEMENT_EFFECT_METHOD, d=days), t(PLACEMENT_EFFECT_CAVEAT)),
    )


# ---------------------------------------------------------------------------------------------
# Per trial area and per provider, pooled over the period


def _pair_table(ctx: PageContext, days: int, dim: str) -> pl.DataFrame | None:
    parts = [
        (
            f"placement_rate_{days}",
            _days_label(days, False),
            ctx.table(f"placement_rate_{days}", by=(dim,)),
        ),
        (
            f"placement_subsidised_{days}",
            _days_label(days, True),
            ctx.table(f"placement_subsidised_{days}", by=(dim,)),
        ),
    ]
    if parts[0][2] is None:
        return None
    return with_wilson(long_series(parts))


def _pair_colors(days: int) -> dict[str, str]:
    return {_days_label(days, False): "#0072B2", _days_label(days, True): "#E69F00"}


def _open_order(table: pl.DataFrame, label: str) -> list[str]:
    open_rows = table.filter(pl.col("series_id").str.starts_with("placement_rate"))
    return open_rows.sort("value", descending=True, nulls_last=True)[label].to_list()


def by_area_block(ctx: PageContext, days: int) -> Block:
    key = "placement-areas"
    title = t("placements.by_area", d=days)
    table = _pair_table(ctx, days, "trial_area_id")
    if table is None:
        return unavailable_block(key, title, f"placement_rate_{days}")
    table = with_names(table, ctx)
    wanted = set(ctx.state.selected_area_ids(ctx.options))
    table = table.filter(pl.col("trial_area_id").is_in(wanted)).select(
        "trial_area_id",
        "area_name",
        "series_id",
        "series",
        "value",
        "numerator",
        "denominator",
        "suppressed",
        "ci_text",
        "ci_low",
        "ci_high",
    )
    chart = charts.paired_bar_chart(
        table,
        label="area_name",
        series="series",
        unit="%",
        colors=_pair_colors(days),
        order=_open_order(table, "area_name"),
        ci=("ci_low", "ci_high"),
        label_title=t("chart.area"),
    )
    return Block(
        key=key,
        title=title,
        indicators=(f"placement_rate_{days}", f"placement_subsidised_{days}"),
        table=table,
        columns=(
            *area_columns(),
            *series_columns(label=t("chart.series_kind")),
            *value_columns(f"placement_rate_{days}"),
            *_ci_columns(),
        ),
        chart=chart,
        caption=caption(ctx, "%", t("placements.pooled")),
        notes=(t("placements.ci"), t("placements.subsidised_beside")),
    )


def by_provider_block(ctx: PageContext, days: int) -> Block:
    """Placement and subsidised employment per provider, pooled over the period: a table with
    the shares drawn as bars (there are too many providers for a readable chart)."""
    key = "placement-providers"
    title = t("placements.by_provider", d=days)
    providers = ctx.facts().providers
    opened = ctx.table(f"placement_rate_{days}", by=("provider_id",))
    if providers is None or opened is None:
        block = unavailable_block(key, title, f"placement_rate_{days}")
        block.message = t("placements.no_providers")
        return block
    subsidised = ctx.table(f"placement_subsidised_{days}", by=("provider_id",))
    names = dict(zip(providers["provider_id"], providers["name"], strict=True))
    kinds = {
        k: t(f"value.provider_kind.{v}")
        for k, v in zip(providers["provider_id"], providers["kind"], strict=True)
    }
    table = (
        with_wilson(opened)
        .filter(pl.col("provider_id").is_not_null())
        .join(
            subsidised.select(
                "provider_id", subsidised="value", subsidised_suppressed="suppressed"
            ),
            on="provider_id",
            how="left",
        )
        .with_columns(
            provider_name=pl.col("provider_id").replace_strict(
                names, default=pl.col("provider_id"), return_dtype=pl.String
            ),
            provider_kind=pl.col("provider_id").replace_strict(
                kinds, default="", return_dtype=pl.String
            ),
            suppressed=pl.col("suppressed") | pl.col("subsidised_suppressed").fill_null(False),
        )
        .sort("value", "denominator", descending=True, nulls_last=True)
        .select(
            "provider_id",
            "provider_name",
            "provider_kind",
            "denominator",
            "numerator",
            "value",
            "ci_text",
            "ci_low",
            "ci_high",
            "subsidised",
            "suppressed",
        )
    )
    return Block(
        key=key,
        title=title,
        indicators=(f"placement_rate_{days}", f"placement_subsidised_{days}"),
        table=table,
        columns=(
            Column("provider_id", t("column.provider_id"), "code", shown=False),
            Column("provider_name", t("placements.provider"), "text"),
            Column("provider_kind", t("placements.provider_kind"), "text", shown=False),
            Column(
                "denominator",
                t("placements.episodes"),
                "number",
                "persons",
                description=t("placements.episodes.help", d=days),
            ),
            Column(
                "numerator",
                t("placements.placed"),
                "number",
                "persons",
                description=t("placements.placed.help", d=days),
                shown=False,
            ),
            Column(
                "value",
                _days_label(days, False),
                "bar",
                "%",
                description=t("placements.metric.open", d=days),
            ),
            *_ci_columns(),
            Column(
                "subsidised",
                _days_label(days, True),
                "bar",
                "%",
                description=t("placements.metric.subsidised", d=days),
            ),
            suppressed_column(),
        ),
        chart=None,
        caption=caption(ctx, "%", t("placements.pooled")),
        notes=(t("placements.providers.note"), t("placements.ci")),
        height=420,
    )
