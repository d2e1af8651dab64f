"""The money indicators and the payments audit against values worked out by hand from
tests/hand_fixture.py's money_extract (its comment lists every payment and why it is flagged).

as_of 2021-06-30. min_count=0 turns disclosure control off except where a test checks it.
"""

from __future__ import annotations

import polars as pl
import pytest

from lib.engine.indicators import IndicatorError, IndicatorUnavailable, Query, compute
from lib.engine.money import AuditError, flagged_payments, payments_audit
from lib.engine.snapshot import build_snapshot
from lib.register.contract import Extract
from tests.hand_fixture import HAND_DESCRIPTION, MONEY_FLAGGED, hand_extract, money_extract


@pytest.fixture(scope="module")
def snap():
    return build_snapshot(money_extract())


def run(snap, indicator, by, **kw):
    kw.setdefault("min_count", 0)
    return compute(snap, Query(indicator, by=tuple(by.split(",")) if by else (), **kw))


def as_dict(df: pl.DataFrame, *keys: str, col: str = "value") -> dict:
    rows = df.filter(pl.col(col).is_not_null() & (pl.col(col) != 0))
    if len(keys) == 1:
        return dict(zip(rows[keys[0]], rows[col]))
    return {tuple(r[k] for k in keys): r[col] for r in rows.iter_rows(named=True)}


def without(extract: Extract, *tables: str) -> Extract:
    frames = {k: v for k, v in extract.frames.items() if k not in tables}
    return Extract(
        frames=frames, as_of=extract.as_of, source="hand fixture", description=HAND_DESCRIPTION
    )


# --- payments_amount ----------------------------------------------------------------------------


def test_payments_amount_by_municipality_and_month(snap):
    got = as_dict(
        run(snap, "payments_amount", "municipality_code,month"), "municipality_code", "month"
    )
    assert got == {
        ("020", "2020-11"): 1200.0,  # PAY2: P5 state 020 on 2020-11-30
        ("020", "2021-01"): 1000.0,  # PAY5: P7 state 020
        ("091", "2021-04"): 300.0,  # PAY6: P6 municipal 091 from 2021-04-10
        ("091", "2021-05"): 1500.0,  # PAY1: P3 municipal 091 until 2021-05-31
        ("091", "2021-06"): 2200.0,  # PAY4 1200 (P6) + PAY8 400 (PR3's 091) + PAY9 600 (P6)
        ("unknown", "2021-02"): 800.0,  # PAY3: P5's last spell ended 2021-01-20
        ("unknown", "2021-03"): 700.0,  # PAY7: no episode, PR1 is external
    }


def test_payments_amount_by_provider_and_side(snap):
    by_provider = as_dict(run(snap, "payments_amount", "provider_id"), "provider_id")
    # PR1: PAY1 1500 + PAY2 1200 + PAY3 800 + PAY4 1200 + PAY6 300 + PAY7 700 = 5700
    # PR2: PAY5 1000; PR3: PAY8 400 + PAY9 600 = 1000
    assert by_provider == {"PR1": 5700.0, "PR2": 1000.0, "PR3": 1000.0}
    side = as_dict(run(snap, "payments_amount", "trial_or_comparison"), "trial_or_comparison")
    # trial (091): 300 + 1500 + 2200 = 4000; comparison (020): 1200 + 1000 = 2200;
    # unknown: 800 + 700 = 1500. All: 7700 = the sum of the nine payments.
    assert side == {"trial": 4000.0, "comparison": 2200.0, "unknown": 1500.0}
    total = run(snap, "payments_amount", "")
    assert total["value"].to_list() == [7700.0]


def test_a_place_filter_leaves_the_unknown_place_out(snap):
    df = compute(
        snap,
        Query("payments_amount", by=("month",), min_count=0).with_where(
            "municipality_code", ["091"]
        ),
    )
    assert as_dict(df, "month") == {"2021-04": 300.0, "2021-05": 1500.0, "2021-06": 2200.0}


def test_money_is_not_a_count_of_persons(snap):
    with pytest.raises(IndicatorError, match="not counted per person"):
        run(snap, "payments_amount", "gender")
    with pytest.raises(IndicatorError, match="not counted per person"):
        run(snap, "unsupported_payments", "month", groups=("youth",))
    # amounts are shown as paid: the threshold does not hide them
    df = run(snap, "payments_amount", "provider_id", min_count=5)
    assert not df["suppressed"].any() and df["value"].sum() == 7700.0


# --- unsupported_payments -----------------------------------------------------------------------


def test_unsupported_payments_by_provider_and_month(snap):
    got = as_dict(run(snap, "unsupported_payments", "provider_id,month"), "provider_id", "month")
    assert got == {
        ("PR2", "2021-01"): 1000.0,  # PAY5: E7's person P7 has no coaching contact 2020-10..12
        ("PR1", "2021-03"): 700.0,  # PAY7: no episode
        ("PR1", "2021-04"): 300.0,  # PAY6: paid 2021-04-30, E6 starts 2021-05-03
        ("PR3", "2021-06"): 400.0,  # PAY8: no episode
    }


