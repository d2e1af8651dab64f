"""Tables in the reader's language (issue 17): in Finnish and Swedish a table's numbers read
'12 345,7' (a no-break space, a decimal comma) and its months 'mars 2024', while the cells keep
their values, so a column still sorts by number and by time; English as before (lib/web/render.py
`display_frame`, `area_table`). What the browser draws is the Styler's display values, read here
as Streamlit sends them."""

from __future__ import annotations

import polars as pl
import pytest
from streamlit import dataframe_util
from streamlit.elements.lib.pandas_styler_utils import marshall_styler
from streamlit.proto.ArrowData_pb2 import ArrowData
from streamlit.testing.v1 import AppTest

from lib.figures import i18n
from lib.figures.exports import Column
from lib.figures.format import DASH, NBSP
from lib.web import render
from tests.web.test_pages import DASHBOARD, assert_clean, env, hand  # noqa: F401 -- fixtures

TABLE = pl.DataFrame(
    {
        "month": ["2024-03", "2023-12", "2024-01"],
        "trial_area_id": ["A1", "A2", "A3"],
        "persons": [12345, 9, None],
        "rate": [9.5, 10.25, 100.0],
        "share": [62.5, 0.25, 7.04],
    },
    schema_overrides={"persons": pl.Int64},
)
COLUMNS = (
    Column("month", "Month", "month"),
    Column("trial_area_id", "Id", "code", shown=False),
    Column("persons", "Persons", "number", "persons"),
    Column("rate", "Rate", "number", "%"),
    Column("share", "Share", "bar", "%"),
)


@pytest.fixture
def lang(request):
    token = i18n._LANGUAGE.set(request.param)
    yield request.param
    i18n._LANGUAGE.reset(token)


def shown_cells(styler) -> dict[str, list[str]]:
    """The text the browser draws in each cell (the Styler's display values, as sent)."""
    proto = ArrowData()
    marshall_styler(proto, styler, "test")
    df = dataframe_util.convert_arrow_bytes_to_pandas_df(proto.styler.display_values)
    return {name: df[name].tolist() for name in df.columns}


@pytest.mark.parametrize("lang", ["fi", "sv"], indirect=True)
def test_numbers_and_months_read_in_the_language_and_keep_their_values(lang):
    data, config, order = render.display_frame(TABLE, COLUMNS)
    assert order == ["month", "persons", "rate", "share"]  # the code stays in the download
    cells = shown_cells(data)
    months = {"fi": ["maalis 2024", "joulu 2023", "tammi 2024"], "sv": ["mars 2024", "dec. 2023"]}
    assert cells["month"][:2] == [m.replace(" ", NBSP) for m in months[lang][:2]]
    # persons: whole numbers, thousands by a no-break space; a missing one '–'
    assert cells["persons"] == [f"12{NBSP}345", "9", DASH]
    # %: one decimal; 10.25 is a tie, rounded away from zero as the English '%,.1f' does
    assert cells["rate"] == ["9,5", "10,3", "100,0"]
    # a share bar's column: the share with its sign, 0.25 -> 0,3; 7.04 -> 7,0
    assert cells["share"] == [f"62,5{NBSP}%", f"0,3{NBSP}%", f"7,0{NBSP}%"]
    # the cells keep their values: sorting 'Rate' puts 9.5 < 10.25 < 100 (as text '10,3' would
    # come first), and sorting 'Month' puts 2023-12 < 2024-01 < 2024-03
    assert data.data["rate"].tolist() == [9.5, 10.25, 100.0]
    assert sorted(data.data["month"]) == ["2023-12", "2024-01", "2024-03"]
    # number columns carry no printf format, which would win over the Styler's text
    assert config["rate"]["type_config"].get("format") is None
    assert config["share"]["type_config"]["type"] == "number"


@pytest.mark.parametrize("lang", ["en"], indirect=True)
def test_english_tables_are_as_before(lang):
    data, config, order = render.display_frame(TABLE, COLUMNS)
    assert isinstance(data, pl.DataFrame)  # no Styler: Streamlit's column formats
    assert data["month"].to_list() == [f"Mar{NBSP}2024", f"Dec{NBSP}2023", f"Jan{NBSP}2024"]
    assert config["persons"]["type_config"]["format"] == "%,d"
    assert config["rate"]["type_config"]["format"] == "%,.1f"
    assert config["share"]["type_config"]["type"] == "progress"


