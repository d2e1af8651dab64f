"""Published statistics beside the register (lib/published/), on the real published files.

The files are ../shared/data/raw/ (see their SOURCE.md). Figures checked by hand against the
file (grep/awk) and against SOURCE.md: whole country 2019-12 = 257,694, 2020-04 = 433,058,
2021-03 = 331,526, 2023-10 = 256,070; Helsinki (KU091) 2021-02 = 49,349 with labour force
352,914 (rate 13.98 %); Espoo 2021-02 = 16,805; 702 cells of unemployed job seekers are empty
(Åland and other small municipalities), the labour force is never empty; the country total
exceeds the sum over the 309 municipalities by 114..611 every month from 2019-01 (137 in
2019-01, 275 in 2023-10); national activation rate 2021-03 = 26.1 %, last month 2022-02 = 29.6 %.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import text

from lib.cli.commands import main
from lib.figures.text import as_read
from lib.published import comparison, readers, specs, storage
from lib.published.px import write_px
from lib.register.store import get_engine
from tests.published import published_files
from tests.published.test_px import HAND_PX

RAW, R5, U4, POP = published_files.csv_files()


@pytest.fixture(scope="module")
def raw() -> Path:
    """The folder of the published CSV files the tests read: the downloads under
    ../shared/data/raw/ where they are, else the same files rebuilt from the copies the project
    ships (tests/published/published_files.py; byte for byte the downloads)."""
    return RAW


@pytest.fixture(scope="module")
def r5_file(raw) -> readers.PublishedFile:
    return readers.read_published_file(R5)


@pytest.fixture(scope="module")
def r5_wide(r5_file) -> pl.DataFrame:
    return comparison.wide_12r5(r5_file.frame)


def file_rows(path: Path) -> list[dict]:
    """The file as csv.DictReader sees it: independent of the code under test."""
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def number(text_: str) -> float | None:
    return float(text_) if text_ != "" else None


def store_fingerprint(engine) -> tuple:
    with engine.connect() as conn:
        cells = conn.execute(
            text(
                "SELECT table_id, COUNT(*), SUM(value), COUNT(value) FROM published_series "
                "GROUP BY table_id ORDER BY table_id"
            )
        ).all()
        loads = conn.execute(text("SELECT load_id, table_id FROM published_loads ORDER BY 1")).all()
    return tuple(map(tuple, cells)), tuple(map(tuple, loads))


# ---------------------------------------------------------------------------------------------
# The real files, loaded into a store (SQLite and PostgreSQL)


def test_the_loaded_country_series_equals_the_file_month_by_month(raw, db_url):
    engine = get_engine(db_url)
    loads = storage.import_published(engine, [R5])
    assert [(ld.table_id, ld.rows, ld.first_month, ld.last_month) for ld in loads] == [
        ("12r5", 88_596 * 3, "2006-01", "2023-10")
    ]
    expected = {
        r["month"]: int(r["unemployed_jobseekers"])
        for r in file_rows(R5)
        if r["area_code"] == "SSS"
    }
    assert len(expected) == 214
    country = storage.read_series(
        engine, "12r5", measures=["unemployed_jobseekers"], area_level="country"
    )
    loaded = dict(zip(country["month"], country["value"]))
    assert loaded == expected
    assert loaded["2019-12"] == 257_694
    assert loaded["2020-04"] == 433_058
    assert loaded["2021-03"] == 331_526
    assert loaded["2023-10"] == 256_070
    # Helsinki, straight from the store
    wide = comparison.wide_12r5(storage.read_series(engine, "12r5"))
    helsinki = wide.filter((pl.col("area_code") == "KU091") & (pl.col("month") == "2021-02"))
    assert helsinki.select("municipality_code", "area_level", "unemployed_jobseekers",
                           "labour_force").row(0) == ("091", "municipality", 49_349, 352_914)  # fmt: skip


def test_helsinki_2021_02_is_what_the_file_says(r5_wide):
    row = r5_wide.filter((pl.col("area_code") == "KU091") & (pl.col("month") == "2021-02")).row(
        0, named=True
    )
    assert row["unemployed_jobseekers"] == 49_349
    assert row["labour_force"] == 352_914
    assert row["municipality_code"] == "091"
    assert row["area_name"] == "Helsinki"
    assert row["unemployment_rate"] == pytest.approx(100 * 49_349 / 352_914)  # 13.98 %
    espoo = r5_wide.filter((pl.col("municipality_code") == "049") & (pl.col("month") == "2021-02"))
    assert espoo["unemployed_jobseekers"].item() == 16_805


def test_area_levels_and_codes_are_kept_and_municipalities_mapped(r5_wide):
    levels = dict(r5_wide.group_by("area_level").agg(pl.col("area_code").n_unique()).iter_rows())
    assert levels == {"country": 1, "region": 19, "subregion": 69, "ely_centre": 16,
                      "municipality": 309}  # fmt: skip
    munis = r5_wide.filter(pl.col("area_level") == "municipality")
    assert (munis["municipality_code"] == munis["area_code"].str.slice(2)).all()
    assert munis["municipality_code"].str.contains(r"^[0-9]{3}$").all()
    assert r5_wide.filter(pl.col("area_level") != "municipality")["municipality_code"].null_count() \
        == r5_wide.filter(pl.col("area_level") != "municipality").height  # fmt: skip
    reference = pl.read_csv("data/reference/fi_municipalities.csv", infer_schema=False)
    assert set(munis["municipality_code"]) == set(reference["municipality_code"])


def test_the_unemployment_rate_only_where_the_labour_force_is_known(r5_wide):
    rows = file_rows(R5)
    empty = [r for r in rows if r["unemployed_jobseekers"] == "" or r["labour_force"] == ""]
    assert len(empty) == 702  # all in the count: the labour force is known everywhere
    assert all(r["labour_force"] != "" for r in rows)
    rate = r5_wide["unemployment_rate"]
    assert rate.null_count() == 702
    lumparland = r5_wide.filter((pl.col("area_code") == "KU438") & (pl.col("month") == "2007-07"))
    assert lumparland["labour_force"].item() == 195
    assert lumparland["unemployed_jobseekers"].item() is None
    assert lumparland["unemployment_rate"].item() is None  # empty, not 0 %
    # Where the labour force itself is unknown or zero, there is no rate either.
    frame = pl.DataFrame(
        {
            "unemployed_jobseekers": [10.0, 10.0, None, 10.0],
            "labour_force": [100.0, None, 100.0, 0.0],
        }
    )
    assert frame.select(comparison.unemployment_rate_expr())["unemployment_rate"].to_list() == [
        10.0, None, None, None,
    ]  # fmt: skip


def test_the_sum_over_municipalities_differs_from_the_country_total_and_says_so(r5_wide):
    diff = comparison.sum_vs_total(r5_wide, "country")
    since_2019 = diff.filter(pl.col("month") >= "2019-01")
    assert since_2019.height == 58
    assert since_2019["difference"].min() == 114
    assert since_2019["difference"].max() == 611
    first = since_2019.row(0, named=True)
    assert (first["published_total"], first["municipal_sum"], first["difference"]) == (
        251_446, 251_309, 137,
    )  # fmt: skip
    assert diff.filter(pl.col("month") == "2023-10")["difference"].item() == 275
    # The regions' sum misses the same persons (SOURCE.md: 102..609 from 2019).
    regional = since_2019["published_total"] - since_2019["regional_sum"]
    assert (regional.min(), regional.max()) == (102, 609)
    # The country view of the page carries the difference beside the published total.
    country = comparison.areas(pl.DataFrame({"municipality_code": ["091"], "name": ["Helsinki"],
                                    "region": ["Uusimaa"]}))["country"][0]  # fmt: skip
    view = comparison.published_for_area(r5_wide, country)
    assert view.filter(pl.col("month") == "2019-01").select(
        "unemployed_jobseekers", "municipal_sum", "difference"
    ).row(0) == (251_446, 251_309, 137)


def test_a_trial_area_sums_its_municipalities_and_rates_only_complete_months(r5_wide):
    area = comparison.Area("trial_area", "TA", "Helsinki and Lumparland", ("091", "438"))
    view = comparison.published_for_area(r5_wide, area)
    july07 = view.filter(pl.col("month") == "2007-07").row(0, named=True)
    assert july07["unemployed_jobseekers"] == 23_940  # Lumparland's count is empty
    assert july07["empty_cells"] == 1
    assert july07["unemployment_rate"] is None
    feb21 = view.filter(pl.col("month") == "2021-02").row(0, named=True)
    lump = r5_wide.filter((pl.col("area_code") == "KU438") & (pl.col("month") == "2021-02"))
    u, lf = lump["unemployed_jobseekers"].item(), lump["labour_force"].item()
    assert feb21["unemployed_jobseekers"] == 49_349 + u
    assert feb21["unemployment_rate"] == pytest.approx(100 * (49_349 + u) / (352_914 + lf))


def test_the_12u4_and_population_files_load_and_give_the_national_activation_rate(raw, tmp_path):
    engine = get_engine(f"sqlite:///{tmp_path}/s.sqlite")
    loads = storage.import_published(engine, [U4, POP])
    assert {ld.table_id: ld.rows for ld in loads} == {"12u4": 194 * 10, "population": 7_107}
    u4 = storage.read_series(engine, "12u4")
    unemployed = u4.filter(
        (pl.col("measure") == "unemployed_jobseekers") & (pl.col("month") == "2021-03")
    )
    assert unemployed["value"].item() == 331_526  # the same figure as 12r5's country series
    act = comparison.national_activation(engine, "2021-03")
    assert (act.month, act.value, act.exact) == ("2021-03", 26.1, True)
    later = comparison.national_activation(u4, "2024-06")  # after the series ends: its last month
    assert (later.month, later.value, later.exact) == ("2022-02", 29.6, False)
    assert later.series["month"].to_list()[-1] == "2022-02" and later.series.height == 24
    assert "12u4" in later.credit and "CC BY 4.0" in later.credit
    assert comparison.national_activation(u4, "2005-12") is None
    assert comparison.national_activation(f"sqlite:///{tmp_path}/s.sqlite", "2021-02").value == 26.0
    pop = storage.read_series(engine, "population")
    helsinki = pop.filter((pl.col("municipality_code") == "091") & (pl.col("month") == "2021-12"))
    assert helsinki["value"].item() == 658_457


# ---------------------------------------------------------------------------------------------
# PX and CSV of the same table


def test_a_px_file_and_the_csv_of_the_same_table_load_to_the_same_rows(raw, tmp_path):
    px_path = tmp_path / "12r5.px"
    px_path.write_bytes(HAND_PX.replace("\n", "\r\n").encode("iso-8859-15"))
    subset = pl.read_csv(R5, infer_schema=False).filter(
        pl.col("area_code").is_in(["SSS", "KU091", "KU438", "MK21"])
        & pl.col("month").is_in(["2007-06", "2007-07", "2007-08"])
    )
    assert subset.height == 12
    csv_path = tmp_path / "12r5.csv"
    subset.write_csv(csv_path)

    from_px = readers.read_published_file(px_path)
    from_csv = readers.read_published_file(csv_path)
    assert (from_px.fmt, from_px.table_id, from_csv.table_id) == ("px", "12r5", "12r5")
    cols = list(specs.CANONICAL)
    a = from_px.frame.select(cols).sort("area_code", "month", "measure")
    b = from_csv.frame.select(cols).sort("area_code", "month", "measure")
    assert a.height == 36
    assert a.equals(b)
    assert storage.content_hash(a) == storage.content_hash(b)

    # Loaded into a store, the PX gives the same cells and the same digest.
    engine = get_engine(f"sqlite:///{tmp_path}/s.sqlite")
    first = storage.import_published(engine, [csv_path])[0]
    second = storage.import_published(engine, [px_path])[0]
    assert second.same_as_load == first.load_id
    assert second.file_format == "px"


def test_the_whole_12r5_table_as_px_loads_to_the_same_rows_as_the_csv(r5_file, tmp_path):
    frame = pl.read_csv(R5, infer_schema=False)
    long = frame.unpivot(
        index=["area_code", "month"], on=["unemployed_jobseekers", "labour_force", "open_vacancies"],
        variable_name="Tiedot", value_name="value",
    ).with_columns(
        pl.col("value").cast(pl.Float64),
        pl.col("month").str.replace("-", "M").alias("Kuukausi"),
        pl.col("Tiedot").replace_strict({m: specs.MEASURES[m].code for m in specs.TABLES["12r5"].measures}),
    ).rename({"area_code": "Alue"})  # fmt: skip
    names = dict(frame.select("area_code", "area_name_fi").unique().iter_rows())
    path = write_px(
        tmp_path / "12r5_full.px", long, stub=["Alue", "Kuukausi"], heading=["Tiedot"],
        time="Kuukausi", labels={"Alue": names}, meta={"MATRIX": "statfin_tyonv_pxt_12r5"},
    )  # fmt: skip
    from_px = readers.read_published_file(path)
    cols = list(specs.CANONICAL)
    assert from_px.frame.height == 265_788
    assert (
        from_px.frame.select(cols)
        .sort("area_code", "month", "measure")
        .equals(r5_file.frame.select(cols).sort("area_code", "month", "measure"))
    )


# ---------------------------------------------------------------------------------------------
# Refusals, and the store left as it was


BAD_12R5 = """\
area_code,area_level,area_name_fi,month,unemployed_jobseekers,labour_force,open_vacancies
SSS,country,KOKO MAA,2021-02,327130,2600000,50000
KU91,municipality,Helsinki,2021-02,49349,352914,10993
KU049,region,Espoo,2021-02,16805,160000,4000
KU092,municipality,Vantaa,2021-2,17947,130000,3000
KU837,municipality,Tampere,2021-02,-5,130000,3000
KU853,municipality,Turku,2021-02,12 000,100000,3000
SSS,country,KOKO MAA,2021-02,327130,2600000,50000
KU564,municipality,Oulu,2021-02,11000.5,110000,3000
"""


def test_a_bad_published_csv_gets_line_numbered_refusals(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(BAD_12R5)
    with pytest.raises(readers.PublishedError) as info:
        readers.read_published_file(path)
    report = str(info.value)
    assert report.splitlines()[0].startswith("Published statistics refused: 4 problems in 1 file")
    for expected in (
        "bad.csv line 3, column area_code: 'KU91' is not a Statistics Finland area code: "
        "expected SSS (whole country), KUnnn (municipality)",
        "bad.csv line 5, column month: '2021-2' is not a valid month: expected YYYY-MM",
        "bad.csv line 4, column area_level: 'region' does not match area code KU049, which is a "
        "municipality",
        "bad.csv line 8, column area_code: area SSS in 2021-02 is given again (first on line 2)",
    ):
        assert expected in report
    # Values are checked once the rows are sound.
    path.write_text(
        "\n".join(line for i, line in enumerate(BAD_12R5.splitlines()) if i not in (2, 3, 4, 7))
    )
    with pytest.raises(readers.PublishedError) as info:
        readers.read_published_file(path)
    report = str(info.value)
    assert "bad.csv line 3, column unemployed_jobseekers: -5 is below zero" in report
    assert "bad.csv line 4, column unemployed_jobseekers: '12 000' is not a number" in report
    assert "bad.csv line 5, column unemployed_jobseekers: 11000.5 is not a whole number" in report


def test_files_that_are_not_published_tables_are_refused(tmp_path):
    other = tmp_path / "people.csv"
    other.write_text("person_id,birth_year\nP1,1990\n")
    xlsx = tmp_path / "table.xlsx"
    xlsx.write_bytes(b"PK")
    px = tmp_path / "cut.px"
    px.write_bytes(HAND_PX.replace("246\t13568\t237;", "").encode("iso-8859-15"))
    with pytest.raises(readers.PublishedError) as info:
        readers.read_published_files([other, xlsx, px, tmp_path / "missing.csv"])
    report = str(info.value)
    assert "4 problems in 4 files" in report
    assert "people.csv line 1: not a published table Trialwatch reads" in report
    assert "table.xlsx: '.xlsx' is not a format Trialwatch reads" in report
    assert "cut.px line 32: DATA holds 33 cells but the variables make 36" in report
    assert "missing.csv: no such file" in report


def test_a_px_file_with_a_breakdown_is_refused_until_only_the_total_is_chosen(tmp_path):
    text_ = HAND_PX.replace('STUB="Alue","Kuukausi";', 'STUB="Alue","Kuukausi","Sukupuoli";')
    text_ = text_.replace('UNITS="lkm";', 'UNITS="lkm";\nVALUES("Sukupuoli")="Yhteensä","Miehet";')
    head, data = text_.split("DATA=\n")
    rows = data.rstrip(";\n").splitlines()
    text_ = head + "DATA=\n" + "\n".join(r for row in rows for r in (row, row)) + ";\n"
    path = tmp_path / "by_gender.px"
    path.write_bytes(text_.encode("iso-8859-15"))
    with pytest.raises(readers.PublishedError) as info:
        readers.read_published_file(path)
    assert (
        "variable 'Sukupuoli' has 2 categories (Yhteensä, Miehet): Trialwatch reads totals"
        in str(info.value)
    )


def test_a_refused_import_leaves_the_store_unchanged(raw, db_url, tmp_path):
    engine = get_engine(db_url)
    good = tmp_path / "good.csv"
    pl.read_csv(R5, infer_schema=False).filter(pl.col("month") >= "2023-01").write_csv(good)
    storage.import_published(engine, [good])
    before = store_fingerprint(engine)
    assert before[0][0][:2] == ("12r5", 10 * 414 * 3)

    bad = tmp_path / "bad.csv"
    bad.write_text(BAD_12R5)
    with pytest.raises(readers.PublishedError):
        storage.import_published(engine, [U4, bad])  # the good 12u4 is not loaded either
    assert store_fingerprint(engine) == before

    # Through the command line: exit status 2, the refusal on standard error.
    assert main(["--db", db_url, "published", "import", str(U4), str(bad)]) == 2
    assert store_fingerprint(engine) == before


def test_a_database_failure_rolls_the_whole_import_back(raw, db_url, tmp_path, monkeypatch):
    engine = get_engine(db_url)
    good = tmp_path / "good.csv"
    pl.read_csv(R5, infer_schema=False).filter(pl.col("month") >= "2023-07").write_csv(good)
    storage.import_published(engine, [good])
    before = store_fingerprint(engine)
    files = readers.read_published_files([U4, R5])
    real_insert = storage._insert
    calls = []

    def failing_insert(conn, frame):
        calls.append(frame.height)
        real_insert(conn, frame)
        if len(calls) == 2:  # after the old 12r5 rows were deleted and the new ones inserted
            raise RuntimeError("disk full")

    monkeypatch.setattr(storage, "_insert", failing_insert)
    with pytest.raises(RuntimeError, match="disk full"):
        storage.replace_published(engine, files)
    assert store_fingerprint(engine) == before


def test_two_parts_of_one_table_load_together_but_not_twice_the_same_cell(raw, tmp_path):
    frame = pl.read_csv(R5, infer_schema=False).filter(pl.col("month").str.starts_with("2021"))
    early, late = tmp_path / "early.csv", tmp_path / "late.csv"
    frame.filter(pl.col("month") <= "2021-06").write_csv(early)
    frame.filter(pl.col("month") >= "2021-06").write_csv(late)  # 2021-06 in both
    with pytest.raises(readers.PublishedError) as info:
        readers.read_published_files([early, late])
    assert "late.csv line 2, column unemployed_jobseekers: unemployed_jobseekers of area SSS in " \
        "2021-06 is also in early.csv line 7: give each area, month and measure in one file only" \
        in str(info.value)  # fmt: skip
    frame.filter(pl.col("month") >= "2021-07").write_csv(late)
    engine = get_engine(f"sqlite:///{tmp_path}/s.sqlite")
    (load,) = storage.import_published(engine, [early, late])
    assert (load.rows, load.first_month, load.last_month) == (414 * 12 * 3, "2021-01", "2021-12")
    assert len(json.loads(load.source_paths)) == 2


# ---------------------------------------------------------------------------------------------
# The command line and the demo store


def test_published_import_and_list_on_the_command_line(raw, tmp_path, capsys):
    url = f"sqlite:///{tmp_path}/s.sqlite"
    assert main(["--db", url, "published", "list"]) == 0
    assert "No published statistics loaded" in capsys.readouterr().out
    assert main(["--db", url, "published", "import", str(U4), str(POP)]) == 0
    err = capsys.readouterr().err
    assert "Loaded published table 12u4: 1,940 cells, 2006-01..2022-02" in err
    assert main(["--db", url, "published", "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("12u4\t2006-01..2022-02\t1,940 cells")
    assert out[1].startswith("population\t2000..2022\t7,107 cells")


def test_the_demo_hook_loads_the_published_series_and_says_which_months(raw, tmp_path):
    engine = get_engine(f"sqlite:///{tmp_path}/s.sqlite")
    message = storage.load_demo_series(engine)
    assert "12r5 2006-01..2023-10" in message
    assert "12u4 2006-01..2022-02" in message
    assert "population 2000..2022" in message
    assert "They end in Oct\u00a02023" in message
    assert set(storage.current_loads(engine)) == {"12r5", "12u4", "population"}
    nothing = storage.load_demo_series(
        get_engine(f"sqlite:///{tmp_path}/t.sqlite"), tmp_path / "none"
    )
    assert nothing.startswith("No published statistics loaded: none found under")


def test_the_demo_scale_factor_is_read_from_the_register_source():
    assert (
        comparison.demo_scale_factor("Trialwatch synthetic demo register (seed 0, scale demo)")
        == 0.0463
    )
    assert comparison.demo_scale_factor("Municipal register extract 2024") is None
    assert comparison.demo_scale_factor(None) is None


# ---------------------------------------------------------------------------------------------
# The page


def hand_store_with_published(tmp_path) -> str:
    from lib.register.store import replace_register
    from tests.hand_fixture import hand_extract

    url = f"sqlite:///{tmp_path}/page.sqlite"
    engine = get_engine(url)
    replace_register(engine, hand_extract(), source_path="tests")
    storage.import_published(engine, [R5])
    return url


def run_page(monkeypatch, tmp_path, url):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("TRIALWATCH_DB", url)
    monkeypatch.setenv("TRIALWATCH_MIN_COUNT", "0")
    monkeypatch.setenv("TRIALWATCH_CACHE_DIR", str(tmp_path / "cache"))
    # The page in the dashboard's frame (it reads through the frame's selection and reader).
    at = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "dashboard.py"),
                           default_timeout=120)  # fmt: skip
    at.switch_page("pages/published.py")
    at.run()
    assert not at.exception
    return at


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_the_page_shows_the_published_count_and_rate_beside_the_register(
    raw, tmp_path, monkeypatch
):
    from lib.engine.access import FULL_ACCESS, Reader
    from lib.engine.indicators import Query

    url = hand_store_with_published(tmp_path)
    at = run_page(monkeypatch, tmp_path, url)
    # Helsinki first; the last month with both figures is the register's last, 2021-06.
    assert as_read(at.subheader[0].value) == "Helsinki (091) in Jun\u00a02021"  # as read
    register = (
        Reader(FULL_ACCESS, url)
        .indicator(Query("unemployed", by=("municipality_code", "month"), min_count=0))
        .filter((pl.col("municipality_code") == "091") & (pl.col("month") == "2021-06"))
    )
    reg = register["value"].item()
    assert metrics(at) == {
        "Published count": "49,609",  # the file: KU091 2021-06
        "Unemployment rate": "14.1\u00a0%",  # 100 x 49,609 / 352,914
        "Register count": f"{reg:,}",
        "Register ÷ published": f"{100 * reg / 49_609:.1f}\u00a0%",
    }
    captions = " ".join(as_read(c.value) for c in at.caption)  # as read
    assert "Statistics Finland, StatFin, table 12r5" in captions and "CC BY 4.0" in captions
    assert "Why the register and the published count differ" in captions
    assert "Published months Jan\u00a02006–Oct\u00a02023" in captions

    at.selectbox(key="published-level").set_value("country").run()
    assert not at.exception
    country = {
        r["month"]: r["unemployed_jobseekers"] for r in file_rows(R5) if r["area_code"] == "SSS"
    }
    assert metrics(at)["Published count"] == f"{int(country['2021-06']):,}"
    captions = " ".join(as_read(c.value) for c in at.caption)  # as read
    assert (
        "In Oct\u00a02023: published total 256,070, sum over its municipalities 255,795, difference 275."
        in captions
    )


def test_the_page_says_what_to_do_without_published_data(tmp_path, monkeypatch):
    from lib.register.store import replace_register
    from tests.hand_fixture import hand_extract

    url = f"sqlite:///{tmp_path}/empty.sqlite"
    replace_register(get_engine(url), hand_extract(), source_path="tests")
    at = run_page(monkeypatch, tmp_path, url)
    assert "trialwatch published import FILE..." in at.info[0].value


@pytest.mark.slow
def test_the_page_in_a_browser_on_a_demo_store_with_published_data(
    raw, streamlit_server, page, tmp_path
):
    """The page in the dashboard's frame: it renders without an error at 1366 px; screenshots
    go to artifacts/published*.png."""
    from lib.register.demo import generate
    from lib.register.store import replace_register
    from tests.web.test_e2e import READY, save_screenshots

    url = f"sqlite:///{tmp_path}/demo.sqlite"
    engine = get_engine(url)
    replace_register(engine, generate("test", 0), source_path="demo:test:0")
    assert "They end in Oct\u00a02023" in storage.load_demo_series(engine)
    base = streamlit_server(url, env={"TRIALWATCH_CACHE_DIR": str(tmp_path / "cache")})
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{base}/published")
    page.wait_for_selector(READY, timeout=120_000)
    page.get_by_text("Unemployed job seekers: published and register").wait_for(timeout=120_000)
    page.locator(
        "[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg"
    ).first.wait_for()
    assert page.locator("[data-testid='stException']").count() == 0
    page.get_by_text("Helsinki (091) in Oct\u00a02023").wait_for()
    page.get_by_text("Synthetic demo register:").first.wait_for()
    page.get_by_text("CC BY 4.0").first.wait_for()
    save_screenshots(page, "published")
