"""The Evaluation page's content: the trial effect, its event study, time to employment, peers
and expected against actual. Pure: the reader and parameters in, frames and Blocks out.

`compute_inputs` reads the statistics through the viewer's reader (lib/engine/access.py; the
web layer's reader caches each read per viewer, arguments and loaded batch);
`build` turns them into what the page shows, each block with the table behind its chart.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from lib.engine.access import Reader, is_limited, pre_trend
from lib.engine.cohort import EVERYONE, Cohort
from lib.engine.errors import FigureError
from lib.figures import evaluation_charts as charts
from lib.figures import placements
from lib.figures.blocks import Block, PageContext, area_columns, caption, municipality_columns
from lib.figures.engine_texts import error_text, method_text
from lib.figures.evaluation_charts import format_pp
from lib.figures.exports import Column
from lib.figures.filters import region_label
from lib.figures.format import format_number
from lib.figures.i18n import N_, t
from lib.figures.view import Control, EffectCard, Heading, Text

CAVEAT = N_("evaluation.caveat")
EFFECT_METHOD = N_("evaluation.effect_method")


@dataclass
class EvaluationInputs:
    effect: pl.DataFrame  # one row
    by_area: pl.DataFrame
    events: pl.DataFrame
    km_curve: pl.DataFrame | None
    km_median: pl.DataFrame | None
    peers: pl.DataFrame | None
    expected_exit: pl.DataFrame | None
    expected_providers: pl.DataFrame | None
    message: str | None = None


def compute_inputs(
    reader: Reader,
    cohort: Cohort = EVERYONE,
    *,
    area: str | None = None,
    km_start: str = "coaching",
    km_by: str = "trial_or_comparison",
    peer_of: str | None = None,
    min_count: int = 5,
) -> EvaluationInputs:
    """All the statistics the page shows, read once for the cohort and these choices. A figure
    that cannot be computed (FigureError: a table the extract lacks, no months before the
    start) is None, and its block says so; without the effect there is only the reason."""
    try:
        effect = reader.effect(cohort, None, min_count)
        by_area = reader.effect(cohort, "trial_area_id", min_count)
        events = reader.event_study(cohort, area, min_count)
    except FigureError as e:
        empty = pl.DataFrame()
        return EvaluationInputs(empty, empty, empty, None, None, None, None, None, error_text(e))
    try:
        km_curve, km_median = reader.survival(cohort, km_start, km_by, min_count)
    except FigureError:
        km_curve = km_median = None
    try:
        peer_table = reader.peers(peer_of, min_count=min_count) if peer_of else None
    except FigureError:  # e.g. a municipal viewer's peers are of their own municipalities only
        peer_table = None
    try:
        exp_exit = reader.expected_exit(cohort, "trial_area_id", min_count)
    except FigureError:
        exp_exit = None
    try:
        exp_prov = reader.expected_placement(EVERYONE, "provider_id", min_count)
    except FigureError:  # providers or episodes may not be loaded
        exp_prov = None
    return EvaluationInputs(
        effect, by_area, events, km_curve, km_median, peer_table, exp_exit, exp_prov
    )


# ---------------------------------------------------------------------------------------------
# What the page shows


@dataclass(frozen=True)
class EffectSummary:
    estimate: str
    interval: str
    verdict: str
    trend_text: str
    counts: str


def summary(inputs: EvaluationInputs, area: str | None = None) -> EffectSummary | None:
    """The headline result: the whole trial's estimate, or the chosen area's (its row of the
    effect by trial area), with the pre-trend of the event study (which follows the area)."""
    effect = inputs.effect
    if area is not None:
        by_area = inputs.by_area
        effect = (
            by_area.filter(pl.col("trial_area_id") == area)
            if "trial_area_id" in by_area.columns
            else by_area.clear()
        )
    if effect.height == 0 or effect["estimate"][0] is None:
        return None
    e = effect.row(0, named=True)
    if e["ci_low"] > 0:
        verdict = t("The interval lies above zero: exits to work rose more in the trial.")
    elif e["ci_high"] < 0:
        verdict = t("The interval lies below zero: exits to work rose less in the trial.")
    else:
        verdict = t("The interval includes zero: no difference can be told from chance.")
    trend = pre_trend(inputs.events)
    if trend.parallel is None:
        trend_text = t("Too few months before the start to judge the trends.")
    elif trend.parallel:
        trend_text = t(
            "Before the start the two groups' exit rates ran parallel (trend in the difference "
            "{slope} a year, 95 % interval {lo} to {hi}): the estimate can be read as the "
            "trial's effect, with the caveat below.",
            slope=format_pp(trend.slope_per_year),
            lo=format_pp(trend.ci_low),
            hi=format_pp(trend.ci_high),
        )
    else:
        trend_text = t(
            "Before the start the difference between the groups was already drifting ({slope} a "
            "year, 95 % interval {lo} to {hi}): the trends were not parallel, so the estimate is "
            "descriptive, not the trial's effect.",
            slope=format_pp(trend.slope_per_year),
            lo=format_pp(trend.ci_low),
            hi=format_pp(trend.ci_high),
        )
    counts = t(
        "{t} trial and {c} comparison municipalities, {pm} person-months at risk",
        t=format_number(e["trial_municipalities"]),
        c=format_number(e["comparison_municipalities"]),
        pm=format_number(e["person_months"]),
    )
    return EffectSummary(
        format_pp(e["estimate"]),
        t("95 % interval {lo} to {hi}", lo=format_pp(e["ci_low"]), hi=format_pp(e["ci_high"])),
        verdict,
        trend_text,
        counts,
    )


def _effect_columns() -> list[Column]:
    return [
        Column(
            "estimate",
            t("Effect (pp)"),
            "number",
            "pp",
            description=t("Difference-in-differences of the exit rate, percentage points"),
        ),
        Column("ci_low", t("95 % low"), "number", "pp"),
        Column("ci_high", t("95 % high"), "number", "pp"),
        Column("trial_municipalities", t("Trial municipalities"), "number", "count"),
        Column("comparison_municipalities", t("Comparison municipalities"), "number", "count"),
        Column("person_months", t("Person-months at risk"), "number", "persons"),
    ]


def event_block(ctx: PageContext, inputs: EvaluationInputs, area_name: str | None) -> Block:
    ev = inputs.events
    title = t("Effect month by month around the start")
    if area_name:
        title = f"{title}: {area_name}"
    return Block(
        key="event-study",
        title=title,
        indicators=("exit_rate",),
        table=ev,
        columns=(
            Column("relative_month", t("Months from start"), "number", "count"),
            Column("month", t("Month"), "month"),
            *_effect_columns()[:3],
            Column("person_months", t("Person-months at risk"), "number", "persons"),
        ),
        chart=charts.event_study_chart(ev) if ev.height else None,
        caption=caption(
            ctx,
            None,
            t("percentage points; each month against the municipality's own before-period rate"),
        ),
        notes=(
            t(
                "Before the start the points should scatter around zero if the trends were "
                "parallel."
            ),
        ),
        message=None if ev.height else t("No months to show."),
    )


def area_block(ctx: PageContext, inputs: EvaluationInputs) -> Block:
    table = inputs.by_area.with_columns(
        area_name=pl.col("trial_area_id").replace_strict(
            ctx.area_names, default=pl.col("trial_area_id"), return_dtype=pl.String
        )
    ).select("trial_area_id", "area_name", *_effect_columns_names())
    return Block(
        key="effect-by-area",
        title=t("Effect by trial area"),
        indicators=("exit_rate",),
        table=table,
        columns=(*area_columns(), *_effect_columns()),
        chart=charts.forest_chart(table) if table.height else None,
        caption=caption(
            ctx,
            None,
            t(
                "percentage points, each area against all comparison "
                "municipalities, before the start against after"
            ),
        ),
        notes=(
            t(
                "Areas of one or two municipalities have wide intervals: their own "
                "municipal variation cannot be told apart from an effect."
            ),
        ),
    )


def _effect_columns_names() -> list[str]:
    return [c.name for c in _effect_columns()]


def survival_block(ctx: PageContext, inputs: EvaluationInputs, start: str) -> Block:
    names = {
        "trial": t("Trial municipalities"),
        "comparison": t("Comparison municipalities"),
        **ctx.area_names,
    }
    for g in KM_BY[2:]:
        names[g] = t(GROUP_LABELS.get(g, g))
        names[f"not {g}"] = t("Not: {group}", group=t(GROUP_LABELS.get(g, g)).lower())
    if inputs.km_curve is None or inputs.km_curve.height == 0:
        return Block(
            key="survival",
            title=t("Time to employment"),
            indicators=("exit_rate",),
            table=pl.DataFrame(),
            columns=(),
            message=t("No starts to follow for this selection."),
        )
    med = inputs.km_median
    notes = [method_text("survival")]
    if med is not None and med.height:
        for row in med.iter_rows(named=True):
            label = names.get(str(row["stratum"]), str(row["stratum"]))
            if row.get("suppressed"):
                continue
            median = row["median_days"]
            lo, hi = row["ci_low"], row["ci_high"]
            notes.insert(
                0,
                t(
                    "{label}: median {m} days (95 % interval {lo} to {hi}), {n} starts.",
                    label=label,
                    m=t("not reached") if median is None else format_number(median),
                    lo="–" if lo is None else format_number(lo),
                    hi=t("not reached") if hi is None else format_number(hi),
                    n=format_number(row["starts"]),
                ),
            )
    start_text = t("the start of coaching") if start == "coaching" else t("the transfer in")
    return Block(
        key="survival",
        title=t("Time to employment from {start}", start=start_text),
        indicators=("exit_rate",),
        table=inputs.km_curve.with_columns(
            [pl.col(c) * 100 for c in ("survival", "ci_low", "ci_high")]
        ),
        columns=(
            Column("stratum", t("Group"), "text"),
            Column("day", t("Day"), "number", "count"),
            Column("at_risk", t("Still followed"), "number", "persons"),
            Column("events", t("Found work"), "number", "persons"),
            Column("censored", t("Censored"), "number", "persons"),
            Column("survival", t("Still without work (%)"), "number", "%"),
            Column("ci_low", t("95 % low"), "number", "%"),
            Column("ci_high", t("95 % high"), "number", "%"),
        ),
        chart=charts.survival_chart(inputs.km_curve, names),
        caption=caption(ctx, None, t("Kaplan-Meier, share still without open-market work")),
        notes=tuple(notes),
        height=300,
    )


def peers_block(ctx: PageContext, inputs: EvaluationInputs, name: str | None) -> Block | None:
    if inputs.peers is None:
        return None
    table = inputs.peers.with_columns(
        [pl.col(c) * 100 for c in ("long_term_share", "foreign_share") if c in inputs.peers.columns]
    )
    cols = [
        *municipality_columns(),
        Column("distance", t("Distance"), "number", "ratio"),
    ]
    if "name" in table.columns:
        table = table.rename({"name": "municipality_name"})
    if "region" in table.columns:  # the landskap's name for a Swedish reader
        table = table.with_columns(
            pl.col("region").replace_strict(
                {r: region_label(r, ctx.lang) for r in table["region"].unique().drop_nulls()},
                default=pl.col("region"),
                return_dtype=pl.String,
            )
        )
    keep = [c.name for c in cols] + [
        c
        for c in ("region", "population", "unemployment_rate", "long_term_share", "foreign_share")
        if c in table.columns
    ]
    extra = {
        "region": Column("region", t("Region"), "text"),
        "population": Column("population", t("Population"), "number", "persons"),
        "unemployment_rate": Column(
            "unemployment_rate", t("Unemployed per 100 inhabitants"), "number", "ratio"
        ),
        "long_term_share": Column("long_term_share", t("Long-term unemployed (%)"), "number", "%"),
        "foreign_share": Column("foreign_share", t("Foreign citizens (%)"), "number", "%"),
    }
    cols += [extra[c] for c in keep if c in extra]
    return Block(
        key="peers",
        title=t("Most similar municipalities to {name}", name=name or ""),
        indicators=("unemployed",),
        table=table.select(keep),
        columns=tuple(cols),
        caption=caption(ctx, None),
        notes=(method_text("peers"),),
    )


def expected_block(
    ctx: PageContext,
    table: pl.DataFrame | None,
    *,
    key: str,
    title: str,
    label: str,
    label_title: str,
    indicator: str,
) -> Block:
    if table is None or table.height == 0:
        return Block(
            key=key,
            title=title,
            indicators=(indicator,),
            table=pl.DataFrame(),
            columns=(),
            message=t("Not available for this extract."),
        )
    df = table
    if label == "area_name":
        df = df.with_columns(
            area_name=pl.col("trial_area_id").replace_strict(
                ctx.area_names, default=pl.col("trial_area_id"), return_dtype=pl.String
            )
        )
    if label == "provider_name" and "provider_name" not in df.columns:
        df = df.with_columns(provider_name=pl.col("provider_id"))
    keep = [
        c
        for c in (
            label,
            "n",
            "actual",
            "expected",
            "difference",
            "ci_low",
            "ci_high",
            "rated",
            "suppressed",
        )
        if c in df.columns
    ]
    cols = {
        label: Column(label, label_title, "text"),
        "n": Column("n", t("Cases"), "number", "persons"),
        "actual": Column("actual", t("Actual (%)"), "number", "%"),
        "expected": Column("expected", t("Expected (%)"), "number", "%"),
        "difference": Column("difference", t("Difference (pp)"), "number", "pp"),
        "ci_low": Column("ci_low", t("95 % low"), "number", "pp"),
        "ci_high": Column("ci_high", t("95 % high"), "number", "pp"),
        "rated": Column("rated", t("Rated"), "flag"),
        "suppressed": Column("suppressed", t("Suppressed"), "flag"),
    }
    df = df.select(keep)
    return Block(
        key=key,
        title=title,
        indicators=(indicator,),
        table=df,
        columns=tuple(cols[c] for c in keep),
        chart=expected_chart_or_none(df, label),
        caption=caption(ctx, None, t("percentage points, actual minus expected")),
        notes=(method_text("expected"), t(CAVEAT)),
    )


def expected_chart_or_none(df: pl.DataFrame, label: str):
    shown = df.filter(pl.col("difference").is_not_null()) if "difference" in df.columns else df
    return charts.expected_chart(shown, label) if shown.height else None


# ---------------------------------------------------------------------------------------------
# The whole page


@dataclass
class EvaluationView:
    summary: EffectSummary | None
    message: str | None
    unit: str  # whose result the card shows: "the whole trial" or the chosen area's name
    events: Block | None
    by_area: Block | None
    placement: Block | None
    survival: Block | None
    peers: Block | None
    expected_areas: Block | None
    expected_providers: Block | None

    @property
    def parts(self) -> list:
        if self.message:
            return [Control("effect_area"), Text(self.message, kind="info", icon=":material/info:")]
        card = (
            EffectCard(
                t("Difference-in-differences, {unit}", unit=self.unit),
                self.summary,
                help=t(EFFECT_METHOD),
            )
            if self.summary
            else Text(
                t(
                    "No estimate for {unit}: it needs municipalities on both sides with months "
                    "before and after the start.",
                    unit=self.unit,
                ),
                kind="info",
                icon=":material/info:",
            )
        )
        # The result first, under the one choice it depends on; each other control sits above
        # the figure it changes.
        parts = [
            Heading(t("Trial effect on the exit to employment rate")),
            Control("effect_area"),
            card,
            Text(t(CAVEAT), kind="caption"),
            self.events,
            self.by_area,
            Heading(t("Placement with its uncertainty")),
            self.placement,
            Heading(t("Time to employment")),
            Control("survival"),
            self.survival,
            Heading(t("Peers and expected against actual")),
            Control("peers"),
            self.peers,
            self.expected_areas,
            self.expected_providers,
        ]
        return [p for p in parts if p]


KM_STARTS = ("coaching", "transfer")
# Kaplan-Meier strata: trial against comparison, trial areas, or in a group against not
KM_BY = (
    "trial_or_comparison",
    "trial_area_id",
    "long_term_unemployed",
    "youth",
    "older",
    "foreign",
    "reduced_work_capacity",
)
GROUP_LABELS = {
    "long_term_unemployed": N_("Long-term unemployed"),
    "youth": N_("Youth"),
    "older": N_("Older (55+)"),
    "foreign": N_("Foreign citizens"),
    "reduced_work_capacity": N_("Reduced work capacity"),
}


def km_by_label(by: str) -> str:
    """The name of a time-to-employment split (KM_BY) in the page's choice."""
    if by == "trial_or_comparison":
        return t("Trial against comparison")
    if by == "trial_area_id":
        return t("Trial area")
    return t("In the group or not: {group}", group=t(GROUP_LABELS[by]).lower())


