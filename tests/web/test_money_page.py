"""The Money page rendered by Streamlit's AppTest against a store of tests/hand_fixture.py's
money_extract (its comment lists the payments; tests/engine/test_money.py works them out)."""

from __future__ import annotations

import dataclasses

from tests.hand_fixture import hand_extract, money_extract
from tests.web.test_pages import (
    assert_clean,
    build_store,
    env,  # noqa: F401  (the fixture)
    metrics,
    open_page,
    table_with,
    texts,
)


def test_money_page_shows_the_hand_figures(env, tmp_path):  # noqa: F811
    env(build_store(tmp_path, money_extract()))
    at = open_page("money", {"from": "2020-01"})
    assert_clean(at)
    assert at.title[0].value == "Money and providers"
    shown = metrics(at)
    # the trial (005, 091) from 2020-01: PAY6 300 + PAY1 1500 + PAY4 1200 + PAY8 400 + PAY9 600
    assert shown["Paid to providers, Trial"] == "4,000"
    # E3 (1500) and E6 (1200 + 300) end in the trial: 3000 / 2 episodes
    assert shown["Cost per participant, Trial"] == "1,500"
    # of those, PAY6 (paid before E6 starts) and PAY8 (no episode): 300 + 400
    assert shown["Without coaching, Trial"] == "700"
    flagged = table_with(at, "reasons")
    assert list(flagged["payment_id"]) == ["PAY5", "PAY7", "PAY6", "PAY8"]
    assert "person_id" not in flagged.columns
    audit = table_with(at, "unsupported_amount")
    assert set(audit["provider_name"]) >= {"Coaching Oy", "Helsinki employment services"}
    assert any("at least 18 episodes" in s for s in texts(at))


def test_money_page_without_payments_says_what_to_load(env, tmp_path):  # noqa: F811
    base = hand_extract()
    frames = {k: v for k, v in base.frames.items() if k != "payments"}
    env(
        build_store(tmp_path, dataclasses.replace(base, frames=frames))
    )  # synthetic, as the hand one
    at = open_page("money")
    assert_clean(at)
    assert any("payments.csv" in i.value for i in at.info)


def test_the_flagged_list_on_the_page_is_for_ministry_and_admin_only(env, tmp_path):  # noqa: F811
    from lib.engine import access
    from lib.register.users import User
    from tests.web.test_roles_pages import open_as

    env(build_store(tmp_path, money_extract()))
    ministry = access.viewer_for(User("min@tem.fi", "ministry"))
    at = open_as(ministry, "pages/money.py", {"from": "2020-01"})
    assert_clean(at)
    assert list(table_with(at, "reasons")["payment_id"]) == ["PAY5", "PAY7", "PAY6", "PAY8"]
    lead = access.Viewer("Lead of A2", "municipal", ("091",), ("A2",), "lead@x.fi")
    at = open_as(lead, "pages/money.py", {"from": "2020-01", "area": "A2"})
    assert_clean(at)
    assert not any("reasons" in f.value.columns for f in at.dataframe)
    assert any("ministry and admin users only" in i.value for i in at.info)
    # their own area's money: 091's 4000 (PAY6, PAY1, PAY4, PAY8, PAY9)
    assert metrics(at)["Paid to providers, Selected areas"] == "4,000"
