"""The PX reader (lib/published/px.py) on a PX file written by hand, and its refusals, each with its line.

HAND_PX is a slice of StatFin table 12r5 as the statistics office's database service writes it:
ISO-8859-15 text, a translated statement, a list continued on the next line, a long text split
into two quoted strings, TIMEVAL, and DATA with the missing-value dots, the nil dash, quoted and
bare cells, and spaces, commas and a tab between cells. Its figures are the real file's
(../shared/data/raw/statfin_tyonv_12r5, checked by hand: Helsinki 2007-07 = 23,940; Lumparland's
counts are empty in 2007-06..08 and its vacancies 0 in 2007-08).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from lib.published.px import PxError, read_px, write_px

HAND_PX = """\
CHARSET="ANSI";
AXIS-VERSION="2013";
CODEPAGE="iso-8859-15";
LANGUAGE="fi";
LANGUAGES="fi","sv";
CREATION-DATE="20231124 08:00";
TABLEID="statfin_tyonv_pxt_12r5";
MATRIX="statfin_tyonv_pxt_12r5";
DECIMALS=0;
SHOWDECIMALS=0;
SUBJECT-AREA="Työnvälitystilasto";
SUBJECT-AREA[sv]="Arbetsförmedlingsstatistik";
TITLE="Työnhakijat ja avoimet työpaikat muuttujina Alue, Kuukausi ja Tiedot";
CONTENTS="Työnhakijat ja avoimet työpaikat";
STUB="Alue","Kuukausi";
HEADING="Tiedot";
CONTVARIABLE="Tiedot";
VALUES("Alue")="KOKO MAA","Helsinki",
"Lumparland","Ahvenanmaa";
VALUES[sv]("Område")="HELA LANDET","Helsingfors","Lumparland","Åland";
VALUES("Kuukausi")="2007M06","2007M07","2007M08";
TIMEVAL("Kuukausi")=TLIST(M1),"2007M06","2007M07","2007M08";
VALUES("Tiedot")="Työttömät työnhakijat laskentapäivänä (lkm.)",
"Työvoima (lkm.)","Avoimet työpaikat laskentapäivänä (lkm.)";
CODES("Alue")="SSS","KU091","KU438","MK21";
CODES("Kuukausi")="2007M06","2007M07","2007M08";
CODES("Tiedot")="TYOTTOMATLOPUSSA","TYOVOIMATK","AVPAIKATLOPUSSA";
UNITS="lkm";
NOTE="Työvoima on Tilastokeskuksen työssäkäyntitilaston vuosittainen luku; "
"tyhjät solut ovat salassa pidettäviä.";
SOURCE="TEM, työnvälitystilasto; Tilastokeskus";
DATA=
225128 2548746 31497 
238213 2548746 32179 
208456 2548746 37360 
22707 301670 5070 
"23940" 301670 5653 
20864 301670 7162 
".." 195 "." 
"..." 195 ".." 
"...." 195 "-" 
242 13568 245 
253,13568,211 
246\t13568\t237;
"""
DATA_LINE = 32  # DATA= is on line 32; the first row of cells on line 33


def write(tmp_path: Path, text: str, name: str = "t.px", encoding: str = "iso-8859-15") -> Path:
    path = tmp_path / name
    path.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    return path


def test_the_hand_written_file_reads_as_its_variables_and_cells(tmp_path):
    px = read_px(write(tmp_path, HAND_PX))
    assert px.encoding == "iso8859-15"
    assert px.stub == ("Alue", "Kuukausi") and px.heading == ("Tiedot",)
    alue = px.variables["Alue"]
    assert alue.codes == ("SSS", "KU091", "KU438", "MK21")
    assert alue.values == ("KOKO MAA", "Helsinki", "Lumparland", "Ahvenanmaa")  # continued list
    assert px.variables["Kuukausi"].time
    assert px.variables["Tiedot"].values[1] == "Työvoima (lkm.)"  # ISO-8859-15 decoded
    assert px.meta["MATRIX"] == "statfin_tyonv_pxt_12r5"
    assert px.meta["SUBJECT-AREA"] == "Työnvälitystilasto"  # not the [sv] translation
    assert px.keyword("NOTE").values == (
        "Työvoima on Tilastokeskuksen työssäkäyntitilaston vuosittainen luku; "
        "tyhjät solut ovat salassa pidettäviä.",
    )  # a long text split over two lines is one value
    assert px.keyword("TIMEVAL", "Kuukausi").values[0] == "TLIST(M1)"

    frame = px.to_frame()
    assert frame.height == 4 * 3 * 3
    assert frame.columns == ["Alue", "Kuukausi", "Tiedot", "value", "symbol", "__line"]

    def cell(area, month, measure):
        row = frame.filter(
            (pl.col("Alue") == area) & (pl.col("Kuukausi") == month) & (pl.col("Tiedot") == measure)
        )
        return row.row(0, named=True)

    assert cell("KU091", "2007M07", "TYOTTOMATLOPUSSA")["value"] == 23940  # quoted number
    assert cell("KU091", "2007M07", "TYOTTOMATLOPUSSA")["__line"] == DATA_LINE + 5
    assert cell("SSS", "2007M06", "TYOVOIMATK")["value"] == 2548746
    # the missing-value dots are null, the nil dash is a true zero
    lumparland = [cell("KU438", m, "TYOTTOMATLOPUSSA") for m in ("2007M06", "2007M07", "2007M08")]
    assert [c["value"] for c in lumparland] == [None, None, None]
    assert [c["symbol"] for c in lumparland] == ["..", "...", "...."]
    assert cell("KU438", "2007M06", "AVPAIKATLOPUSSA")["value"] is None
    assert cell("KU438", "2007M08", "AVPAIKATLOPUSSA")["value"] == 0.0
    assert cell("KU438", "2007M08", "AVPAIKATLOPUSSA")["symbol"] == "-"
    # commas and a tab separate cells as well as spaces
    assert cell("MK21", "2007M07", "AVPAIKATLOPUSSA")["value"] == 211
    assert cell("MK21", "2007M08", "AVPAIKATLOPUSSA")["value"] == 237


def test_utf8_files_with_or_without_codepage_read_alike(tmp_path):
    utf8 = HAND_PX.replace('CODEPAGE="iso-8859-15";', 'CODEPAGE="utf-8";')
    a = read_px(write(tmp_path, utf8, "a.px", "utf-8")).to_frame()
    bom = read_px(write(tmp_path, "\ufeff" + HAND_PX.replace('CODEPAGE="iso-8859-15";\n', ""),
                        "b.px", "utf-8"))  # fmt: skip
    assert bom.variables["Tiedot"].values[1] == "Työvoima (lkm.)"
    assert a.drop("__line").equals(bom.to_frame().drop("__line"))


def test_write_px_round_trips(tmp_path):
    frame = pl.DataFrame(
        {
            "Alue": ["SSS", "SSS", "KU091", "KU091"],
            "Kuukausi": ["2021M01", "2021M02", "2021M01", "2021M02"],
            "Tiedot": ["TYOTTOMATLOPUSSA"] * 4,
            "value": [1.0, None, 3.0, 4.0],
        }
    )
    path = write_px(
        tmp_path / "w.px", frame, stub=["Alue", "Kuukausi"], heading=["Tiedot"], time="Kuukausi",
        labels={"Alue": {"SSS": "KOKO MAA", "KU091": "Helsinki"}},
    )  # fmt: skip
    px = read_px(path)
    assert px.variables["Alue"].values == ("KOKO MAA", "Helsinki")
    back = px.to_frame().select("Alue", "Kuukausi", "Tiedot", "value")
    assert back.equals(frame)


# ---------------------------------------------------------------------------------------------
# Refusals: what is wrong, on which line


def refusal(tmp_path, text, encoding="iso-8859-15") -> str:
    with pytest.raises(PxError) as info:
        read_px(write(tmp_path, text, encoding=encoding))
    return str(info.value)


@pytest.mark.parametrize(
    "change, expected",
    [
        (
            ('VALUES("Kuukausi")="2007M06","2007M07","2007M08";',
             'VALUES("Kuukausi")="2007M06","2007M07,"2007M08";'),
            "t.px line 21: the quoted text of VALUES is not closed on its line",
        ),
        (("DECIMALS=0;", "DECIMALS 0;"), "t.px line 9: DECIMALS is not followed by '='"),
        (("253,13568,211", "253,13568,2l1"), "t.px line 43: DATA cell '2l1' is not a number"),
        (("246\t13568\t237;", "246\t13568;"),
         "t.px line 32: DATA holds 35 cells but the variables make 36 (4 Alue x 3 Kuukausi x "
         "3 Tiedot)"),
        (('CODES("Alue")="SSS","KU091","KU438","MK21";', 'CODES("Alue")="SSS","KU091","KU438";'),
         "t.px line 25: CODES('Alue') lists 3 codes but VALUES('Alue') lists 4 categories"),
        (('CODEPAGE="iso-8859-15";', 'CODEPAGE="latin-99";'),
         "t.px line 3: CODEPAGE 'latin-99' is not a known text encoding"),
        (('HEADING="Tiedot";', 'HEADING="Tiedot";\nKEYS("Alue")=CODES;'),
         "t.px line 17: the file is written with KEYS"),
        (("DATA=", "DAT="), "t.px: no DATA= keyword"),
        (('STUB="Alue","Kuukausi";', 'STUB="Alue","Kuukausi","Sukupuoli";'),
         "variable 'Sukupuoli' has no VALUES(\"Sukupuoli\")"),
    ],
)  # fmt: skip
def test_broken_files_are_refused_with_their_line(tmp_path, change, expected):
    old, new = change
    assert old in HAND_PX
    assert expected in refusal(tmp_path, HAND_PX.replace(old, new, 1))


def test_text_that_is_not_in_the_codepage_is_refused_with_its_line(tmp_path):
    text = HAND_PX.replace('CODEPAGE="iso-8859-15";', 'CODEPAGE="utf-8";')
    path = tmp_path / "t.px"
    path.write_bytes(text.encode("iso-8859-15"))  # says utf-8 but is not
    with pytest.raises(PxError) as info:
        read_px(path)
    assert "t.px line 11: not valid utf-8 text" in str(info.value)


def test_a_statement_without_its_semicolon_is_refused(tmp_path):
    text = HAND_PX.split("DATA=")[0].replace('SOURCE="TEM, työnvälitystilasto; Tilastokeskus";',
                                              'SOURCE="TEM"')  # fmt: skip
    assert "t.px line 31: SOURCE (starting on this line) has no closing ';'" in refusal(
        tmp_path, text
    )
