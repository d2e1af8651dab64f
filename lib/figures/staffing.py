"""Staffing: FTE by role and origin, clients per client-facing FTE against the target band (with
the areas and municipalities outside it), contacts against the weekly-contact target, employer
contacts. Pure: indicator tables in, Blocks out.

Staff series start at the trial's start (or the first month with staff recorded, if later):
before it there is no municipal service to staff, and a run of zeros would read as a gap.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from lib.figures import charts
from lib.figures.blocks import (
    Block,
    Metric,
    PageContext,
    area_columns,
    caption,
    first_month_with,
    long_series,
    metric_from,
    month_column,
    municipality_columns,
    not_applied_note,
    series_columns,
    suppressed_column,
    unavailable_block,
    value_columns,
    with_names,
)
from lib.figures.exports import Column
from lib.figures.format import format_month, format_number
from lib.figures.i18n import N_, t
from lib.figures.overview import off_target
from lib.figures.view import Metrics, Row
from lib.register.contract import CLIENT_FACING_ROLES, ORIGINS, ROLES

# The keys `t(f"staffing.{dim}")`, `t(f"staffing.by_{dim}")` and `t(f"value.{dim}.{v}")` compute,
# written out for the catalogue's extraction.
_STAFFING_KEYS = (
    N_("staffing.by_role"),
    N_("staffing.by_origin"),
    N_("staffing.role"),
    N_("staffing.origin"),
    N_("value.role.coach"),
    N_("value.role.advisor"),
    N_("value.role.employer_services"),
    N_("value.role.management"),
    N_("value.role.other"),
    N_("value.origin.transferred"),
    N_("value.origin.municipal"),
)


@dataclass
class StaffingView:
    metrics: list[Metric]
    by_role: Block
    by_origin: Block
    ratio: Block
    ratio_areas: Block
    outside: Block
    contacts: Block
    contacts_per_client: Block
    employer: Block

    @property
    def parts(self) -> list:
        return [
            Metrics(self.metrics, per_row=3),
            Row([self.by_role, self.by_origin, self.ratio, self.ratio_areas]),
            self.outside,
            Row([self.contacts, self.contacts_per_client]),
            self.employer,
        ]


def build(ctx: PageContext) -> StaffingView:
    return StaffingView(
        metrics=metrics(ctx),
        by_role=fte_block(ctx, "role"),
        by_origin=fte_block(ctx, "origin"),
        ratio=ratio_block(ctx),
        ratio_areas=ratio_areas_block(ctx),
        outside=outside_block(ctx),
        contacts=contacts_block(ctx),
        contacts_per_client=contacts_per_client_block(ctx),
        employer=employer_block(ctx),
    )


def staff_from(ctx: PageContext) -> str:
    """The first month staff series show: the later of the period's start and the trial's."""
    start = ctx.period[0]
    return max(start, ctx.start_month) if ctx.start_month else start


def _end(ctx: PageContext) -> str:
    return ctx.period[1]


# ---------------------------------------------------------------------------------------------
# Metrics


def metrics(ctx: PageContext) -> list[Metric]:
    end = _end(ctx)
    last = (end, end)
    out = [
        metric_from(
            "staff_fte",
            t("staffing.metric.fte"),
            "staff_fte",
            ctx.table("staff_fte", by=(), period=last),
            format_month(end),
        ),
        metric_from(
            "client_facing_fte",
            t("headline.client_facing_fte"),
            "staff_fte",
            ctx.table("staff_fte", by=(), period=last, where=(("role", CLIENT_FACING_ROLES),)),
            format_month(end),
        ),
        metric_from(
            "clients_per_fte",
            t("headline.clients_per_fte"),
            "clients_per_fte",
            ctx.table("clients_per_fte", by=(), period=last),
            t(
                "caption.band",
                low=format_number(ctx.fte_band[0]),
                high=format_number(ctx.fte_band[1]),
            ),
        ),
        metric_from(
            "contact_rate",
            t("staffing.metric.contact_rate"),
            "contact_rate",
            ctx.table("contact_rate", by=(), period=last),
            format_month(end),
        ),
        metric_from(
            "employer_contacts",
            t("staffing.metric.employer"),
            "employer_contacts",
            ctx.table("employer_contacts", by=()),
            ctx.period_text(),
        ),
    ]
    return out


# ---------------------------------------------------------------------------------------------
# FTE by role and by origin


def fte_block(ctx: PageContext, dim: str) -> Block:
    key = f"fte-{dim}"
    title = t(f"staffing.by_{dim}")
    df = ctx.table("staff_fte", by=("month", dim), period=(staff_from(ctx), _end(ctx)))
    if df is None:
        return unavailable_block(key, title, "staff_fte")
    values = ROLES if dim == "role" else ORIGINS
    labels = {v: t(f"value.{dim}.{v}") for v in values}
    table = df.with_columns(
        series=pl.col(dim).replace_strict(labels, default=pl.col(dim), return_dtype=pl.String)
    ).select("month", pl.col(dim).alias("series_id"), "series", "value", "suppressed")
    totals = df.group_by("month").agg(pl.col("value").sum())
    first = first_month_with(totals.sort("month"), staff_from(ctx))
    table = table.filter(pl.col("month") >= first).sort("month", "series_id")
    colors_by_id = charts.ROLE_COLORS if dim == "role" else charts.ORIGIN_COLORS
    colors = {labels[v]: c for v, c in colors_by_id.items()}
    chart = charts.stacked_area_chart(table, unit="FTE", colors=colors, start_month=ctx.start_month)
    notes = [n for n in (not_applied_note(ctx, "staff_fte"),) if n]
    if first != staff_from(ctx):
        notes.append(t("staffing.recorded_from", month=format_month(first)))
    return Block(
        key=key,
        title=title,
        indicators=("staff_fte",),
        table=table,
        columns=(
            month_column(),
            *series_columns(label=t(f"staffing.{dim}")),
            *value_columns("staff_fte"),
        ),
        chart=chart,
        caption=caption(ctx, "FTE", t("staffing.fte.caption")),
        notes=tuple(notes),
    )


# ---------------------------------------------------------------------------------------------
# Clients per client-facing FTE


def ratio_block(ctx: PageContext) -> Block:
    key, ind = "ratio", "clients_per_fte"
    title = t("staffing.ratio")
    df = ctx.table(ind, by=("month",), period=(staff_from(ctx), _end(ctx)))
    if df is None:
        return unavailable_block(key, title, ind)
    table = df.select("month", "value", "numerator", "denominator", "suppressed")
    chart = charts.trend_chart(
        table,
        unit="clients per FTE",
        start_month=ctx.start_month,
        band=ctx.fte_band,
        height=charts.CHART_HEIGHT,
    )
    notes = [n for n in (not_applied_note(ctx, ind),) if n]
    if table["value"].is_null().any():
        notes.append(t("staffing.no_staff_months"))
    return Block(
        key=key,
        title=title,
        indicators=(ind,),
        table=table,
        columns=(month_column(), *_ratio_columns()),
        chart=chart,
        caption=caption(ctx, "clients per FTE", _band_text(ctx)),
        notes=tuple(notes),
    )


def _ratio_columns() -> list[Column]:
    return [
        Column(
            "value",
            t("unit.clients per FTE"),
            "number",
            "clients per FTE",
            description=t("Clients per client-facing FTE"),
        ),
        Column(
            "numerator",
            t("staffing.caseload"),
            "number",
            "persons",
            description=t("staffing.caseload.help"),
        ),
        Column(
            "denominator",
            t("staffing.client_facing_fte"),
            "number",
            "FTE",
            description=t("table.help.client_facing_fte"),
        ),
        suppressed_column(),
    ]


def _band_text(ctx: PageContext) -> str:
    low, high = ctx.fte_band
    return t("caption.band", low=format_number(low), high=format_number(high))


def _target_status(df: pl.DataFrame, band: tuple[float, float]) -> pl.DataFrame:
    status = [off_target(v, band) for v in df["value"].to_list()]
    labels = {"below": t("staffing.below"), "above": t("staffing.above")}
    return df.with_columns(
        target=pl.Series([s for s in status], dtype=pl.String),
        target_text=pl.Series([labels.get(s, "") if s else "" for s in status], dtype=pl.String),
    )


def ratio_areas_block(ctx: PageContext) -> Block:
    """Clients per client-facing FTE per trial area in the period's last month, ranked, the
    band shaded and the areas outside it picked out."""
    key, ind = "ratio-areas", "clients_per_fte"
    title = t("staffing.ratio_areas", month=format_month(_end(ctx)))
    end = _end(ctx)
    df = ctx.table(ind, by=("trial_area_id",), period=(end, end))
    if df is None:
        return unavailable_block(key, title, ind)
    table = _target_status(with_names(df, ctx), ctx.fte_band)
    highlight = {
        name: charts.HIGHLIGHT_COLOR
        for name, status in zip(table["area_name"], table["target"], strict=True)
        if status
    }
    chart = charts.ranked_bar_chart(
        table,
        label="area_name",
        unit="clients per FTE",
        label_title=t("chart.area"),
        highlight=highlight,
        band=ctx.fte_band,
    )
    notes = [t("staffing.outside_marked")]
    if table["value"].is_null().any():
        notes.append(t("staffing.no_staff_rows"))
    return Block(
        key=key,
        title=title,
        indicators=(ind,),
        table=table.select(
            "trial_area_id",
            "area_name",
            "value",
            "numerator",
            "denominator",
            "suppressed",
            "target_text",
        ),
        columns=(*area_columns(), *_ratio_columns(), _target_column()),
        chart=chart,
        caption=caption(ctx, "clients per FTE", _band_text(ctx)).replace(
            ctx.period_text(), format_month(end)
        ),
        notes=tuple(notes),
    )


def _target_column() -> Column:
    return Column(
        "target_text", t("staffing.target"), "text", description=t("staffing.target.help")
    )


def outside_block(ctx: PageContext) -> Block:
    """The municipalities outside the band in the period's last month (a table)."""
    key, ind = "outside", "clients_per_fte"
    end = _end(ctx)
    title = t("staffing.outside", month=format_month(end))
    df = ctx.table(ind, by=("municipality_code",), period=(end, end))
    if df is None:
        return unavailable_block(key, title, ind)
    table = _target_status(with_names(df, ctx), ctx.fte_band)
    areas = {m.code: m.area_id for m in ctx.options.municipalities}
    names = ctx.area_names
    table = table.with_columns(
        area_name=pl.col("municipality_code").replace_strict(
            {c: names.get(a or "", "") for c, a in areas.items()},
            default="",
            return_dtype=pl.String,
        )
    )
    outside = table.filter(pl.col("target").is_not_null()).sort(
        "target", "value", descending=[False, False]
    )
    message = None
    if outside.height == 0:
        message = t("staffing.none_outside")
    return Block(
        key=key,
        title=title,
        indicators=(ind,),
        table=outside.select(
            "municipality_code",
            "municipality_name",
            "area_name",
            "value",
            "numerator",
            "denominator",
            "suppressed",
            "target_text",
        ),
        columns=(
            *municipality_columns(),
            Column("area_name", t("chart.area"), "text"),
            *_ratio_columns(),
            _target_column(),
        ),
        chart=None,
        message=message,
        caption=caption(ctx, "clients per FTE", _band_text(ctx)).replace(
            ctx.period_text(), format_month(end)
        ),
        notes=(t("staffing.outside.note", n=table.height),),
    )


