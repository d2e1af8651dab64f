"""Downloads: the table behind a chart as CSV or Excel, with what it is written into the file.

Pure (no Streamlit). A download holds exactly the rows and columns of the table the page shows,
with the same column names as `trialwatch indicators` (`month`, `trial_area_id`, `value`,
`numerator`, `denominator`, `suppressed`, ...) plus name columns for people, and metadata: the
title, each indicator's definition, unit and evaluation day, every filter in force, the as-of
date and source of the data, the disclosure rule, what every column means and a link that
reproduces the view.

CSV: UTF-8; the metadata comes first as lines starting with "# " ("# key: value"), then the
header row and the data. A text cell that begins with a formula character (`=`, `+`, `-`, `@`,
tab, carriage return) gets a leading single quote, so a spreadsheet shows it as text instead of
running it (OWASP's CSV-injection guidance); so does each comma-separated part of a metadata
line, which a spreadsheet reads as a cell of its own. Every CSV Trialwatch writes does this
(`neutralise_formulas`, also used by `trialwatch indicators --format csv`). Read it back with

    polars.read_csv(path, comment_prefix="#")      or      pandas.read_csv(path, comment="#")

(`read_csv_export` below does it and returns the metadata too). Suppressed cells have an empty
value and `suppressed` = true. Months are text `YYYY-MM`, codes text with their leading zeros.

In the reader's language: the metadata's keys and texts are the page's language; in Finnish and
Swedish the header row is the page's labels (as the Excel data sheet's), each column's line in
the metadata giving its technical name, and `read_csv_export` gives the technical names back
whatever the file's language. Numbers stay as machines write them (12345.6) in every language,
in the CSV and as Excel numbers, which Excel shows in its own locale. The file is written when
its button is clicked, on a server thread: lib/web/render.py writes it in the page's language
(`i18n.in_language`). `trialwatch indicators` does not come through here and stays as it is.

Excel (.xlsx): sheet "data" (the same table, headed by the page's labels in row 1, months as
dates shown as month and year, numbers as numbers) and sheet "about" (the same metadata as two
columns, each column's label beside its technical name, and advice for a spreadsheet user); the
Explorer adds a sheet "pivot" with the table laid out as the page shows it.

Parquet: the same table with its types (months and codes as text, flags as booleans), the
metadata as the file's key-value metadata (`polars.read_parquet_metadata(path)`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from lib.engine.indicators import INDICATORS
from lib.figures.engine_texts import evaluation_day, indicator_definition, indicator_label
from lib.figures.i18n import DEFAULT_LANGUAGE, LANGUAGES, current_language, in_language, t
from lib.register.contract import FORMULA_START

FORMULA_QUOTE = "'"  # a cell beginning with it is text to a spreadsheet


def neutralise_formulas(df: pl.DataFrame) -> pl.DataFrame:
    """The frame with every text cell that begins with a formula character prefixed by a single
    quote, for writing as CSV (numbers, dates and flags are written as such, never as text)."""
    exprs = []
    for name, dtype in df.schema.items():
        if dtype == pl.String or isinstance(dtype, (pl.Categorical, pl.Enum)):
            col = pl.col(name).cast(pl.String)
            risky = pl.any_horizontal(col.str.starts_with(c) for c in FORMULA_START)
            exprs.append(pl.when(risky).then(FORMULA_QUOTE + col).otherwise(col).alias(name))
    return df.with_columns(exprs) if exprs else df


def neutralise_cell(value):
    """One cell for a CSV file, by the same rule as `neutralise_formulas`: text that begins with
    a formula character gets a single quote; anything else is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return FORMULA_QUOTE + value
    return value


def neutralise_text(text: str) -> str:
    """A line of text for a CSV file: each comma-separated part (a cell to a spreadsheet) that
    begins with a formula character, after spaces and an opening quote, gets a single quote."""
    parts = text.split(",")
    for i, part in enumerate(parts):
        if part.lstrip(' "').startswith(FORMULA_START) or part.startswith(FORMULA_START):
            parts[i] = FORMULA_QUOTE + part
    return ",".join(parts)


CSV_READ_HINT = 'polars.read_csv(path, comment_prefix="#") or pandas.read_csv(path, comment="#")'