def test_without_client_contacts_no_payment_is_flagged_for_missing_contacts(snap):
    bare = build_snapshot(without(money_extract(), "client_contacts"))
    got = as_dict(run(bare, "unsupported_payments", "provider_id"), "provider_id")
    # PAY5 is no longer flagged: only PAY6 + PAY7 (PR1: 300 + 700) and PAY8 (PR3: 400)
    assert got == {"PR1": 1000.0, "PR3": 400.0}


# --- cost_per_participant and cost_per_placement ------------------------------------------------


def test_cost_per_participant_by_month(snap):
    df = run(snap, "cost_per_participant", "month")
    got = {
        r["month"]: (r["value"], r["numerator"], r["denominator"])
        for r in df.iter_rows(named=True)
        if r["denominator"]
    }
    assert got == {
        "2020-10": (2000.0, 2000.0, 1),  # E5 ends 10-31: PAY2 1200 + PAY3 800, one episode
        "2020-12": (1000.0, 1000.0, 1),  # E7: PAY5 1000 (flagged payments count too)
        "2021-05": (1500.0, 1500.0, 1),  # E3: PAY1 1500
        "2021-06": (1500.0, 1500.0, 1),  # E6: PAY4 1200 + PAY6 300
    }
    # E1 is open, E8 is training (PAY9 is not coaching), PAY7 and PAY8 have no episode.


def test_cost_per_participant_by_provider_and_person(snap):
    df = run(snap, "cost_per_participant", "provider_id")
    # PR1: E3 1500 + E5 2000 + E6 1500 = 5000 over 3 episodes; PR2: E7 1000 over 1
    assert as_dict(df, "provider_id") == {"PR1": pytest.approx(5000 / 3), "PR2": 1000.0}
    by_gender = as_dict(run(snap, "cost_per_participant", "gender"), "gender")
    # F: E3 (P3) 1500 + E5 (P5) 2000 + E7 (P7) 1000 = 4500 / 3; X: E6 (P6) 1500 / 1
    assert by_gender == {"F": 1500.0, "X": 1500.0}
    # older (55+ on the day before the start): only P3 (born 1960, 61 on 2021-03-31)
    older = run(snap, "cost_per_participant", "", groups=("older",))
    assert older["value"].to_list() == [1500.0]


def test_cost_per_participant_place_is_the_one_before_the_start(snap):
    df = run(snap, "cost_per_participant", "municipality_code")
    # E3: P3 on 2021-03-31 municipal 091; E6: P6 on 2021-05-02 municipal 091 -> 3000 / 2;
    # E5: P5 on 2020-08-31 state 020; E7: P7 on 2020-09-30 state 020 -> 3000 / 2
    got = {r["municipality_code"]: (r["value"], r["denominator"]) for r in df.iter_rows(named=True)}
    assert got["091"] == (1500.0, 2) and got["020"] == (1500.0, 2)


def test_cost_per_placement_leaves_out_episodes_not_yet_observable(snap):
    df = run(snap, "cost_per_placement", "month")
    rows = {r["month"]: r for r in df.iter_rows(named=True) if r["numerator"]}
    # E5: 2020-10-31 + 90 = 2021-01-29, P5 employed since 2021-01-21 -> 2000 / 1 placement
    assert (rows["2020-10"]["value"], rows["2020-10"]["denominator"]) == (2000.0, 1)
    # E7: 2020-12-31 + 90 = 2021-03-31, subsidised: 1000 paid, no placement -> no value
    assert rows["2020-12"]["numerator"] == 1000.0 and rows["2020-12"]["value"] is None
    # E3 (2021-05-31 + 90 = 08-29) and E6 (06-10 + 90) are after as_of: left out
    assert set(rows) == {"2020-10", "2020-12"}
    by_provider = as_dict(run(snap, "cost_per_placement", "provider_id"), "provider_id")
    assert by_provider == {"PR1": 2000.0}  # PR2's E7: no placement, no cost per placement


def test_costs_are_suppressed_where_few_persons_are_behind_them(snap):
    df = run(snap, "cost_per_participant", "provider_id", min_count=5)
    # 3 and 1 episodes, under 5: both suppressed, value and numerator hidden
    assert df["suppressed"].all() and df["value"].is_null().all()


# --- refused where the extract has no payments --------------------------------------------------


@pytest.mark.parametrize(
    "indicator",
    ["payments_amount", "cost_per_participant", "cost_per_placement", "unsupported_payments"],
)
def test_refused_without_payments(indicator):
    bare = build_snapshot(without(hand_extract(), "payments"))
    with pytest.raises(IndicatorUnavailable, match="needs the 'payments' table"):
        run(bare, indicator, "month")


def test_provider_breakdown_is_for_placement_and_money_only(snap):
    with pytest.raises(IndicatorError, match="placement and money indicators"):
        run(snap, "unemployed", "provider_id")


