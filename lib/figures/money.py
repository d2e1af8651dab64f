"""Money and providers (issue 19): what coaching costs, payments without coaching behind them,
and provider ratings. Pure: the reader's tables in, a view of parts out.

- spending per month (the selection against the comparison municipalities) and per trial area;
- cost per participant and per placement at 90 days, selection against comparison, with the
  episodes (and placements) behind each;
- providers ranked by cost per placement, with the placement rate beside the cost;
- the payments audit: unsupported payments per provider and month, amount and share of all
  payments, each reason counted; the list of flagged payments for ministry and admin users only
  (the reader refuses it for others: lib/engine/access.py `permit`);
- provider ratings: placement at 90 days against what the participants' starting position
  predicts (lib/stats/expected.py), rated from 18 episodes ending in the period, each with its
  interval, never a bare rank.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from lib.engine.errors import FigureError, Refused
from lib.figures import charts
from lib.figures.blocks import (
    Block,
    Metric,
    PageContext,
    caption,
    long_series,
    metric_from,
    month_column,
    series_columns,
    side_label,
    sides_trend_chart,
    suppressed_column,
    unavailable_block,
)
from lib.figures.engine_texts import error_text
from lib.figures.exports import Column
from lib.figures.filters import COMPARISON, NO_GEO, SELECTION
from lib.figures.format import format_number
from lib.figures.i18n import N_, t
from lib.figures.view import Heading, Metrics, Text

# The keys `t(f"money.metric.{key}")` and `t(f"money.reason.{r}")` compute,
# written out for the catalogue's extraction.
_MONEY_KEYS = (
    N_("money.metric.paid"),
    N_("money.metric.per_participant"),
    N_("money.metric.per_placement"),
    N_("money.metric.unsupported"),
    N_("money.metric.pooled"),
    N_("money.reason.no_episode"),
    N_("money.reason.no_episode.help"),
    N_("money.reason.starts_after_payment"),
    N_("money.reason.starts_after_payment.help"),
    N_("money.reason.no_coaching_contact"),
    N_("money.reason.no_coaching_contact.help"),
)

DAYS = 90
UNKNOWN = "unknown"  # payments without a place (lib/engine/snapshot.py UNKNOWN_MUNICIPALITY)
REASONS = ("no_episode", "starts_after_payment", "no_coaching_contact")


@dataclass
class MoneyView:
    metrics: list[Metric]
    spending_month: Block
    spending_area: Block
    costs: Block
    providers: Block
    audit: Block | None = None
    audit_months: Block | None = None
    flagged: Block | Text | None = None
    ratings: Block | Text | None = None
    notes: list[Text] = field(default_factory=list)
    refused: str | None = None  # the viewer may not see the selection's money: why

    @property
    def parts(self) -> list:
        if self.refused:
            return [Text(self.refused, "info")]
        if self.spending_month.message and not self.spending_month.table.height:
            return [Text(self.spending_month.message, "info")]
        parts: list = [Metrics(self.metrics), *self.notes]
        parts += [self.spending_month, self.spending_area, self.costs, self.providers]
        audit = [p for p in (self.audit, self.audit_months, self.flagged) if p is not None]
        if audit:
            parts += [Heading(t("money.audit.heading")), *audit]
        if self.ratings is not None:
            parts += [Heading(t("money.ratings.heading")), self.ratings]
        return parts


def build(ctx: PageContext) -> MoneyView:
    try:
        shown = {
            "metrics": metrics(ctx),
            "spending_month": spending_month_block(ctx),
            "spending_area": spending_area_block(ctx),
            "costs": costs_block(ctx),
            "providers": providers_block(ctx),
        }
    except Refused as e:  # money beyond a municipal user's own places: say how to narrow it
        empty = Block("money-refused", "", (), pl.DataFrame(), ())
        return MoneyView(
            [], empty, empty, empty, empty, refused=t("money.refused", why=error_text(e))
        )
    return MoneyView(
        **shown,
        audit=audit_block(ctx),
        audit_months=audit_months_block(ctx),
        flagged=flagged_part(ctx),
        ratings=ratings_part(ctx),
        notes=[Text(t("money.note"))],
    )


# ---------------------------------------------------------------------------------------------
# Metrics


def metrics(ctx: PageContext) -> list[Metric]:
    pooled = t("money.metric.pooled", period=ctx.period_text())
    side = side_label(SELECTION, ctx)
    return [
        metric_from(key, t(f"money.metric.{key}", side=side), ind, ctx.table(ind, by=()), pooled)
        for key, ind in (
            ("paid", "payments_amount"),
            ("per_participant", "cost_per_participant"),
            ("per_placement", "cost_per_placement"),
            ("unsupported", "unsupported_payments"),
        )
    ]


def _sides(ctx: PageContext, indicator: str, by: tuple[str, ...]) -> list:
    """(side, table) for the selection and, when the sidebar asks for it and the viewer may see
    it (a municipal user sees their own places only), the comparison municipalities."""
    out = [(SELECTION, ctx.table(indicator, by=by))]
    if ctx.state.comparison:
        try:
            out.append((COMPARISON, ctx.table(indicator, by=by, side=COMPARISON)))
        except Refused:
            pass
    return out


def _cost_columns(*, placements_shown: bool = True) -> tuple[Column, ...]:
    """Cost per participant and per placement with the episodes and placements behind each, as
    the costs block and the providers' ranking both show them."""
    return (
        _eur(
            "per_participant",
            t("money.per_participant"),
            description=t("money.per_participant.help"),
        ),
        _count("episodes", t("money.episodes"), description=t("money.episodes.help")),
        _eur(
            "per_placement",
            t("money.per_placement", d=DAYS),
            description=t("money.per_placement.help", d=DAYS),
        ),
        _count(
            "placements",
            t("money.placements", d=DAYS),
            description=t("money.placements.help", d=DAYS),
            shown=placements_shown,
        ),
    )


