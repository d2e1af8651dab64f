"""Downloads in the reader's language (issue 17; lib/figures/exports.py): in Finnish and Swedish
the CSV's header row is the page's labels and its metadata and the Excel about sheet are in the
language, each column line giving the technical name, so `read_csv_export` and `excel_names`
give back the names of `trialwatch indicators` whatever the file's language. Numbers stay
numbers and months dates in Excel (Excel shows them as its own locale does); formula-like text
is still quoted. English as before (tests/figures/test_exports.py)."""

from __future__ import annotations

import datetime as dt
import io
import threading

import polars as pl
import pytest

from lib.figures import exports, i18n
from lib.figures.exports import Column, ExportMeta
from lib.figures.i18n import in_language, t

# As a Swedish page labels them (the builders' t() texts; written out here)
TABLE = pl.DataFrame(
    {
        "month": ["2021-03", "2021-04"],
        "municipality_code": ["005", "005"],
        "area_name": ["=Område ett", "Område ett"],
        "value": [1234.5, None],
        "suppressed": [False, True],
    }
)
COLUMNS = (
    Column("month", "Månad", "month", description="Månaden, ÅÅÅÅ-MM."),
    Column("municipality_code", "Kommunkod", "code", shown=False),
    Column("area_name", "Försöksområde", "text"),
    Column("value", "%", "number", "%", description="Andel av de arbetslösa"),
    Column("suppressed", "=Skyddad", "flag"),  # a label that looks like a formula
)
META = ExportMeta(
    title="Aktiva kunder per försöksområde",
    indicators=("active_caseload",),
    filters=(("Period", "mars–apr. 2021"),),
    as_of=dt.date(2021, 6, 30),
    source="handgjort testmaterial",
    min_count=5,
    generated_at=dt.datetime(2021, 7, 2, 9, 0),
)


@pytest.fixture
def swedish():
    token = i18n._LANGUAGE.set("sv")
    yield
    i18n._LANGUAGE.reset(token)


def _lines(raw: bytes) -> list[str]:
    return raw.decode("utf-8").splitlines()


@pytest.mark.usefixtures("swedish")
def test_a_swedish_csv_is_headed_by_the_labels_and_reads_back_by_the_technical_names():
    raw = exports.to_csv(TABLE, COLUMNS, META)
    lines = _lines(raw)
    head = [ln for ln in lines if ln.startswith("#")]
    assert head[0] == "# Trialwatch-export: Aktiva kunder per försöksområde"
    assert f"# {t('export.as_of')}: 2021-06-30" in head  # 'Uppgifterna gäller'
    assert t("export.as_of") == "Uppgifterna gäller"
    # each column line: the header, its description, its technical name
    assert (
        "# Kolumn Månad: Månaden, ÅÅÅÅ-MM. (så som trialwatch indicators benämner den: month)"
        in (head)
    )
    assert (
        "# Kolumn %: Andel av de arbetslösa (så som trialwatch indicators benämner den: value)"
        in (head)
    )
    # the header row: the labels, the formula-like one quoted; then the data, the same quoting
    table = [ln for ln in lines if not ln.startswith("#")]
    assert table[0] == "Månad,Kommunkod,Försöksområde,%,'=Skyddad"
    assert table[1] == "2021-03,005,'=Område ett,1234.5,false"  # numbers as numbers
    assert table[2] == "2021-04,005,Område ett,,true"  # suppressed: empty
    df, meta = exports.read_csv_export(raw)
    assert df.columns == ["month", "municipality_code", "area_name", "value", "suppressed"]
    assert df["municipality_code"].to_list() == ["005", "005"]  # text, the leading zeros kept
    assert df["month"].to_list() == ["2021-03", "2021-04"]
    assert df["value"].to_list() == [1234.5, None]
    assert meta["Uppgifterna gäller"] == "2021-06-30"


def test_a_swedish_csv_reads_back_in_an_english_script():
    raw = in_language(lambda: exports.to_csv(TABLE, COLUMNS, META), "sv")()
    assert i18n.current_language() == "en"
    df, _ = exports.read_csv_export(raw)
    assert df.columns[0] == "month" and df["municipality_code"][0] == "005"


def test_an_english_csv_keeps_the_technical_names():
    table = [ln for ln in _lines(exports.to_csv(TABLE, COLUMNS, META)) if not ln.startswith("#")]
    assert table[0] == "month,municipality_code,area_name,value,suppressed"


@pytest.mark.usefixtures("swedish")
def test_a_swedish_workbook_is_in_swedish_with_numbers_and_dates():
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(exports.to_excel(TABLE, COLUMNS, META)))
    data = book["data"]
    rows = list(data.iter_rows(values_only=True))
    assert rows[0] == ("Månad", "Kommunkod", "Försöksområde", "%", "=Skyddad")
    assert data["A2"].value == dt.datetime(2021, 3, 1) and data["A2"].is_date
    assert data["A2"].number_format == "mmm yyyy"  # Excel writes the month in its own locale
    # 1234.5 (%): a number, one decimal; Excel shows '1 234,5' in a Finnish or Swedish locale
    assert data["D2"].value == 1234.5 and data["D2"].number_format == "#,##0.0"
    assert data["E2"].value is False  # a flag as FALSE
    about = {row[0]: row[1] for row in book["about"].iter_rows(values_only=True)}
    assert "Om den här filen" in about  # the header row
    assert about["Trialwatch-export"] == "Aktiva kunder per försöksområde"
    assert about["Uppgifterna gäller"] == "2021-06-30"
    assert "Att använda filen i Excel" in about
    assert about["Kolumn Kommunkod"].endswith(": municipality_code)")
    # an English script reads the Swedish about sheet's technical names
    names = in_language(lambda: exports.excel_names(about.items()), "en")()
    assert names["Månad"] == "month" and names["%"] == "value"


def test_in_language_carries_the_language_to_another_thread():
    """A download's file is written on a server thread, where the session's language is not
    set (it is a context variable): `in_language` writes it in the page's language."""
    make = in_language(lambda: (i18n.current_language(), t("export.as_of")), "sv")
    found = {}
    worker = threading.Thread(target=lambda: found.update(bare=t("export.as_of"), run=make()))
    worker.start()
    worker.join()
    assert found["bare"] == "Data as of"  # what the thread reads without it
    assert found["run"] == ("sv", "Uppgifterna gäller")
    assert i18n.current_language() == "en"  # the caller's language is left as it was