@dataclass(frozen=True)
class Column:
    """A column of a shown and downloaded table."""

    name: str  # the column in the frame (and the download)
    label: str  # its heading on the page
    kind: str = "text"  # text | month | number | flag | code
    unit: str | None = None  # for numbers: decides the decimals shown
    description: str = ""
    shown: bool = True  # False: in the download only (codes, numerators, denominators)


@dataclass(frozen=True)
class ExportMeta:
    """What a download says about itself."""

    title: str
    indicators: tuple[str, ...] = ()
    filters: tuple[tuple[str, str], ...] = ()
    as_of: dt.date | None = None
    source: str | None = None
    loaded_at: dt.datetime | None = None
    batch_id: int | None = None
    min_count: int = 5
    notes: tuple[str, ...] = ()
    link: str | None = None
    generated_at: dt.datetime = field(
        default_factory=lambda: dt.datetime.now().replace(microsecond=0)
    )
    synthetic: bool = False


def metadata(
    meta: ExportMeta,
    columns: Iterable[Column],
    *,
    excel: bool = False,
    headers: dict[str, str] | None = None,
) -> list[tuple[str, str]]:
    """The metadata as (key, value) pairs, in the order they are written. `excel`: for the
    workbook's about sheet, whose data sheet is headed by the columns' labels (each column line
    gives the label and the technical name) and whose advice is for a spreadsheet user.
    `headers`: a CSV headed by the columns' labels (`csv_headers`), whose column lines give
    each header and its technical name likewise."""
    out: list[tuple[str, str]] = [(t("export.title"), meta.title)]
    if meta.synthetic:
        out.append((t("export.warning"), t("notice.synthetic")))
    for ind_id in meta.indicators:
        ind = INDICATORS[ind_id]
        unit = t("unit." + ind.unit)
        out.append(
            (
                t("export.indicator"),
                f"{indicator_label(ind.id)} ({ind.id}); {t('export.unit')}: {unit}",
            )
        )
        out.append((t("export.definition"), indicator_definition(ind.id)))
        if ind.evaluation_day and ind.evaluation_day != "-":
            out.append((t("export.evaluation_day"), evaluation_day(ind.id)))
    for label, value in meta.filters:
        out.append((f"{t('export.filter')} – {label}", value))
    if meta.as_of is not None:
        out.append((t("export.as_of"), meta.as_of.isoformat()))
    if meta.source:
        out.append((t("export.source"), meta.source))
    if meta.batch_id is not None:
        loaded = f", {meta.loaded_at:%Y-%m-%d %H:%M}" if meta.loaded_at else ""
        out.append((t("export.batch"), f"{meta.batch_id}{loaded}"))
    out.append((t("export.disclosure"), disclosure_text(meta.min_count)))
    if meta.min_count > 0:
        out.append((t("export.disclosure.method"), t("export.disclosure.method.text")))
    for note in meta.notes:
        out.append((t("export.note"), note))
    columns = list(columns)
    named = t("export.column.name") if excel else t("export.column.name.csv")
    headers = excel_headers(columns) if excel else headers
    for col in columns:
        if headers:
            text = f"{col.description} ({named}: {col.name})".lstrip()
            out.append((f"{t('export.column')} {headers[col.name]}", text))
            continue
        text = col.label if not col.description else f"{col.label}: {col.description}"
        out.append((f"{t('export.column')} {col.name}", text))
    out.append((t("export.generated"), meta.generated_at.isoformat(sep=" ")))
    if meta.link:
        out.append((t("export.link"), meta.link))
    if excel:
        out.append((t("export.excel"), t("export.excel.advice")))
        out.append((t("export.read_back"), t("export.excel.python")))
    else:
        out.append((t("export.read_back"), CSV_READ_HINT))
    return out


def excel_headers(columns: Iterable[Column]) -> dict[str, str]:
    """The data sheet's header of each column: its label on the page (a label two columns share
    gets the technical name beside it, so every header is one column)."""
    columns = list(columns)
    seen: dict[str, int] = {}
    for c in columns:
        seen[c.label] = seen.get(c.label, 0) + 1
    return {
        c.name: (c.label if c.label and seen[c.label] == 1 else f"{c.label} ({c.name})".lstrip())
        for c in columns
    }


