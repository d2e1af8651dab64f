"""Read, validate and write register extracts (../shared/DATA_CONTRACT.md, contract.py).

`read_extract` reads every table as text first (CSV with all columns as strings, Parquet normalised
to the same strings), so one vectorised validation path serves both formats; only a fully valid
extract comes back, typed by `polars_schema`. Anything wrong raises `ExtractError` listing every
problem (file, line, column, what is wrong and how to fix it), never only the first.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import tomllib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from lib.register.contract import (
    CONTROL_CHARS,
    FIRST_DATE,
    FORMULA_START,
    LAST_DATE,
    MANIFEST_FILE,
    NAME_COLUMNS,
    TABLES,
    TABLES_BY_NAME,
    Column,
    Extract,
    Table,
    polars_schema,
)

FORMATS = ("csv", "parquet")
SHOWN_PER_GROUP = 5  # problems listed per file, column and kind; the rest are counted
KEPT_PER_GROUP = 1000  # problems kept as objects per group (a wholly wrong column has millions)
OPEN_END = dt.date(9999, 12, 31)  # an empty end_date: open to infinity
_DAY_SHIFT = 719_163  # days from 0001-01-01 to 1970-01-01: makes every date's day number >= 0

_LINE = "__line"  # CSV line (header = 1) or Parquet row (first data row = 1) of each row
_OK = "__ok"  # every value of the row is readable
_DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_MONTH_RE = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
_INT_RE = r"^-?[0-9]+$"
_FLOAT_RE = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"
CONTROL_RE = r"[\x00-\x08\x0a-\x1f]"  # CONTROL_CHARS as a regular expression


# ---------------------------------------------------------------------------------------------
# Problems


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an extract. `message` is the full sentence: where, what, and the fix.

    line: the CSV line (the header is line 1) or, for Parquet, the data row counted from 1;
    None for a problem with a whole file or column.
    """

    file: str
    line: int | None
    column: str | None
    kind: str
    message: str

    def __str__(self) -> str:
        return self.message


class ExtractError(Exception):
    """The extract was refused. `problems` lists them (at most KEPT_PER_GROUP per file, column and
    kind); `counts` has the full number per (file, column, kind); `str()` is the report."""

    def __init__(
        self,
        problems: Iterable[Problem],
        *,
        folder: str | Path | None = None,
        counts: dict[tuple[str, str | None, str], int] | None = None,
    ):
        self.problems = list(problems)
        self.folder = str(folder) if folder is not None else None
        self.counts = dict(counts) if counts is not None else dict(_group_counts(self.problems))
        super().__init__(self.problems)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def __str__(self) -> str:
        return format_problems(self.problems, folder=self.folder, counts=self.counts)


def _group(p: Problem) -> tuple[str, str | None, str]:
    return (p.file, p.column, p.kind)


def _group_counts(problems: Iterable[Problem]) -> Counter:
    return Counter(_group(p) for p in problems)


def format_problems(
    problems: Iterable[Problem],
    *,
    folder: str | Path | None = None,
    counts: dict[tuple[str, str | None, str], int] | None = None,
    per_group: int = SHOWN_PER_GROUP,
) -> str:
    """A one-line summary, then up to `per_group` problems per file, column and kind, each group
    followed by '... and N more such problems' when there are more."""
    problems = list(problems)
    counts = dict(counts) if counts is not None else dict(_group_counts(problems))
    total = sum(counts.values())
    files = {f for f, _, _ in counts}
    where = f"Extract {folder}" if folder is not None else "Extract"
    summary = f"{_plural(total, 'problem')} in {_plural(len(files), 'file')}"
    lines = [f"{where} refused: {summary}; nothing was loaded."]
    groups: dict[tuple, list[Problem]] = {}
    for p in problems:
        groups.setdefault(_group(p), []).append(p)
    for key, members in groups.items():
        for p in members[:per_group]:
            lines.append(p.message)
        more = counts.get(key, len(members)) - min(len(members), per_group)
        if more > 0:
            lines.append(f"  ... and {more} more such problems")
    return "\n".join(lines)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class _Collector:
    """Problems in the order found, with the full count per group."""

    def __init__(self) -> None:
        self.items: list[Problem] = []
        self.counts: Counter = Counter()

    def add(self, problem: Problem) -> None:
        self.items.append(problem)
        self.counts[_group(problem)] += 1

    def add_group(self, file: str, column: str | None, kind: str, total: int, problems) -> None:
        """`total` problems of one group, of which `problems` (at most KEPT_PER_GROUP) are kept."""
        kept = list(problems)
        self.items.extend(kept)
        self.counts[(file, column, kind)] += max(total, len(kept))

    def __bool__(self) -> bool:
        return bool(self.counts)


