"""Published statistics beside the register: read, validate, store and compare them.

Officials read the trial's register figures against the official ones. This module loads the
statistics office's published tables into their own store tables (lib/register/schema.py
`PublishedSeries`, `PublishedLoad`), never touching the register:

- `12r5` (Statistics Finland, StatFin): unemployed job seekers at month end, the labour force
  (annual, repeated each month) and open vacancies, for the whole country, regions, sub-regions,
  ELY centres and municipalities;
- `12u4` (StatFin): the national stock in each employment service and the activation rate;
- `population` (THL Sotkanet): population by municipality at year end.

Files come as the tidy CSVs in ../shared/data/raw/ or as the PX files users download from the
statistics office's database service (lib/published/px.py). Validation and atomicity follow the
register
import: every problem listed with its file, line and column (lib.register.extract.Problem), nothing
loaded unless everything is valid, all files in one transaction.

Areas keep their level and the source's own code; municipal codes are mapped to the register's
municipality codes (KU091 -> '091'). The unemployment rate is computed (100 x unemployed / labour
force) only where both are known. Sums over municipalities are compared with the published
totals, and the difference is shown, not hidden.

No Streamlit here: pages/published.py renders; lib/cli/commands.py prints.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import altair as alt
import polars as pl
from sqlalchemy import Engine, insert, select, text
from sqlalchemy.engine import Connection

from lib.figures.format import format_month, format_number, format_value
from lib.figures.i18n import t
from lib.published.px import PxError, PxTable, read_px
from lib.register.extract import ExtractError, Problem, format_problems
from lib.register.schema import PublishedLoad
from lib.settings import PROJECT_ROOT

RAW_DIR = PROJECT_ROOT.parent / "shared" / "data" / "raw"
TRIAL_START = "2021-03"
KEPT_PER_GROUP = 1000
LINE = "__line"
FILE = "__file"
COLUMN = "__column"

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
_ONLY_12U4 = set(TABLES["12u4"].measures) - set(TABLES["12r5"].measures)

AREA_LEVELS = ("country", "region", "subregion", "ely_centre", "municipality")
_AREA_RE = r"^(SSS|KU[0-9]{3}|MK[0-9]{2}|SK[0-9]{3}|ELY[0-9]{2})$"
_MONTH_RE = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
_PX_MONTH_RE = r"^[0-9]{4}M(0[1-9]|1[0-2])$"
_NUMBER_RE = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"
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


# ---------------------------------------------------------------------------------------------
# Refusals


class PublishedError(ExtractError):
    """Published files were refused; `problems` as for a register extract, printed alike."""

    def __str__(self) -> str:
        report = format_problems(self.problems, counts=self.counts)
        return report.replace("Extract refused:", "Published statistics refused:", 1)


class _Problems:
    def __init__(self) -> None:
        self.items: list[Problem] = []
        self.counts: Counter = Counter()

    def add(self, file: str, line: int | None, column: str | None, kind: str, msg: str) -> None:
        where = file + (f" line {line}" if line is not None else "")
        where += f", column {column}" if column else ""
        self.counts[(file, column, kind)] += 1
        if self.counts[(file, column, kind)] <= KEPT_PER_GROUP:
            self.items.append(Problem(file, line, column, kind, f"{where}: {msg}"))

    def extend(self, problems: Iterable[Problem]) -> None:
        for p in problems:
            self.items.append(p)
            self.counts[(p.file, p.column, p.kind)] += 1

    def rows(self, frame: pl.DataFrame, kind: str, message) -> None:
        """One problem per row of `frame` (columns FILE, LINE, COLUMN and what `message` uses)."""
        for row in frame.head(KEPT_PER_GROUP).iter_rows(named=True):
            self.add(row[FILE], row[LINE], row[COLUMN], kind, message(row))
        extra = frame.height - min(frame.height, KEPT_PER_GROUP)
        if extra > 0:  # count the rest per group without building messages for them
            for (file, column), n in Counter(
                zip(frame[FILE][KEPT_PER_GROUP:], frame[COLUMN][KEPT_PER_GROUP:])
            ).items():
                self.counts[(file, column, kind)] += n

    def __bool__(self) -> bool:
        return bool(self.counts)

    def error(self) -> PublishedError:
        return PublishedError(self.items, counts=self.counts)


def _show(value, limit: int = 40) -> str:
    text_ = str(value)
    return "'" + (text_[: limit - 3] + "..." if len(text_) > limit else text_) + "'"


# ---------------------------------------------------------------------------------------------
# Reading files


@dataclass
class PublishedFile:
    """One file read and checked: its table and its cells in canonical long form."""

    path: Path
    file: str
    fmt: str  # csv | px
    table_id: str
    frame: pl.DataFrame  # CANONICAL columns plus FILE, LINE, COLUMN
    ignored: tuple[str, ...] = ()  # measures in the file that Trialwatch does not read


def read_published_files(paths: Sequence[Path | str]) -> list[PublishedFile]:
    """Read and validate every file; raise PublishedError listing every problem in all of them.

    Two files may hold parts of one table (a database service limits a download's size); the
    same area, month and measure given twice is refused.
    """
    problems = _Problems()
    files: list[PublishedFile] = []
    names = Counter(Path(p).name for p in paths)
    for p in paths:
        path = Path(p)
        # The file's name as the messages give it: the name, or the path when names repeat.
        file = path.name if names[path.name] == 1 else str(path)
        found = _read_one(path, file, problems)
        if found is not None:
            files.append(found)
    if not paths:
        problems.add("(no file)", None, None, "no_file", "give at least one file to import")
    _check_across_files(files, problems)
    if problems:
        raise problems.error()
    return files


def read_published_file(path: Path | str) -> PublishedFile:
    """Read and validate one published file (CSV or PX); raise PublishedError when refused."""
    return read_published_files([path])[0]


def _read_one(path: Path, file: str, problems: _Problems) -> PublishedFile | None:
    if not path.is_file():
        problems.add(
            file, None, None, "missing_file",
            f"no such file: give the path of a published table (.csv or .px), e.g. "
            f"{RAW_DIR / 'statfin_tyonv_12r5'}/...csv",
        )  # fmt: skip
        return None
    suffix = path.suffix.lower()
    if suffix == ".px":
        return _read_px_file(path, file, problems)
    if suffix in (".csv", ".txt"):
        return _read_csv_file(path, file, problems)
    problems.add(
        file, None, None, "unknown_format",
        f"'{path.suffix or 'no extension'}' is not a format Trialwatch reads: give the table as "
        "a .csv file (the tidy form in ../shared/data/raw/) or a .px file from the statistics "
        "office's database service",
    )  # fmt: skip
    return None


def _read_csv_file(path: Path, file: str, problems: _Problems) -> PublishedFile | None:
    try:
        raw = pl.read_csv(path, infer_schema=False, encoding="utf8")
    except pl.exceptions.NoDataError:
        problems.add(file, 1, None, "unreadable", "the file is empty: it needs a header row")
        return None
    except pl.exceptions.ComputeError as e:
        first = str(e).strip().splitlines()[0]
        if "utf" in first.lower():
            line = _first_bad_utf8_line(path)
            problems.add(file, line, None, "bad_encoding", "not valid UTF-8: save it as UTF-8")
        else:
            problems.add(
                file, _ragged_line(path), None, "unreadable",
                f"not a readable CSV file ({first}): save it comma-separated, with a header "
                "row and the same number of fields on every line",
            )  # fmt: skip
        return None
    header = raw.columns
    if len(set(header)) != len(header) or any("_duplicated_" in c for c in header):
        problems.add(file, 1, None, "duplicate_column", "a column name appears twice: keep one")
        return None
    raw = raw.with_columns(
        # The header is line 1; blank values are missing.
        (pl.int_range(pl.len(), dtype=pl.Int64) + 2).alias(LINE),
        *[pl.when(pl.col(c).str.strip_chars() != "").then(pl.col(c).str.strip_chars()).alias(c)
          for c in header],
    )  # fmt: skip
    cols = set(header)
    if {"population", "year"} <= cols and (
        "municipality_code_text" in cols or "municipality_code" in cols
    ):
        return _population_csv(raw, path, file, problems)
    measures = {c: MEASURE_BY_CODE.get(c, c) for c in header}
    measures = {c: m for c, m in measures.items() if m in MEASURES}
    measures = {c: m for c, m in measures.items() if m != "population"}
    missing = [c for c in ("area_code", "month") if c not in cols]
    if missing or not measures:
        needed = ", ".join(missing) if missing else "a measure column"
        known = ", ".join(
            f"{m} ({MEASURES[m].code})" for m in TABLES["12r5"].measures + ("activation_rate",)
        )
        problems.add(
            file, 1, None, "unknown_table",
            f"not a published table Trialwatch reads: {needed} missing (found: "
            f"{', '.join(header)}). Expected the 12r5 or 12u4 form: area_code, month and measure "
            f"columns such as {known}; or population by municipality: municipality_code_text, "
            "year, population",
        )  # fmt: skip
        return None
    table_id = "12u4" if set(measures.values()) & _ONLY_12U4 else "12r5"
    doubled = [m for m, n in Counter(measures.values()).items() if n > 1]
    for m in doubled:
        problems.add(
            file, 1, None, "duplicate_column",
            f"{m} is given twice (as {MEASURES[m].code} and {m}): keep one column",
        )  # fmt: skip
    if doubled:
        return None
    name_col = next((c for c in ("area_name_fi", "area_name", "name") if c in cols), None)
    level_col = "area_level" if "area_level" in cols else None
    base = raw.select(
        LINE,
        pl.col("area_code"),
        pl.col("month"),
        (pl.col(name_col) if name_col else pl.lit(None, pl.String)).alias("area_name"),
        (pl.col(level_col) if level_col else pl.lit(None, pl.String)).alias("_given_level"),
        *[pl.col(c).alias(f"_m_{m}") for c, m in measures.items()],
    )
    if not _check_rows(base, file, problems, level_col=level_col):
        return None
    long = base.unpivot(
        index=[LINE, "area_code", "month", "area_name"],
        on=[f"_m_{m}" for m in measures.values()],
        variable_name="measure",
        value_name="text",
    ).with_columns(pl.col("measure").str.strip_prefix("_m_"))
    column_of = {m: c for c, m in measures.items()}
    long = long.with_columns(
        pl.col("measure").replace_strict(column_of, return_dtype=pl.String).alias(COLUMN)
    )
    frame = _typed_values(long, file, table_id, problems)
    if frame is None:
        return None
    return PublishedFile(path, file, "csv", table_id, frame)


def _population_csv(
    raw: pl.DataFrame, path: Path, file: str, problems: _Problems
) -> PublishedFile | None:
    code_col = (
        "municipality_code_text"
        if "municipality_code_text" in raw.columns
        else ("municipality_code")
    )
    frame = raw.select(LINE, pl.col(code_col).alias("code"), "year", "population").with_columns(
        pl.lit(file).alias(FILE)
    )
    bad_code = frame.filter(~pl.col("code").str.contains(r"^[0-9]{3}$").fill_null(False))
    problems.rows(
        bad_code.with_columns(pl.lit(code_col).alias(COLUMN)), "bad_code",
        lambda r: f"{_show(r['code']) if r['code'] else 'an empty value'} is not a municipality "
        "code: expected three digits with leading zeros, e.g. 091",
    )  # fmt: skip
    bad_year = frame.filter(~pl.col("year").str.contains(r"^[0-9]{4}$").fill_null(False))
    problems.rows(
        bad_year.with_columns(pl.lit("year").alias(COLUMN)), "bad_year",
        lambda r: f"{_show(r['year']) if r['year'] else 'an empty value'} is not a year: "
        "expected four digits, e.g. 2022",
    )  # fmt: skip
    if bad_code.height or bad_year.height:
        return None
    dups = _duplicates(frame, ["code", "year"]).with_columns(pl.lit(code_col).alias(COLUMN))
    problems.rows(
        dups, "duplicate_key",
        lambda r: f"municipality {r['code']} in {r['year']} is given again (first on line "
        f"{r['first_line']}): give each municipality and year once",
    )  # fmt: skip
    if dups.height:
        return None
    long = frame.select(
        LINE,
        ("KU" + pl.col("code")).alias("area_code"),
        (pl.col("year") + "-12").alias("month"),
        pl.lit(None, pl.String).alias("area_name"),
        pl.lit("population").alias("measure"),
        pl.col("population").alias("text"),
        pl.lit("population").alias(COLUMN),
    )
    typed = _typed_values(long, file, "population", problems)
    return None if typed is None else PublishedFile(path, file, "csv", "population", typed)


def _first_bad_utf8_line(path: Path) -> int | None:
    for n, line in enumerate(path.read_bytes().split(b"\n"), 1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            return n
    return None


def _ragged_line(path: Path) -> int | None:
    import csv

    with open(path, newline="", encoding="utf-8", errors="replace") as f:
        reader = csv.reader(f)
        header = next(reader, [])
        for row in reader:
            if len(row) != len(header):
                return reader.line_num
    return None


def _duplicates(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Rows whose key appeared on an earlier line, with `first_line`."""
    first = frame.group_by(keys).agg(pl.col(LINE).min().alias("first_line"))
    return (
        frame.join(first, on=keys, how="left", nulls_equal=True)
        .filter(pl.col(LINE) != pl.col("first_line"))
        .sort(LINE)
    )


def _check_rows(
    base: pl.DataFrame, file: str, problems: _Problems, *, level_col: str | None
) -> bool:
    """Area codes, levels, months and duplicate keys of a tidy file; False when refused."""
    frame = base.with_columns(pl.lit(file).alias(FILE))
    before = sum(problems.counts.values())
    bad_area = frame.filter(~pl.col("area_code").str.contains(_AREA_RE).fill_null(False))
    problems.rows(
        bad_area.with_columns(pl.lit("area_code").alias(COLUMN)), "bad_area_code",
        lambda r: (
            f"{_show(r['area_code'])} is not a Statistics Finland area code"
            if r["area_code"] else "the area code is empty"
        ) + f": expected {AREA_HINT}",
    )  # fmt: skip
    bad_month = frame.filter(~pl.col("month").str.contains(_MONTH_RE).fill_null(False))
    problems.rows(
        bad_month.with_columns(pl.lit("month").alias(COLUMN)), "bad_month",
        lambda r: (
            f"{_show(r['month'])} is not a valid month" if r["month"] else "the month is empty"
        ) + ": expected YYYY-MM, e.g. 2021-02",
    )  # fmt: skip
    if level_col:
        wrong = frame.with_columns(level=area_level_expr(pl.col("area_code"))).filter(
            pl.col("level").is_not_null()
            & (pl.col("_given_level") != pl.col("level")).fill_null(True)
        )
        problems.rows(
            wrong.with_columns(pl.lit(level_col).alias(COLUMN)), "bad_area_level",
            lambda r: f"{_show(r['_given_level'] or '')} does not match area code "
            f"{r['area_code']}, which is a {r['level'].replace('_', ' ')}: write "
            f"{r['level']} (levels: {', '.join(AREA_LEVELS)})",
        )  # fmt: skip
    dups = _duplicates(frame.filter(pl.col("area_code").is_not_null()), ["area_code", "month"])
    problems.rows(
        dups.with_columns(pl.lit("area_code").alias(COLUMN)), "duplicate_key",
        lambda r: f"area {r['area_code']} in {r['month']} is given again (first on line "
        f"{r['first_line']}): give each area and month once",
    )  # fmt: skip
    return sum(problems.counts.values()) == before


def _typed_values(
    long: pl.DataFrame, file: str, table_id: str, problems: _Problems
) -> pl.DataFrame | None:
    """`text` values to numbers, checked against each measure's kind; the canonical frame."""
    frame = long.with_columns(pl.lit(file).alias(FILE))
    txt = pl.col("text")
    value = pl.when(txt.str.contains(_NUMBER_RE)).then(txt.cast(pl.Float64, strict=False))
    frame = frame.with_columns(value.alias("value"))
    before = sum(problems.counts.values())
    bad = frame.filter(txt.is_not_null() & pl.col("value").is_null())
    problems.rows(
        bad, "bad_number",
        lambda r: f"{_show(r['text'])} is not a number: expected digits with a dot for "
        "decimals, e.g. 49349; leave the cell empty where the source has no figure",
    )  # fmt: skip
    _check_value_ranges(frame, problems)
    if sum(problems.counts.values()) != before:
        return None
    return _canonical(frame, table_id)


def _check_value_ranges(frame: pl.DataFrame, problems: _Problems) -> None:
    counts = [m.name for m in MEASURES.values() if m.kind == "count"]
    v = pl.col("value")
    negative = frame.filter(pl.col("measure").is_in(counts) & (v < 0))
    problems.rows(
        negative, "negative",
        lambda r: f"{format_number(r['value'])} is below zero: a count of "
        f"{MEASURES[r['measure']].label.lower()} cannot be negative",
    )  # fmt: skip
    fraction = frame.filter(pl.col("measure").is_in(counts) & (v >= 0) & (v != v.floor()))
    problems.rows(
        fraction, "not_whole",
        lambda r: f"{r['value']} is not a whole number: {MEASURES[r['measure']].label.lower()} "
        "are counted in whole persons or vacancies",
    )  # fmt: skip
    rates = frame.filter((pl.col("measure") == "activation_rate") & ((v < 0) | (v > 100)))
    problems.rows(
        rates, "bad_rate",
        lambda r: f"{r['value']} is not a rate in per cent: expected 0 to 100",
    )  # fmt: skip


def _canonical(frame: pl.DataFrame, table_id: str) -> pl.DataFrame:
    code = pl.col("area_code")
    return frame.select(
        pl.lit(table_id).alias("table_id"),
        code,
        "month",
        "measure",
        area_level_expr(code).alias("area_level"),
        pl.col("area_name"),
        municipality_code_expr(code).alias("municipality_code"),
        pl.col("value").cast(pl.Float64),
        FILE,
        LINE,
        COLUMN,
    )


# PX ------------------------------------------------------------------------------------------

_AREA_VARIABLES = ("alue", "area", "region", "område", "kunta", "municipality")
_TIME_VARIABLES = ("kuukausi", "month", "månad", "vuosi", "year", "år")
_MEASURE_VARIABLES = ("tiedot", "information", "uppgifter", "data")


def _read_px_file(path: Path, file: str, problems: _Problems) -> PublishedFile | None:
    try:
        px = read_px(path, file=file)
    except PxError as e:
        problems.extend(e.problems)
        return None
    roles = _px_roles(px, file, problems)
    if roles is None:
        return None
    area_var, time_var, measure_var, fixed = roles
    variables = px.variables
    before = sum(problems.counts.values())
    for name in fixed:
        v = variables[name]
        if len(v.codes) != 1:
            problems.add(
                file, v.line, None, "extra_dimension",
                f"variable {name!r} has {len(v.codes)} categories "
                f"({', '.join(v.codes[:5])}{', ...' if len(v.codes) > 5 else ''}): Trialwatch "
                "reads totals only: download the table with just the total of this variable "
                "selected",
            )  # fmt: skip
    area = variables[area_var]
    bad_codes = [c for c in area.codes if not re.match(_AREA_RE, c)]
    if bad_codes:
        problems.add(
            file, area.line, None, "bad_area_code",
            f"area code {_show(bad_codes[0])} of variable {area_var!r} "
            f"{'and ' + str(len(bad_codes) - 1) + ' more ' if len(bad_codes) > 1 else ''}"
            f"is not a Statistics Finland area code: expected {AREA_HINT}",
        )  # fmt: skip
    months = variables[time_var]
    bad_months = [c for c in months.codes if not re.match(_PX_MONTH_RE, c)]
    if bad_months:
        problems.add(
            file, months.line, None, "bad_month",
            f"time code {_show(bad_months[0])} of variable {time_var!r} is not a month: "
            "expected monthly codes such as 2021M02 (download the monthly table)",
        )  # fmt: skip
    measure = variables[measure_var]
    known = {c: MEASURE_BY_CODE[c] for c in measure.codes if c in MEASURE_BY_CODE}
    ignored = tuple(c for c in measure.codes if c not in MEASURE_BY_CODE)
    if not known:
        problems.add(
            file, measure.line, None, "unknown_measure",
            f"none of the codes of {measure_var!r} ({', '.join(measure.codes[:6])}) is a measure "
            "Trialwatch reads: select e.g. TYOTTOMATLOPUSSA, TYOVOIMATK, AVPAIKATLOPUSSA (12r5) "
            "or AKTASTE (12u4)",
        )  # fmt: skip
    if sum(problems.counts.values()) != before:
        return None
    matrix = " ".join(px.meta.get(k, "") for k in ("MATRIX", "TABLEID")).lower()
    if "12u4" in matrix or set(known.values()) & _ONLY_12U4:
        table_id = "12u4"
    else:
        table_id = "12r5"
    names = dict(zip(area.codes, area.values))
    cells = px.to_frame().filter(pl.col(measure_var).is_in(list(known)))
    long = cells.select(
        pl.col(LINE),
        pl.col(area_var).alias("area_code"),
        pl.col(time_var).str.replace("M", "-", literal=True).alias("month"),
        pl.col(area_var).replace_strict(names, return_dtype=pl.String).alias("area_name"),
        pl.col(measure_var).replace_strict(known, return_dtype=pl.String).alias("measure"),
        pl.col("value"),
        pl.lit(None, pl.String).alias(COLUMN),
        pl.lit(file).alias(FILE),
    )
    _check_value_ranges(long, problems)
    if sum(problems.counts.values()) != before:
        return None
    ignored_names = tuple(f"{c} ({dict(zip(measure.codes, measure.values))[c]})" for c in ignored)
    return PublishedFile(path, file, "px", table_id, _canonical(long, table_id), ignored_names)


def _px_roles(px: PxTable, file: str, problems: _Problems):
    """(area, time, measure, other variables) of a PX table, found by name, TIMEVAL,
    CONTVARIABLE and codes; None (with a problem) when one cannot be found."""
    names = list(px.order)
    lower = {n: n.lower() for n in names}

    def pick(candidates, test) -> str | None:
        by_name = [n for n in names if lower[n] in candidates]
        if by_name:
            return by_name[0]
        by_codes = [n for n in names if test(px.variables[n])]
        return by_codes[0] if by_codes else None

    time_var = next((n for n in names if px.variables[n].time), None) or pick(
        _TIME_VARIABLES, lambda v: all(re.match(r"^[0-9]{4}", c) for c in v.codes)
    )
    area_var = pick(_AREA_VARIABLES, lambda v: all(re.match(_AREA_RE, c) for c in v.codes))
    cont = px.meta.get("CONTVARIABLE")
    measure_var = cont if cont in names else pick(
        _MEASURE_VARIABLES, lambda v: any(c in MEASURE_BY_CODE for c in v.codes)
    )  # fmt: skip
    line = (px.keyword("STUB") or px.keyword("HEADING")).line
    missing = [
        what
        for what, var in (("an area", area_var), ("a month", time_var), ("a measure", measure_var))
        if var is None
    ]
    if missing or len({area_var, time_var, measure_var}) < 3:
        problems.add(
            file, line, None, "unknown_table",
            f"cannot tell the table's {' and '.join(missing) or 'variables'} variable among "
            f"{', '.join(names)}: Trialwatch reads StatFin tables 12r5 and 12u4 with an area "
            "(Alue), a month (Kuukausi) and a measure (Tiedot) variable",
        )  # fmt: skip
        return None
    fixed = [n for n in names if n not in (area_var, time_var, measure_var)]
    return area_var, time_var, measure_var, fixed


def _check_across_files(files: list[PublishedFile], problems: _Problems) -> None:
    by_table: dict[str, list[PublishedFile]] = {}
    for f in files:
        by_table.setdefault(f.table_id, []).append(f)
    for group in by_table.values():
        if len(group) < 2:
            continue
        both = pl.concat([f.frame for f in group])
        keys = ["area_code", "month", "measure"]
        first = (
            both.with_row_index("_order")
            .sort("_order")
            .group_by(keys, maintain_order=True)
            .agg(pl.col(FILE).first().alias("first_file"), pl.col(LINE).first().alias("first_line"),
                 pl.col("_order").first().alias("first_order"))
        )  # fmt: skip
        again = (
            both.with_row_index("_order")
            .join(first, on=keys)
            .filter(pl.col("_order") != pl.col("first_order"))
            .sort("_order")
        )
        problems.rows(
            again, "duplicate_key",
            lambda r: f"{r['measure']} of area {r['area_code']} in {r['month']} is also in "
            f"{r['first_file']}" + (f" line {r['first_line']}" if r["first_line"] else "")
            + ": give each area, month and measure in one file only",
        )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Storing


def import_published(engine: Engine, paths: Sequence[Path | str]) -> list[PublishedLoad]:
    """Validate the files, then replace the tables they hold, atomically; returns the loads.

    Raises PublishedError (every problem, file and line) before touching the store.
    """
    files = read_published_files(paths)
    return replace_published(engine, files)


def replace_published(engine: Engine, files: list[PublishedFile]) -> list[PublishedLoad]:
    """Replace the published tables these files hold (other tables stay), in one transaction."""
    by_table: dict[str, list[PublishedFile]] = {}
    for f in files:
        by_table.setdefault(f.table_id, []).append(f)
    sqlite = engine.dialect.name == "sqlite"
    options = {"trialwatch_begin": "IMMEDIATE"} if sqlite else {}
    loads = []
    with engine.connect().execution_options(**options) as conn, conn.begin():
        for table_id, group in by_table.items():
            frame = (
                pl.concat([f.frame.select(list(CANONICAL)) for f in group])
                .cast(CANONICAL)
                .sort("area_code", "month", "measure")
            )
            conn.execute(text("DELETE FROM published_series WHERE table_id = :t"), {"t": table_id})
            _insert(conn, frame)
            loads.append(_record_load(conn, table_id, group, frame))
    return loads


def _insert(conn: Connection, frame: pl.DataFrame) -> None:
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    if conn.dialect.name == "sqlite":
        marks = ", ".join("?" for _ in frame.columns)
        cursor = conn.connection.driver_connection.cursor()
        try:
            cursor.executemany(
                f"INSERT INTO published_series ({columns}) VALUES ({marks})", frame.iter_rows()
            )
        finally:
            cursor.close()
        return
    sql = f"COPY published_series ({columns}) FROM STDIN (FORMAT csv)"
    with conn.connection.driver_connection.cursor() as cursor, cursor.copy(sql) as copy:
        for offset in range(0, frame.height, 200_000):
            copy.write(frame.slice(offset, 200_000).write_csv(include_header=False).encode())


def content_hash(frame: pl.DataFrame) -> str:
    """SHA-256 of a table's canonical rows, independent of file format and row order."""
    rows = frame.select(list(CANONICAL)).sort("area_code", "month", "measure")
    return hashlib.sha256(rows.write_csv(float_precision=6).encode()).hexdigest()


def _record_load(
    conn: Connection, table_id: str, group: list[PublishedFile], frame: pl.DataFrame
) -> PublishedLoad:
    digest = content_hash(frame)
    same = conn.execute(
        select(PublishedLoad.load_id)
        .where(PublishedLoad.table_id == table_id, PublishedLoad.content_hash == digest)
        .order_by(PublishedLoad.load_id)
        .limit(1)
    ).scalar_one_or_none()
    levels = frame.group_by("area_level").agg(pl.col("area_code").n_unique()).sort("area_level")
    values = {
        "loaded_at": dt.datetime.now(dt.UTC),
        "table_id": table_id,
        "source_paths": json.dumps([str(f.path.resolve()) for f in group]),
        "file_format": ",".join(sorted({f.fmt for f in group})),
        "content_hash": digest,
        "rows": frame.height,
        "first_month": frame["month"].min(),
        "last_month": frame["month"].max(),
        "measures": json.dumps(sorted(frame["measure"].unique().to_list())),
        "areas": json.dumps(dict(levels.iter_rows())),
        "same_as_load": same,
    }
    load_id = conn.execute(insert(PublishedLoad).values(**values)).inserted_primary_key[0]
    return PublishedLoad(load_id=load_id, **values)


# ---------------------------------------------------------------------------------------------
# Reading back


def published_loads(engine: Engine) -> list[PublishedLoad]:
    """Every published load, newest first."""
    with engine.connect() as conn:
        rows = conn.execute(select(PublishedLoad).order_by(PublishedLoad.load_id.desc())).mappings()
        return [PublishedLoad(**r) for r in rows]


def current_loads(engine: Engine) -> dict[str, PublishedLoad]:
    """The latest load of each published table (the one whose rows the store holds)."""
    latest: dict[str, PublishedLoad] = {}
    for load in published_loads(engine):
        latest.setdefault(load.table_id, load)
    return latest


def read_series(
    engine: Engine,
    table_id: str = "12r5",
    *,
    measures: Sequence[str] | None = None,
    area_level: str | None = None,
) -> pl.DataFrame:
    """A published table's cells, long: CANONICAL columns, sorted by area, month, measure."""
    columns = ", ".join(CANONICAL)
    mark = "?" if engine.dialect.name == "sqlite" else "%s"
    sql = f"SELECT {columns} FROM published_series WHERE table_id = {mark}"
    params: list = [table_id]
    if area_level:
        sql += f" AND area_level = {mark}"
        params.append(area_level)
    # The DBAPI cursor's plain tuples: several times faster than ORM rows for 265,000 cells.
    with engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()
        try:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        finally:
            cursor.close()
    frame = pl.DataFrame(rows, schema=CANONICAL, orient="row")
    if measures is not None:
        frame = frame.filter(pl.col("measure").is_in(list(measures)))
    return frame.sort("area_code", "month", "measure")


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
    from lib.settings import REFERENCE_DIR

    return pl.read_csv(
        REFERENCE_DIR / "fi_municipalities.csv",
        schema_overrides={"municipality_code": pl.String},
        columns=["municipality_code", "region"],
    )


def coverage(engine: Engine) -> pl.DataFrame:
    """Per published table and measure: first and last month, areas, cells, empty cells."""
    sql = (
        "SELECT table_id, measure, MIN(month), MAX(month), COUNT(DISTINCT area_code), COUNT(*), "
        "SUM(CASE WHEN value IS NULL THEN 1 ELSE 0 END) FROM published_series "
        "GROUP BY table_id, measure ORDER BY table_id, measure"
    )
    with engine.connect() as conn:
        rows = conn.execute(text(sql)).all()
    schema = {
        "table_id": pl.String, "measure": pl.String, "first_month": pl.String,
        "last_month": pl.String, "areas": pl.Int64, "cells": pl.Int64, "empty_cells": pl.Int64,
    }  # fmt: skip
    return pl.DataFrame(rows, schema=schema, orient="row")


def period_text(table_id: str, first: str | None, last: str | None) -> str:
    """'2006-01..2023-10', or '2000..2022' for an annual table."""
    if first is None or last is None:
        return "-"
    if table_id in TABLES and TABLES[table_id].frequency == "annual":
        return f"{first[:4]}..{last[:4]}"
    return f"{first}..{last}"


def coverage_text(frame: pl.DataFrame) -> str:
    """'12r5 2006-01..2023-10; 12u4 2006-01..2022-02; population 2000..2022' (one line)."""
    parts = []
    for (table_id,), group in frame.group_by("table_id", maintain_order=True):
        first, last = group["first_month"].min(), group["last_month"].max()
        parts.append(f"{table_id} {period_text(table_id, first, last)}")
    return "; ".join(parts)


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
        source = _engine(source)
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
# The demo store


def demo_files(raw_dir: Path | None = None) -> list[Path]:
    """The published files under ../shared/data/raw/ that the demo store loads (those present)."""
    raw = Path(raw_dir) if raw_dir is not None else RAW_DIR
    patterns = (
        "statfin_tyonv_12r5/tyonv_12r5_*.csv",
        "statfin_tyonv_services_national/tyonv_12u4_*.csv",
        "thl_sotkanet_population/sotkanet_population_*.csv",
    )
    return [p for pattern in patterns for p in sorted(raw.glob(pattern))]


def load_demo_series(engine: Engine, raw_dir: Path | None = None) -> str:
    """Load the published series beside the demo register when the files are available; returns
    one sentence saying what was loaded and which months it covers (or why nothing was)."""
    raw = Path(raw_dir) if raw_dir is not None else RAW_DIR
    files = demo_files(raw)
    if not files:
        return (
            f"No published statistics loaded: none found under {raw}. The Published statistics "
            "page stays empty until `trialwatch published import FILE...` loads some."
        )
    try:
        import_published(engine, files)
    except PublishedError as e:
        return f"Published statistics not loaded (the files were refused):\n{e}"
    cov = coverage(engine)
    last = cov.filter(pl.col("table_id") == "12r5")["last_month"].max()
    end = f" They end in {format_month(last)}: later register months have no published " \
        "figure beside them." if last else ""  # fmt: skip
    return f"Published statistics loaded from {raw}: {coverage_text(cov)}.{end}"


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
    from lib.register.demo import SCALES

    return SCALES.get(m.group(1))


@dataclass(frozen=True)
class Area:
    level: str  # municipality | trial_area | region | country
    key: str  # municipality code, trial area id, region name, or 'SSS'
    label: str
    members: tuple[str, ...]  # the register's municipality codes it covers


def areas(municipalities: pl.DataFrame) -> dict[str, list[Area]]:
    """The areas to pick from, per level, from the register's municipalities (with columns
    municipality_code, name, region, trial_area_id, area_name)."""
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
        Area("country", "SSS", t("Whole country"), tuple(sorted(m["municipality_code"])))
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


def register_label(scale: float | None) -> str:
    if scale:
        return t("Register ÷ {k} (synthetic, scaled to the published size)").format(k=f"{scale:g}")
    return t("Register: unemployed job seekers")


PUBLISHED_LABEL = "Published: unemployed job seekers (StatFin 12r5)"
PUBLISHED_COLOR = "#0B4F8A"
REGISTER_COLOR = "#D55E00"
DIFF_COLOR = "#7A7A7A"


def _base_x(domain: tuple[str, str] | None = None) -> alt.X:
    scale = (
        alt.Scale(domain=[f"{domain[0]}-01", f"{domain[1]}-01"], type="utc")
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
    data = pl.DataFrame({"date": [f"{TRIAL_START}-01"], "label": [t("Trial starts")]})
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
        (pl.col("month") + "-01").alias("date"),
        pl.col("month").map_elements(format_month, return_dtype=pl.String).alias("month_text"),
        pl.col("value").map_elements(lambda v: format_value(v, unit), return_dtype=pl.String)
        .alias("value_text"),
    )  # fmt: skip


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
        "series:N", scale=colors, title=None,
        legend=alt.Legend(
            orient="top", direction="horizontal", labelLimit=420, symbolStrokeWidth=3
        ),
    )  # fmt: skip
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
    return out.with_columns(
        pl.col("month").map_elements(format_month, return_dtype=pl.String)
    ).rename({c: cols[c] for c in present})


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


