"""Users and the audit trail in the store (lib/register/users.py, audit.py), on SQLite and
PostgreSQL, and their command line (`trialwatch users`, `trialwatch audit`, `--as`)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from sqlalchemy import text

from lib.cli.commands import main
from lib.register import audit, users
from lib.register.store import get_engine, replace_register
from tests.hand_fixture import hand_extract


def test_adding_normalises_the_subject_and_adding_again_updates(db_url):
    engine = get_engine(db_url)
    user, created = users.add_user(engine, "  Anna.Virtanen@TEM.fi ", role="ministry", name="Anna")
    assert created and user.subject == "anna.virtanen@tem.fi"
    again, created = users.add_user(
        engine, "anna.virtanen@tem.fi", role="municipal", areas=("A1", "A1", "")
    )
    assert not created and again.areas == ("A1",) and again.role == "municipal"
    assert users.list_users(engine) == [again]
    assert users.get_user(engine, "ANNA.VIRTANEN@tem.fi") == again
    assert users.get_user(engine, "not an address") is None


@pytest.mark.parametrize(
    ("subject", "kw", "message"),
    [
        ("anna", {"role": "ministry"}, "'anna' is not an e-mail address"),
        ("a b@x.fi", {"role": "ministry"}, "is not an e-mail address"),
        ("a@x.fi", {"role": "boss"}, "role 'boss' is not one of ministry, evaluator, municipal"),
        ("a@x.fi", {"role": "municipal"}, "a municipal user needs at least one area"),
        ("a@x.fi", {"role": "ministry", "areas": ("A1",)}, "for municipal users only"),
        ("a@x.fi", {"role": "evaluator", "name": "x\x00y"}, "control character"),
    ],
)
def test_a_bad_user_is_refused_with_what_to_fix(tmp_path, subject, kw, message):
    engine = get_engine(f"sqlite:///{tmp_path}/s.sqlite")
    with pytest.raises(users.UserError, match=message):
        users.add_user(engine, subject, **kw)
    assert users.list_users(engine) == []


def test_places_are_checked_against_the_loaded_register(tmp_path):
    engine = get_engine(f"sqlite:///{tmp_path}/s.sqlite")
    assert users.register_places(engine) == (None, None)  # nothing loaded: nothing to check
    replace_register(engine, hand_extract(), source_path="tests")
    areas, munis = users.register_places(engine)
    assert (areas, munis) == ({"A1", "A2"}, {"005", "091", "020"})
    with pytest.raises(users.UserError, match="unknown area A9: the loaded register has A1, A2"):
        users.add_user(engine, "l@x.fi", role="municipal", areas=("A9",), known_areas=areas)


def test_the_audit_trail_is_append_only_in_the_database(db_url):
    engine = get_engine(db_url)
    audit.record(
        engine, subject="a@x.fi", action="export", target="overview", detail={"k": 1}, rows=7
    )
    (event,) = audit.events(engine)
    assert (event.subject, event.action, event.target, event.detail, event.rows) == (
        "a@x.fi", "export", "overview", {"k": 1}, 7,
    )  # fmt: skip
    assert event.at.tzinfo is not None
    for statement in ("UPDATE audit_events SET rows = 0", "DELETE FROM audit_events"):
        with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    assert len(audit.events(engine)) == 1
    with pytest.raises(ValueError, match="unknown audit action"):
        audit.record(engine, subject="a@x.fi", action="delete", target="x")


def test_events_since_a_day_and_of_one_user(tmp_path):
    engine = get_engine(f"sqlite:///{tmp_path}/s.sqlite")
    audit.record(engine, subject="a@x.fi", action="sign_in", target="dashboard")
    audit.record(engine, subject="b@x.fi", action="sign_in", target="dashboard")
    today = dt.datetime.now(dt.UTC).date()
    assert [e.subject for e in audit.events(engine, subject="B@x.fi")] == ["b@x.fi"]
    assert len(audit.events(engine, since=today)) == 2
    assert audit.events(engine, since=today + dt.timedelta(days=1)) == []


def test_the_command_line_manages_users_and_records_every_change(tmp_path, capsys):
    url = f"sqlite:///{tmp_path}/cli.sqlite"
    replace_register(get_engine(url), hand_extract(), source_path="tests")
    run = lambda *a: main(["--db", url, *a])  # noqa: E731
    assert run("users", "add", "adm@x.fi", "--role", "admin") == 0
    assert run("users", "add", "lead@x.fi", "--role", "municipal", "--areas", "A1",
               "--municipalities", "020", "--name", "=HYPERLINK(1)") == 0  # fmt: skip
    assert run("users", "add", "lead@x.fi", "--role", "municipal", "--areas", "A7") == 2
    assert "unknown area A7" in capsys.readouterr().err
    assert run("users", "list") == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "subject,role,areas,municipalities,name",
        "adm@x.fi,admin,,,",
        "lead@x.fi,municipal,A1,020,'=HYPERLINK(1)",  # never a formula in a CSV
    ]
    assert run("users", "list", "--format", "json", "--as", "adm@x.fi") == 0
    assert [u["subject"] for u in json.loads(capsys.readouterr().out)] == ["adm@x.fi", "lead@x.fi"]
    assert run("users", "remove", "lead@x.fi") == 0
    assert run("users", "remove", "lead@x.fi") == 2
    assert "no user lead@x.fi" in capsys.readouterr().err
    assert run("audit", "--format", "json") == 0
    trail = json.loads(capsys.readouterr().out)
    assert [(e["subject"], e["action"], e["target"]) for e in trail] == [
        ("operator", "user_change", "users add"),
        ("operator", "user_change", "users add"),
        ("operator", "user_change", "users remove"),
    ]
    assert json.loads(trail[1]["detail"])["areas"] == "A1"


def test_the_audit_as_csv_writes_formula_like_text_as_text(tmp_path, capsys):
    # Targets and subjects come from outside (a saved view's name, an e-mail): the audit's CSV
    # follows the downloads' rule, a single quote before = + - @ tab CR, as users list does.
    url = f"sqlite:///{tmp_path}/cli.sqlite"
    engine = get_engine(url)
    replace_register(engine, hand_extract(), source_path="tests")
    audit.record(engine, subject="@evil", action="saved_view", target="=cmd|' /C calc'!A0")
    audit.record(engine, subject="a@x.fi", action="export", target="-2+3", rows=4)
    assert main(["--db", url, "audit"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["subject"], r["target"], r["rows"]) for r in rows] == [
        ("'@evil", "'=cmd|' /C calc'!A0", ""),
        ("a@x.fi", "'-2+3", "4"),
    ]


def test_only_an_admin_may_manage_users_or_read_the_audit_with_as(tmp_path, capsys):
    url = f"sqlite:///{tmp_path}/cli.sqlite"
    run = lambda *a: main(["--db", url, *a])  # noqa: E731
    assert run("users", "add", "eva@x.fi", "--role", "evaluator") == 0
    capsys.readouterr()
    assert run("users", "--as", "eva@x.fi", "add", "me@x.fi", "--role", "admin") == 3
    assert (
        "users add is for admin users only; eva@x.fi is an evaluator user"
        in capsys.readouterr().err
    )
    assert run("audit", "--as", "ghost@x.fi") == 3
    assert "ghost@x.fi is not a user" in capsys.readouterr().err
    assert users.get_user(get_engine(url), "me@x.fi") is None
    refused = [e for e in audit.events(get_engine(url)) if e.action == "refused"]
    assert [(e.subject, e.target) for e in refused] == [
        ("eva@x.fi", "users add"),
        ("ghost@x.fi", "audit"),
    ]