# ---------------------------------------------------------------------------------------------
# Contacts


def contacts_block(ctx: PageContext) -> Block:
    key = "contacts"
    title = t("staffing.contacts")
    parts = [
        ("contact_rate", t("staffing.series.any_contact"), ctx.table("contact_rate")),
        (
            "weekly_contact_rate",
            t("staffing.series.weekly", n=ctx.weekly_contacts),
            ctx.table("weekly_contact_rate"),
        ),
    ]
    if parts[0][2] is None:
        return unavailable_block(key, title, "contact_rate")
    table = long_series(parts).select(
        "month", "series_id", "series", "value", "numerator", "denominator", "suppressed"
    )
    colors = {parts[0][1]: "#0072B2", parts[1][1]: "#009E73"}
    chart = charts.trend_chart(
        table,
        unit="%",
        series="series",
        series_colors=colors,
        series_title=t("chart.series_kind"),
        start_month=ctx.start_month,
        height=charts.CHART_HEIGHT,
    )
    return Block(
        key=key,
        title=title,
        indicators=("contact_rate", "weekly_contact_rate"),
        table=table,
        columns=(
            month_column(),
            *series_columns(label=t("chart.series_kind")),
            *value_columns("contact_rate"),
        ),
        chart=chart,
        caption=caption(ctx, "%", t("staffing.contacts.caption", n=ctx.weekly_contacts)),
    )