@pytest.mark.parametrize("lang", ["sv"], indirect=True)
def test_a_large_table_gets_its_numbers_as_text(lang, monkeypatch):
    # 3 rows x 4 shown columns = 12 cells, above a limit of 10: text columns, right-aligned
    monkeypatch.setattr(render, "STYLER_CELLS", 10)
    data, config, _ = render.display_frame(TABLE, COLUMNS)
    assert isinstance(data, pl.DataFrame)
    assert data["persons"].to_list() == [f"12{NBSP}345", "9", DASH]
    assert data["rate"].to_list() == ["9,5", "10,3", "100,0"]
    assert data["month"].to_list()[0] == f"mars{NBSP}2024"
    assert config["rate"]["type_config"]["type"] == "text"
    assert config["rate"]["alignment"] == "right"


def test_the_overviews_area_table_in_swedish(hand):  # noqa: F811 -- the fixture
    """The hand fixture's June 2021 (tests/web/test_pages.py): Area one 2 active, Area two 1;
    on May 0 and -1 (P3 left Area two on 31 May); on June 2020 +2 and +1 (everyone new). The
    change tabs sign a rise; the exit rate is 0,0 (one decimal, a comma)."""
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    at.query_params["lang"] = "sv"
    at.run()
    assert_clean(at)
    values, month, year = at.dataframe
    shown = [shown_values(d) for d in (values, month, year)]
    assert shown[0]["area_name"] == ["Area one", "Area two"]
    assert shown[0]["active_caseload"] == ["2", "1"]
    assert shown[0]["exit_rate"] == ["0,0", "0,0"]
    assert shown[1]["active_caseload_month"] == ["0", "-1"]
    assert shown[2]["active_caseload_year"] == ["+2", "+1"]
    # the values behind the text, for sorting: the same numbers as in English
    assert list(values.value["active_caseload"]) == [2, 1]
    assert list(month.value["active_caseload_month"]) == [0, -1]


def shown_values(frame) -> dict[str, list[str]]:
    """An AppTest table's cells as the browser draws them (its Styler's display values)."""
    raw = frame.proto.arrow_data.styler.display_values
    df = dataframe_util.convert_arrow_bytes_to_pandas_df(raw)
    return {name: df[name].tolist() for name in df.columns}


@pytest.mark.parametrize("lang", ["sv"], indirect=True)
def test_a_table_without_column_definitions_reads_in_the_language(lang):
    """The published statistics' month by month (a plain frame): whole numbers grouped, others
    with one decimal (6.25, a tie, -> 6,3), text as it is; the values kept for sorting."""
    df = pl.DataFrame(
        {"Månad": ["mars 2024"], "Arbetslösa": [12345], "Arbetslöshetsgrad %": [6.25]}
    )
    cells = shown_cells(render.plain_frame(df))
    assert cells == {
        "Månad": ["mars 2024"],
        "Arbetslösa": [f"12{NBSP}345"],
        "Arbetslöshetsgrad %": ["6,3"],
    }
    assert render.plain_frame(df).data["Arbetslösa"].tolist() == [12345]


@pytest.mark.parametrize("lang", ["en"], indirect=True)
def test_a_table_without_column_definitions_is_as_before_in_english(lang):
    df = pl.DataFrame({"Month": ["Mar 2024"], "Unemployed": [12345]})
    assert render.plain_frame(df) is df


@pytest.mark.parametrize("lang", ["sv", "en"], indirect=True)
def test_published_credits_in_the_language(lang):
    from lib.figures.published_charts import credit_text
    from lib.published.specs import TABLES

    credit = credit_text(TABLES["12u4"].credit)
    if lang == "sv":
        assert credit.startswith("Källa: Statistikcentralen, StatFin, tabell 12u4")
    else:
        assert credit == TABLES["12u4"].credit  # the licence's words, as before
    assert credit_text("A credit of another source") == "A credit of another source"