def _eur(key: str, label: str, **kw) -> Column:
    return Column(key, label, "number", "EUR", **kw)


def _count(key: str, label: str, **kw) -> Column:
    return Column(key, label, "number", "persons", **kw)


# ---------------------------------------------------------------------------------------------
# Spending


def spending_month_block(ctx: PageContext) -> Block:
    key, title = "money-month", t("money.month")
    parts = [(s, side_label(s, ctx), df) for s, df in _sides(ctx, "payments_amount", ("month",))]
    if parts[0][2] is None:
        block = unavailable_block(key, title, "payments_amount")
        block.message = t("money.no_payments")
        return block
    table = long_series(parts).select("month", "series_id", "series", "value", "suppressed")
    chart = sides_trend_chart(table, ctx, "EUR")
    return Block(
        key=key,
        title=title,
        indicators=("payments_amount",),
        table=table,
        columns=(
            month_column(),
            *series_columns(label=t("chart.series")),
            _eur("value", t("money.paid"), description=t("money.paid.help")),
            suppressed_column(),
        ),
        chart=chart,
        caption=caption(ctx, "EUR", t("money.month.caption")),
    )


def _area_label(ctx: PageContext) -> pl.Expr:
    names = ctx.area_names
    code = pl.col("trial_area_id")
    return (
        pl.when(code.is_null())
        .then(pl.lit(t("money.area.comparison")))
        .when(code == UNKNOWN)
        .then(pl.lit(t("money.area.unknown")))
        .otherwise(code.replace_strict(names, default=code, return_dtype=pl.String))
    )


def spending_area_block(ctx: PageContext) -> Block:
    key, title = "money-area", t("money.area")
    df = ctx.table("payments_amount", by=("trial_area_id",), side=NO_GEO)
    if df is None:
        return unavailable_block(key, title, "payments_amount")
    table = (
        df.with_columns(area_name=_area_label(ctx))
        .filter(pl.col("value").fill_null(1) != 0)
        .select("trial_area_id", "area_name", "value", "suppressed")
        .sort("value", descending=True, nulls_last=True)
    )
    chart = charts.ranked_bar_chart(
        table, label="area_name", unit="EUR", label_title=t("chart.area")
    )
    return Block(
        key=key,
        title=title,
        indicators=("payments_amount",),
        table=table,
        columns=(
            Column("trial_area_id", t("column.trial_area_id"), "code", shown=False),
            Column("area_name", t("chart.area"), "text"),
            _eur("value", t("money.paid"), description=t("money.paid.help")),
            suppressed_column(),
        ),
        chart=chart,
        caption=caption(ctx, "EUR", t("money.area.caption")),
    )


