"""The contract's unemployment duration for people in services (DATA_CONTRACT.md, "Derived
facts"): a person in `services` or `subsidised_employment` keeps the duration they entered with.

A register of five persons, every expected value worked out by hand below. Trial T1 starts
2021-03-01; as_of 2021-12-31; every person is a municipal client of 005 (area A1) from 2021-03-01
(state 005 before), so each is in the active caseload at every month end from March.

Q1  unemployed 2020-01-01..2021-02-03, services 2021-02-04..2021-06-30, subsidised employment
    2021-07-01..2021-09-30 (back-to-back with the services: one run), employed from 2021-10-01.
    On 2021-02-03 (the day before the run) unemployed 2021-02-03 - 2020-01-01 = 399 days, so
    long-term from 2021-02-04 to 2021-09-30 at 399 days, not growing; employed: no duration.
    Coaching K1 2021-02-04..2021-06-30: evaluated on 2021-02-03: long-term (399 days).
Q2  unemployed 2020-01-01..2021-02-03, employed from 2021-02-04 (leaves for work): on 2021-02-03
    399 days (long-term), from 2021-02-04 no duration, not long-term.
Q3  employed 2019-01-01..2021-03-31, services from 2021-04-01: not unemployed the day before the
    run, so the duration is undefined and the person is in no duration group.
Q4  unemployed from 2021-01-01: on 2021-03-31 89 days, not long-term.
Q5  unemployed 2019-11-01..2020-10-31 (366 days), employed 2020-11-01..2021-01-31, unemployed from
    2021-02-01. On 2021-03-31, the 487 days ending on it run from 2019-12-01: unemployed
    2019-12-01..2020-10-31 = 336 days (2020 a leap year) + 2021-02-01..03-31 = 59 days = 395,
    at least 365, and the current spell is 58 days old: repeatedly unemployed. On 2021-01-15 (employed) the window still counts
    2019-09-17.. = 366 days unemployed, but the contract's group applies only to persons unemployed
    or in services on the day: not repeatedly unemployed.
Q6  unemployed from 2020-02-01; coaching K6 2021-01-31..2021-02-28 while still unemployed. On
    2021-01-30, the day before it starts, 364 days (2020 a leap year): not long-term; on the start
    day itself it would be 365. From 2021-01-31 on Q6 is long-term unemployed (424 days on
    2021-03-31).
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from lib.engine.indicators import Query, compute
from lib.engine.snapshot import attributes_at, build_snapshot, day_number, group_parts
from lib.register.contract import Extract
from tests.hand_fixture import HAND_DESCRIPTION, _frame

PERSONS = ("Q1", "Q2", "Q3", "Q4", "Q5", "Q6")


def _extract() -> Extract:
    frames = {
        "trials": _frame("trials", [("T1", "Test trial", "FI", "2021-03-01", "2024-12-31")]),
        "trial_areas": _frame("trial_areas", [("A1", "T1", "Area one")]),
        "municipalities": _frame(
            "municipalities", [("005", "Alajärvi", "Alajärvi", "Etelä-Pohjanmaa", "A1", 9000)]
        ),
        "job_seekers": _frame(
            "job_seekers",
            [(p, 1980, "F", "fi", False, "basic", False, "2019-01-01") for p in PERSONS],
        ),
        "responsibility_spells": _frame(
            "responsibility_spells",
            [(p, "005", "state", "2019-01-01", "2021-02-28") for p in PERSONS]
            + [(p, "005", "municipal", "2021-03-01", None) for p in PERSONS],
        ),
        "status_spells": _frame(
            "status_spells",
            [
                ("Q1", "unemployed", "2020-01-01", "2021-02-03"),
                ("Q1", "services", "2021-02-04", "2021-06-30"),
                ("Q1", "subsidised_employment", "2021-07-01", "2021-09-30"),
                ("Q1", "employed", "2021-10-01", None),
                ("Q2", "unemployed", "2020-01-01", "2021-02-03"),
                ("Q2", "employed", "2021-02-04", None),
                ("Q3", "employed", "2019-01-01", "2021-03-31"),
                ("Q3", "services", "2021-04-01", None),
                ("Q4", "unemployed", "2021-01-01", None),
                ("Q5", "unemployed", "2019-11-01", "2020-10-31"),
                ("Q5", "employed", "2020-11-01", "2021-01-31"),
                ("Q5", "unemployed", "2021-02-01", None),
                ("Q6", "unemployed", "2020-02-01", None),
            ],
        ),
        "service_episodes": _frame(
            "service_episodes",
            [
                ("K1", "Q1", "coaching", None, "2021-02-04", "2021-06-30"),
                ("K6", "Q6", "coaching", None, "2021-01-31", "2021-02-28"),
            ],
        ),
    }
    return Extract(
        frames=frames,
        as_of=dt.date(2021, 12, 31),
        source="hand fixture",
        description=HAND_DESCRIPTION,
    )


@pytest.fixture(scope="module")
def snap():
    return build_snapshot(_extract())


def at(snap, person: str, day: str) -> dict:
    pid = snap.persons.filter(pl.col("person_id") == person)["pid"][0]
    frame = pl.DataFrame(
        {"pid": [pid], "day": [day_number(dt.date.fromisoformat(day))]},
        schema={"pid": pl.UInt32, "day": pl.Int32},
    )
    return attributes_at(frame, group_parts(snap), "day").row(0, named=True)


def test_a_person_who_starts_a_service_keeps_the_duration_they_entered_with(snap):
    assert (dt.date(2021, 2, 3) - dt.date(2020, 1, 1)).days == 399
    assert at(snap, "Q1", "2021-02-03")["unemployment_days"] == 399  # still unemployed
    for day in ("2021-02-04", "2021-03-31", "2021-06-30"):  # in services: does not grow
        q1 = at(snap, "Q1", day)
        assert q1["unemployment_days"] == 399 and q1["long_term"], day
        assert not q1["very_long_term"]


def test_back_to_back_services_and_subsidised_employment_are_one_run(snap):
    q1 = at(snap, "Q1", "2021-09-30")  # subsidised employment, after services without a gap
    assert q1["unemployment_days"] == 399 and q1["long_term"]


def test_a_person_who_leaves_for_work_is_not_long_term_unemployed(snap):
    assert at(snap, "Q2", "2021-02-03")["long_term"]
    q2 = at(snap, "Q2", "2021-02-04")
    assert q2["unemployment_days"] is None and not q2["long_term"]
    q1 = at(snap, "Q1", "2021-10-01")  # Q1 too, once employed after the services
    assert q1["unemployment_days"] is None and not q1["long_term"]


def test_services_not_entered_from_unemployment_have_no_duration(snap):
    q3 = at(snap, "Q3", "2021-04-30")
    assert q3["unemployment_days"] is None
    assert not (q3["long_term"] or q3["very_long_term"] or q3["repeated"])


def test_repeatedly_unemployed_applies_only_to_the_unemployed_or_those_in_services(snap):
    assert dt.date(2021, 3, 31) - dt.timedelta(days=486) == dt.date(2019, 12, 1)
    q5 = at(snap, "Q5", "2021-03-31")
    assert q5["unemployed_days_487"] == 336 + 59 and q5["repeated"] and not q5["long_term"]
    assert dt.date(2021, 1, 15) - dt.timedelta(days=486) == dt.date(2019, 9, 17)
    employed = at(snap, "Q5", "2021-01-15")
    assert employed["unemployed_days_487"] == 366  # 2019-11-01..2020-10-31, inside the window
    assert not employed["repeated"]


def test_the_activation_rate_of_the_long_term_unemployed_is_no_longer_zero(snap):
    # 2021-03-31, long-term unemployed: Q1 (in services, 399 days) and Q6 (unemployed, 424
    # days); Q2 employed, Q3 no duration, Q4 89 days, Q5 58 days. Activated 1 of 2: 50 %.
    # To 2021-06-30 the same, Q1 still in services. Everyone on 2021-04-30: in services Q1 and
    # Q3 (without a duration, but in services), unemployed Q4, Q5 and Q6: 2 of 5.
    q = dict(by=("month",), month_from="2021-03", month_to="2021-06", min_count=0)
    ltu = compute(snap, Query("activation_rate", groups=("long_term_unemployed",), **q))
    assert ltu["value"].to_list() == [50.0] * 4
    assert ltu["numerator"].to_list() == [1] * 4 and ltu["denominator"].to_list() == [2] * 4
    everyone = compute(snap, Query("activation_rate", **q)).filter(pl.col("month") == "2021-04")
    assert everyone["numerator"].item() == 2 and everyone["denominator"].item() == 5


def test_placement_groups_are_read_on_the_day_before_the_coaching_starts(snap):
    # K1 starts 2021-02-04 (the first day of services): on 2021-02-03 Q1 was unemployed 399
    # days, so the episode counts in the long-term group. It ends 2021-06-30; on day 90
    # (2021-09-28) Q1 is in subsidised employment, not employed: 0 of 1.
    ep = snap.episodes.filter(pl.col("episode_id") == "K1").row(0, named=True)
    assert ep["unemployment_days"] == 399 and ep["long_term"]
    assert ep["municipality_code"] == "005"  # the state spell covering 2021-02-03
    df = compute(
        snap,
        Query(
            "placement_rate_90",
            by=("month",),
            groups=("long_term_unemployed",),
            month_from="2021-06",
            month_to="2021-06",
            min_count=0,
        ),
    )
    assert df["numerator"].item() == 0 and df["denominator"].item() == 1


def test_a_coaching_episode_is_evaluated_before_its_first_day(snap):
    assert (dt.date(2021, 1, 30) - dt.date(2020, 2, 1)).days == 364
    ep = snap.episodes.filter(pl.col("episode_id") == "K6").row(0, named=True)
    assert ep["unemployment_days"] == 364 and not ep["long_term"]
    assert at(snap, "Q6", "2021-01-31")["long_term"]  # the start day would have counted it


def test_on_the_demo_register_the_long_term_unemployed_are_activated_too():
    """Issue 15's finding: with services ending the duration, this was 0.0 % in every unit."""
    from lib.register import demo

    demo_snap = build_snapshot(demo.generate("test", seed=0))
    df = compute(
        demo_snap,
        Query(
            "activation_rate",
            by=("trial_or_comparison",),
            groups=("long_term_unemployed",),
            min_count=0,
        ),
    )
    assert df.height == 2 and (df["numerator"] > 0).all() and (df["value"] > 5).all()
