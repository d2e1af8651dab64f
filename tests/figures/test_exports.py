"""Downloads (lib/figures/exports.py): the table as shown, with what it is written into the file."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import polars as pl
import pytest

from lib.figures import exports
from lib.figures.exports import Column, ExportMeta

TABLE = pl.DataFrame(
    {
        "month": ["2021-03", "2021-04"],
        "trial_area_id": ["A1", "A1"],
        "area_name": ["Area one", "Area one"],
        "value": [1, None],
        "suppressed": [False, True],
    },
    schema_overrides={"value": pl.Int64},
)
COLUMNS = (
    Column("month", "Month", "month", description="The month, YYYY-MM."),
    Column("trial_area_id", "Trial area id", "code", shown=False),
    Column("area_name", "Trial area", "text"),
    Column("value", "persons", "number", "persons", description="Active caseload (persons)"),
    Column("suppressed", "Suppressed", "flag"),
)
META = ExportMeta(
    title="Active caseload per trial area",
    indicators=("active_caseload",),
    filters=(("Trial areas", "Area one"), ("Period", "Mar–Apr 2021")),
    as_of=dt.date(2021, 6, 30),
    source="hand fixture",
    batch_id=3,
    loaded_at=dt.datetime(2021, 7, 1, 8, 30),
    min_count=5,
    link="http://localhost:8501/caseload?area=A1",
    generated_at=dt.datetime(2021, 7, 2, 9, 0),
)


def test_csv_starts_with_the_metadata_and_reads_back_as_the_table():
    raw = exports.to_csv(TABLE, COLUMNS, META)
    text = raw.decode("utf-8")
    head = [line for line in text.splitlines() if line.startswith("#")]
    assert head[0] == "# Trialwatch export: Active caseload per trial area"
    assert "# Indicator: Active caseload (active_caseload); unit: persons" in head
    assert any(line.startswith("# Definition: Persons in the trial") for line in head)
    assert "# Filter – Trial areas: Area one" in head
    assert "# Data as of: 2021-06-30" in head
    assert "# Load batch: 3, 2021-07-01 08:30" in head
    assert any(
        line.startswith("# Disclosure control: Every count of persons is perturbed by at most 2")
        and "need not add up to totals" in line
        and "under 5" in line
        for line in head
    )
    assert any(line.startswith("# Disclosure method: Cell-key perturbation") for line in head)
    assert "# Column value: persons: Active caseload (persons)" in head
    assert "# Link to this view: http://localhost:8501/caseload?area=A1" in head
    df, meta = exports.read_csv_export(raw)
    assert df.columns == ["month", "trial_area_id", "area_name", "value", "suppressed"]
    assert df["month"].to_list() == ["2021-03", "2021-04"]
    assert df["value"].to_list() == [1, None]  # suppressed: empty
    assert df["suppressed"].to_list() == [False, True]
    assert meta["Data as of"] == "2021-06-30"
    assert meta["Filter – Period"] == "Mar–Apr 2021"


def test_csv_reads_back_with_plain_polars_and_keeps_leading_zeros():
    table = pl.DataFrame({"municipality_code": ["005"], "value": [2.5], "suppressed": [False]})
    cols = (
        Column("municipality_code", "Code", "code"),
        Column("value", "v", "number", "%"),
        Column("suppressed", "s", "flag"),
    )
    raw = exports.to_csv(table, cols, META)
    df = pl.read_csv(
        io.BytesIO(raw), comment_prefix="#", schema_overrides={"municipality_code": pl.String}
    )
    assert df.row(0) == ("005", 2.5, False)
    back, _ = exports.read_csv_export(raw)
    assert back["municipality_code"].to_list() == ["005"]


def test_synthetic_data_says_so_in_the_file():
    from dataclasses import replace

    raw = exports.to_csv(TABLE, COLUMNS, replace(META, synthetic=True)).decode()
    assert "# Warning: Synthetic demo data" in raw


def test_disclosure_off_is_stated():
    from dataclasses import replace

    raw = exports.to_csv(TABLE, COLUMNS, replace(META, min_count=0)).decode()
    assert "# Disclosure control: Off (threshold 0)" in raw


def _sheet(xlsx: bytes, name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        book = z.read("xl/workbook.xml").decode()
        names = [part.split('"')[0] for part in book.split('<sheet name="')[1:]]
        index = names.index(name) + 1
        strings = z.read("xl/sharedStrings.xml").decode()
        return z.read(f"xl/worksheets/sheet{index}.xml").decode() + strings


def test_excel_has_a_data_sheet_and_an_about_sheet():
    xlsx = exports.to_excel(TABLE, COLUMNS, META)
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        book = z.read("xl/workbook.xml").decode()
    assert '<sheet name="data"' in book and '<sheet name="about"' in book
    about = _sheet(xlsx, "about")
    assert "Persons in the trial (an open municipal responsibility spell)" in about
    assert "Filter – Trial areas" in about and "2021-06-30" in about
    data = _sheet(xlsx, "data")
    assert "trial_area_id" in data and "Area one" in data


def test_excel_read_back_has_dates_human_headers_and_excel_advice():
    """Read back with openpyxl as a spreadsheet would: months are dates with a month format,
    the header is the page's labels, the about sheet gives advice for Excel, not for CSV."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(exports.to_excel(TABLE, COLUMNS, META)))
    data = book["data"]
    rows = list(data.iter_rows(values_only=True))
    # COLUMNS' labels, in order: not month, trial_area_id, value
    assert rows[0] == ("Month", "Trial area id", "Trial area", "persons", "Suppressed")
    # 2021-03 and 2021-04 as the first day of the month, a date to Excel
    assert rows[1][0] == dt.datetime(2021, 3, 1) and rows[2][0] == dt.datetime(2021, 4, 1)
    assert data["A2"].is_date and data["A2"].number_format == "mmm yyyy"
    assert rows[1][3] == 1 and rows[2][3] is None  # a number; suppressed: empty
    assert rows[1][4] is False and rows[2][4] is True  # flags as TRUE/FALSE
    about = {row[0]: row[1] for row in book["about"].iter_rows(values_only=True)}
    assert "About this file" in about  # the header row, not "key" / "value"
    assert "key" not in about
    advice = about["Using it in Excel"]
    assert "months are dates" in advice and "Data ▸ Filter" in advice
    assert about["Read back with"] == 'polars.read_excel(path, sheet_name="data")'
    assert "comment_prefix" not in " ".join(str(v) for v in about.values())  # no CSV advice
    # each column: its label, with the name used by the CSV and `trialwatch indicators`
    assert about["Column Trial area id"] == (
        "(as named by trialwatch indicators and in the CSV: trial_area_id)"
    )
    assert about["Column persons"].startswith("Active caseload (persons) (as named")


