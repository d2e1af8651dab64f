"""Money through `--as SUBJECT` (issue 19): a municipal user gets money for their own places
only, everyone else every place. tests/hand_fixture.py's money_extract: area A2 = {091}; lead@x.fi
is a municipal user of A2. Amounts are not counts of persons, so they print as paid."""

from __future__ import annotations

import csv
import io

import pytest

from lib.cli.commands import main
from lib.register.store import get_engine, replace_register
from lib.register.users import add_user
from tests.hand_fixture import money_extract


@pytest.fixture
def store(tmp_path):
    url = f"sqlite:///{tmp_path}/money.sqlite"
    engine = get_engine(url)
    replace_register(engine, money_extract(), source_path="tests")
    add_user(engine, "lead@x.fi", role="municipal", areas=("A2",))
    add_user(engine, "min@x.fi", role="ministry")
    return url


def run(capsys, url, *argv):
    status = main(["--db", url, *argv])
    out, err = capsys.readouterr()
    return status, list(csv.DictReader(io.StringIO(out))), err


def test_a_municipal_user_may_not_see_every_providers_money(store, capsys):
    status, _, err = run(capsys, store, "indicators", "payments_amount", "--by", "provider_id",
                         "--as", "lead@x.fi")  # fmt: skip
    assert status == 3 and "your own" in err and "Traceback" not in err


def test_a_municipal_user_gets_their_own_places_money(store, capsys):
    status, rows, _ = run(capsys, store, "indicators", "payments_amount", "--by",
                          "municipality_code", "--as", "lead@x.fi")  # fmt: skip
    assert status == 0
    # only 091: PAY6 300 + PAY1 1500 + PAY4 1200 + PAY8 400 + PAY9 600 = 4000; not 020, not the
    # payments without a place
    assert [(r["municipality_code"], float(r["value"])) for r in rows] == [("091", 4000.0)]
    status, rows, _ = run(capsys, store, "indicators", "payments_amount", "--by", "provider_id",
                          "--where", "municipality_code=091", "--as", "lead@x.fi")  # fmt: skip
    assert status == 0
    # 091's payments by provider: PR1 300 + 1500 + 1200 = 3000; PR3 400 + 600 = 1000
    assert {r["provider_id"]: float(r["value"]) for r in rows} == {"PR1": 3000.0, "PR3": 1000.0}


def test_the_ministry_gets_every_provider(store, capsys):
    status, rows, _ = run(capsys, store, "indicators", "unsupported_payments", "--by",
                          "provider_id", "--as", "min@x.fi")  # fmt: skip
    assert status == 0
    # PR1: PAY6 300 + PAY7 700; PR2: PAY5 1000; PR3: PAY8 400
    got = {r["provider_id"]: float(r["value"]) for r in rows}
    assert got == {"PR1": 1000.0, "PR2": 1000.0, "PR3": 400.0}
