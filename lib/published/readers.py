"""Reading published files and refusing what is wrong: CSV (the tidy form in
../shared/data/raw/) and PX (lib/published/px.py parses the format). Every problem is listed with
its file, line and column (lib.register.extract.Problem), as for a register extract; nothing is
returned unless every file is valid."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from lib.published.px import PxError, PxTable, read_px
from lib.published.specs import (
    AREA_HINT,
    AREA_LEVELS,
    AREA_RE,
    MEASURE_BY_CODE,
    MEASURES,
    MONTH_RE,
    NUMBER_RE,
    ONLY_12U4,
    PX_MONTH_RE,
    RAW_DIR,
    TABLES,
    area_level_expr,
    municipality_code_expr,
)
from lib.register.extract import ExtractError, Problem, format_problems

KEPT_PER_GROUP = 1000
LINE = "__line"
FILE = "__file"
COLUMN = "__column"


# ---------------------------------------------------------------------------------------------
# Refusals


class PublishedError(ExtractError):
    """Published files were refused; `problems` as for a register extract, printed alike."""

    def __str__(self) -> str:
        report = format_problems(self.problems, counts=self.counts)
        return report.replace("Extract refused:", "Published statistics refused:", 1)


class Problems:
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


def _whole(value: float) -> str:
    """A number in a message: thousands separators, no decimals ('-1,234'; '0', not '-0')."""
    text_ = f"{value:,.0f}"
    return text_[1:] if text_ == "-0" else text_


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
    fmt: str  # csv | parquet | px | pxweb
    table_id: str
    frame: pl.DataFrame  # CANONICAL columns plus FILE, LINE, COLUMN
    ignored: tuple[str, ...] = ()  # measures in the file that Trialwatch does not read
    source: str | None = None  # where it came from when not a file (a PxWeb table's address)


def read_published_files(paths: Sequence[Path | str]) -> list[PublishedFile]:
    """Read and validate every file; raise PublishedError listing every problem in all of them.

    Two files may hold parts of one table (a database service limits a download's size); the
    same area, month and measure given twice is refused.
    """
    problems = Problems()
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


def _read_one(path: Path, file: str, problems: Problems) -> PublishedFile | None:
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
    if suffix == ".parquet":
        return _read_parquet_file(path, file, problems)
    problems.add(
        file, None, None, "unknown_format",
        f"'{path.suffix or 'no extension'}' is not a format Trialwatch reads: give the table as "
        "a .csv file (the tidy form in ../shared/data/raw/), a .parquet file of the same columns "
        "(the copies under data/reference/published/) or a .px file from the statistics "
        "office's database service",
    )  # fmt: skip
    return None


def _read_csv_file(path: Path, file: str, problems: Problems) -> PublishedFile | None:
    try:
        raw = pl.read_csv(path, infer_schema=False, encoding="utf8", glob=False)
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
    return read_tidy(raw, path, file, problems, "csv")


def _read_parquet_file(path: Path, file: str, problems: Problems) -> PublishedFile | None:
    """A Parquet file of the tidy CSV form's columns, read as the CSV would be (every value as
    text, row n on 'line' n + 1 as if a header came first)."""
    try:
        raw = pl.read_parquet(path)
    except (pl.exceptions.ComputeError, OSError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        problems.add(file, None, None, "unreadable", f"not a readable Parquet file ({first})")
        return None
    return read_tidy(raw.cast(pl.String), path, file, problems, "parquet")


def read_tidy(raw: pl.DataFrame, path: Path, file: str, problems: Problems, fmt: str):
    """The tidy form (a header of area_code, month and measure columns, or population by
    municipality and year), every value as text: checked and put in canonical long form."""
    header = raw.columns
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
        return _population_tidy(raw, path, file, problems, fmt)
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
    table_id = "12u4" if set(measures.values()) & ONLY_12U4 else "12r5"
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
    return PublishedFile(path, file, fmt, table_id, frame)


def _population_tidy(
    raw: pl.DataFrame, path: Path, file: str, problems: Problems, fmt: str
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
    return None if typed is None else PublishedFile(path, file, fmt, "population", typed)


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
    base: pl.DataFrame, file: str, problems: Problems, *, level_col: str | None
) -> bool:
    """Area codes, levels, months and duplicate keys of a tidy file; False when refused."""
    frame = base.with_columns(pl.lit(file).alias(FILE))
    before = sum(problems.counts.values())
    bad_area = frame.filter(~pl.col("area_code").str.contains(AREA_RE).fill_null(False))
    problems.rows(
        bad_area.with_columns(pl.lit("area_code").alias(COLUMN)), "bad_area_code",
        lambda r: (
            f"{_show(r['area_code'])} is not a Statistics Finland area code"
            if r["area_code"] else "the area code is empty"
        ) + f": expected {AREA_HINT}",
    )  # fmt: skip
    bad_month = frame.filter(~pl.col("month").str.contains(MONTH_RE).fill_null(False))
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
    long: pl.DataFrame, file: str, table_id: str, problems: Problems
) -> pl.DataFrame | None:
    """`text` values to numbers, checked against each measure's kind; the canonical frame."""
    frame = long.with_columns(pl.lit(file).alias(FILE))
    txt = pl.col("text")
    value = pl.when(txt.str.contains(NUMBER_RE)).then(txt.cast(pl.Float64, strict=False))
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


def _check_value_ranges(frame: pl.DataFrame, problems: Problems) -> None:
    counts = [m.name for m in MEASURES.values() if m.kind == "count"]
    v = pl.col("value")
    negative = frame.filter(pl.col("measure").is_in(counts) & (v < 0))
    problems.rows(
        negative, "negative",
        lambda r: f"{_whole(r['value'])} is below zero: a count of "
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


def _read_px_file(path: Path, file: str, problems: Problems) -> PublishedFile | None:
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
    bad_codes = [c for c in area.codes if not re.match(AREA_RE, c)]
    if bad_codes:
        problems.add(
            file, area.line, None, "bad_area_code",
            f"area code {_show(bad_codes[0])} of variable {area_var!r} "
            f"{'and ' + str(len(bad_codes) - 1) + ' more ' if len(bad_codes) > 1 else ''}"
            f"is not a Statistics Finland area code: expected {AREA_HINT}",
        )  # fmt: skip
    months = variables[time_var]
    bad_months = [c for c in months.codes if not re.match(PX_MONTH_RE, c)]
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
    if "12u4" in matrix or set(known.values()) & ONLY_12U4:
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


def _px_roles(px: PxTable, file: str, problems: Problems):
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
    area_var = pick(_AREA_VARIABLES, lambda v: all(re.match(AREA_RE, c) for c in v.codes))
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


def _check_across_files(files: list[PublishedFile], problems: Problems) -> None:
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
