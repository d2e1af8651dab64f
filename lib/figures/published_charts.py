"""The Published statistics page's charts and month-by-month table: the published count beside
the register's, the published unemployment rate, open vacancies, and a published total against
the sum over its municipalities (Altair; the page view is lib/figures/published.py)."""

from __future__ import annotations

import altair as alt
import polars as pl

from lib.engine.months import first_day_iso, first_day_iso_expr
from lib.figures.format import format_general, format_month, format_value, texts
from lib.figures.i18n import N_, t
from lib.published.specs import TABLES

TRIAL_START = "2021-03"


# The published tables' credits (lib/published/specs.py keeps them in English, the words
# Statistics Finland's licence asks for), in the reader's language.
_CREDIT_KEYS = {
    TABLES["12r5"].credit: N_("published.credit.12r5"),
    TABLES["12u4"].credit: N_("published.credit.12u4"),
    TABLES["population"].credit: N_("published.credit.population"),
}


def credit_text(credit: str) -> str:
    """A published table's credit line in the reader's language (another text as it is)."""
    key = _CREDIT_KEYS.get(credit)
    return t(key) if key else credit


def register_label(scale: float | None) -> str:
    if scale:
        return t("Register ÷ {k} (synthetic, scaled to the published size)").format(
            k=format_general(scale)
        )
    return t("Register: unemployed job seekers")


PUBLISHED_LABEL = N_("Published: unemployed job seekers (StatFin 12r5)")
PUBLISHED_COLOR = "#0B4F8A"
REGISTER_COLOR = "#D55E00"
DIFF_COLOR = "#7A7A7A"


def _base_x(domain: tuple[str, str] | None = None) -> alt.X:
    scale = (
        alt.Scale(domain=[first_day_iso(domain[0]), first_day_iso(domain[1])], type="utc")
        if domain
        else alt.Undefined
    )
    return alt.X(
        "utcyearmonth(date):T",
        title=t("Month"),
        scale=scale,
        axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount=8, labelOverlap=True, grid=False),
    )


def _domain(frame: pl.DataFrame) -> tuple[str, str] | None:
    """The months of `frame`, so charts of one view share their x axis."""
    return (frame["month"].min(), frame["month"].max()) if frame.height else None


def _start_rule(domain: tuple[str, str] | None, *, top: bool = False) -> list[alt.Chart]:
    """A dashed rule at the trial's start, labelled at its foot (or top, over bars)."""
    if not domain or not (domain[0] <= TRIAL_START <= domain[1]):
        return []
    data = pl.DataFrame({"date": [first_day_iso(TRIAL_START)], "label": [t("Trial starts")]})
    base = alt.Chart(data)
    rule = base.mark_rule(color="#555555", strokeDash=[4, 3]).encode(x="utcyearmonth(date):T")
    label = base.mark_text(align="left", baseline="top" if top else "bottom", dx=4,
                           dy=3 if top else -3, fontSize=11, color="#555555").encode(
        x="utcyearmonth(date):T", y=alt.value(0) if top else alt.value("height"), text="label:N"
    )  # fmt: skip
    return [rule, label]


def _long_for_chart(frame: pl.DataFrame, series: dict[str, str], unit: str) -> pl.DataFrame:
    parts = []
    for column, label in series.items():
        if column not in frame.columns:
            continue
        part = frame.select("month", pl.col(column).cast(pl.Float64).alias("value")).filter(
            pl.col("value").is_not_null()
        )
        parts.append(part.with_columns(pl.lit(label).alias("series")))
    if not parts:
        return pl.DataFrame(
            schema={"month": pl.String, "value": pl.Float64, "series": pl.String,
                    "date": pl.String, "month_text": pl.String, "value_text": pl.String}
        )  # fmt: skip
    data = pl.concat(parts)
    return data.with_columns(
        first_day_iso_expr(pl.col("month")).alias("date"),
        texts(data["month"], format_month, "month_text"),
        texts(data["value"], lambda v: format_value(v, unit), "value_text"),
    )


def _tooltip(value_title: str) -> list[alt.Tooltip]:
    return [
        alt.Tooltip("series:N", title=t("Series")),
        alt.Tooltip("month_text:N", title=t("Month")),
        alt.Tooltip("value_text:N", title=value_title),
    ]


