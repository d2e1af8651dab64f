"""The Published statistics page: Statistics Finland's figures beside the register's own, per
area (the data: lib/published/comparison.py; the charts: lib/figures/published_charts.py).

`offer(ctx)` says what the page can offer to choose (area levels, the areas of each, the demo's
scale); `build(ctx, ...)` is the page's view for the choices made. The areas come from
`ctx.options`, the published tables from `ctx.published()`, the register's count through
`ctx.read`, as every figure is read.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from lib.engine.access import default_query
from lib.figures import published_charts as charts
from lib.figures.blocks import PageContext
from lib.figures.engine_texts import LEVEL_TEXTS
from lib.figures.filters import FilterOptions
from lib.figures.format import DASH, format_month, format_value
from lib.figures.i18n import N_, t
from lib.figures.view import Chart, Columns, Control, Expander, Heading, Stat, Text, View
from lib.published import comparison
from lib.published.comparison import LEVEL_LABELS, Area

DEFAULT_AREA = "091"  # Helsinki: the largest municipality, shown first


@dataclass(frozen=True)
class Offer:
    """What the page offers to choose: the area levels with areas, the areas of each level, the
    synthetic demo's scale k (None for a real register) and the first published month."""

    levels: list[str]
    areas: dict[str, list[Area]]
    scale: float | None
    first_month: str

    def default_area(self, level: str) -> str:
        keys = [a.key for a in self.areas[level]]
        return DEFAULT_AREA if DEFAULT_AREA in keys else keys[0]

    def area(self, level: str, key: str) -> Area:
        return next((a for a in self.areas[level] if a.key == key), self.areas[level][0])


def municipalities_frame(options: FilterOptions) -> pl.DataFrame:
    """The register's municipalities as comparison.areas reads them (code, name, region, trial
    area and its name)."""
    names = options.area_names()
    munis = options.municipalities
    return pl.DataFrame(
        {
            "municipality_code": [m.code for m in munis],
            "name": [m.name for m in munis],
            "region": [m.region for m in munis],
            "trial_area_id": [m.area_id for m in munis],
            "area_name": [names.get(m.area_id) if m.area_id else None for m in munis],
        },
        schema={
            "municipality_code": pl.String,
            "name": pl.String,
            "region": pl.String,
            "trial_area_id": pl.String,
            "area_name": pl.String,
        },
    )


def _loaded(ctx: PageContext):
    return ctx.published() if ctx.published is not None else None


def offer(ctx: PageContext) -> Offer | None:
    """What the page offers to choose; None when no published table is loaded."""
    view = _loaded(ctx)
    if view is None:
        return None
    areas = comparison.areas(municipalities_frame(ctx.options), t("Whole country"))
    levels = [level for level in LEVEL_LABELS if areas.get(level)]
    return Offer(levels, areas, comparison.demo_scale_factor(ctx.source), view.first_month)


def level_label(level: str) -> str:
    return t(LEVEL_TEXTS[level])


def register_table(ctx: PageContext, level: str, key: str) -> pl.DataFrame:
    """The register's unemployed job seekers by month in the area (all suppression rules)."""
    by, dim = comparison.register_by_for(level)
    query = default_query("unemployed", by=by)
    if dim:
        query = query.with_where(dim, [key])
    return ctx.read(query)


def nothing_loaded() -> View:
    return View(
        [
            Heading(t("Published statistics"), level=1),
            Text(
                t(
                    "No published statistics are loaded. Load Statistics Finland's table 12r5 "
                    "(as CSV or PX) with `trialwatch published import FILE...`; `trialwatch "
                    "demo` loads it by itself when ../shared/data/raw/ is there."
                ),
                kind="info",
                icon=":material/info:",
            ),
        ]
    )