# ---------------------------------------------------------------------------------------------
# Costs


def costs_block(ctx: PageContext) -> Block:
    key, title = "money-costs", t("money.costs", d=DAYS)
    rows = []
    placements = dict(_sides(ctx, "cost_per_placement", ()))
    for side, part in _sides(ctx, "cost_per_participant", ()):
        placed = placements.get(side)
        if part is None or placed is None:
            return unavailable_block(key, title, "cost_per_participant")
        p, q = part.row(0, named=True), placed.row(0, named=True)
        rows.append(
            {
                "series_id": side,
                "series": side_label(side, ctx),
                "per_participant": p["value"],
                "episodes": p["denominator"],
                "per_placement": q["value"],
                "placements": q["denominator"],
                "suppressed": bool(p["suppressed"] or q["suppressed"]),
            }
        )
    table = pl.DataFrame(
        rows,
        schema={
            "series_id": pl.String,
            "series": pl.String,
            "per_participant": pl.Float64,
            "episodes": pl.Float64,
            "per_placement": pl.Float64,
            "placements": pl.Float64,
            "suppressed": pl.Boolean,
        },
    )
    long = pl.concat(
        [
            table.select(
                "series",
                "suppressed",
                kind=pl.lit(t("money.per_participant")),
                value=pl.col("per_participant"),
            ),
            table.select(
                "series",
                "suppressed",
                kind=pl.lit(t("money.per_placement", d=DAYS)),
                value=pl.col("per_placement"),
            ),
        ]
    )
    colors = {
        side_label(SELECTION, ctx): charts.TRIAL_COLOR,
        side_label(COMPARISON, ctx): charts.COMPARISON_COLOR,
    }
    chart = charts.paired_bar_chart(
        long, label="kind", series="series", unit="EUR", colors=colors, label_title=t("money.cost")
    )
    return Block(
        key=key,
        title=title,
        indicators=("cost_per_participant", "cost_per_placement"),
        table=table,
        columns=(
            *series_columns(label=t("chart.series")),
            *_cost_columns(),
            suppressed_column(),
        ),
        chart=chart,
        caption=caption(ctx, "EUR", t("money.costs.caption")),
        notes=(t("money.costs.note"),),
    )


# ---------------------------------------------------------------------------------------------
# Providers


def providers_block(ctx: PageContext) -> Block:
    """Providers ranked by cost per placement (cheapest first), the placement rate beside."""
    key, title = "money-providers", t("money.providers", d=DAYS)
    facts = ctx.facts()
    by = ("provider_id",)
    part = ctx.table("cost_per_participant", by=by)
    placed = ctx.table("cost_per_placement", by=by)
    rate = ctx.table(f"placement_rate_{DAYS}", by=by)
    paid = ctx.table("payments_amount", by=by)
    if facts.providers is None or part is None or placed is None or rate is None or paid is None:
        return unavailable_block(key, title, "cost_per_participant")
    names = dict(zip(facts.providers["provider_id"], facts.providers["name"], strict=True))
    table = (
        paid.select("provider_id", paid="value")
        .join(
            part.select(
                "provider_id", per_participant="value", episodes="denominator", _s1="suppressed"
            ),
            on="provider_id",
            how="left",
        )
        .join(
            placed.select(
                "provider_id", per_placement="value", placements="denominator", _s2="suppressed"
            ),
            on="provider_id",
            how="left",
        )
        .join(
            rate.select("provider_id", placement_rate="value", _s3="suppressed"),
            on="provider_id",
            how="left",
        )
        .filter(pl.col("provider_id").is_not_null() & (pl.col("paid").fill_null(0) > 0))
        .with_columns(
            provider_name=pl.col("provider_id").replace_strict(
                names, default=pl.col("provider_id"), return_dtype=pl.String
            ),
            suppressed=pl.any_horizontal(
                pl.col("_s1").fill_null(False),
                pl.col("_s2").fill_null(False),
                pl.col("_s3").fill_null(False),
            ),
        )
        .sort("per_placement", "per_participant", nulls_last=True)
    )
    ranked = ~pl.col("suppressed") & pl.col("per_placement").is_not_null()
    table = table.with_columns(
        rank=pl.when(ranked).then(ranked.cast(pl.Int64).cum_sum()).otherwise(None)
    ).select(
        "rank",
        "provider_id",
        "provider_name",
        "paid",
        "per_participant",
        "episodes",
        "per_placement",
        "placements",
        "placement_rate",
        "suppressed",
    )
    return Block(
        key=key,
        title=title,
        indicators=("cost_per_participant", "cost_per_placement", f"placement_rate_{DAYS}"),
        table=table,
        columns=(
            Column("rank", t("money.rank"), "number", "persons", description=t("money.rank.help")),
            Column("provider_id", t("column.provider_id"), "code", shown=False),
            Column("provider_name", t("placements.provider"), "text"),
            _eur("paid", t("money.paid"), description=t("money.paid.help")),
            *_cost_columns(placements_shown=False),
            Column(
                "placement_rate",
                t("placements.series.open", d=DAYS),
                "bar",
                "%",
                description=t("placements.metric.open", d=DAYS),
            ),
            suppressed_column(),
        ),
        chart=None,
        caption=caption(ctx, "EUR", t("money.providers.caption")),
        notes=(t("money.providers.note"),),
        height=420,
    )