def csv_headers(columns: Iterable[Column]) -> dict[str, str] | None:
    """The CSV's header row in Finnish and Swedish: the columns' labels, as the Excel data
    sheet's (`excel_headers`), each with its technical name in the metadata; None in English,
    whose header row is the technical names, those of `trialwatch indicators`."""
    if current_language() == DEFAULT_LANGUAGE:
        return None
    return {name: neutralise_cell(header) for name, header in excel_headers(columns).items()}


def excel_names(about: Iterable[tuple[str, str]]) -> dict[str, str]:
    """From an about sheet's (key, value) rows: each data sheet header's technical name (the
    name `trialwatch indicators` and the CSV use), to read the data sheet back by those names."""
    return _technical_names(about, "export.column.name")


def _technical_names(rows: Iterable[tuple[str, str]], named_key: str) -> dict[str, str]:
    """Header -> technical name, from the column lines of a file's metadata, in whichever of
    the languages the file was written (a Swedish file read by an English script)."""
    rows = [(str(k), str(v)) for k, v in rows]
    out = {}
    for lang in LANGUAGES:
        prefix, marker = in_language(
            lambda: (f"{t('export.column')} ", f"({t(named_key)}: "), lang
        )()
        for key, value in rows:
            if key.startswith(prefix) and marker in value:
                out[key[len(prefix) :]] = value.rsplit(marker, 1)[1].rstrip(")")
        if out:
            return out
    return out


def month_date(value) -> dt.date | None:
    """A 'YYYY-MM' month as the date of its first day (an Excel date), else None."""
    text = str(value)
    if len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit():
        month = int(text[5:])
        return dt.date(int(text[:4]), month, 1) if 1 <= month <= 12 else None
    return None


def disclosure_text(min_count: int) -> str:
    if min_count <= 0:
        return t("export.disclosure.off")
    return t("export.disclosure.on", n=min_count)


def export_frame(df: pl.DataFrame, columns: Iterable[Column]) -> pl.DataFrame:
    """The table as downloaded: the listed columns in order, months and codes as text."""
    cols = [c for c in columns if c.name in df.columns]
    return df.select([pl.col(c.name) for c in cols])


def to_csv(df: pl.DataFrame, columns: Iterable[Column], meta: ExportMeta) -> bytes:
    """The CSV download: '# key: value' metadata lines, then the table."""
    columns = list(columns)
    headers = csv_headers(columns)
    buf = io.StringIO()
    for key, value in metadata(meta, columns, headers=headers):
        lines = str(value).splitlines() or [""]
        buf.write(neutralise_text(f"# {key}: {lines[0]}") + "\n")
        for more in lines[1:]:
            buf.write(neutralise_text(f"#   {more}") + "\n")
    table = neutralise_formulas(export_frame(df, columns))
    if headers:
        table = table.rename({name: headers[name] for name in table.columns})
    buf.write(table.write_csv(null_value=""))
    return buf.getvalue().encode("utf-8")


def to_parquet(df: pl.DataFrame, columns: Iterable[Column], meta: ExportMeta) -> bytes:
    """The Parquet download: the table, with the metadata in the file's key-value metadata."""
    columns = list(columns)
    buf = io.BytesIO()
    pairs: dict[str, str] = {}
    for key, value in metadata(meta, columns):
        pairs[key] = f"{pairs[key]} | {value}" if key in pairs else str(value)
    export_frame(df, columns).write_parquet(buf, metadata=pairs)
    return buf.getvalue()