def build(
    ctx: PageContext,
    *,
    level: str = "municipality",
    area: str = DEFAULT_AREA,
    scaled: bool = True,
    full_history: bool = False,
) -> View:
    """The page: the area's latest month with both figures, the published count beside the
    register's, the published rate and vacancies (or a total against the sum over its
    municipalities), month by month, and the credit. The 'choices' control goes under the
    caption."""
    found = offer(ctx)
    view = _loaded(ctx)
    if found is None or view is None:
        return nothing_loaded()
    level = level if level in found.levels else found.levels[0]
    chosen = found.area(level, area)
    scale = found.scale
    k = scale if (scale and scaled) else None
    register = register_table(ctx, level, chosen.key)
    frame = comparison.comparison(
        comparison.published_for_area(view.wide, chosen), register, scale=k
    )
    shown = comparison.since(frame, None if full_history else comparison.first_month(register))
    month = comparison.latest_common_month(frame)
    parts: list = [
        Heading(t("Published statistics"), level=1),
        Text(
            t(
                "The statistics office's monthly figures beside the register's own count, per "
                "area. Published months {first}–{last}; register as of {as_of}."
            ).format(
                first=format_month(view.first_month),
                last=format_month(view.last_month),
                as_of=format_month(ctx.as_of),
            )
        ),
        Control("choices"),
        *_latest(frame, chosen, month),
        Chart(
            t("Unemployed job seekers: published and register"),
            charts.counts_chart(shown, scale=k),
        ),
        # The builder's own Markdown (bold, italics): a Text part, not the chart's plain caption.
        Text(
            "  \n".join(
                [t(GAP_EXPLAINED)]
                + (
                    [t(DEMO_GAP).format(k=scale, last=format_month(view.last_month))]
                    if scale
                    else []
                )
            ),
            "caption",
        ),
        Columns([[_rate(shown)], [_right(shown, frame, view.last_month)]]),
        Expander(t("Month by month"), [charts.table_for_display(shown, scale=k)], "dataframe"),
        Text(
            t(
                "{credit}. Published figures are shown as released, months {first}–{last}. "
                "Register counts under the disclosure threshold are suppressed."
            ).format(
                credit=charts.credit_text(view.credit),
                first=format_month(view.first_month),
                last=format_month(view.last_month),
            )
        ),
    ]
    return View(parts)


def _latest(frame: pl.DataFrame, area: Area, month: str | None) -> list:
    """The area's latest month with both figures: the four numbers (or why there are none)."""
    if not month:
        return [
            Heading(area.label),
            Text(t("No month has both a published and a register figure for this area.")),
        ]
    row = comparison.month_row(frame, month)
    ratio = row.get("ratio")
    stats = [
        Stat(
            t("Published count"),
            format_value(row.get("published"), "persons"),
            help=t("Unemployed job seekers at the month's end, StatFin table 12r5."),
        ),
        Stat(
            t("Unemployment rate"),
            format_value(row.get("unemployment_rate"), "%"),
            help=t(
                "100 x the published count / the labour force ({lf}); empty where either is "
                "missing."
            ).format(lf=format_value(row.get("labour_force"), "persons")),
        ),
        Stat(
            t("Register count"),
            format_value(row.get("register"), "persons"),
            help=t(
                "The register's unemployed job seekers on the month's last day (indicator "
                "'unemployed')."
            ),
        ),
        Stat(
            t("Register ÷ published"),
            DASH if ratio is None else format_value(100 * ratio, "%"),
            help=t("The register's count as a share of the published count, in {month}.").format(
                month=format_month(month)
            ),
        ),
    ]
    return [
        Heading(t("{area} in {month}").format(area=area.label, month=format_month(month))),
        Columns([[s] for s in stats]),
    ]


def _rate(shown: pl.DataFrame) -> Chart:
    return Chart(t("Unemployment rate (published)"), charts.rate_chart(shown), t(RATE_EXPLAINED))


def _right(shown: pl.DataFrame, frame: pl.DataFrame, last_month: str) -> Chart:
    """A total against the sum over its municipalities (country, region), else vacancies."""
    if "difference" in shown.columns:
        last = comparison.month_row(frame, last_month)
        text = t(
            "In {month}: published total {total}, sum over its municipalities {sum}, "
            "difference {diff}."
        ).format(
            month=format_month(last_month),
            total=format_value(last.get("published"), "persons"),
            sum=format_value(last.get("municipal_sum"), "persons"),
            diff=format_value(last.get("difference"), "persons"),
        )
        return Chart(
            t("Published total minus the sum over its municipalities"),
            charts.difference_chart(shown),
            text + "  \n" + t(SUM_EXPLAINED),
        )
    return Chart(
        t("Open vacancies (published)"),
        charts.vacancies_chart(shown),
        t(
            "Open vacancies at the month's end. The series breaks in Jan 2023, when the "
            "Job Market Finland service replaced the old one: compare across it with care."
        )
        + "  \n"
        + t(SUM_EXPLAINED),
    )


GAP_EXPLAINED = N_("published.gap_explained")
DEMO_GAP = N_("published.demo_gap")
SUM_EXPLAINED = N_("published.sum_explained")
RATE_EXPLAINED = N_("published.rate_explained")