def contacts_per_client_block(ctx: PageContext) -> Block:
    key, ind = "contacts-per-client", "contacts_per_client"
    title = t("staffing.contacts_per_client")
    df = ctx.table(ind)
    if df is None:
        return unavailable_block(key, title, ind)
    table = df.select("month", "value", "numerator", "denominator", "suppressed")
    target = (float(ctx.weekly_contacts), t("staffing.weekly_target", n=ctx.weekly_contacts))
    chart = charts.trend_chart(
        table,
        unit="contacts per client",
        start_month=ctx.start_month,
        height=charts.CHART_HEIGHT,
        min_target=target,
    )
    return Block(
        key=key,
        title=title,
        indicators=(ind,),
        table=table,
        columns=(
            month_column(),
            Column(
                "value",
                t("unit.contacts per client"),
                "number",
                "contacts per client",
                description=t("Coaching contacts per client"),
            ),
            Column(
                "numerator",
                t("staffing.contacts_n"),
                "number",
                "contacts",
                description=t("staffing.contacts_n.help"),
                shown=False,
            ),
            Column(
                "denominator",
                t("staffing.caseload"),
                "number",
                "persons",
                description=t("staffing.caseload.help"),
                shown=False,
            ),
            suppressed_column(),
        ),
        chart=chart,
        caption=caption(ctx, "contacts per client", target[1]),
    )


def employer_block(ctx: PageContext) -> Block:
    key, ind = "employer", "employer_contacts"
    title = t("staffing.employer")
    df = ctx.table(ind, by=("month",), period=(staff_from(ctx), _end(ctx)))
    if df is None:
        return unavailable_block(key, title, ind)
    table = df.select("month", "value", "suppressed")
    chart = charts.trend_chart(
        table, unit="contacts", start_month=ctx.start_month, height=charts.CHART_HEIGHT
    )
    notes = [n for n in (not_applied_note(ctx, ind),) if n]
    return Block(
        key=key,
        title=title,
        indicators=(ind,),
        table=table,
        columns=(month_column(), *value_columns(ind)),
        chart=chart,
        caption=caption(ctx, "contacts", t("staffing.employer.caption")),
        notes=tuple(notes),
    )