WHOLE_TRIAL = "all"  # the event study's choice for the whole trial (a URL-safe value)


def peer_choices(ctx: PageContext, codes) -> list[str]:
    """The municipalities whose peers the viewer may see: all `codes`, or, for a municipal
    viewer, their own municipalities (whatever `codes` holds)."""
    viewer = ctx.reader.viewer
    if not is_limited(viewer):
        return list(codes)
    return list(viewer.municipalities or ())


def default_peer(ctx: PageContext) -> str | None:
    """The municipality whose peers are shown first: the first selected, else the largest (for
    a municipal viewer, their own municipality: peers are of their own only)."""
    own = peer_choices(ctx, ())
    if own:
        return own[0]
    if ctx.state.municipalities:
        return ctx.state.municipalities[0]
    munis = ctx.facts().municipalities.sort("population", descending=True, nulls_last=True)
    return munis["municipality_code"][0] if munis.height else None


def build(
    ctx: PageContext,
    *,
    area: str | None = None,
    km_start: str = "coaching",
    km_by: str = "trial_or_comparison",
    peer_of: str | None = None,
) -> EvaluationView:
    """Everything the Evaluation page shows, for the sidebar's groups and these choices."""
    inputs = compute_inputs(
        ctx.reader,
        ctx.cohort(persons=False),
        area=area,
        km_start=km_start,
        km_by=km_by,
        peer_of=peer_of,
        min_count=ctx.min_count,
    )
    unit = ctx.area_names.get(area, area) if area else t("whole trial")
    if inputs.message:
        return EvaluationView(None, inputs.message, unit, *([None] * 7))
    names = ctx.municipality_names
    return EvaluationView(
        summary=summary(inputs, area),
        message=None,
        unit=unit,
        events=event_block(ctx, inputs, ctx.area_names.get(area) if area else None),
        by_area=area_block(ctx, inputs),
        placement=placements.by_month_block(ctx),
        survival=survival_block(ctx, inputs, km_start),
        peers=peers_block(ctx, inputs, names.get(peer_of, peer_of)),
        expected_areas=expected_block(
            ctx,
            inputs.expected_exit,
            key="expected-areas",
            title=t("Exit rate: actual against expected, by trial area"),
            label="area_name",
            label_title=t("Trial area"),
            indicator="exit_rate",
        ),
        expected_providers=expected_block(
            ctx,
            inputs.expected_providers,
            key="expected-providers",
            title=t("Placement at 90 days: actual against expected, by provider"),
            label="provider_name",
            label_title=t("Provider"),
            indicator="placement_rate_90",
        ),
    )