# --- the payments audit -------------------------------------------------------------------------


def test_the_audit_flags_each_reason_on_the_hand_fixture(snap):
    flagged = flagged_payments(snap)
    assert dict(zip(flagged["payment_id"], flagged["reasons"])) == {
        "PAY5": "no coaching contact while the episode ran",
        "PAY6": "episode starts after the payment",
        "PAY7": "no episode",
        "PAY8": "no episode",
    }
    assert set(flagged["payment_id"]) == set(MONEY_FLAGGED)
    # no person identifiers, no episode: what an auditor follows up with the provider
    assert flagged.columns == [
        "payment_id", "provider_id", "provider_name", "amount", "currency", "paid_on", "reasons"
    ]  # fmt: skip
    assert flagged["paid_on"].cast(pl.String).to_list() == [
        "2021-01-31", "2021-03-15", "2021-04-30", "2021-06-05"
    ]  # fmt: skip


def test_audit_by_provider_counts_amounts_shares_and_reasons(snap):
    audit = payments_audit(snap, by=("provider_id",))
    rows = {r["provider_id"]: r for r in audit.iter_rows(named=True)}
    pr1 = rows["PR1"]
    # PR1: six payments (PAY1, 2, 3, 4, 6, 7), 5700 paid; PAY6 300 + PAY7 700 unsupported
    assert (pr1["payments"], pr1["amount"], pr1["unsupported"], pr1["unsupported_amount"]) == (
        6, 5700.0, 2, 1000.0
    )  # fmt: skip
    assert pr1["share"] == pytest.approx(100 * 1000 / 5700)  # 17.5 %
    assert (pr1["no_episode"], pr1["starts_after_payment"], pr1["no_coaching_contact"]) == (1, 1, 0)
    # PR2: PAY5 only, 1000 of 1000 unsupported (no contact): 100 %
    assert (rows["PR2"]["share"], rows["PR2"]["no_coaching_contact"]) == (100.0, 1)
    # PR3: PAY8 400 (no episode) of PAY8 + PAY9 = 1000: 40 %
    assert (rows["PR3"]["share"], rows["PR3"]["no_episode"]) == (40.0, 1)
    assert rows["PR3"]["provider_name"] == "Helsinki employment services"


def test_audit_by_month_and_for_a_municipality(snap):
    audit = payments_audit(snap, by=("month",), period=("2021-04", "2021-06"))
    got = {
        r["month"]: (r["payments"], r["unsupported"], r["amount"])
        for r in audit.iter_rows(named=True)
    }
    # 04: PAY6 (flagged); 05: PAY1; 06: PAY4, PAY8 (flagged), PAY9
    assert got == {"2021-04": (1, 1, 300.0), "2021-05": (1, 0, 1500.0), "2021-06": (3, 1, 2200.0)}
    own = payments_audit(snap, by=("provider_id",), municipalities=("020",))
    # 020: PAY2 (PR1) and PAY5 (PR2, flagged)
    assert own.select("provider_id", "payments", "unsupported").rows() == [
        ("PR1", 1, 0),
        ("PR2", 1, 1),
    ]
    assert flagged_payments(snap, municipalities=("020",))["payment_id"].to_list() == ["PAY5"]


def test_audit_without_payments_says_what_is_missing():
    bare = build_snapshot(without(hand_extract(), "payments"))
    with pytest.raises(AuditError, match="needs the 'payments' table"):
        payments_audit(bare)


# --- who may read the audit (lib/engine/access.py) ----------------------------------------------


@pytest.mark.parametrize("role", ["ministry", "admin"])
def test_the_flagged_list_is_read_by_ministry_and_admin(snap, role):
    from lib.engine.access import Reader, demo_viewer

    got = Reader(demo_viewer(role), snap).flagged_payments()
    assert set(got["payment_id"]) == set(MONEY_FLAGGED)


def test_the_flagged_list_is_refused_to_everyone_else(snap):
    from lib.engine.access import NoAccess, Reader, demo_viewer
    from lib.engine.errors import Refused

    municipal = demo_viewer(
        "municipal", areas=("A2",), facts=Reader(demo_viewer("ministry"), snap).facts()
    )
    for viewer in (demo_viewer("evaluator"), municipal):
        with pytest.raises(Refused, match="ministry and admin users only"):
            Reader(viewer, snap).flagged_payments()
    with pytest.raises(NoAccess):
        Reader(demo_viewer("nobody"), snap).flagged_payments()
    # the summary is theirs for their own places: A2 = 091 (PAY1, PAY4, PAY6, PAY8, PAY9)
    own = Reader(municipal, snap).payments_audit(("provider_id",))
    assert own.select("provider_id", "payments", "unsupported").rows() == [
        ("PR1", 3, 1),
        ("PR3", 2, 1),
    ]
    with pytest.raises(Refused, match="ministry, evaluator and admin"):
        Reader(municipal, snap).provider_ratings()