# ---------------------------------------------------------------------------------------------
# The payments audit


def _audit_places(ctx: PageContext) -> tuple[str, ...] | None:
    """The municipalities of the selection (None: every payment, those without a place too)."""
    if ctx.state.whole_trial:
        return None
    return tuple(m.code for m in ctx.state.selected_municipalities(ctx.options))


def _reason_columns() -> list[Column]:
    return [
        _count(r, t(f"money.reason.{r}"), description=t(f"money.reason.{r}.help")) for r in REASONS
    ]


def audit_block(ctx: PageContext) -> Block | None:
    key, title = "money-audit", t("money.audit")
    try:
        df = ctx.reader.payments_audit(("provider_id",), ctx.period, _audit_places(ctx))
    except Refused as e:
        return Block(key, title, (), pl.DataFrame(), (), message=error_text(e))
    except FigureError:
        return None
    table = df.sort("unsupported_amount", "amount", descending=True)
    return Block(
        key=key,
        title=title,
        indicators=("unsupported_payments",),
        table=table,
        columns=(
            Column("provider_id", t("column.provider_id"), "code", shown=False),
            Column("provider_name", t("placements.provider"), "text"),
            _count("payments", t("money.payments"), description=t("money.payments.help")),
            _eur("amount", t("money.paid"), description=t("money.paid.help")),
            _count("unsupported", t("money.unsupported"), description=t("money.unsupported.help")),
            _eur(
                "unsupported_amount",
                t("money.unsupported_amount"),
                description=t("money.unsupported.help"),
            ),
            Column("share", t("money.share"), "number", "%", description=t("money.share.help")),
            *_reason_columns(),
        ),
        chart=None,
        caption=caption(ctx, "EUR", t("money.audit.caption")),
        notes=(t("money.audit.note"),),
        height=360,
    )


def audit_months_block(ctx: PageContext) -> Block | None:
    """The provider-months with an unsupported payment (most providers have none)."""
    key, title = "money-audit-months", t("money.audit.months")
    try:
        df = ctx.reader.payments_audit(("provider_id", "month"), ctx.period, _audit_places(ctx))
    except FigureError:
        return None
    table = df.filter(pl.col("unsupported") > 0).sort("month", "provider_id")
    return Block(
        key=key,
        title=title,
        indicators=("unsupported_payments",),
        table=table,
        columns=(
            month_column(),
            Column("provider_id", t("column.provider_id"), "code", shown=False),
            Column("provider_name", t("placements.provider"), "text"),
            _count("payments", t("money.payments"), description=t("money.payments.help")),
            _eur("amount", t("money.paid"), description=t("money.paid.help")),
            _count("unsupported", t("money.unsupported"), description=t("money.unsupported.help")),
            _eur(
                "unsupported_amount",
                t("money.unsupported_amount"),
                description=t("money.unsupported.help"),
            ),
            Column("share", t("money.share"), "number", "%", description=t("money.share.help")),
            *_reason_columns(),
        ),
        chart=None,
        caption=caption(ctx, "EUR", t("money.audit.caption")),
        message=None if table.height else t("money.audit.none"),
    )