# ---------------------------------------------------------------------------------------------
# Reading


@dataclass
class _Source:
    """One table as read: every column text, plus its line numbers."""

    table: Table
    file: str  # e.g. "trials.csv"
    fmt: str  # csv | parquet
    frame: pl.DataFrame  # String columns of the contract that are present, plus _LINE

    @property
    def unit(self) -> str:
        return "line" if self.fmt == "csv" else "row"

    def where(self, line: int | None = None, column: str | None = None) -> str:
        """'trials.csv line 3, column name'; several columns as 'columns a and b'."""
        text = self.file
        if line is not None:
            text += f" {self.unit} {line}"
        if column is not None:
            names = column.split(",")
            text += f", column {column}" if len(names) == 1 else f", columns {' and '.join(names)}"
        return text


def _show(value, limit: int = 40) -> str:
    """A value quoted for a message; control characters written as \\xNN, so a value can
    never move the cursor or clear the terminal it is reported on."""
    text = str(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    text = "".join(f"\\x{ord(c):02x}" if ord(c) < 32 or c == "\x7f" else c for c in text)
    return "'" + text.replace("'", "\\'") + "'"


def read_extract(folder: Path | str, *, today: dt.date | None = None) -> Extract:
    """Read and validate the extract in `folder`; raise ExtractError listing every problem.

    The folder's name is read literally (never a pattern), and only files inside it are read.
    `today`: the import day, which `as_of` may not lie after (default: today)."""
    folder = Path(folder)
    today = today or dt.date.today()
    problems = _Collector()
    if not folder.is_dir():
        problems.add(
            Problem(
                str(folder), None, None, "missing_folder",
                f"{folder}: no such folder: give the folder holding {MANIFEST_FILE} and the "
                "table files",
            )
        )  # fmt: skip
        raise ExtractError(problems.items, folder=folder, counts=problems.counts)

    manifest = _read_manifest(folder, problems, today)

    sources: dict[str, _Source] = {}
    for table in TABLES:
        source = _read_table(folder, table, problems)
        if source is not None:
            sources[table.name] = source

    typed: dict[str, pl.DataFrame] = {}
    for name, source in sources.items():
        typed[name] = _check_table(source, problems)
    delivered = {
        t.name for t in TABLES if any((folder / f"{t.name}.{f}").is_file() for f in FORMATS)
    }
    _check_references(sources, typed, delivered, problems)
    if "payments" in sources:
        _check_one_currency(sources["payments"], typed["payments"], problems)

    if problems:
        raise ExtractError(problems.items, folder=folder, counts=problems.counts)

    frames = {}
    for name, frame in typed.items():
        schema = polars_schema(name)
        frames[name] = frame.select(
            pl.col(c).cast(t) if c in frame.columns else pl.lit(None, dtype=t).alias(c)
            for c, t in schema.items()
        )
    return Extract(frames=frames, **manifest)


def _read_manifest(folder: Path, problems: _Collector, today: dt.date) -> dict:
    path = folder / MANIFEST_FILE
    fallback = {"as_of": dt.date.min, "period_start": None, "source": None, "description": None}

    def fail(kind: str, message: str, line: int | None = None) -> dict:
        problems.add(Problem(MANIFEST_FILE, line, None, kind, message))
        return fallback

    if not path.is_file():
        return fail(
            "missing_file",
            f"{MANIFEST_FILE}: the file is missing: add it with at least the line "
            "as_of = 2024-12-31 (the extract's reference date)",
        )
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        return fail("unreadable", f"{MANIFEST_FILE}: not valid UTF-8: save it as UTF-8")
    except tomllib.TOMLDecodeError as e:
        return fail("unreadable", f"{MANIFEST_FILE}: not valid TOML ({e}): fix the syntax")

    out = dict(fallback)
    if data.get("as_of") is None:
        fail(
            "empty_value",
            f"{MANIFEST_FILE}: as_of is missing: add a line as_of = 2024-12-31 "
            "(the extract's reference date)",
        )
    # period_start: an optional extension of the contract, the first day the extract covers.
    for key in ("as_of", "period_start"):
        value = data.get(key)
        if value is None:
            continue
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            out[key] = value
            continue
        try:
            if not isinstance(value, str) or len(value) != 10:
                raise ValueError
            out[key] = dt.date.fromisoformat(value)
        except ValueError:
            fail(
                "bad_date",
                f"{MANIFEST_FILE}: {key} {_show(value)} is not a valid date: expected "
                f"YYYY-MM-DD, e.g. {key} = 2024-12-31",
            )
    for key in ("as_of", "period_start"):
        value = out[key]
        if data.get(key) is None or value is fallback[key]:  # missing or unreadable: reported
            continue
        if not FIRST_DATE <= value <= LAST_DATE:
            fail(
                "date_out_of_range",
                f"{MANIFEST_FILE}: {key} {value.isoformat()} is outside {FIRST_DATE} to "
                f"{LAST_DATE}: check the year",
            )
            out[key] = fallback[key]
        elif key == "as_of" and value > today:
            fail(
                "as_of_in_future",
                f"{MANIFEST_FILE}: as_of {value.isoformat()} is after today ({today}): an "
                "extract describes the register up to its as_of date, which cannot lie ahead; "
                "set as_of to the day the extract was taken",
            )
    for key in ("source", "description"):
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            fail(
                "bad_text",
                f'{MANIFEST_FILE}: {key} must be text in quotes, e.g. {key} = "..."',
            )
        elif value is not None and any(c in CONTROL_CHARS for c in value):
            fail(
                "control_character",
                f"{MANIFEST_FILE}: {key} {_show(value)} holds a control character (a NUL, line "
                "break or another invisible character): remove it",
            )
        else:
            out[key] = value
    return out


def _read_table(folder: Path, table: Table, problems: _Collector) -> _Source | None:
    found = [fmt for fmt in FORMATS if (folder / f"{table.name}.{fmt}").is_file()]
    if not found:
        if table.required:
            problems.add(
                Problem(
                    f"{table.name}.csv", None, None, "missing_file",
                    f"{table.name}.csv: required file is missing: add {table.name}.csv or "
                    f"{table.name}.parquet to the extract folder",
                )
            )  # fmt: skip
        return None
    if len(found) > 1:
        problems.add(
            Problem(
                f"{table.name}.csv", None, None, "ambiguous_file",
                f"{table.name}.csv: both {table.name}.csv and {table.name}.parquet are present: "
                "keep only one",
            )
        )  # fmt: skip
        return None
    fmt = found[0]
    file = f"{table.name}.{fmt}"
    path = folder / file
    if not path.resolve().is_relative_to(folder.resolve()):
        problems.add(
            Problem(
                file, None, None, "outside_folder",
                f"{file}: the file is a link to {path.resolve()}, outside the extract folder: "
                "copy the file itself into the folder",
            )
        )  # fmt: skip
        return None
    frame = (
        _read_csv(path, file, problems)
        if fmt == "csv"
        else _read_parquet(path, file, table, problems)
    )
    if frame is None:
        return None

    # Duplicated header names: polars renames the second one "<name>_duplicated_0".
    for name in frame.columns:
        if "_duplicated_" in name and name.split("_duplicated_")[0] in frame.columns:
            base = name.split("_duplicated_")[0]
            problems.add(
                Problem(
                    file, 1 if fmt == "csv" else None, base, "duplicate_column",
                    f"{file}, column {base}: the column appears more than once in the header: "
                    "keep one",
                )
            )  # fmt: skip
    missing = [c for c in table.required_columns if c not in frame.columns]
    for name in missing:
        found_cols = ", ".join(c for c in frame.columns if c != _LINE) or "none"
        problems.add(
            Problem(
                file, 1 if fmt == "csv" else None, name, "missing_column",
                f"{file}, column {name}: required column is missing (found: {found_cols}): "
                f"add a column named {name}",
            )
        )  # fmt: skip
    keep = [c.name for c in table.columns if c.name in frame.columns]
    frame = frame.select(
        _LINE, *[pl.when(pl.col(c).str.len_bytes() > 0).then(pl.col(c)).alias(c) for c in keep]
    )
    if keep:
        # A blank line reads as a row of nothing: not a row.
        frame = frame.filter(pl.any_horizontal(pl.col(c).is_not_null() for c in keep))
    return _Source(table, file, fmt, frame)


def _read_csv(path: Path, file: str, problems: _Collector) -> pl.DataFrame | None:
    try:
        frame = pl.read_csv(path, infer_schema=False, encoding="utf8", glob=False)
    except pl.exceptions.NoDataError:
        problems.add(
            Problem(
                file, 1, None, "unreadable", f"{file}: the file is empty: it needs a header row"
            )
        )
        return None
    except pl.exceptions.ComputeError as e:
        _diagnose_csv(path, file, str(e), problems)
        return None
    # Line numbers: the header is line 1; a quoted value spanning lines moves the rest down.
    lines = pl.int_range(pl.len(), dtype=pl.Int64) + 2
    text_cols = frame.columns
    has_breaks = pl.any_horizontal(
        pl.col(c).str.contains("\n", literal=True).any() for c in text_cols
    )
    if text_cols and frame.select(has_breaks).item():
        breaks = pl.sum_horizontal(
            pl.col(c).str.count_matches("\n", literal=True).fill_null(0) for c in text_cols
        )
        lines = lines + breaks.cum_sum().shift(1, fill_value=0)
    return frame.with_columns(lines.alias(_LINE))


def _diagnose_csv(path: Path, file: str, error: str, problems: _Collector) -> None:
    """Polars refused the file: find where and why (only on this error path, so it may be slow)."""
    if "utf-8" in error.lower() or "utf8" in error.lower():
        frame = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy", glob=False)
        frame = frame.with_columns((pl.int_range(pl.len(), dtype=pl.Int64) + 2).alias(_LINE))
        found = 0
        for name in frame.columns[:-1]:
            bad = frame.filter(pl.col(name).str.contains("\ufffd", literal=True))
            found += bad.height
            if bad.height:
                problems.add_group(
                    file, name, "bad_encoding", bad.height,
                    (
                        Problem(
                            file, line, name, "bad_encoding",
                            f"{file} line {line}, column {name}: not valid UTF-8: save the "
                            "file as UTF-8",
                        )
                        for line in bad[_LINE].head(KEPT_PER_GROUP).to_list()
                    ),
                )  # fmt: skip
        if not found:  # e.g. in the header
            message = f"{file}: not valid UTF-8: save the file as UTF-8"
            problems.add(Problem(file, None, None, "bad_encoding", message))
        return
    if "more fields" in error:
        with open(path, newline="", encoding="utf-8-sig", errors="replace") as f:
            reader = csv.reader(f)
            header = next(reader, [])
            bad = []
            for row in reader:
                if len(row) > len(header):
                    bad.append((reader.line_num, len(row)))
        problems.add_group(
            file, None, "ragged_line", len(bad),
            (
                Problem(
                    file, line, None, "ragged_line",
                    f"{file} line {line}: {n} fields but the header has {len(header)}: "
                    "quote values that contain commas, or remove the extra fields",
                )
                for line, n in bad[:KEPT_PER_GROUP]
            ),
        )  # fmt: skip
        if bad:
            return
    problems.add(
        Problem(
            file, None, None, "unreadable",
            f"{file}: not a readable CSV file ({error.strip().splitlines()[0]}): save it as "
            "UTF-8, comma-separated, with a header row",
        )
    )  # fmt: skip


def _read_parquet(path: Path, file: str, table: Table, problems: _Collector) -> pl.DataFrame | None:
    try:
        frame = pl.read_parquet(path, glob=False)
    except Exception as e:  # noqa: BLE001 -- any reader failure is a problem with the file
        problems.add(
            Problem(
                file, None, None, "unreadable",
                f"{file}: not a readable Parquet file ({str(e).strip().splitlines()[0]}): "
                "write it again, or deliver the table as CSV",
            )
        )  # fmt: skip
        return None
    kinds = {c.name: c.kind for c in table.columns}
    out = []
    for name, dtype in frame.schema.items():
        if name not in kinds:
            continue
        expr = _parquet_as_text(pl.col(name), dtype, kinds[name], frame[name])
        if expr is None:
            problems.add(
                Problem(
                    file, None, name, "bad_type",
                    f"{file}, column {name}: Parquet type {dtype} cannot hold a {kinds[name]} "
                    "value: write it as text (or a date, number or boolean as the contract says)",
                )
            )  # fmt: skip
            continue
        out.append(expr.alias(name))
    return frame.select(*out, (pl.int_range(pl.len(), dtype=pl.Int64) + 1).alias(_LINE))


def _parquet_as_text(col: pl.Expr, dtype, kind: str, series: pl.Series) -> pl.Expr | None:
    """The same text a CSV would hold, so one validation path serves both formats."""
    if dtype == pl.String:
        return col
    if dtype in (pl.Categorical, pl.Enum) or isinstance(dtype, (pl.Categorical, pl.Enum)):
        return col.cast(pl.String)
    if dtype == pl.Date:
        return col.dt.to_string("%Y-%m-%d")
    if isinstance(dtype, pl.Datetime) or dtype == pl.Datetime:
        # Tools often write dates as midnight timestamps: accept those as dates.
        midnight = series.drop_nulls().dt.time().eq(dt.time(0)).all()
        return col.dt.to_string("%Y-%m-%d" if midnight else "%Y-%m-%d %H:%M:%S")
    if dtype == pl.Boolean:
        return pl.when(col).then(pl.lit("true")).when(~col).then(pl.lit("false"))
    if dtype.is_integer():
        return col.cast(pl.String)
    if dtype.is_float():
        if kind == "int":
            # A whole-number column with gaps often arrives as float.
            whole = col.is_finite() & (col == col.floor())
            return (
                pl.when(whole)
                .then(col.cast(pl.Int64, strict=False).cast(pl.String))
                .otherwise(col.cast(pl.String))
            )
        return col.cast(pl.String)
    if dtype.is_decimal():
        return col.cast(pl.String)
    if dtype == pl.Null:
        return col.cast(pl.String)
    return None


# ---------------------------------------------------------------------------------------------
# Validation


def _parse(column: Column) -> tuple[pl.Expr, pl.Expr | None, str]:
    """(typed value or null when invalid, bad-value mask or None, problem kind) of one column."""
    raw = pl.col(column.name)
    kind = column.kind
    if kind == "date":
        ok = raw.str.contains(_DATE_RE)
        value = pl.when(ok).then(raw.str.to_date("%Y-%m-%d", strict=False))
        return value, raw.is_not_null() & value.is_null(), "bad_date"
    if kind == "month":
        ok = raw.str.contains(_MONTH_RE)
        return pl.when(ok).then(raw), raw.is_not_null() & ~ok, "bad_month"
    if kind == "bool":
        value = pl.when(raw == "true").then(True).when(raw == "false").then(False)
        return value, raw.is_not_null() & value.is_null(), "bad_bool"
    if kind == "int":
        value = pl.when(raw.str.contains(_INT_RE)).then(raw.cast(pl.Int64, strict=False))
        return value, raw.is_not_null() & value.is_null(), "bad_int"
    if kind == "float":
        value = pl.when(raw.str.contains(_FLOAT_RE)).then(raw.cast(pl.Float64, strict=False))
        return value, raw.is_not_null() & value.is_null(), "bad_float"
    if kind == "enum":
        ok = raw.is_in(list(column.values))
        return pl.when(ok).then(raw), raw.is_not_null() & ~ok, "bad_code"
    if column.pattern:
        ok = raw.str.contains(column.pattern)
        return pl.when(ok).then(raw), raw.is_not_null() & ~ok, "bad_pattern"
    return raw, None, ""


def _bad_value_message(column: Column, value: str) -> str:
    kind = column.kind
    v = _show(value)
    if kind == "date":
        return f"{v} is not a valid date: expected YYYY-MM-DD, a real calendar day, e.g. 2024-03-01"
    if kind == "month":
        return f"{v} is not a valid month: expected YYYY-MM, e.g. 2024-03"
    if kind == "bool":
        return f"{v} is not a valid boolean: expected true or false (lower case), or empty"
    if kind == "int":
        return f"{v} is not a whole number: expected digits only, e.g. 12"
    if kind == "float":
        return f"{v} is not a number: expected digits with a dot for decimals, e.g. 0.5"
    if kind == "enum":
        label = column.name.replace("_", " ")
        return f"{v} is not an allowed {label}: use one of {', '.join(column.values)}"
    label = column.name.replace("_", " ")
    if not label.endswith("code"):
        label += " code"
    return f"{v} is not a valid {label}: expected {column.hint}"


def _minimum_text(m: float) -> str:
    return str(int(m)) if float(m).is_integer() else str(m)


def _check_table(source: _Source, problems: _Collector) -> pl.DataFrame:
    """Column checks, keys, spans and overlaps of one table; returns its typed frame, invalid
    values as null, with _LINE."""
    table, frame, file = source.table, source.frame, source.file
    present = [c for c in table.columns if c.name in frame.columns]

    typed_exprs = []
    checks: list[tuple[str, str, pl.Expr, object]] = []  # (column, kind, bad mask, message fn)
    for column in present:
        name = column.name
        raw = pl.col(name)
        value, bad, kind = _parse(column)
        typed_exprs.append(value.alias(f"__typed_{name}"))
        if column.required:
            checks.append(
                (name, "empty_value", raw.is_null(),
                 lambda v, n=name: f"the value is empty, but {n} is required: fill it in")
            )  # fmt: skip
        if bad is not None:
            checks.append((name, kind, bad, lambda v, c=column: _bad_value_message(c, v)))
        if kind == "bad_date":
            checks.append(
                (name, "date_out_of_range", (value < FIRST_DATE) | (value > LAST_DATE),
                 lambda v, n=name: f"{_show(v)} is outside {FIRST_DATE} to {LAST_DATE}, the "
                 f"dates an extract may hold: check the year of {n}")
            )  # fmt: skip
        if kind == "bad_month":
            first, last = FIRST_DATE.isoformat()[:7], LAST_DATE.isoformat()[:7]
            outside = value.is_not_null() & ((value < first) | (value > last))
            checks.append(
                (name, "month_out_of_range", outside,
                 lambda v, n=name, a=first, b=last: f"{_show(v)} is outside {a} to {b}, the "
                 f"months an extract may hold: check the year of {n}")
            )  # fmt: skip
        if column.kind == "text" and not column.pattern:
            checks.append(
                (name, "control_character", raw.str.contains(CONTROL_RE),
                 lambda v: f"{_show(v)} holds a control character (a NUL, line break or another "
                 "invisible character): remove it")
            )  # fmt: skip
            if name in NAME_COLUMNS:
                checks.append(
                    (name, "formula_start", _starts_any(raw),
                     lambda v: f"{_show(v)} begins with {_show(v[:1])}, which a spreadsheet "
                     "would run as a formula: remove the leading character")
                )  # fmt: skip
        if column.minimum is not None:
            low = column.minimum
            checks.append(
                (name, "below_minimum", value < low,
                 lambda v, n=name, m=low: f"{_show(v)} is below the minimum {_minimum_text(m)} "
                 f"for {n}: expected {_minimum_text(m)} or more")
            )  # fmt: skip

    # One pass computes every mask and typed value; the counts say which masks need a closer look.
    flags = [bad.alias(f"__bad{i}") for i, (_, _, bad, _) in enumerate(checks)]
    wide = frame.with_columns(*flags, *typed_exprs)
    if checks:
        counts = wide.select(
            pl.col(f"__bad{i}").fill_null(False).sum() for i in range(len(checks))
        ).row(0)
        for i, (name, kind, _, message) in enumerate(checks):
            if not counts[i]:
                continue
            rows = (
                wide.filter(pl.col(f"__bad{i}").fill_null(False))
                .select(_LINE, name)
                .head(KEPT_PER_GROUP)
            )
            problems.add_group(
                file, name, kind, counts[i],
                (
                    Problem(file, line, name, kind, f"{source.where(line, name)}: {message(v)}")
                    for line, v in rows.iter_rows()
                ),
            )  # fmt: skip
    # A row with an unreadable value takes no part in span and overlap checks: its empty
    # end_date would otherwise read as an open spell.
    type_flags = [
        f"__bad{i}" for i, (_, kind, _, _) in enumerate(checks) if kind.startswith("bad_")
    ]
    readable = (
        ~pl.any_horizontal(pl.col(f).fill_null(False) for f in type_flags)
        if type_flags
        else pl.lit(True)
    )
    typed = wide.select(
        _LINE, *[pl.col(f"__typed_{c.name}").alias(c.name) for c in present], readable.alias(_OK)
    )
    del wide

    _check_key(source, typed, problems)
    valid_span = _check_span(source, typed, problems)
    _check_overlap(source, typed, valid_span, problems)
    return typed


def _starts_any(raw: pl.Expr) -> pl.Expr:
    return pl.any_horizontal(raw.str.starts_with(c) for c in FORMULA_START)


def _check_one_currency(source: _Source, typed: pl.DataFrame, problems: _Collector) -> None:
    """Every payment in one currency: amounts in several would be summed as if they were one."""
    if "currency" not in typed.columns:
        return
    rows = typed.select(_LINE, "currency").drop_nulls().sort(_LINE)
    if rows.height == 0:
        return
    first_line, first = rows.row(0)
    other = rows.filter(pl.col("currency") != first)
    if other.height == 0:
        return
    problems.add_group(
        source.file, "currency", "several_currencies", other.height,
        (
            Problem(
                source.file, line, "currency", "several_currencies",
                f"{source.where(line, 'currency')}: {_show(v)} differs from {_show(first)} on "
                f"{source.unit} {first_line}: every payment must be in one currency; convert "
                "the amounts to one currency before the extract is taken",
            )
            for line, v in other.head(KEPT_PER_GROUP).iter_rows()
        ),
    )  # fmt: skip


def _check_key(source: _Source, typed: pl.DataFrame, problems: _Collector) -> None:
    key = source.table.key
    if not key or any(k not in typed.columns for k in key):
        return
    # Sorting and comparing neighbours is several times faster than hashing 10M string keys.
    repeat = pl.all_horizontal(pl.col(k) == pl.col(k).shift(1) for k in key).fill_null(False)
    dup = (
        typed.select(_LINE, *key)
        .filter(pl.all_horizontal(pl.col(k).is_not_null() for k in key))
        .sort([*key, _LINE])
        .with_columns(repeat.alias("__repeat"))
        .with_columns(
            pl.when(~pl.col("__repeat")).then(pl.col(_LINE)).forward_fill().alias("__first")
        )
        .filter(pl.col("__repeat"))
    )
    if dup.height == 0:
        return
    dup = dup.sort(_LINE)
    label = ",".join(key)
    names = " and ".join(key)
    shown = dup.head(KEPT_PER_GROUP).with_columns(
        pl.concat_str(
            [pl.lit(f"{k}=") + pl.col(k).cast(pl.String) for k in key], separator=", "
        ).alias("__key")
    )
    problems.add_group(
        source.file, label, "duplicate_key", dup.height,
        (
            Problem(
                source.file, line, label, "duplicate_key",
                f"{source.where(line, label)}: duplicated key ({text}): the same as "
                f"{source.unit} {first}: keep one row per {names}",
            )
            for line, first, text in shown.select(_LINE, "__first", "__key").iter_rows()
        ),
    )  # fmt: skip


def _check_span(source: _Source, typed: pl.DataFrame, problems: _Collector) -> pl.Expr:
    """End before start; returns the mask of rows whose span is usable for the overlap check."""
    span = source.table.span
    if not span or any(c not in typed.columns for c in span):
        return pl.lit(False)
    start, end = span
    backwards = pl.col(end) < pl.col(start)
    bad = typed.filter(backwards.fill_null(False)).select(_LINE, start, end)
    if bad.height:
        problems.add_group(
            source.file, end, "end_before_start", bad.height,
            (
                Problem(
                    source.file, line, end, "end_before_start",
                    f"{source.where(line, end)}: {end} {e} is before {start} {s}: {end} is "
                    f"the last day (inclusive), so it must be on or after {start}: fix or "
                    "swap the dates",
                )
                for line, s, e in bad.head(KEPT_PER_GROUP).iter_rows()
            ),
        )  # fmt: skip
    return (
        pl.col(_OK)
        & pl.col(start).is_not_null()
        & (pl.col(end).is_null() | (pl.col(end) >= pl.col(start)))
    )


def _check_overlap(
    source: _Source, typed: pl.DataFrame, valid_span: pl.Expr, problems: _Collector
) -> None:
    """One person's spells (no_overlap_by) must not overlap; end_date is inclusive, empty = open."""
    table = source.table
    by = table.no_overlap_by
    if not by or not table.span or any(c not in typed.columns for c in (*by, *table.span)):
        return
    start, end = table.span
    usable = valid_span & pl.all_horizontal(pl.col(c).is_not_null() for c in by)
    spells = (
        typed.filter(usable)
        .select(_LINE, *by, start, end)
        .with_columns(pl.col(end).fill_null(OPEN_END).alias("__end"))
        .sort([*by, start, _LINE])
    )
    # Sorted by person and start, a spell overlaps an earlier one exactly when it starts on or
    # before the latest end among that person's earlier spells. That running maximum is one
    # global cum_max of (person number, end day) packed into one integer: much faster than
    # a cum_max over groups.
    same_person = pl.all_horizontal(pl.col(c) == pl.col(c).shift(1) for c in by).fill_null(False)
    spells = spells.with_columns(
        (~same_person).cum_sum().cast(pl.Int64).alias("__g"),
        # Rows repeating a key (same person, same start) are reported as duplicated keys.
        (same_person & (pl.col(start) == pl.col(start).shift(1))).alias("__repeat"),
    )
    days = 1 << 22  # every date from year 1 to 9999 fits, shifted by _DAY_SHIFT
    packed_end = pl.col("__g") * days + pl.col("__end").cast(pl.Int64) + _DAY_SHIFT
    packed_start = pl.col("__g") * days + pl.col(start).cast(pl.Int64) + _DAY_SHIFT
    bad = spells.filter(
        (packed_start <= packed_end.cum_max().shift(1)).fill_null(False) & ~pl.col("__repeat")
    )
    if bad.height == 0:
        return
    shown = bad.sort(_LINE).head(KEPT_PER_GROUP).select(_LINE, "__g", *by, start, end)
    # Name the earlier spell it overlaps: the earliest-starting one still open on its start.
    others = spells.select(
        "__g",
        pl.col(_LINE).alias("__o_line"),
        pl.col(start).alias("__o_start"),
        pl.col(end).alias("__o_end"),
        pl.col("__end").alias("__o_eff"),
    )
    pairs = (
        shown.join(others, on="__g")
        .filter(
            (pl.col("__o_line") != pl.col(_LINE))
            & (pl.col("__o_start") <= pl.col(start))
            & (pl.col("__o_eff") >= pl.col(start))
        )
        .sort(_LINE, "__o_start", "__o_line")
        .unique(_LINE, keep="first", maintain_order=True)
    )
    kind = table.name.replace("_", " ")

    def span_text(s, e) -> str:
        return f"{s} to {e}" if e is not None else f"{s}, open"

    def problem(row: dict) -> Problem:
        ident = ", ".join(f"{c} {_show(row[c])}" for c in by)
        owner = "person" if by == ("person_id",) else "row"
        if row["__o_end"] is not None:
            next_day = row["__o_end"] + dt.timedelta(days=1)
            fix = f"so the next spell can start on {next_day} at the earliest"
        else:
            fix = "so the earlier, open spell needs an end_date before this one starts"
        line = row[_LINE]
        return Problem(
            source.file, line, start, "overlap",
            f"{source.where(line, start)}: this spell ({span_text(row[start], row[end])}) "
            f"overlaps the spell on {source.unit} {row['__o_line']} "
            f"({span_text(row['__o_start'], row['__o_end'])}) of the same {owner} ({ident}): "
            f"one {owner}'s {kind} must not overlap; {end} is the last day, inclusive, {fix}",
        )  # fmt: skip

    problems.add_group(
        source.file, start, "overlap", bad.height, (problem(r) for r in pairs.iter_rows(named=True))
    )


def _check_references(
    sources: dict[str, _Source],
    typed: dict[str, pl.DataFrame],
    delivered: set[str],
    problems: _Collector,
) -> None:
    """Every non-empty reference must exist in the referenced table.

    A reference into an absent optional table points nowhere too (e.g. payments without
    providers), including service_episodes.provider_id: the store's foreign key refuses such a
    value, so the message asks for providers.csv or an empty provider_id. A reference into a
    table that is required but missing, or delivered but unreadable, is not checked: that file
    is reported already.
    """
    for name, source in sources.items():
        frame = typed[name]
        for column, (target, target_col) in source.table.references.items():
            if column not in frame.columns:
                continue
            values = frame.select(_LINE, column).filter(pl.col(column).is_not_null())
            if values.height == 0:
                continue
            target_table = TABLES_BY_NAME[target]
            if target not in sources:
                if target_table.required or target in delivered:
                    continue  # reported as a missing or unreadable file
                problems.add_group(
                    source.file, column, "dangling_reference", values.height,
                    (
                        Problem(
                            source.file, line, column, "dangling_reference",
                            f"{source.where(line, column)}: {column} {_show(v)} refers to "
                            f"{target}, but the extract has no {target}.csv or "
                            f"{target}.parquet: add {target} or leave {column} empty",
                        )
                        for line, v in values.head(KEPT_PER_GROUP).iter_rows()
                    ),
                )  # fmt: skip
                continue
            if target_col not in typed[target].columns:
                continue  # reported as a missing column
            known = typed[target].select(pl.col(target_col).alias(column)).drop_nulls()
            dangling = values.join(known, on=column, how="anti").sort(_LINE)
            if dangling.height == 0:
                continue
            target_file = sources[target].file
            label = (
                "municipality"
                if target == "municipalities"
                else target.rstrip("s").replace("_", " ")
            )
            if target == "job_seekers":
                label = "person"
            problems.add_group(
                source.file, column, "dangling_reference", dangling.height,
                (
                    Problem(
                        source.file, line, column, "dangling_reference",
                        f"{source.where(line, column)}: {column} {_show(v)} is not a "
                        f"{target_col} in {target_file}: add the {label} to {target_file} or "
                        "correct the value",
                    )
                    for line, v in dangling.head(KEPT_PER_GROUP).iter_rows()
                ),
            )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Writing


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def write_extract(extract: Extract, folder: Path | str, fmt: str = "csv") -> Path:
    """Write `extract` as a contract folder: manifest.toml plus one `fmt` file per present table."""
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FORMATS)}, not {fmt!r}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    manifest = [f"as_of = {extract.as_of.isoformat()}"]
    if extract.period_start is not None:
        manifest.append(f"period_start = {extract.period_start.isoformat()}")
    for key in ("source", "description"):
        value = getattr(extract, key)
        if value is not None:
            manifest.append(f"{key} = {_toml_string(value)}")
    (folder / MANIFEST_FILE).write_text("\n".join(manifest) + "\n", encoding="utf-8")
    for table in TABLES:
        frame = extract.frames.get(table.name)
        if frame is None:
            continue
        schema = polars_schema(table.name)
        frame = frame.select(pl.col(c).cast(t) for c, t in schema.items())
        for other in FORMATS:
            stale = folder / f"{table.name}.{other}"
            if other != fmt and stale.exists():
                stale.unlink()
        path = folder / f"{table.name}.{fmt}"
        if fmt == "csv":
            frame.write_csv(path, date_format="%Y-%m-%d", null_value="")
        else:
            frame.write_parquet(path)
    return folder
