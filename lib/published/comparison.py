"""Published figures beside the register's: the 12r5 table wide with its unemployment rate,
published totals against the sums over their municipalities, the areas to compare (municipality,
trial area, region, country) and the month-by-month comparison; the national activation rate
the Overview gives as context. Pure Polars apart from the reads through lib/published/storage.py.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import polars as pl
from sqlalchemy import Engine

from lib.published.specs import STATFIN_12R5_CREDIT, TABLES
from lib.published.storage import coverage, read_series
from lib.register.demo import SCALES
from lib.register.store import get_engine
from lib.settings import REFERENCE_DIR


def unemployment_rate_expr(
    unemployed: str = "unemployed_jobseekers", labour_force: str = "labour_force"
) -> pl.Expr:
    """100 x unemployed / labour force, only where both are known and the labour force is
    above zero; null elsewhere (never 0 for a missing count)."""
    u, lf = pl.col(unemployed), pl.col(labour_force)
    return (
        pl.when(u.is_not_null() & lf.is_not_null() & (lf > 0))
        .then(100.0 * u / lf)
        .otherwise(None)
        .alias("unemployment_rate")
    )


def wide_12r5(long: pl.DataFrame) -> pl.DataFrame:
    """One row per area and month: the 12r5 measures as columns and the unemployment rate."""
    keys = ["area_code", "area_level", "area_name", "municipality_code", "month"]
    wide = long.filter(pl.col("table_id") == "12r5").pivot(
        on="measure", index=keys, values="value", aggregate_function="first"
    )
    for m in TABLES["12r5"].measures:
        if m not in wide.columns:
            wide = wide.with_columns(pl.lit(None, pl.Float64).alias(m))
    return wide.with_columns(unemployment_rate_expr()).sort("area_code", "month")


def sum_vs_total(wide: pl.DataFrame, level: str = "country") -> pl.DataFrame:
    """Per month (and region): the published total, the sum over its municipalities of the
    unemployed job seekers, how many municipal cells are empty, and the difference
    (total - sum). `level` is 'country' or 'region' (municipalities mapped to regions by name,
    the 2023 division in data/reference/fi_municipalities.csv)."""
    munis = wide.filter(pl.col("area_level") == "municipality")
    u = "unemployed_jobseekers"
    if level == "country":
        totals = wide.filter(pl.col("area_level") == "country").select(
            "month", pl.col(u).alias("published_total")
        )
        keys = ["month"]
    elif level == "region":
        regions = reference_regions()
        munis = munis.join(regions, on="municipality_code", how="left")
        totals = wide.filter(pl.col("area_level") == "region").select(
            pl.col("area_name").alias("region"), "area_code", "month",
            pl.col(u).alias("published_total"),
        )  # fmt: skip
        keys = ["region", "month"]
    else:
        raise ValueError("level: 'country' or 'region'")
    if level == "country":  # the regions too: their sum misses the same unknown municipality
        regional = (
            wide.filter(pl.col("area_level") == "region")
            .group_by("month")
            .agg(pl.col(u).sum().alias("regional_sum"))
        )
        totals = totals.join(regional, on="month", how="left")
    sums = munis.group_by(keys).agg(
        pl.col(u).sum().alias("municipal_sum"),
        pl.col(u).is_null().sum().cast(pl.Int64).alias("empty_cells"),
        pl.len().alias("municipalities"),
    )
    out = totals.join(sums, on=keys, how="left").with_columns(
        (pl.col("published_total") - pl.col("municipal_sum")).alias("difference")
    )
    return out.sort(keys)


def reference_regions() -> pl.DataFrame:
    """municipality_code -> region (maakunta, Finnish name) of the 2023 municipal division."""
    return pl.read_csv(
        REFERENCE_DIR / "fi_municipalities.csv",
        glob=False,  # the checkout's path is never a pattern
        schema_overrides={"municipality_code": pl.String},
        columns=["municipality_code", "region"],
    )


@functools.cache
def region_names_sv() -> dict[str, str]:
    """Region (maakunta) by its Finnish name -> its Swedish name (landskap), from the 2023
    municipal division in data/reference/fi_municipalities.csv (Statistics Finland's keys)."""
    df = pl.read_csv(
        REFERENCE_DIR / "fi_municipalities.csv",
        glob=False,
        columns=["region", "region_sv"],
    ).unique()
    return {r: sv for r, sv in df.iter_rows() if r and sv}


# ---------------------------------------------------------------------------------------------
# Context for the Overview


@dataclass(frozen=True)
class NationalActivation:
    """The published national activation rate for a month, or the latest one before it."""

    asked_month: str
    month: str  # the month of the figure: asked_month, or the latest published before it
    value: float  # per cent
    series: pl.DataFrame  # month, value: the 24 months up to `month`
    credit: str = TABLES["12u4"].credit

    @property
    def exact(self) -> bool:
        return self.month == self.asked_month


def national_activation(
    source: Engine | pl.DataFrame | str | None, month: str
) -> NationalActivation | None:
    """The published national activation rate (StatFin 12u4, AKTASTE) for `month` ('YYYY-MM'),
    or the latest published month before it (the series ends 2022-02); None when none is loaded.

    `source`: the store's engine, its URL (None: the settings' store), or a frame of published
    cells (read_series(engine, '12u4')). Pure apart from that one read.
    """
    if source is None or isinstance(source, str):
        source = get_engine(source)
    frame = read_series(source, "12u4") if isinstance(source, Engine) else source
    series = (
        frame.filter(
            (pl.col("measure") == "activation_rate")
            & (pl.col("area_code") == "SSS")
            & pl.col("value").is_not_null()
            & (pl.col("month") <= month)
        )
        .select("month", "value")
        .sort("month")
    )
    if series.height == 0:
        return None
    last = series.row(-1, named=True)
    return NationalActivation(month, last["month"], float(last["value"]), series.tail(24))


# ---------------------------------------------------------------------------------------------
# The comparison shown on the page


LEVEL_LABELS = {
    "municipality": "Municipality",
    "trial_area": "Trial area",
    "region": "Region",
    "country": "Whole country",
}
DEMO_SCALE_RE = re.compile(r"synthetic demo register \(seed \d+, scale (\w+)\)")


def demo_scale_factor(source: str | None) -> float | None:
    """The scale factor k of a synthetic demo register (its source says which scale), or None.

    The demo register follows each municipality's published stock times k (docs/demo_register.md).
    """
    m = DEMO_SCALE_RE.search(source or "")
    if not m:
        return None

    return SCALES.get(m.group(1))


@dataclass(frozen=True)
class Area:
    level: str  # municipality | trial_area | region | country
    key: str  # municipality code, trial area id, region name, or 'SSS'
    label: str
    members: tuple[str, ...]  # the register's municipality codes it covers


def areas(
    municipalities: pl.DataFrame, country_label: str = "Whole country"
) -> dict[str, list[Area]]:
    """The areas to pick from, per level, from the register's municipalities (with columns
    municipality_code, name, region, trial_area_id, area_name); the whole country is named
    `country_label` (the page passes it in the reader's language)."""
    m = municipalities.sort("name")
    out: dict[str, list[Area]] = {"municipality": [], "trial_area": [], "region": [], "country": []}
    for row in m.iter_rows(named=True):
        out["municipality"].append(
            Area("municipality", row["municipality_code"],
                 f"{row['name']} ({row['municipality_code']})", (row["municipality_code"],))
        )  # fmt: skip
    if "trial_area_id" in m.columns:
        for (area_id, name), g in m.filter(pl.col("trial_area_id").is_not_null()).group_by(
            "trial_area_id", "area_name"
        ):
            out["trial_area"].append(
                Area("trial_area", area_id, f"{name} ({area_id})",
                     tuple(sorted(g["municipality_code"])))
            )  # fmt: skip
        out["trial_area"].sort(key=lambda a: a.key)
    for (region,), g in m.group_by("region"):
        out["region"].append(Area("region", region, region, tuple(sorted(g["municipality_code"]))))
    out["region"].sort(key=lambda a: a.label)
    out["country"].append(
        Area("country", "SSS", country_label, tuple(sorted(m["municipality_code"])))
    )
    return out


def published_for_area(wide: pl.DataFrame, area: Area) -> pl.DataFrame:
    """Per month: the published unemployed job seekers, labour force and unemployment rate of
    `area`, and for a sum over municipalities how many member cells are empty.

    A municipality, the whole country and a region use the published row of that area; a trial
    area (no published row) sums its municipalities, with the rate only in months where every
    member's count and labour force are known. For the country and a region, `municipal_sum`
    and `difference` (published total - sum over its municipalities) come too.
    """
    u, lf, v = "unemployed_jobseekers", "labour_force", "open_vacancies"
    cols = ["month", u, lf, "unemployment_rate", v]
    if area.level == "municipality":
        return wide.filter(pl.col("municipality_code") == area.key).select(cols).sort("month")
    if area.level in ("country", "region"):
        if area.level == "country":
            own = wide.filter(pl.col("area_level") == "country")
            diff = sum_vs_total(wide, "country")
        else:
            own = wide.filter(
                (pl.col("area_level") == "region") & (pl.col("area_name") == area.key)
            )
            diff = sum_vs_total(wide, "region").filter(pl.col("region") == area.key)
        return (
            own.select(cols)
            .join(diff.select("month", "municipal_sum", "empty_cells", "difference"), on="month",
                  how="left")
            .sort("month")
        )  # fmt: skip
    members = wide.filter(pl.col("municipality_code").is_in(list(area.members)))
    summed = members.group_by("month").agg(
        pl.col(u).sum(),
        pl.col(lf).sum(),
        pl.col(v).sum(),
        (pl.col(u).is_null() | pl.col(lf).is_null()).sum().cast(pl.Int64).alias("empty_cells"),
    )
    complete = pl.col("empty_cells") == 0
    rate = pl.when(complete).then(unemployment_rate_expr()).alias("unemployment_rate")
    return summed.with_columns(rate).select(*cols, "empty_cells").sort("month")


def register_by_for(level: str) -> tuple[tuple[str, ...], str | None]:
    """The `by` of the register's `unemployed` query for a level, and the dimension to filter."""
    return {
        "municipality": (("municipality_code", "month"), "municipality_code"),
        "trial_area": (("trial_area_id", "month"), "trial_area_id"),
        "region": (("region", "month"), "region"),
        "country": (("month",), None),
    }[level]


def comparison(
    published: pl.DataFrame, register: pl.DataFrame | None, *, scale: float | None = None
) -> pl.DataFrame:
    """Published beside the register per month: `published`, `register` (the `unemployed`
    indicator, null where suppressed), `register_scaled` (register / k for a synthetic demo
    register), `ratio` (register / published) and the published rate and totals columns.
    Months of either source are kept (published data end 2023-10, the register may go on)."""
    pub = published.rename({"unemployed_jobseekers": "published"})
    if register is None or register.height == 0:
        reg = pl.DataFrame(schema={"month": pl.String, "register": pl.Float64})
    else:
        reg = register.select("month", pl.col("value").cast(pl.Float64).alias("register"))
    out = pub.join(reg, on="month", how="full", coalesce=True).sort("month")
    k = pl.lit(scale) if scale else pl.lit(None, pl.Float64)
    return out.with_columns(
        (pl.col("register") / k).alias("register_scaled"),
        pl.when(pl.col("published") > 0)
        .then(pl.col("register") / pl.col("published"))
        .alias("ratio"),
    )


def latest_common_month(frame: pl.DataFrame) -> str | None:
    """The last month with both a published and a register figure."""
    both = frame.filter(pl.col("published").is_not_null() & pl.col("register").is_not_null())
    return both["month"].max() if both.height else None


def month_row(frame: pl.DataFrame, month: str | None) -> dict:
    if month is None:
        return {}
    rows = frame.filter(pl.col("month") == month)
    return rows.row(0, named=True) if rows.height else {}


def first_month(frame: pl.DataFrame) -> str | None:
    """The first month of a frame with a `month` column (None when empty)."""
    return frame["month"].min() if frame.height else None


def since(frame: pl.DataFrame, month: str | None) -> pl.DataFrame:
    """The rows of `frame` from `month` on (all when None)."""
    return frame if month is None else frame.filter(pl.col("month") >= month)


# ---------------------------------------------------------------------------------------------
# What the page reads (cached by the page per load version)


@dataclass(frozen=True)
class PublishedView:
    wide: pl.DataFrame  # wide_12r5 of the loaded 12r5 table
    coverage: pl.DataFrame
    credit: str = STATFIN_12R5_CREDIT

    @property
    def first_month(self) -> str:
        return self.wide["month"].min()

    @property
    def last_month(self) -> str:
        return self.wide["month"].max()


def published_view(db_url: str | None = None) -> PublishedView | None:
    """The loaded 12r5 table, wide, and the coverage of every published table; None if no 12r5."""
    engine = get_engine(db_url)
    long = read_series(engine, "12r5")
    if long.height == 0:
        return None
    return PublishedView(wide_12r5(long), coverage(engine))


# ---------------------------------------------------------------------------------------------
# The whole country beside the register (the Compare page)

# The register's indicators that a published table gives for the whole country, with its
# measure: only the activation rate (12u4, AKTASTE). The register covers the trial and the
# comparison municipalities, not the country, so no other compared indicator has a
# whole-country figure.
COUNTRY_MEASURES: dict[str, tuple[str, str]] = {"activation_rate": ("12u4", "activation_rate")}


def country_series(
    source: Engine | pl.DataFrame | str | None, indicator: str
) -> tuple[tuple[str, float], ...]:
    """The published whole-country figure of a register indicator, month by month, as
    (month, value) pairs; () where no published table gives it or none is loaded.

    `source`: the store's engine, its URL (None: the settings' store), or a frame of published
    cells of the indicator's table."""
    if indicator not in COUNTRY_MEASURES:
        return ()
    table_id, measure = COUNTRY_MEASURES[indicator]
    if source is None or isinstance(source, str):
        source = get_engine(source)
    frame = read_series(source, table_id) if isinstance(source, Engine) else source
    rows = (
        frame.filter(
            (pl.col("measure") == measure)
            & (pl.col("area_code") == "SSS")
            & pl.col("value").is_not_null()
        )
        .select("month", "value")
        .sort("month")
    )
    return tuple((m, float(v)) for m, v in rows.iter_rows())