def counts_chart(frame: pl.DataFrame, *, scale: float | None = None, height: int = 260):
    """Published unemployed job seekers beside the register's count (scaled for a synthetic
    demo register) per month, the trial's start marked. The published line is drawn on top:
    a demo register follows it closely and would hide it."""
    reg_col = "register_scaled" if scale else "register"
    labels = {"published": t(PUBLISHED_LABEL), reg_col: register_label(scale)}
    data = _long_for_chart(frame, labels, "persons")
    domain = _domain(frame)
    colors = alt.Scale(domain=list(labels.values()), range=[PUBLISHED_COLOR, REGISTER_COLOR])
    y = alt.Y("value:Q", title=t("persons"), axis=alt.Axis(format=",.0f", tickCount=5))
    color = alt.Color(
        "series:N",
        scale=colors,
        title=None,
        # One under the other: the two long names side by side ran past the right edge of a
        # 468 px column ("Register...").
        legend=alt.Legend(orient="top", direction="vertical", labelLimit=420, symbolStrokeWidth=3),
    )
    base = alt.Chart(data).encode(
        x=_base_x(domain), y=y, color=color, tooltip=_tooltip(t("persons"))
    )
    register = base.transform_filter(alt.datum.series == labels[reg_col]).mark_line(
        strokeWidth=5, opacity=0.45
    )
    pub = base.transform_filter(alt.datum.series == labels["published"]).mark_line(strokeWidth=1.6)
    return alt.layer(register, pub, *_start_rule(domain)).properties(height=height)


def rate_chart(frame: pl.DataFrame, *, height: int = 200):
    """The published unemployment rate (months with a known labour force only)."""
    data = _long_for_chart(frame, {"unemployment_rate": t("Unemployment rate")}, "%")
    domain = _domain(frame)
    line = alt.Chart(data).mark_line(strokeWidth=2, color=PUBLISHED_COLOR).encode(
        x=_base_x(domain),
        y=alt.Y("value:Q", title=t("per cent (%)"), axis=alt.Axis(format=",.1~f", tickCount=5),
                scale=alt.Scale(zero=True)),
        tooltip=_tooltip(t("Unemployment rate")),
    )  # fmt: skip
    return alt.layer(line, *_start_rule(domain)).properties(height=height)


def vacancies_chart(frame: pl.DataFrame, *, height: int = 200):
    """Published open vacancies at month end (bars)."""
    data = _long_for_chart(frame, {"open_vacancies": t("Open vacancies")}, "persons")
    domain = _domain(frame)
    bars = (
        alt.Chart(data)
        .mark_bar(color=DIFF_COLOR)
        .encode(
            x=_base_x(domain),
            y=alt.Y("value:Q", title=t("vacancies"), axis=alt.Axis(format=",.0f", tickCount=5)),
            tooltip=_tooltip(t("Open vacancies")),
        )
    )
    return alt.layer(bars, *_start_rule(domain, top=True)).properties(height=height)


def difference_chart(frame: pl.DataFrame, *, height: int = 200):
    """Published total minus the sum over its municipalities, per month (bars)."""
    label = t("Total - sum of municipalities")
    data = _long_for_chart(frame, {"difference": label}, "persons")
    domain = _domain(frame)
    bars = (
        alt.Chart(data)
        .mark_bar(color=DIFF_COLOR)
        .encode(
            x=_base_x(domain),
            y=alt.Y("value:Q", title=t("persons"), axis=alt.Axis(format=",.0f", tickCount=5)),
            tooltip=_tooltip(label),
        )
    )
    return alt.layer(bars, *_start_rule(domain, top=True)).properties(height=height)


def table_for_display(frame: pl.DataFrame, *, scale: float | None = None) -> pl.DataFrame:
    """The month-by-month table the page shows, newest first, with readable column names."""
    cols = {
        "month": t("Month"),
        "published": t("Published unemployed"),
        "labour_force": t("Labour force"),
        "unemployment_rate": t("Unemployment rate %"),
        "open_vacancies": t("Open vacancies"),
        "register": t("Register unemployed"),
    }
    if scale:
        cols["register_scaled"] = t("Register ÷ k")
    if "municipal_sum" in frame.columns:
        cols["municipal_sum"] = t("Sum of municipalities")
        cols["difference"] = t("Total - sum")
    if "empty_cells" in frame.columns:
        cols["empty_cells"] = t("Empty municipal cells")
    present = [c for c in cols if c in frame.columns]
    out = frame.select(present).sort("month", descending=True)
    return out.with_columns(texts(out["month"], format_month)).rename({c: cols[c] for c in present})
