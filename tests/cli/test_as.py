"""`--as SUBJECT` on the figure commands (../shared/DATA_CONTRACT.md, "Users and access" and
`trialwatch audit`): the answer that user may see, exit 3 and a `refused` audit row beyond it, an
`export` audit row (parameters as JSON, row count) for every answered --as or --out call.

The hand fixture (tests/hand_fixture.py): areas A1 = {005} and A2 = {091}, comparison 020.
lead@x.fi is a municipal user of area A1 (own municipality 005). Every count in the fixture is
under the threshold 5, so values print suppressed: what the rule decides, and what is checked
here, is which places' rows come back.
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from lib.cli.commands import main
from lib.register import audit
from lib.register.store import get_engine, replace_register
from lib.register.users import add_user
from tests.hand_fixture import hand_extract


@pytest.fixture
def store(tmp_path):
    url = f"sqlite:///{tmp_path}/as.sqlite"
    engine = get_engine(url)
    replace_register(engine, hand_extract(), source_path="tests")
    add_user(engine, "lead@x.fi", role="municipal", areas=("A1",))
    add_user(engine, "min@x.fi", role="ministry")
    add_user(engine, "adm@x.fi", role="admin")
    return url


def run(capsys, url, *argv):
    status = main(["--db", url, *argv])
    out, err = capsys.readouterr()
    return status, list(csv.DictReader(io.StringIO(out))), err


def trail(url, action=None):
    return [e for e in audit.events(get_engine(url)) if action is None or e.action == action]


def test_municipal_headline_by_area_is_answered_for_every_area(store, capsys):
    status, rows, _ = run(capsys, store, "indicators", "unemployed", "--by", "trial_area_id",
                          "--as", "lead@x.fi")  # fmt: skip
    assert status == 0
    # A1, A2 and the comparison side (no area): as the operator gets them
    assert [r["trial_area_id"] for r in rows] == ["A1", "A2", ""]
    assert run(capsys, store, "indicators", "unemployed", "--by", "trial_area_id")[1] == rows
    (event,) = trail(store, "export")
    assert (event.subject, event.target, event.rows) == ("lead@x.fi", "indicators", 3)
    assert event.detail["by"] == "trial_area_id" and event.detail["indicator"] == "unemployed"


def test_municipal_by_municipality_gets_only_their_own_rows(store, capsys):
    status, rows, _ = run(capsys, store, "indicators", "unemployed", "--by",
                          "municipality_code,month", "--as", "lead@x.fi")  # fmt: skip
    assert status == 0
    # 005 only (not 091 of A2, nor 020), one row a month: 2020-01 .. 2021-06 is 18 months
    assert {r["municipality_code"] for r in rows} == {"005"} and len(rows) == 18
    assert trail(store, "export")[0].rows == 18


def test_municipal_by_gender_is_refused_without_their_own_where(store, capsys):
    argv = ("indicators", "unemployed", "--by", "gender", "--as", "lead@x.fi")
    status, rows, err = run(capsys, store, *argv)
    assert (status, rows) == (3, [])
    assert (
        "not permitted" in err and "limit it to your own areas or municipalities (A1, 005)" in err
    )
    assert "Traceback" not in err
    (event,) = trail(store, "refused")
    assert (event.subject, event.target, event.detail["by"]) == (
        "lead@x.fi",
        "indicators",
        "gender",
    )
    assert trail(store, "export") == []
    # with a where that limits it to their own area: answered, F, M (P1, P2 are 005's)
    status, rows, _ = run(capsys, store, *argv, "--where", "trial_area_id=A1")
    assert status == 0 and [r["gender"] for r in rows] == ["F", "M"]
    # the other area's detail: refused
    assert run(capsys, store, *argv, "--where", "trial_area_id=A2")[0] == 3
    assert len(trail(store, "refused")) == 2


def test_ministry_gets_everything(store, capsys):
    argv = ("indicators", "unemployed", "--by", "gender,municipality_code", "--group", "youth")
    status, rows, _ = run(capsys, store, *argv, "--as", "min@x.fi")
    assert status == 0 and rows == run(capsys, store, *argv)[1]
    # the effect for a group, trial-wide: answered for the ministry, refused for the lead
    assert run(capsys, store, "effect", "--group", "youth", "--as", "min@x.fi")[0] == 0
    status, _, err = run(capsys, store, "effect", "--group", "youth", "--as", "lead@x.fi")
    assert status == 3 and "your own areas only" in err
    status, rows, _ = run(capsys, store, "effect", "--by", "trial_area_id", "--group", "youth",
                          "--as", "lead@x.fi")  # fmt: skip
    assert status == 0 and {r["trial_area_id"] for r in rows} <= {"A1"}


def test_exact_counts_and_unknown_users_are_refused(store, capsys):
    status, _, err = run(capsys, store, "indicators", "unemployed", "--min-count", "0",
                         "--as", "min@x.fi")  # fmt: skip
    assert status == 3 and "only to the operator" in err
    status, _, err = run(capsys, store, "effect", "--min-count", "0", "--as", "min@x.fi")
    assert status == 3 and "only to the operator" in err  # exact person-months too
    status, _, err = run(capsys, store, "indicators", "unemployed", "--as", "ghost@x.fi")
    assert status == 3 and "ghost@x.fi is not a user" in err
    assert run(capsys, store, "history", "--as", "ghost@x.fi")[0] == 3
    # a bad argument is a bad argument (exit 2), whoever asks
    assert (
        run(capsys, store, "indicators", "unemployed", "--by", "colour", "--as", "lead@x.fi")[0]
        == 2
    )
    assert [(e.subject, e.target) for e in trail(store, "refused")] == [
        ("min@x.fi", "indicators"),
        ("min@x.fi", "effect"),
        ("ghost@x.fi", "indicators"),
        ("ghost@x.fi", "history"),
    ]


def test_loads_are_for_admins(store, capsys, tmp_path):
    status, _, err = run(capsys, store, "import", str(tmp_path), "--as", "lead@x.fi")
    assert status == 3 and "Only an admin may load the register" in err
    status, _, err = run(capsys, store, "published", "import", str(tmp_path / "x.csv"),
                         "--as", "min@x.fi")  # fmt: skip
    assert status == 3
    assert [(e.subject, e.target) for e in trail(store, "refused")] == [
        ("lead@x.fi", "import"),
        ("min@x.fi", "published import"),
    ]


def test_the_operator_writing_a_file_is_recorded(store, capsys, tmp_path):
    out = tmp_path / "t.csv"
    status, _, _ = run(capsys, store, "indicators", "exit_rate", "--by", "month", "--out", str(out))
    assert status == 0
    (event,) = trail(store, "export")
    # 17 months, 2020-02 .. 2021-06 (2020-01 has no month before it to exit from); the operator
    assert (event.subject, event.rows, event.detail["out"]) == ("operator", 17, str(out))
    assert out.read_text().splitlines()[1].startswith("2020-02,")
    assert "db" not in event.detail  # the store URL may hold a password
    assert json.loads(json.dumps(event.detail)) == event.detail