def to_excel(
    df: pl.DataFrame,
    columns: Iterable[Column],
    meta: ExportMeta,
    *,
    pivot: pl.DataFrame | None = None,
) -> bytes:
    """The Excel download: sheet 'data' with the table, sheet 'about' with the metadata, and
    with `pivot` a sheet 'pivot' laid out as the page shows it (text cells as shown)."""
    import xlsxwriter

    columns = list(columns)
    table = export_frame(df, columns)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    bold = book.add_format({"bold": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    formats = {
        0: book.add_format({"num_format": "#,##0"}),
        1: book.add_format({"num_format": "#,##0.0"}),
        3: book.add_format({"num_format": "#,##0.000"}),
    }
    month_format = book.add_format({"num_format": "mmm yyyy", "align": "left"})
    by_name = {c.name: c for c in columns}

    def number_format(name: str, v: float):
        col = by_name[name]
        return formats[_excel_decimals(col.unit, v)] if col.kind in ("number", "bar") else None

    months = {c.name for c in columns if c.kind == "month"}
    _write_sheet(
        book.add_worksheet("data"),
        table,
        bold,
        number_format,
        headers=excel_headers(columns),
        months=months,
        month_format=month_format,
    )
    if pivot is not None:
        _write_sheet(book.add_worksheet("pivot"), pivot, bold, lambda name, v: None)
    about = book.add_worksheet("about")
    about.write_string(0, 0, t("export.about.item"), bold)
    about.write_string(0, 1, "", bold)  # the text column has no heading (gettext has no empty text)
    for i, (key, value) in enumerate(metadata(meta, columns, excel=True), start=1):
        about.write_string(i, 0, key, wrap)
        about.write_string(i, 1, str(value), wrap)
    about.set_column(0, 0, 34)
    about.set_column(1, 1, 110)
    book.close()
    return out.getvalue()


def _write_sheet(
    sheet,
    table: pl.DataFrame,
    bold,
    number_format,
    *,
    headers: dict[str, str] | None = None,
    months: set[str] = frozenset(),
    month_format=None,
) -> None:
    """A table on a sheet: the header in bold in row 1 (frozen; `headers` renames), numbers as
    numbers (formatted by `number_format(column, value)`, None for plain), the `months` columns
    as dates shown as month and year, text as text, columns sized to fit."""
    for j, name in enumerate(table.columns):
        header = (headers or {}).get(name, str(name))
        sheet.write_string(0, j, header, bold)
        width = max(len(header), 10)
        for i, v in enumerate(table[name].to_list(), start=1):
            if v is None:
                continue
            day = month_date(v) if name in months else None
            if day is not None:
                sheet.write_datetime(i, j, dt.datetime(day.year, day.month, 1), month_format)
            elif isinstance(v, bool):
                sheet.write_boolean(i, j, v)
            elif isinstance(v, int | float):
                sheet.write_number(i, j, v, number_format(name, v))
            else:
                sheet.write_string(i, j, str(v))
                width = max(width, min(len(str(v)), 40))
        sheet.set_column(j, j, width + 2)
    sheet.freeze_panes(1, 0)


def _excel_decimals(unit: str | None, value: float) -> int:
    if unit in ("persons", "contacts") and float(value).is_integer():
        return 0
    if unit in ("clients per FTE", "contacts per client"):
        return 3 if abs(value) < 10 else 1
    return 1 if unit else 3


def read_csv_export(source: str | Path | bytes) -> tuple[pl.DataFrame, dict[str, str]]:
    """A CSV download read back: the table, and the metadata as a dict (key -> value; a key
    that occurs more than once, such as 'Definition', keeps its values joined by ' | ')."""
    raw = source if isinstance(source, bytes) else Path(source).read_bytes()
    text = raw.decode("utf-8")
    meta: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        body = line[1:].strip()
        if ": " in body and not line.startswith("#   "):
            key, value = body.split(": ", 1)
            meta[key] = f"{meta[key]} | {value}" if key in meta else value
    schema = {}
    header = next(csv.reader([next(ln for ln in text.splitlines() if not ln.startswith("#"))]))
    # a Finnish or Swedish file is headed by labels: its column lines name each technically
    names = _technical_names(meta.items(), "export.column.name.csv")
    for head in header:
        name = names.get(head, head)
        if name in ("month", "quarter") or name.endswith(("_code", "_id", "_name", "label")):
            schema[head] = pl.String
    df = pl.read_csv(io.BytesIO(raw), comment_prefix="#", schema_overrides=schema)
    return df.rename({h: names[h] for h in df.columns if h in names}), meta


def file_name(title: str, as_of: dt.date | None, ext: str) -> str:
    """'trialwatch-active-caseload-2024-06-30.csv': lower-case words joined by dashes."""
    stem = "".join(ch.lower() if ch.isalnum() else "-" for ch in title)
    stem = "-".join(part for part in stem.split("-") if part)[:60]
    date = f"-{as_of.isoformat()}" if as_of else ""
    return f"trialwatch-{stem}{date}.{ext}"
