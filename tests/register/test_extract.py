"""read_extract / write_extract against the contract: every kind of bad input is refused with
its file, line and column, every problem is listed, and a valid extract round-trips exactly."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from lib.register.contract import TABLES, polars_schema
from lib.register.extract import ExtractError, Problem, format_problems, read_extract, write_extract
from tests.extract_factory import (
    append_row,
    drop_column,
    read_rows,
    remove_table,
    set_value,
    valid_extract,
    write_rows,
    write_valid,
)


def problems(folder: Path) -> list[Problem]:
    with pytest.raises(ExtractError) as caught:
        read_extract(folder)
    return caught.value.problems


def only_problem(folder: Path) -> Problem:
    found = problems(folder)
    assert len(found) == 1, "\n".join(p.message for p in found)
    return found[0]


def assert_problem(p: Problem, file: str, line: int | None, column: str | None, kind: str) -> None:
    assert (p.file, p.line, p.column, p.kind) == (file, line, column, kind), p.message
    where = file if line is None else f"{file} {'line' if file.endswith('.csv') else 'row'} {line}"
    assert p.message.startswith(where), p.message
    if column is not None and "," not in column:
        assert f"column {column}" in p.message


@pytest.fixture(params=["csv", "parquet"])
def fmt(request) -> str:
    return request.param


def line_of(fmt: str, row: int) -> int:
    """Where a 0-based data row is reported: CSV line (header = line 1) or Parquet row."""
    return row + 2 if fmt == "csv" else row + 1


# --------------------------------------------------------------------------- valid extracts


def test_valid_extract_round_trips_exactly(tmp_path, fmt):
    expected = valid_extract()
    write_extract(expected, tmp_path, fmt=fmt)
    result = read_extract(tmp_path)
    assert (result.as_of, result.source, result.description) == (
        expected.as_of, expected.source, expected.description,
    )  # fmt: skip
    assert list(result.frames) == [t.name for t in TABLES]
    for name, frame in expected.frames.items():
        assert result.frames[name].schema == polars_schema(name)
        assert_frame_equal(result.frames[name], frame)


def test_codes_keep_their_leading_zeros(tmp_path):
    write_valid(tmp_path)
    codes = read_extract(tmp_path).frames["municipalities"]["municipality_code"].to_list()
    assert codes == ["005", "091", "020", "0180"]


def test_optional_tables_may_be_absent_and_optional_columns_come_back_as_nulls(tmp_path):
    write_valid(tmp_path)
    for table in ("payments", "service_episodes", "providers", "staff_months",
                  "client_contacts", "employer_contacts"):  # fmt: skip
        remove_table(tmp_path, table)
    drop_column(tmp_path, "job_seekers", "education")
    result = read_extract(tmp_path)
    assert set(result.frames) == {t.name for t in TABLES if t.required}
    seekers = result.frames["job_seekers"]
    assert seekers.schema == polars_schema("job_seekers")
    assert seekers["education"].null_count() == seekers.height


def test_bom_crlf_blank_lines_and_unknown_columns_are_accepted(tmp_path):
    write_valid(tmp_path)
    path = tmp_path / "trials.csv"
    text = path.read_text().replace("\n", "\r\n")
    lines = text.split("\r\n")
    lines[0] += ",comment"
    lines[1] += ",ignored"
    path.write_bytes(b"\xef\xbb\xbf" + ("\r\n".join(lines) + "\r\n").encode())
    result = read_extract(tmp_path)
    assert_frame_equal(result.frames["trials"], valid_extract().frames["trials"])


def test_leap_day_is_a_date_and_back_to_back_spells_do_not_overlap(tmp_path):
    write_valid(tmp_path)
    set_value(tmp_path, "trials", 0, "end_date", "2024-02-29")
    # p01: unemployed ends 2022-03-31 (inclusive), services starts 2022-04-01: back to back.
    rows = read_rows(tmp_path, "status_spells")
    assert (rows[0]["end_date"], rows[1]["start_date"]) == ("2022-03-31", "2022-04-01")
    assert read_extract(tmp_path).frames["trials"]["end_date"][0] == dt.date(2024, 2, 29)


def test_parquet_with_midnight_timestamps_and_float_years_is_read(tmp_path):
    write_valid(tmp_path, fmt="parquet")
    seekers = pl.read_parquet(tmp_path / "job_seekers.parquet")
    seekers.with_columns(
        pl.col("birth_year").cast(pl.Float64), pl.col("first_registered").cast(pl.Datetime("us"))
    ).write_parquet(tmp_path / "job_seekers.parquet")
    assert_frame_equal(
        read_extract(tmp_path).frames["job_seekers"], valid_extract().frames["job_seekers"]
    )


def test_manifest_period_start_round_trips(tmp_path):
    extract = valid_extract()
    extract.period_start = dt.date(2020, 1, 1)
    write_extract(extract, tmp_path)
    assert read_extract(tmp_path).period_start == dt.date(2020, 1, 1)


# --------------------------------------------------------------------------- files and columns


def test_missing_required_file(tmp_path):
    write_valid(tmp_path)
    remove_table(tmp_path, "status_spells")
    p = only_problem(tmp_path)
    assert_problem(p, "status_spells.csv", None, None, "missing_file")
    assert "add status_spells.csv or status_spells.parquet" in p.message


def test_missing_manifest_and_missing_as_of(tmp_path):
    write_valid(tmp_path)
    (tmp_path / "manifest.toml").unlink()
    assert_problem(only_problem(tmp_path), "manifest.toml", None, None, "missing_file")
    (tmp_path / "manifest.toml").write_text('source = "x"\n')
    p = only_problem(tmp_path)
    assert_problem(p, "manifest.toml", None, None, "empty_value")
    assert "as_of = 2024-12-31" in p.message


def test_bad_as_of(tmp_path):
    write_valid(tmp_path)
    (tmp_path / "manifest.toml").write_text('as_of = "2024-06-31"\n')
    p = only_problem(tmp_path)
    assert p.kind == "bad_date" and "'2024-06-31' is not a valid date" in p.message


def test_csv_and_parquet_of_one_table_is_a_problem(tmp_path):
    write_valid(tmp_path)
    valid_extract().frames["providers"].write_parquet(tmp_path / "providers.parquet")
    p = only_problem(tmp_path)
    assert p.kind == "ambiguous_file" and "keep only one" in p.message


def test_missing_required_column(tmp_path, fmt):
    write_valid(tmp_path, fmt=fmt)
    drop_column(tmp_path, "responsibility_spells", "organisation")
    p = only_problem(tmp_path)
    file = f"responsibility_spells.{fmt}"
    assert (p.file, p.column, p.kind) == (file, "organisation", "missing_column")
    assert p.line == (1 if fmt == "csv" else None)
    assert p.message.startswith(f"{file}, column organisation: required column is missing")


def test_ragged_line_is_named(tmp_path):
    write_valid(tmp_path)
    path = tmp_path / "providers.csv"
    lines = path.read_text().splitlines()
    lines[2] += ",surplus"
    path.write_text("\n".join(lines) + "\n")
    assert_problem(only_problem(tmp_path), "providers.csv", 3, None, "ragged_line")


def test_invalid_utf8_is_named(tmp_path):
    write_valid(tmp_path)
    path = tmp_path / "providers.csv"
    path.write_bytes(path.read_bytes().replace(b"Helsinki", b"Hels\xe4nki"))
    p = only_problem(tmp_path)
    assert_problem(p, "providers.csv", 2, "name", "bad_encoding")
    assert "save the file as UTF-8" in p.message


def test_line_numbers_count_physical_lines_of_quoted_newlines(tmp_path):
    write_valid(tmp_path)
    set_value(tmp_path, "providers", 0, "name", "Helsinki\ncoaching unit")
    set_value(tmp_path, "providers", 1, "kind", "private")
    # The first row spans lines 2-3, so the second row is on line 4. (A line break inside a
    # value is a control character, refused too.)
    newline, kind = problems(tmp_path)
    assert_problem(newline, "providers.csv", 2, "name", "control_character")
    assert_problem(kind, "providers.csv", 4, "kind", "bad_code")


# --------------------------------------------------------------------------- values


BAD_VALUES = [
    # (table, row, column, value, kind, message after "<where>: ")
    ("trials", 0, "name", None, "empty_value",
     "the value is empty, but name is required: fill it in"),
    ("job_seekers", 2, "gender", None, "empty_value",
     "the value is empty, but gender is required: fill it in"),
    ("trials", 0, "start_date", "2021-02-30", "bad_date",
     "'2021-02-30' is not a valid date: expected YYYY-MM-DD, a real calendar day, e.g. 2024-03-01"),
    ("trials", 0, "start_date", "1.3.2021", "bad_date",
     "'1.3.2021' is not a valid date: expected YYYY-MM-DD, a real calendar day, e.g. 2024-03-01"),
    ("status_spells", 3, "end_date", "2023-5-31", "bad_date",
     "'2023-5-31' is not a valid date: expected YYYY-MM-DD, a real calendar day, e.g. 2024-03-01"),
    ("client_contacts", 4, "month", "2021-13", "bad_month",
     "'2021-13' is not a valid month: expected YYYY-MM, e.g. 2024-03"),
    ("staff_months", 1, "month", "2021-3", "bad_month",
     "'2021-3' is not a valid month: expected YYYY-MM, e.g. 2024-03"),
    ("job_seekers", 0, "foreign_citizen", "yes", "bad_bool",
     "'yes' is not a valid boolean: expected true or false (lower case), or empty"),
    ("job_seekers", 1, "birth_year", "1960.0", "bad_int",
     "'1960.0' is not a whole number: expected digits only, e.g. 12"),
    ("client_contacts", 0, "coaching_contacts", "two", "bad_int",
     "'two' is not a whole number: expected digits only, e.g. 12"),
    ("staff_months", 2, "fte", "1,5", "bad_float",
     "'1,5' is not a number: expected digits with a dot for decimals, e.g. 0.5"),
    ("staff_months", 2, "fte", "-0.5", "below_minimum",
     "'-0.5' is below the minimum 0 for fte: expected 0 or more"),
    ("job_seekers", 3, "birth_year", "1875", "below_minimum",
     "'1875' is below the minimum 1900 for birth_year: expected 1900 or more"),
    ("job_seekers", 4, "gender", "female", "bad_code",
     "'female' is not an allowed gender: use one of F, M, X"),
    ("status_spells", 2, "status", "Employed", "bad_code",
     ("'Employed' is not an allowed status: use one of unemployed, employed, "
      "subsidised_employment, services, education, inactive")),
    ("trials", 0, "country", "FIN", "bad_pattern",
     "'FIN' is not a valid country code: expected ISO 3166 code, e.g. FI"),
    ("responsibility_spells", 5, "municipality_code", "5", "bad_pattern",
     ("'5' is not a valid municipality code: expected 3 digits (Finland) or 4 digits "
      "(Sweden), leading zeros kept, e.g. 005")),
    ("staff_months", 0, "municipality_code", "91", "bad_pattern",
     ("'91' is not a valid municipality code: expected 3 digits (Finland) or 4 digits "
      "(Sweden), leading zeros kept, e.g. 005")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("table", "row", "column", "value", "kind", "text"),
    BAD_VALUES,
    ids=[f"{c[0]}.{c[2]}={c[3]}" for c in BAD_VALUES],
)
def test_bad_value_is_named_with_file_line_column_and_fix(
    tmp_path, table, row, column, value, kind, text
):
    write_valid(tmp_path)
    line = set_value(tmp_path, table, row, column, value)
    p = only_problem(tmp_path)
    assert_problem(p, f"{table}.csv", line, column, kind)
    assert p.message == f"{table}.csv line {line}, column {column}: {text}"


def test_the_contract_example_message_exactly(tmp_path):
    write_valid(tmp_path)
    set_value(tmp_path, "responsibility_spells", 5, "municipality_code", "5")
    assert str(only_problem(tmp_path)) == (
        "responsibility_spells.csv line 7, column municipality_code: '5' is not a valid "
        "municipality code: expected 3 digits (Finland) or 4 digits (Sweden), leading zeros "
        "kept, e.g. 005"
    )


def test_bad_value_in_parquet_names_the_row(tmp_path):
    write_valid(tmp_path, fmt="parquet")
    set_value(tmp_path, "trials", 0, "start_date", "2021-02-30")
    p = only_problem(tmp_path)
    assert_problem(p, "trials.parquet", 1, "start_date", "bad_date")


def test_code_that_lost_its_leading_zero_in_the_municipalities_file(tmp_path):
    write_valid(tmp_path)
    set_value(tmp_path, "municipalities", 0, "municipality_code", "5")  # was 005
    found = problems(tmp_path)
    assert_problem(found[0], "municipalities.csv", 2, "municipality_code", "bad_pattern")
    # ... and everything that referred to 005 now points nowhere.
    rest = {(p.file, p.kind) for p in found[1:]}
    assert rest == {
        ("responsibility_spells.csv", "dangling_reference"),
        ("staff_months.csv", "dangling_reference"),
        ("employer_contacts.csv", "dangling_reference"),
    }


# --------------------------------------------------------------------------- keys and references


def test_duplicated_key_names_both_lines(tmp_path, fmt):
    write_valid(tmp_path, fmt=fmt)
    rows = read_rows(tmp_path, "job_seekers")
    append_row(tmp_path, "job_seekers", rows[2])  # p03 again
    p = only_problem(tmp_path)
    file = f"job_seekers.{fmt}"
    unit = "line" if fmt == "csv" else "row"
    assert_problem(p, file, line_of(fmt, 6), "person_id", "duplicate_key")
    assert p.message == (
        f"{file} {unit} {line_of(fmt, 6)}, column person_id: duplicated key (person_id=p03): "
        f"the same as {unit} {line_of(fmt, 2)}: keep one row per person_id"
    )


def test_duplicated_composite_key_is_not_also_an_overlap(tmp_path):
    write_valid(tmp_path)
    line = append_row(
        tmp_path, "status_spells",
        {"person_id": "p01", "status": "employed", "start_date": "2020-01-01", "end_date": "2020-02-01"},
    )  # fmt: skip
    p = only_problem(tmp_path)
    assert_problem(p, "status_spells.csv", line, "person_id,start_date", "duplicate_key")
    assert p.message.startswith(
        f"status_spells.csv line {line}, columns person_id and start_date: duplicated key "
        "(person_id=p01, start_date=2020-01-01): the same as line 2"
    )


def test_dangling_person_reference(tmp_path, fmt):
    write_valid(tmp_path, fmt=fmt)
    set_value(tmp_path, "status_spells", 9, "person_id", "p99")
    p = only_problem(tmp_path)
    file = f"status_spells.{fmt}"
    assert_problem(p, file, line_of(fmt, 9), "person_id", "dangling_reference")
    assert f"person_id 'p99' is not a person_id in job_seekers.{fmt}" in p.message


def test_dangling_municipality_reference(tmp_path):
    write_valid(tmp_path)
    line = set_value(tmp_path, "responsibility_spells", 9, "municipality_code", "0181")
    p = only_problem(tmp_path)
    assert_problem(p, "responsibility_spells.csv", line, "municipality_code", "dangling_reference")
    assert p.message == (
        f"responsibility_spells.csv line {line}, column municipality_code: municipality_code "
        "'0181' is not a municipality_code in municipalities.csv: add the municipality to "
        "municipalities.csv or correct the value"
    )


def test_reference_into_an_absent_optional_table(tmp_path):
    write_valid(tmp_path)
    remove_table(tmp_path, "payments")
    remove_table(tmp_path, "providers")
    # service_episodes rows 0, 1, 3 name a provider; row 2 leaves provider_id empty.
    found = problems(tmp_path)
    assert [(p.file, p.line, p.column, p.kind) for p in found] == [
        ("service_episodes.csv", line, "provider_id", "dangling_reference") for line in (2, 3, 5)
    ]
    assert "add providers or leave provider_id empty" in found[0].message
    # Without provider ids the extract is fine without providers.
    for row in (0, 1, 3):
        set_value(tmp_path, "service_episodes", row, "provider_id", None)
    assert "providers" not in read_extract(tmp_path).frames


def test_missing_required_table_is_reported_once_not_per_reference(tmp_path):
    write_valid(tmp_path)
    remove_table(tmp_path, "job_seekers")
    assert_problem(only_problem(tmp_path), "job_seekers.csv", None, None, "missing_file")


# --------------------------------------------------------------------------- spans and overlaps


def test_spell_ending_before_it_starts(tmp_path):
    write_valid(tmp_path)
    line = set_value(tmp_path, "responsibility_spells", 6, "end_date", "2022-01-09")
    p = only_problem(tmp_path)
    assert_problem(p, "responsibility_spells.csv", line, "end_date", "end_before_start")
    assert "end_date 2022-01-09 is before start_date 2022-01-10" in p.message


def test_spells_overlapping_on_one_day_overlap(tmp_path, fmt):
    write_valid(tmp_path, fmt=fmt)
    # p01 unemployed 2020-01-01..2022-04-01 (inclusive) and services from 2022-04-01.
    set_value(tmp_path, "status_spells", 0, "end_date", "2022-04-01")
    p = only_problem(tmp_path)
    file = f"status_spells.{fmt}"
    unit = "line" if fmt == "csv" else "row"
    assert_problem(p, file, line_of(fmt, 1), "start_date", "overlap")
    assert p.message == (
        f"{file} {unit} {line_of(fmt, 1)}, column start_date: this spell (2022-04-01 to "
        f"2022-06-30) overlaps the spell on {unit} {line_of(fmt, 0)} (2020-01-01 to 2022-04-01) "
        "of the same person (person_id 'p01'): one person's status spells must not overlap; "
        "end_date is the last day, inclusive, so the next spell can start on 2022-04-02 at "
        "the earliest"
    )


def test_spell_after_an_open_spell_overlaps(tmp_path):
    write_valid(tmp_path)
    line = append_row(
        tmp_path, "responsibility_spells",
        {"person_id": "p01", "municipality_code": "091", "organisation": "state",
         "start_date": "2023-01-01", "end_date": None},
    )  # fmt: skip
    p = only_problem(tmp_path)
    assert_problem(p, "responsibility_spells.csv", line, "start_date", "overlap")
    assert "overlaps the spell on line 3 (2021-03-01, open)" in p.message


def test_spell_inside_a_long_earlier_spell_overlaps_whatever_the_file_order(tmp_path):
    write_valid(tmp_path)
    # p02 unemployed 2019-06-01..2023-05-31 covers a short spell starting after the next one.
    rows = read_rows(tmp_path, "status_spells")
    rows.append({"person_id": "p02", "status": "services", "start_date": "2020-01-01",
                 "end_date": "2020-02-01"})  # fmt: skip
    rows.append({"person_id": "p02", "status": "education", "start_date": "2021-01-01",
                 "end_date": "2021-02-01"})  # fmt: skip
    rows.reverse()  # the file order must not matter
    write_rows(tmp_path, "status_spells", rows)
    found = problems(tmp_path)
    # Reversed: the long spell is now on line 10; the short ones on lines 3 and 2.
    assert [(p.line, p.kind) for p in found] == [(2, "overlap"), (3, "overlap")]
    assert all(
        "overlaps the spell on line 10 (2019-06-01 to 2023-05-31)" in p.message for p in found
    )


def test_unreadable_end_date_is_not_taken_for_an_open_spell(tmp_path):
    write_valid(tmp_path)
    set_value(tmp_path, "status_spells", 0, "end_date", "2022-02-30")
    assert only_problem(tmp_path).kind == "bad_date"


# --------------------------------------------------------------------------- listing


def test_every_problem_is_counted_and_five_per_kind_are_shown(tmp_path, fmt):
    write_valid(tmp_path, fmt=fmt)
    for row in range(12):
        set_value(tmp_path, "client_contacts", row, "coaching_contacts", "many")
    with pytest.raises(ExtractError) as caught:
        read_extract(tmp_path)
    err = caught.value
    assert err.total == 12 and len(err.problems) == 12
    assert [p.line for p in err.problems] == [line_of(fmt, r) for r in range(12)]
    text = str(err).splitlines()
    assert text[0] == f"Extract {tmp_path} refused: 12 problems in 1 file; nothing was loaded."
    assert len(text) == 1 + 5 + 1
    assert text[1].startswith(f"client_contacts.{fmt} {'line' if fmt == 'csv' else 'row'} ")
    assert text[-1] == "  ... and 7 more such problems"


def test_problems_of_several_files_and_kinds_are_all_listed(tmp_path):
    write_valid(tmp_path)
    set_value(tmp_path, "trials", 0, "country", "fi")
    set_value(tmp_path, "job_seekers", 0, "gender", "f")
    set_value(tmp_path, "job_seekers", 1, "birth_year", "")
    set_value(tmp_path, "status_spells", 9, "person_id", "p99")
    remove_table(tmp_path, "trial_areas")
    with pytest.raises(ExtractError) as caught:
        read_extract(tmp_path)
    err = caught.value
    assert {(p.file, p.kind) for p in err.problems} == {
        ("trial_areas.csv", "missing_file"),
        ("trials.csv", "bad_pattern"),
        ("job_seekers.csv", "bad_code"),
        ("job_seekers.csv", "empty_value"),
        ("status_spells.csv", "dangling_reference"),
    }
    assert str(err).splitlines()[0] == (
        f"Extract {tmp_path} refused: 5 problems in 4 files; nothing was loaded."
    )
    assert len(str(err).splitlines()) == 6


def test_format_problems_counts_beyond_the_kept_ones():
    shown = [Problem("a.csv", n, "x", "bad_int", f"a.csv line {n}, column x: bad") for n in (2, 3)]
    text = format_problems(shown, folder="/e", counts={("a.csv", "x", "bad_int"): 2_000_000})
    assert text.splitlines() == [
        "Extract /e refused: 2000000 problems in 1 file; nothing was loaded.",
        "a.csv line 2, column x: bad",
        "a.csv line 3, column x: bad",
        "  ... and 1999998 more such problems",
    ]


def test_a_wholly_wrong_column_keeps_a_bounded_number_of_problem_objects(tmp_path):
    extract = valid_extract()
    n = 3_000
    extract.frames["client_contacts"] = pl.DataFrame(
        {"person_id": [f"p0{i % 6 + 1}" for i in range(n)],
         "month": [f"{2000 + i // 72}-{i // 6 % 12 + 1:02d}" for i in range(n)],
         "coaching_contacts": [1] * n},
        schema=polars_schema("client_contacts"),
    )  # fmt: skip
    write_extract(extract, tmp_path)
    path = tmp_path / "client_contacts.csv"
    path.write_text(path.read_text().replace(",1\n", ",one\n"))
    with pytest.raises(ExtractError) as caught:
        read_extract(tmp_path)
    assert caught.value.total == n
    assert len(caught.value.problems) == 1_000
    assert str(caught.value).splitlines()[-1] == f"  ... and {n - 5} more such problems"


def test_write_extract_replaces_the_other_format(tmp_path):
    write_valid(tmp_path, fmt="csv")
    write_valid(tmp_path, fmt="parquet")
    assert not list(tmp_path.glob("*.csv"))
    read_extract(tmp_path)


# --------------------------------------------------------------------------- hostile values


HOSTILE_VALUES = [
    # (table, row, column, value, kind, message after "<where>: ")
    ("trials", 0, "start_date", "0001-01-01", "date_out_of_range",
     "'0001-01-01' is outside 1900-01-01 to 2100-12-31, the dates an extract may hold: check "
     "the year of start_date"),
    ("status_spells", 2, "end_date", "9999-12-31", "date_out_of_range",
     "'9999-12-31' is outside 1900-01-01 to 2100-12-31, the dates an extract may hold: check "
     "the year of end_date"),
    ("payments", 0, "paid_on", "1899-12-31", "date_out_of_range",
     "'1899-12-31' is outside 1900-01-01 to 2100-12-31, the dates an extract may hold: check "
     "the year of paid_on"),
    ("staff_months", 1, "month", "2101-01", "month_out_of_range",
     "'2101-01' is outside 1900-01 to 2100-12, the months an extract may hold: check the year "
     "of month"),
    ("municipalities", 1, "name", "Hel\x00sinki", "control_character",
     "'Hel\\x00sinki' holds a control character (a NUL, line break or another invisible "
     "character): remove it"),
    ("payments", 0, "payment_id", "pay-1\x1b[2J", "control_character",
     "'pay-1\\x1b[2J' holds a control character (a NUL, line break or another invisible "
     "character): remove it"),
    ("providers", 1, "name", "a\rb", "control_character",
     "'a\\x0db' holds a control character (a NUL, line break or another invisible "
     "character): remove it"),
    ("municipalities", 0, "name", "=HYPERLINK(\"http://evil.example\")", "formula_start",
     "'=HYPERLINK(\"http://evil.example\")' begins with '=', which a spreadsheet would run as "
     "a formula: remove the leading character"),
    ("municipalities", 1, "name_sv", "+Helsingfors", "formula_start",
     "'+Helsingfors' begins with '+', which a spreadsheet would run as a formula: remove the "
     "leading character"),
    ("municipalities", 2, "region", "-Pirkanmaa", "formula_start",
     "'-Pirkanmaa' begins with '-', which a spreadsheet would run as a formula: remove the "
     "leading character"),
    ("trial_areas", 0, "name", "@SUM(1+1)", "formula_start",
     "'@SUM(1+1)' begins with '@', which a spreadsheet would run as a formula: remove the "
     "leading character"),
    ("providers", 0, "name", "\tcoaching", "formula_start",
     "'\\x09coaching' begins with '\\x09', which a spreadsheet would run as a formula: remove "
     "the leading character"),
    ("trials", 0, "name", "=1+1", "formula_start",
     "'=1+1' begins with '=', which a spreadsheet would run as a formula: remove the leading "
     "character"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("table", "row", "column", "value", "kind", "text"),
    HOSTILE_VALUES,
    ids=[f"{c[0]}.{c[2]}={c[4]}" for c in HOSTILE_VALUES],
)
def test_hostile_value_is_refused_with_file_line_column_and_fix(
    tmp_path, fmt, table, row, column, value, kind, text
):
    write_valid(tmp_path, fmt=fmt)
    set_value(tmp_path, table, row, column, value)
    p = only_problem(tmp_path)
    file = f"{table}.{fmt}"
    line = line_of(fmt, row)
    assert_problem(p, file, line, column, kind)
    assert (
        p.message == f"{file} {'line' if fmt == 'csv' else 'row'} {line}, column {column}: {text}"
    )


def test_a_name_may_hold_a_formula_character_after_its_first(tmp_path):
    write_valid(tmp_path)
    set_value(tmp_path, "municipalities", 0, "name", "Ala-järvi = 1 + @2")
    set_value(tmp_path, "providers", 0, "name", "Coaching\tunit")  # a tab inside is text
    names = read_extract(tmp_path).frames["municipalities"]["name"].to_list()
    assert "Ala-järvi = 1 + @2" in names


def test_every_hostile_value_is_listed_not_only_the_first(tmp_path):
    write_valid(tmp_path)
    set_value(tmp_path, "trials", 0, "end_date", "9999-12-31")
    set_value(tmp_path, "municipalities", 0, "name", "=cmd")
    set_value(tmp_path, "municipalities", 1, "name", "Hel\x00sinki")
    set_value(tmp_path, "payments", 1, "currency", "SEK")
    kinds = sorted((p.file, p.line, p.kind) for p in problems(tmp_path))
    assert kinds == [
        ("municipalities.csv", 2, "formula_start"),
        ("municipalities.csv", 3, "control_character"),
        ("payments.csv", 3, "several_currencies"),
        ("trials.csv", 2, "date_out_of_range"),
    ]


def test_payments_in_more_than_one_currency_are_refused(tmp_path, fmt):
    write_valid(tmp_path, fmt=fmt)
    set_value(tmp_path, "payments", 1, "currency", "SEK")
    p = only_problem(tmp_path)
    unit = "line" if fmt == "csv" else "row"
    assert_problem(p, f"payments.{fmt}", line_of(fmt, 1), "currency", "several_currencies")
    assert p.message == (
        f"payments.{fmt} {unit} {line_of(fmt, 1)}, column currency: 'SEK' differs from 'EUR' on "
        f"{unit} {line_of(fmt, 0)}: every payment must be in one currency; convert the amounts "
        "to one currency before the extract is taken"
    )


@pytest.mark.parametrize(
    ("line", "kind", "text"),
    [
        (
            "as_of = 9999-12-31",
            "date_out_of_range",
            "manifest.toml: as_of 9999-12-31 is outside 1900-01-01 to 2100-12-31: check the year",
        ),
        (
            "as_of = 0001-01-01",
            "date_out_of_range",
            "manifest.toml: as_of 0001-01-01 is outside 1900-01-01 to 2100-12-31: check the year",
        ),
        (
            "as_of = 2024-06-30\nperiod_start = 1066-10-14",
            "date_out_of_range",
            "manifest.toml: period_start 1066-10-14 is outside 1900-01-01 to 2100-12-31: check the "
            "year",
        ),
        (
            "as_of = 2024-07-01",
            "as_of_in_future",
            "manifest.toml: as_of 2024-07-01 is after today (2024-06-30): an extract describes the "
            "register up to its as_of date, which cannot lie ahead; set as_of to the day the "
            "extract was taken",
        ),
        (
            'as_of = 2024-06-30\nsource = "a\\u0000b"',
            "control_character",
            "manifest.toml: source 'a\\x00b' holds a control character (a NUL, line break or "
            "another invisible character): remove it",
        ),
        (
            'as_of = 2024-06-30\ndescription = """two\nlines"""',
            "control_character",
            "manifest.toml: description 'two\\x0alines' holds a control character (a NUL, line "
            "break or another invisible character): remove it",
        ),
    ],  # fmt: skip
    ids=["as_of_9999", "as_of_0001", "period_start", "as_of_future", "source_nul", "newline"],
)
def test_hostile_manifest_is_refused(tmp_path, line, kind, text):
    write_valid(tmp_path)
    (tmp_path / "manifest.toml").write_text(line + "\n", encoding="utf-8")
    with pytest.raises(ExtractError) as caught:
        read_extract(tmp_path, today=dt.date(2024, 6, 30))
    (p,) = caught.value.problems
    assert (p.file, p.kind, p.message) == ("manifest.toml", kind, text)


def test_as_of_on_the_import_day_is_accepted(tmp_path):
    write_valid(tmp_path)
    assert read_extract(tmp_path, today=dt.date(2024, 6, 30)).as_of == dt.date(2024, 6, 30)


@pytest.mark.parametrize("name", ["x*", "ex [2024-06]", "a?b", "{a,b}", "[!x]"])
def test_the_folder_name_is_never_a_pattern(tmp_path, fmt, name):
    # A sibling that the name, read as a pattern, would match: its rows must not be read.
    sibling = {"x*": "xa", "ex [2024-06]": "ex 2", "a?b": "axb", "{a,b}": "a", "[!x]": "y"}[name]
    other = valid_extract()
    other.frames["payments"] = other.frames["payments"].with_columns(
        payment_id=pl.lit("other-") + pl.col("payment_id")
    )
    write_valid(tmp_path / sibling, fmt=fmt, extract=other)
    write_valid(tmp_path / name, fmt=fmt)
    result = read_extract(tmp_path / name)
    assert result.frames["payments"]["payment_id"].to_list() == ["pay-1", "pay-2"]


def test_a_file_linking_outside_the_folder_is_not_read(tmp_path):
    write_valid(tmp_path / "elsewhere")
    write_valid(tmp_path / "ex")
    (tmp_path / "ex" / "providers.csv").unlink()
    (tmp_path / "ex" / "providers.csv").symlink_to(tmp_path / "elsewhere" / "providers.csv")
    p = only_problem(tmp_path / "ex")
    assert (p.file, p.kind) == ("providers.csv", "outside_folder")
    assert p.message.endswith("outside the extract folder: copy the file itself into the folder")