def flagged_part(ctx: PageContext) -> Block | Text | None:
    """The flagged payments one by one, for follow-up: ministry and admin users only."""
    try:
        df = ctx.reader.flagged_payments(ctx.period, _audit_places(ctx))
    except Refused:
        return Text(t("money.flagged.refused"), "info")
    except FigureError:
        return None
    return Block(
        key="money-flagged",
        title=t("money.flagged"),
        indicators=("unsupported_payments",),
        table=df.with_columns(pl.col("paid_on").cast(pl.String)),  # ISO dates, as the contract
        columns=(
            Column("payment_id", t("money.payment_id"), "code"),
            Column("provider_id", t("column.provider_id"), "code", shown=False),
            Column("provider_name", t("placements.provider"), "text"),
            _eur("amount", t("money.amount"), description=t("money.amount.help")),
            Column("currency", t("money.currency"), "code", shown=False),
            Column("paid_on", t("money.paid_on"), "text"),
            Column("reasons", t("money.reasons"), "text", description=t("money.reasons.help")),
        ),
        chart=None,
        caption=caption(ctx, "EUR", t("money.flagged.caption")),
        notes=(t("money.flagged.note"),),
        message=None if df.height else t("money.audit.none"),
    )


# ---------------------------------------------------------------------------------------------
# Provider ratings


def ratings_part(ctx: PageContext) -> Block | Text | None:
    """Rated providers (>= 18 episodes ending in the period), actual against expected placement
    at 90 days with the interval; alphabetical, so that no bare rank is read into it."""
    try:
        df = ctx.reader.provider_ratings(ctx.cohort(persons=False), ctx.period, ctx.min_count)
    except Refused as e:
        return Text(error_text(e), "info")
    except FigureError as e:
        return Text(t("error.query", message=error_text(e)), "info")
    rated = df.filter(pl.col("rated") & ~pl.col("suppressed"))
    text = [
        t("column.ci.range", low=format_number(lo, 1), high=format_number(hi, 1))
        for lo, hi in zip(rated["ci_low"].to_list(), rated["ci_high"].to_list(), strict=True)
    ]
    verdict = [
        t("money.rating.above")
        if lo > 0
        else t("money.rating.below")
        if hi < 0
        else t("money.rating.expected")
        for lo, hi in zip(rated["ci_low"].to_list(), rated["ci_high"].to_list(), strict=True)
    ]
    table = rated.with_columns(
        ci_text=pl.Series(text, dtype=pl.String), verdict=pl.Series(verdict, dtype=pl.String)
    ).select(
        "provider_id",
        "provider_name",
        "n",
        "actual",
        "expected",
        "difference",
        "ci_text",
        "ci_low",
        "ci_high",
        "verdict",
    )
    table = table.sort("provider_name")
    unrated = df.height - rated.height
    return Block(
        key="money-ratings",
        title=t("money.ratings", d=DAYS),
        indicators=(f"placement_rate_{DAYS}",),
        table=table,
        columns=(
            Column("provider_id", t("column.provider_id"), "code", shown=False),
            Column("provider_name", t("placements.provider"), "text"),
            _count("n", t("money.episodes"), description=t("money.ratings.n.help")),
            Column("actual", t("money.ratings.actual"), "number", "%"),
            Column("expected", t("money.ratings.expected"), "number", "%"),
            Column(
                "difference",
                t("money.ratings.difference"),
                "number",
                "pp",
                description=t("money.ratings.difference.help"),
            ),
            Column("ci_text", t("column.ci"), "text", description=t("column.ci.help")),
            Column("ci_low", t("column.ci_low"), "number", "pp", shown=False),
            Column("ci_high", t("column.ci_high"), "number", "pp", shown=False),
            Column("verdict", t("money.ratings.verdict"), "text"),
        ),
        chart=charts.ranked_bar_chart(
            table.with_columns(value=pl.col("difference")),
            label="provider_name",
            unit="pp",
            ci=("ci_low", "ci_high"),
            label_title=t("placements.provider"),
        )
        if table.height
        else None,
        caption=caption(ctx, "pp", t("money.ratings.caption")),
        notes=(t("money.ratings.note", n=18, unrated=unrated),),
        message=None if table.height else t("money.ratings.none"),
    )
