"""The command line against hostile and mistaken input (issue 12): every bad `--db`, `--out` and
argument exits 2 with one line naming what to fix, never a traceback; a closed pipe ends quietly;
CSV cells that a spreadsheet would run as formulas are written as text."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lib.cli.commands import main
from lib.register.extract import write_extract
from lib.register.store import get_engine, replace_register
from tests.conftest import free_port
from tests.hand_fixture import hand_extract

ROOT = Path(__file__).resolve().parents[2]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def store(tmp_path, monkeypatch) -> str:
    monkeypatch.setenv("TRIALWATCH_CACHE_DIR", str(tmp_path / "cache"))
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    replace_register(get_engine(url), hand_extract(), source_path="tests")
    return url


def one_line_refusal(capsys, argv: list[str], *names: str) -> str:
    """Runs the command in-process (a traceback would be an exception here): exit 2, and one
    line on standard error that starts with 'trialwatch' and names each of `names`."""
    capsys.readouterr()
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("trialwatch"), lines[0]
    assert "Traceback" not in captured.err
    for name in names:
        assert name in lines[0], lines[0]
    assert captured.out == ""
    return lines[0]


def bad_db_urls(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "a-directory").mkdir()
    (tmp_path / "text.txt").write_text("not a database\n")
    (tmp_path / "empty-dir").mkdir()
    return {
        "an existing directory": f"sqlite:///{tmp_path / 'a-directory'}",
        "a missing directory": f"sqlite:///{tmp_path / 'missing' / 'store.sqlite'}",
        "a file that is not a database": f"sqlite:///{tmp_path / 'text.txt'}",
        "a path under a file": f"sqlite:///{tmp_path / 'text.txt' / 'store.sqlite'}",
        "an unwritable path": "sqlite:////proc/trialwatch/store.sqlite",
        "a malformed URL": "not a url",
        "an unknown kind of database": "nosuchdb://host/db",
        "a malformed port": "postgresql+psycopg://user:secret@localhost:port/db",
        "a malformed host": "postgresql+psycopg://user:secret@[::1/db",
        "an unreachable server": f"postgresql+psycopg://user:secret@127.0.0.1:{free_port()}/db",
    }


COMMANDS = {
    "indicators": ["indicators", "active_caseload"],
    "effect": ["effect"],
    "history": ["history"],
    "published list": ["published", "list"],
    "import": ["import", "FOLDER"],
}


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_every_bad_db_exits_2_with_one_line_and_no_traceback(tmp_path, capsys, command):
    folder = tmp_path / "extract"
    write_extract(hand_extract(), folder)
    command = [str(folder) if c == "FOLDER" else c for c in command]
    for what, url in bad_db_urls(tmp_path).items():
        line = one_line_refusal(capsys, ["--db", url, *command], "--db")
        assert "secret" not in line, (what, line)  # a password is never echoed
    # Nothing was created on the way.
    assert not (tmp_path / "missing").exists() or command[0] == "import"


def test_no_part_of_a_password_is_echoed_even_from_a_malformed_url(capsys):
    """A password with a / in it ('se/cret'): SQLAlchemy cannot parse the first URL (its port is
    not a number), so the message hides the text from after 'user:' to the @; the second parses,
    and its server cannot be reached."""
    port = free_port()
    for url, shown in (
        ("postgresql+psycopg://user:se/cret@localhost:port/db", "user:***@localhost:port/db"),
        (f"postgresql+psycopg://user:se/cret@127.0.0.1:{port}/db", f"user:***@127.0.0.1:{port}/db"),
    ):
        line = one_line_refusal(capsys, ["--db", url, "history"], "--db")
        assert shown in line, line
        assert "se/" not in line and "cret" not in line, line


def test_a_missing_store_is_named_for_a_read_not_created(tmp_path, capsys):
    path = tmp_path / "typo" / "store.sqlite"
    line = one_line_refusal(capsys, ["--db", f"sqlite:///{path}", "indicators", "unemployed"])
    assert f"there is no store at {path}" in line
    assert not path.parent.exists()


def test_every_bad_out_exits_2_with_one_line_and_no_traceback(store, tmp_path, capsys):
    (tmp_path / "a-directory").mkdir()
    (tmp_path / "text.txt").write_text("x\n")
    outs = {
        "an existing directory": tmp_path / "a-directory",
        "a missing directory": tmp_path / "missing" / "out.csv",
        "a path under a file": tmp_path / "text.txt" / "out.csv",
        "an unwritable path": Path("/proc/trialwatch-out.csv"),
    }
    if Path("/dev/full").exists():
        outs["a full disk"] = Path("/dev/full")
    for command in (["indicators", "active_caseload"], ["effect"]):
        for fmt in ("csv", "json"):
            for what, out in outs.items():
                argv = ["--db", store, *command, "--format", fmt, "--out", str(out)]
                line = one_line_refusal(capsys, argv, "--out", str(out))
                assert what and line


BAD_ARGUMENTS = {
    "unknown command": ["nope"],
    "no command": [],
    "unknown indicator": ["indicators", "nope"],
    "unknown dimension": ["indicators", "unemployed", "--by", "nope"],
    "bad month": ["indicators", "unemployed", "--from", "2021"],
    "month out of range": ["indicators", "unemployed", "--to", "9999-99"],
    "bad where": ["indicators", "unemployed", "--where", "gender"],
    "where unknown dimension": ["indicators", "unemployed", "--where", "x=1"],
    "unknown group": ["indicators", "unemployed", "--group", "nope"],
    "bad min-count": ["indicators", "unemployed", "--min-count", "many"],
    "bad format": ["indicators", "unemployed", "--format", "xml"],
    "ci of a count": ["indicators", "unemployed", "--ci"],
    "effect by": ["effect", "--by", "region"],
    "effect group": ["effect", "--group", "nope"],
    "demo scale": ["demo", "--scale", "huge"],
    "demo seed": ["demo", "--seed", "x"],
    "missing folder": ["import", "/nonexistent/extract"],
    "published action": ["published", "nope"],
}


@pytest.mark.parametrize("argv", BAD_ARGUMENTS.values(), ids=BAD_ARGUMENTS.keys())
def test_every_bad_argument_exits_2_without_a_traceback(store, capsys, argv):
    capsys.readouterr()
    assert main(["--db", store, *argv]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert captured.err.startswith(("trialwatch", "Extract")), captured.err
    if argv[:1] != ["import"]:  # an import's refusal lists every problem, one a line
        assert len(captured.err.splitlines()) == 1, captured.err


def test_an_empty_store_is_bad_input_with_what_to_do(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    get_engine(url)
    line = one_line_refusal(capsys, ["--db", url, "indicators", "unemployed"])
    assert "trialwatch import FOLDER" in line


def run(args: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lib", *args], capture_output=True, text=True, cwd=ROOT, **kw
    )


def test_no_traceback_from_the_real_process(tmp_path):
    """The same as a person at a terminal sees it (the installed entry point's process)."""
    for url in ("not a url", f"sqlite:///{tmp_path}"):
        r = run(["--db", url, "indicators", "unemployed"], timeout=120)
        assert r.returncode == 2, r.stderr
        assert "Traceback" not in r.stderr
        assert len(r.stderr.splitlines()) == 1, r.stderr


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_output_into_a_closed_pipe_ends_quietly(store, tmp_path, fmt):
    """`trialwatch indicators ... | head -1`: the reader has gone before the table is written."""
    env = {**os.environ, "TRIALWATCH_CACHE_DIR": str(tmp_path / "cache")}
    args = ["--db", store, "indicators", "active_caseload", "--min-count", "0", "--format", fmt]
    proc = subprocess.Popen(
        [sys.executable, "-m", "lib", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.close()  # the closed pipe: every write fails with EPIPE
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, err
    assert err == ""


def test_head_of_the_output_through_a_shell_pipe(store, tmp_path):
    env = {**os.environ, "TRIALWATCH_CACHE_DIR": str(tmp_path / "cache")}
    command = (
        f"{sys.executable} -m lib --db '{store}' indicators active_caseload --min-count 0 "
        "--by municipality_code,month,gender,age_band | head -1"
    )
    r = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout == "municipality_code,month,gender,age_band,value,suppressed\n"
    assert r.stderr == ""


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_indicators_csv_writes_formula_like_codes_as_text(tmp_path, monkeypatch, capsysbinary):
    """Ids are free text in the contract (only names may not begin with a formula character):
    an area id such as '=A1' or '@A2' reaches the CSV as "'=A1", which a spreadsheet shows."""
    monkeypatch.setenv("TRIALWATCH_CACHE_DIR", str(tmp_path / "cache"))
    extract = hand_extract()
    ids = {"A1": '=HYPERLINK("http://evil.example/","x")', "A2": "@A2"}
    import polars as pl

    for name in ("trial_areas", "municipalities"):
        extract.frames[name] = extract.frames[name].with_columns(
            pl.col("trial_area_id").replace(ids)
        )
    folder = tmp_path / "extract"
    write_extract(extract, folder)
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    assert main(["--db", url, "import", str(folder)]) == 0
    capsysbinary.readouterr()
    argv = ["--db", url, "indicators", "active_caseload", "--by", "trial_area_id,month"]
    assert main([*argv, "--min-count", "0", "--to", "2021-03"]) == 0
    text = capsysbinary.readouterr().out.decode()
    found = cells(text)
    assert "'" + ids["A1"] in found and "'@A2" in found
    risky = [c for c in found if c.startswith(FORMULA_START) and not is_number(c)]
    assert risky == []
    # The parquet and json outputs keep the values exactly (they are not for spreadsheets).
    out = tmp_path / "t.parquet"
    assert main([*argv, "--min-count", "0", "--format", "parquet", "--out", str(out)]) == 0
    assert set(pl.read_parquet(out)["trial_area_id"]) == set(ids.values())