def _engine(db_url: str | None) -> Engine:
    from lib.register.store import get_engine
    from lib.settings import get_settings

    return get_engine(get_settings(db_url).db_url)


def loaded_version(db_url: str | None = None) -> str:
    """A cheap key that changes whenever a published table is loaded again ('' when none)."""
    loads = current_loads(_engine(db_url))
    return ",".join(f"{k}:{v.load_id}" for k, v in sorted(loads.items()))


def published_view(db_url: str | None = None) -> PublishedView | None:
    """The loaded 12r5 table, wide, and the coverage of every published table; None if no 12r5."""
    engine = _engine(db_url)
    long = read_series(engine, "12r5")
    if long.height == 0:
        return None
    return PublishedView(wide_12r5(long), coverage(engine))


GAP_EXPLAINED = (
    "**Why the register and the published count differ.** "
    "*Different populations:* the published figure counts every unemployed job seeker in the "
    "employment service's register on the last working day of the month, by municipality of "
    "residence, fully laid-off persons included (TEM employment service statistics); the "
    "register counts the persons in the loaded extract with an unemployed status on the "
    "month's last day, in the municipality of their responsibility spell. "
    "*Different definitions and days:* status categories, the reference day and later "
    "corrections differ, so the two are not expected to match exactly; compare their levels "
    "and turns, not single persons."
)
DEMO_GAP = (
    "*Synthetic demo register:* it is simulated at a scale of k = {k} of the published stock "
    "(each municipality follows its published count times k; docs/demo_register.md), so the "
    "register ÷ k line should run close to the published one up to {last}; after that the "
    "demo repeats the year before."
)
SUM_EXPLAINED = (
    "**Sums over municipalities.** The published country total is above the sum over its "
    "municipalities by about 100-600 persons a month from 2019 on (persons whose municipality "
    "is unknown, and small counts left empty). Trialwatch shows that difference instead of "
    "spreading it over municipalities; a trial area's published figure is the sum over its "
    "municipalities."
)
RATE_EXPLAINED = (
    "**Unemployment rate** = 100 x unemployed job seekers / labour force (Statistics Finland's "
    "employment statistics, an annual figure repeated for every month). It is left empty "
    "wherever either is missing (e.g. small Åland municipalities' empty cells). This is the "
    "employment service's register-based rate, not the Labour Force Survey's."
)