def test_excel_headers_are_unique_when_labels_repeat():
    cols = (Column("value", "%", "number", "%"), Column("ci", "%", "number", "%"))
    assert exports.excel_headers(cols) == {"value": "% (value)", "ci": "% (ci)"}


@pytest.mark.parametrize(
    "title, ext, expected",
    [
        (
            "Active caseload per trial area",
            "csv",
            "trialwatch-active-caseload-per-trial-area-2021-06-30.csv",
        ),
        (
            "Placement at 90 days by provider",
            "xlsx",
            "trialwatch-placement-at-90-days-by-provider-2021-06-30.xlsx",
        ),
    ],
)
def test_file_names(title, ext, expected):
    assert exports.file_name(title, dt.date(2021, 6, 30), ext) == expected


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HOSTILE = [
    '=HYPERLINK("http://evil.example/","Session expired")',
    "+1+2",
    "-2+3",
    "@SUM(A1)",
    "\tx",
    "\rx",
    "plain, with = inside",
]


def spreadsheet_cells(raw: bytes) -> list[str]:
    """Every cell a spreadsheet program would make of the file, metadata lines included."""
    import csv

    return [c for row in csv.reader(io.StringIO(raw.decode("utf-8"), newline="")) for c in row]


def runs_as_formula(cell: str) -> bool:
    try:
        float(cell)  # a negative number is a number, not a formula
        return False
    except ValueError:
        return cell.startswith(FORMULA_START)


def test_csv_writes_formula_cells_as_text_in_the_table_and_the_metadata():
    table = pl.DataFrame(
        {
            "month": ["2021-03"] * len(HOSTILE),
            "trial_area_id": ["=A1", *["A1"] * (len(HOSTILE) - 1)],
            "area_name": HOSTILE,
            "value": [-1, *range(len(HOSTILE) - 1)],
            "suppressed": [False] * len(HOSTILE),
        }
    )
    meta = ExportMeta(
        title="=cmd|' /C calc'!A0",
        source='x,=HYPERLINK("http://evil.example"),  @SUM(1), "+1"',
        filters=(("Trial areas", "-Area, =two"),),
        notes=("@note",),
        link="http://localhost:8501/?x=1,-2",
        generated_at=dt.datetime(2021, 7, 2, 9, 0),
    )
    raw = exports.to_csv(table, COLUMNS, meta)
    cells = spreadsheet_cells(raw)
    assert [c for c in cells if runs_as_formula(c)] == []
    assert "'" + HOSTILE[0] in cells and "'=A1" in cells and "'@SUM(A1)" in cells
    assert "-1" in cells  # numbers stay numbers
    df, _ = exports.read_csv_export(raw)
    assert df["area_name"].to_list() == [
        "'" + v if v.startswith(FORMULA_START) else v for v in HOSTILE
    ]


def test_excel_and_parquet_keep_formula_like_text_exactly():
    table = TABLE.with_columns(pl.Series("area_name", ["=1+1", "@x"]))
    book = zipfile.ZipFile(io.BytesIO(exports.to_excel(table, COLUMNS, META)))
    strings = book.read("xl/sharedStrings.xml").decode()
    assert "=1+1" in strings and "<f>" not in book.read("xl/worksheets/sheet1.xml").decode()
    back = pl.read_parquet(io.BytesIO(exports.to_parquet(table, COLUMNS, META)))
    assert back["area_name"].to_list() == ["=1+1", "@x"]


def test_the_definitions_page_states_the_csv_rule():
    from lib.figures.i18n import t

    text = t("definitions.exports.text")
    assert "leading single quote" in text and "`=`, `+`, `-`, `@`" in text
