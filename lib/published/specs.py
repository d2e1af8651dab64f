"""What Trialwatch reads from the statistics office's published tables: the measures, the
tables (12r5, 12u4, population) with their credits, the area levels and codes, and the canonical
long form every file is read into."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from lib.settings import PROJECT_ROOT, REFERENCE_DIR

RAW_DIR = PROJECT_ROOT.parent / "shared" / "data" / "raw"  # the developers' downloads
# Compact copies of the series the demo shows, shipped with the project (SOURCES.md there);
# scripts/derive_reference.py writes them from RAW_DIR.
PUBLISHED_DIR = REFERENCE_DIR / "published"
DEMO_FILES = ("statfin_12r5.parquet", "statfin_12u4.parquet", "thl_population.parquet")

# ---------------------------------------------------------------------------------------------
# What is read


@dataclass(frozen=True)
class Measure:
    name: str  # stored in PublishedSeries.measure
    code: str | None  # the statistics office's code (StatFin `Tiedot`)
    label: str
    unit: str  # persons | % | vacancies
    kind: str  # count (whole, >= 0) | rate (0..100)


_MEASURE_ROWS = (  # name, StatFin code, label, unit, kind
    ("unemployed_jobseekers", "TYOTTOMATLOPUSSA", "Unemployed job seekers", "persons", "count"),
    ("labour_force", "TYOVOIMATK", "Labour force", "persons", "count"),
    ("open_vacancies", "AVPAIKATLOPUSSA", "Open vacancies", "vacancies", "count"),
    ("activation_rate", "AKTASTE", "Activation rate", "%", "rate"),
    ("in_services", "PALVELUISSAYHTEENSA", "Persons in services, total", "persons", "count"),
    ("labour_market_training", "TVKOULUTUSLOP", "Labour market training", "persons", "count"),
    ("coaching", "VALMENNUSLOP", "Coaching", "persons", "count"),
    ("subsidised_employment", "TYOLLISTETTYLOP", "Subsidised employment", "persons", "count"),
    ("work_trial", "KOKEILULOP", "Work trial", "persons", "count"),
    ("job_alternation", "VUORVAPLOP", "Job alternation substitutes", "persons", "count"),
    ("rehabilitative_work", "KUNTTYOLOP", "Rehabilitative work activity", "persons", "count"),
    ("self_motivated_study", "OMAEHTLOP", "Self-motivated study", "persons", "count"),
    ("population", None, "Population at year end", "persons", "count"),
)
MEASURES: dict[str, Measure] = {row[0]: Measure(*row) for row in _MEASURE_ROWS}
MEASURE_BY_CODE = {m.code: m.name for m in MEASURES.values() if m.code}


@dataclass(frozen=True)
class TableSpec:
    table_id: str
    title: str
    measures: tuple[str, ...]
    credit: str
    frequency: str  # monthly | annual


STATFIN_12R5_CREDIT = (
    "Source: Statistics Finland, StatFin, table 12r5 (employment service statistics of the "
    "Ministry of Economic Affairs and Employment), CC BY 4.0"
)
TABLES: dict[str, TableSpec] = {
    "12r5": TableSpec(
        "12r5",
        "Job seekers and vacancies by area, monthly",
        ("unemployed_jobseekers", "labour_force", "open_vacancies"),
        STATFIN_12R5_CREDIT,
        "monthly",
    ),
    "12u4": TableSpec(
        "12u4",
        "Persons in employment services and the activation rate, monthly",
        (
            "activation_rate",
            "unemployed_jobseekers",
            "in_services",
            "labour_market_training",
            "coaching",
            "subsidised_employment",
            "work_trial",
            "job_alternation",
            "rehabilitative_work",
            "self_motivated_study",
        ),
        "Source: Statistics Finland, StatFin, table 12u4 (employment service statistics), "
        "CC BY 4.0",
        "monthly",
    ),  # fmt: skip
    "population": TableSpec(
        "population",
        "Population by municipality at year end",
        ("population",),
        "Source: THL Sotkanet indicator bank / Statistics Finland population statistics, CC BY 4.0",
        "annual",
    ),
}
ONLY_12U4 = set(TABLES["12u4"].measures) - set(TABLES["12r5"].measures)

AREA_LEVELS = ("country", "region", "subregion", "ely_centre", "municipality")
AREA_RE = r"^(SSS|KU[0-9]{3}|MK[0-9]{2}|SK[0-9]{3}|ELY[0-9]{2})$"
MONTH_RE = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
PX_MONTH_RE = r"^[0-9]{4}M(0[1-9]|1[0-2])$"
NUMBER_RE = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"
AREA_HINT = (
    "SSS (whole country), KUnnn (municipality), MKnn (region), SKnnn (sub-region) or ELYnn "
    "(ELY centre), as in Statistics Finland's tables"
)
CANONICAL = {
    "table_id": pl.String,
    "area_code": pl.String,
    "month": pl.String,
    "measure": pl.String,
    "area_level": pl.String,
    "area_name": pl.String,
    "municipality_code": pl.String,
    "value": pl.Float64,
}


def area_level_expr(code: pl.Expr) -> pl.Expr:
    """The area level of a StatFin area code (null when the code is not one)."""
    return (
        pl.when(code == "SSS").then(pl.lit("country"))
        .when(code.str.contains(r"^KU[0-9]{3}$")).then(pl.lit("municipality"))
        .when(code.str.contains(r"^MK[0-9]{2}$")).then(pl.lit("region"))
        .when(code.str.contains(r"^SK[0-9]{3}$")).then(pl.lit("subregion"))
        .when(code.str.contains(r"^ELY[0-9]{2}$")).then(pl.lit("ely_centre"))
    )  # fmt: skip


def municipality_code_expr(code: pl.Expr) -> pl.Expr:
    """KU091 -> '091' (the register's code, leading zeros kept); null for other levels."""
    return pl.when(code.str.contains(r"^KU[0-9]{3}$")).then(code.str.slice(2))
