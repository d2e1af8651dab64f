"""The command line as other systems script it: import, indicators, exit statuses, formats."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from lib.cli.commands import main
from lib.register.extract import write_extract
from tests.hand_fixture import hand_extract

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def loaded(tmp_path, db_url):
    folder = tmp_path / "extract"
    write_extract(hand_extract(), folder)
    assert main(["--db", db_url, "import", str(folder)]) == 0
    return db_url, folder


def indicators(db_url, *args, tmp_path) -> str:
    out = tmp_path / "out.csv"
    assert main(["--db", db_url, "indicators", *args, "--out", str(out)]) == 0
    return out.read_text()


def test_indicators_csv_is_exactly_the_contract(loaded, tmp_path):
    db_url, _ = loaded
    text = indicators(
        db_url,
        "active_caseload",
        "--from",
        "2021-03",
        "--to",
        "2021-04",
        "--min-count",
        "0",
        tmp_path=tmp_path,
    )
    # hand values: 005 Mar 1 (P1), Apr 2 (P1, P2); 091 Mar 2 (P3, P4), Apr 3 (+ P6)
    assert text.splitlines() == [
        "municipality_code,month,value,suppressed",
        "005,2021-03,1,false",
        "005,2021-04,2,false",
        "091,2021-03,2,false",
        "091,2021-04,3,false",
    ]


def test_rates_carry_numerator_and_denominator(loaded, tmp_path):
    db_url, _ = loaded
    text = indicators(
        db_url,
        "exit_rate",
        "--by",
        "trial_or_comparison",
        "--from",
        "2020-12",
        "--to",
        "2020-12",
        "--min-count",
        "0",
        tmp_path=tmp_path,
    )
    # trial: P1, P2, P3, P4 at risk on 2020-11-30, P2 starts work 12-01; comparison: P5, none
    assert text.splitlines() == [
        "trial_or_comparison,value,numerator,denominator,suppressed",
        "comparison,0.0,0,1,false",
        "trial,25.0,1,4,false",
    ]


def test_default_threshold_suppresses_small_cells(loaded, tmp_path):
    db_url, _ = loaded
    text = indicators(db_url, "active_caseload", "--by", "trial_area_id", tmp_path=tmp_path)
    assert text.splitlines()[1:] == ["A1,,true", "A2,,true"]


def test_groups_any_and_json(loaded, tmp_path):
    db_url, _ = loaded
    out = tmp_path / "o.json"
    code = main(
        [
            "--db",
            db_url,
            "indicators",
            "unemployed",
            "--by",
            "municipality_code",
            "--group",
            "long_term_unemployed",
            "youth",
            "--match",
            "any",
            "--from",
            "2021-06",
            "--min-count",
            "0",
            "--format",
            "json",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    records = json.loads(out.read_text())
    # 06-30: 005 P1 (long-term) + P2 (youth); 020 P4 (long-term); 091 none
    assert records == [
        {"municipality_code": "005", "value": 2, "suppressed": False},
        {"municipality_code": "020", "value": 1, "suppressed": False},
        {"municipality_code": "091", "value": 0, "suppressed": False},
    ]


def test_parquet_keeps_codes_as_text(loaded, tmp_path):
    db_url, _ = loaded
    out = tmp_path / "o.parquet"
    assert (
        main(
            [
                "--db",
                db_url,
                "indicators",
                "transfers_in",
                "--min-count",
                "0",
                "--format",
                "parquet",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    df = pl.read_parquet(out)
    assert df.schema["municipality_code"] == pl.String
    assert df.filter(pl.col("month") == "2021-03")["value"].sum() == 3


def test_bad_arguments_exit_2_with_a_reason(loaded, capsys):
    db_url, _ = loaded
    assert main(["--db", db_url, "indicators", "nope"]) == 2
    assert "Unknown indicator 'nope'" in capsys.readouterr().err
    assert main(["--db", db_url, "indicators", "unemployed", "--from", "2021/03"]) == 2
    assert "YYYY-MM" in capsys.readouterr().err


def test_refused_import_exits_2_and_keeps_the_store(loaded, tmp_path, capsys):
    db_url, folder = loaded
    before = indicators(db_url, "unemployed", "--min-count", "0", tmp_path=tmp_path)
    bad = tmp_path / "bad"
    write_extract(hand_extract(), bad)
    lines = (bad / "status_spells.csv").read_text().splitlines()
    lines[2] = lines[2].replace("2020-11-30", "2020-11-31")  # line 3 (header is 1): not a date
    (bad / "status_spells.csv").write_text("\n".join(lines) + "\n")
    capsys.readouterr()
    assert main(["--db", db_url, "import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "status_spells.csv" in err and "line 3" in err and "end_date" in err
    assert indicators(db_url, "unemployed", "--min-count", "0", tmp_path=tmp_path) == before


def test_import_runs_the_one_tested_import_path():
    """Only lib/register/importer.py reads an extract to load it: the command line and the door
    call its import_extract, which tests/register/test_store.py tests, not a copy of it."""
    readers = sorted(
        str(p.relative_to(ROOT))
        for p in (ROOT / "lib").rglob("*.py")
        if "read_extract(" in p.read_text() and p.name != "extract.py"
    )
    assert readers == ["lib/register/importer.py"]
    assert "import_extract(" in (ROOT / "lib" / "engine" / "door.py").read_text()
    assert "door.import_folder(" in (ROOT / "lib" / "cli" / "commands.py").read_text()


def test_import_says_the_folder_as_typed_and_records_it_resolved(tmp_path, capsys, monkeypatch):
    write_extract(hand_extract(), tmp_path / "extract")
    monkeypatch.chdir(tmp_path)
    db_url = f"sqlite:///{tmp_path / 's.sqlite'}"
    for n, same in ((1, ""), (2, " (identical to batch 1)")):
        capsys.readouterr()
        assert main(["--db", db_url, "import", "extract"]) == 0
        err = capsys.readouterr().err
        assert err.startswith(f"Imported extract as batch {n}{same}, as of 2021-06-30, in "), err
    assert main(["--db", db_url, "history"]) == 0
    folders = [row.split("\t")[3] for row in capsys.readouterr().out.splitlines()]
    assert folders == [f"{tmp_path / 'extract'} same as 1", str(tmp_path / "extract")]


def test_installed_command_and_module_entry_point(loaded):
    db_url, _ = loaded
    exe = Path(sys.executable).parent / "trialwatch"
    for cmd in ([str(exe)], [sys.executable, "-m", "lib"]):
        r = subprocess.run(
            [
                *cmd,
                "--db",
                db_url,
                "indicators",
                "new_clients",
                "--by",
                "municipality_code",
                "--from",
                "2021-04",
                "--to",
                "2021-04",
                "--min-count",
                "0",
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
        )
        assert r.returncode == 0, r.stderr
        assert "091,1,false" in r.stdout.splitlines()


def test_stdout_csv(loaded, capsysbinary):
    db_url, _ = loaded
    assert (
        main(
            [
                "--db",
                db_url,
                "indicators",
                "staff_fte",
                "--by",
                "origin",
                "--from",
                "2021-03",
                "--to",
                "2021-03",
            ]
        )
        == 0
    )
    text = io.BytesIO(capsysbinary.readouterr().out).read().decode()
    assert text.splitlines()[0] == "origin,value,suppressed"


def test_effect_on_the_hand_fixture(loaded, tmp_path):
    db_url, _ = loaded
    out = tmp_path / "effect.json"
    assert main(["--db", db_url, "effect", "--format", "json", "--out", str(out)]) == 0
    (row,) = json.loads(out.read_text())
    # Person-months at risk (unemployed at the previous month end) before 2021-03 / after:
    # 005: P1 13 + P2 10 (P2 exits Dec 2020) = 23 with 1 exit; after P1 4 + P2 4 = 8, none.
    # 091: P3 8 + P4 9 = 17, none; after P3 2 + P4 3 + P6 2 = 7, none.
    # 020: P5 10 (exits Jan 2021) + P7 9 = 19 with 1 exit; after P4 1, none.
    # Trial mean change, weighted 31 : 24 = (31 * -100/23 + 24 * 0) / 55 = -2.450593;
    # comparison change -100/19 = -5.263158; DiD = 2.812565.
    assert row["estimate"] == pytest.approx(2.812565, abs=1e-5)
    assert (row["trial_municipalities"], row["comparison_municipalities"]) == (2, 1)
    # 75 person-months, perturbed (tests/engine/test_disclosure.py has the keys): P1 17,
    # P2 14, P3 10, P4 13, P5 10, P6 2, P7 9 months give the cell key 17*206 + 14*228 +
    # 10*251 + 13*68 + 10*188 + 2*136 + 9*67 = 12843 = 43 mod 256: 32..79 gives -1, so 74.
    assert row["person_months"] == 74
    assert list(row) == [
        "estimate",
        "ci_low",
        "ci_high",
        "trial_municipalities",
        "comparison_municipalities",
        "person_months",
    ]
    exact = tmp_path / "exact.json"
    assert main(["--db", db_url, "effect", "--min-count", "0", "--format", "json",
                 "--out", str(exact)]) == 0  # fmt: skip
    assert json.loads(exact.read_text())[0]["person_months"] == 75  # the operator's
    assert main(["--db", db_url, "effect", "--min-count", "-1"]) == 2
    text = tmp_path / "e.csv"
    assert main(["--db", db_url, "effect", "--by", "trial_area_id", "--out", str(text)]) == 0
    lines = text.read_text().splitlines()
    assert lines[0].startswith("trial_area_id,estimate,ci_low,ci_high")
    assert [line.split(",")[0] for line in lines[1:]] == ["A1", "A2"]


def test_ci_adds_wilson_intervals_after_the_contract_columns(loaded, tmp_path):
    db_url, _ = loaded
    text = indicators(
        db_url,
        "exit_rate",
        "--by",
        "trial_or_comparison",
        "--from",
        "2020-12",
        "--to",
        "2020-12",
        "--min-count",
        "0",
        "--ci",
        tmp_path=tmp_path,
    )
    header, _comparison, trial = text.splitlines()
    assert header == ("trial_or_comparison,value,numerator,denominator,suppressed,ci_low,ci_high")
    # 1 of 4, z^2 = 3.841459: centre (0.25 + z^2/8 = 0.480182) / (1 + z^2/4 = 1.960365)
    # = 0.372478; half 1.959964 * sqrt(0.046875 + z^2/64 = 0.060023) / 1.960365 = 0.326888
    # -> 4.56 % .. 69.94 %
    lo, hi = (float(x) for x in trial.split(",")[-2:])
    assert lo == pytest.approx(4.56, abs=0.01) and hi == pytest.approx(69.94, abs=0.01)
