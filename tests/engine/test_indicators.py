"""Every indicator and group against values worked out by hand from tests/hand_fixture.py.

Read the fixture's docstring for the timeline; each expectation below names the persons it
counts and why. min_count=0 turns disclosure control off (tests/engine/test_disclosure.py covers it).
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from lib.engine.indicators import INDICATORS, IndicatorError, IndicatorUnavailable, Query, compute
from lib.engine.snapshot import build_snapshot
from tests.hand_fixture import hand_extract


@pytest.fixture(scope="module")
def snap():
    return build_snapshot(hand_extract())


def run(snap, indicator, **kw):
    kw.setdefault("min_count", 0)
    if "by" in kw and isinstance(kw["by"], str):
        kw["by"] = tuple(kw["by"].split(","))
    if "groups" in kw and isinstance(kw["groups"], str):
        kw["groups"] = (kw["groups"],)
    return compute(snap, Query(indicator, **kw))


def cell(df: pl.DataFrame, col: str = "value", **dims):
    rows = df.filter(*[pl.col(k) == v for k, v in dims.items()])
    assert rows.height == 1, f"expected one row for {dims}, got {rows.height}"
    return rows[col][0]


def series(df: pl.DataFrame, code: str) -> dict:
    rows = df.filter(pl.col("municipality_code") == code)
    return dict(zip(rows["month"], rows["value"]))


# --- the snapshot's coverage ------------------------------------------------------------------


def test_months_run_from_first_responsibility_spell_to_last_complete_month(snap):
    # P1 and P7 start 2020-01-01; as_of 2021-06-30 is June's last day, so June is complete.
    assert (snap.first_month, snap.last_month) == (2020 * 12, 2021 * 12 + 5)


# --- caseload and transfers -------------------------------------------------------------------


def test_active_caseload_counts_open_municipal_spells_at_month_end(snap):
    df = run(snap, "active_caseload", month_from="2021-02")
    # 005: P1 from Mar, P2 from Apr. 091: P3 Mar-May (ends 05-31, a month's last day: counted
    # in May), P4 Mar-Apr (ends 04-30), P6 from Apr (new client).
    assert series(df, "005") == {
        "2021-02": 0,
        "2021-03": 1,
        "2021-04": 2,
        "2021-05": 2,
        "2021-06": 2,
    }
    assert series(df, "091") == {
        "2021-02": 0,
        "2021-03": 2,
        "2021-04": 3,
        "2021-05": 2,
        "2021-06": 1,
    }
    # comparison municipalities are not in the trial's scope
    assert "020" not in df["municipality_code"].to_list()


def test_transfers_in_initial_and_later(snap):
    df = run(snap, "transfers_in", month_from="2021-03", month_to="2021-04")
    # P1 (005) and P3, P4 (091) on the start date; P2 (005) on 2021-04-01 after state ended 03-31
    assert series(df, "005") == {"2021-03": 1, "2021-04": 1}
    assert series(df, "091") == {"2021-03": 2, "2021-04": 0}
    initial = run(snap, "initial_transfer", by="trial_area_id", month_from="2021-03")
    assert cell(initial, trial_area_id="A1") == 1 and cell(initial, trial_area_id="A2") == 2
    later = run(snap, "later_transfers_in", by="month", month_from="2021-03")
    assert dict(zip(later["month"], later["value"])) == {
        "2021-03": 0,
        "2021-04": 1,
        "2021-05": 0,
        "2021-06": 0,
    }


def test_transfer_out_is_dated_at_the_municipal_spells_last_day(snap):
    df = run(snap, "transfers_out", month_from="2021-03")
    # P4's municipal spell in 091 ends 2021-04-30 and a state spell in 020 starts 05-01.
    # P3's municipal spell ends 05-31 with no successor: leaving the register is no transfer.
    assert series(df, "091") == {"2021-03": 0, "2021-04": 1, "2021-05": 0, "2021-06": 0}
    assert set(series(df, "005").values()) == {0}


def test_new_client_has_no_state_predecessor(snap):
    df = run(snap, "new_clients", by="municipality_code", month_from="2021-03")
    assert cell(df, municipality_code="091") == 1  # P6 on 2021-04-10
    assert cell(df, municipality_code="005") == 0


def test_cumulative_transferred_runs_from_the_start(snap):
    df = run(snap, "cumulative_transferred", month_from="2021-02")
    assert series(df, "005") == {
        "2021-02": 0,
        "2021-03": 1,
        "2021-04": 2,
        "2021-05": 2,
        "2021-06": 2,
    }
    assert series(df, "091") == {
        "2021-02": 0,
        "2021-03": 2,
        "2021-04": 2,
        "2021-05": 2,
        "2021-06": 2,
    }
    # by quarter: the value at the quarter's last month
    q = run(snap, "cumulative_transferred", by="quarter", month_from="2021-01")
    assert dict(zip(q["quarter"], q["value"])) == {"2021-Q1": 3, "2021-Q2": 4}


# --- labour-market status ---------------------------------------------------------------------


def test_unemployed_uses_the_responsibility_spells_municipality(snap):
    df = run(snap, "unemployed", month_from="2020-12", month_to="2021-06")
    # Dec: P1 (005); P3, P4 (091); P5 (020). P2 employed, P7 in services.
    # Jan: P5 employed from 01-21. Feb: P2 back (005). May: P4 moved to 020, P3 in services,
    # P6 (091). June: same.
    assert series(df, "005") == {
        "2020-12": 1,
        "2021-01": 1,
        "2021-02": 2,
        "2021-03": 2,
        "2021-04": 2,
        "2021-05": 2,
        "2021-06": 2,
    }
    assert series(df, "091") == {
        "2020-12": 2,
        "2021-01": 2,
        "2021-02": 2,
        "2021-03": 2,
        "2021-04": 2,
        "2021-05": 1,
        "2021-06": 1,
    }
    assert series(df, "020") == {
        "2020-12": 1,
        "2021-01": 0,
        "2021-02": 0,
        "2021-03": 0,
        "2021-04": 0,
        "2021-05": 1,
        "2021-06": 1,
    }


def test_exit_rate_counts_employed_starts_among_last_months_unemployed(snap):
    df = run(snap, "exit_rate", month_from="2020-12", month_to="2021-01")
    # Dec 2020, at risk on 11-30: 005 P1, P2 (spell ends 11-30, the month's last day) and P2
    # starts work 12-01 -> 1 of 2. 091 P3, P4 -> 0 of 2. 020 P5 (P7 is in services) -> 0 of 1.
    assert cell(df, municipality_code="005", month="2020-12") == pytest.approx(50.0)
    assert cell(df, "numerator", municipality_code="005", month="2020-12") == 1
    assert cell(df, "denominator", municipality_code="005", month="2020-12") == 2
    assert cell(df, municipality_code="091", month="2020-12") == 0.0
    # Jan 2021, at risk on 12-31: 020 P5 starts work 01-21 -> 1 of 1.
    assert cell(df, municipality_code="020", month="2021-01") == pytest.approx(100.0)
    assert cell(df, municipality_code="005", month="2021-01") == 0.0


def test_exit_rate_trial_against_comparison(snap):
    df = run(snap, "exit_rate", by="trial_or_comparison", month_from="2020-12", month_to="2020-12")
    # trial: P1, P2, P3, P4 at risk, P2 exits -> 25 %; comparison: P5 at risk, none exit.
    assert cell(df, trial_or_comparison="trial") == pytest.approx(25.0)
    assert cell(df, "denominator", trial_or_comparison="comparison") == 1
    assert cell(df, trial_or_comparison="comparison") == 0.0


def test_activation_rate(snap):
    df = run(snap, "activation_rate", month_from="2021-04", month_to="2021-04")
    # Apr 30: 005 P1, P2 unemployed -> 0/2. 091 P3 in services, P4 and P6 unemployed -> 1/3.
    # 020 P7 subsidised (P5 has left the register) -> 1/1.
    assert cell(df, municipality_code="005") == 0.0
    assert cell(df, municipality_code="091") == pytest.approx(100 / 3)
    assert cell(df, municipality_code="020") == pytest.approx(100.0)
    dec = run(
        snap, "activation_rate", by="municipality_code", month_from="2020-12", month_to="2020-12"
    )
    assert cell(dec, municipality_code="020") == pytest.approx(50.0)  # P7 services, P5 unemployed


# --- placement --------------------------------------------------------------------------------


def test_placement_at_14_days(snap):
    df = run(snap, "placement_rate_14", by="municipality_code,month", month_from="2020-12")
    # E3 (P3, 091) ends 2021-05-31, employed on 06-14 -> 1 of 1 in May.
    # E6 (P6, 091) ends 06-10, unemployed on 06-24 -> 0 of 1 in June.
    # E7 (P7, 020) ends 2020-12-31, subsidised on 2021-01-14 -> 0 of 1 (not employed).
    # E1 (P1) is still open: left out.
    assert cell(df, municipality_code="091", month="2021-05") == pytest.approx(100.0)
    assert cell(df, municipality_code="091", month="2021-06") == 0.0
    assert cell(df, municipality_code="020", month="2020-12") == 0.0
    assert cell(df, "denominator", municipality_code="005", month="2021-05") == 0
    assert cell(df, municipality_code="005", month="2021-05") is None


def test_placement_leaves_out_episodes_whose_day_d_is_after_as_of(snap):
    df = run(snap, "placement_rate_90", by="month", month_from="2020-12")
    # E3 + 90 = 2021-08-29 > as_of: left out, so May has no episodes; E7 + 90 = 2021-03-31.
    assert cell(df, "denominator", month="2021-05") == 0
    assert cell(df, "denominator", month="2020-12") == 1
    d180 = run(snap, "placement_rate_180", by="month", month_from="2020-12", month_to="2020-12")
    # E7 + 180 = 2021-06-29, on or before as_of 06-30: counted, subsidised -> 0 %.
    assert cell(d180, "denominator", month="2020-12") == 1
    assert cell(d180, month="2020-12") == 0.0


def test_subsidised_employment_is_reported_beside_placement(snap):
    for d in (14, 90, 180):
        df = run(
            snap,
            f"placement_subsidised_{d}",
            by="municipality_code",
            month_from="2020-12",
            month_to="2020-12",
        )
        assert cell(df, municipality_code="020") == pytest.approx(100.0)  # P7 subsidised


def test_placement_by_provider(snap):
    df = run(snap, "placement_rate_14", by="provider_id")
    # PR1: E3 placed, E6 not -> 50 %. PR2: E7 not placed -> 0 %.
    assert cell(df, provider_id="PR1") == pytest.approx(50.0)
    assert cell(df, provider_id="PR2") == 0.0


# --- staffing and contacts --------------------------------------------------------------------


def test_staff_fte_by_role_and_origin(snap):
    df = run(
        snap, "staff_fte", by="municipality_code,month", month_from="2021-03", month_to="2021-03"
    )
    assert cell(df, municipality_code="005") == pytest.approx(1.7)
    assert cell(df, municipality_code="091") == pytest.approx(2.0)
    by_origin = run(snap, "staff_fte", by="origin", month_from="2021-03", month_to="2021-03")
    assert cell(by_origin, origin="transferred") == pytest.approx(3.0)
    assert cell(by_origin, origin="municipal") == pytest.approx(0.7)


def test_clients_per_client_facing_fte(snap):
    df = run(snap, "clients_per_fte", month_from="2021-03", month_to="2021-04")
    # Mar: 005 caseload 1 / (coach 1.0 + advisor 0.5); management does not count.
    assert cell(df, municipality_code="005", month="2021-03") == pytest.approx(1 / 1.5)
    assert cell(df, municipality_code="091", month="2021-03") == pytest.approx(2 / 2.0)
    # Apr: no staff recorded -> no ratio
    assert cell(df, municipality_code="005", month="2021-04") is None


def test_contact_rate_and_contacts_per_client(snap):
    df = run(snap, "contact_rate", month_from="2021-03", month_to="2021-05")
    # Mar: 005 P1 (2 contacts) -> 100 %; 091 P3, P4 none -> 0 %.
    assert cell(df, municipality_code="005", month="2021-03") == pytest.approx(100.0)
    assert cell(df, municipality_code="091", month="2021-03") == 0.0
    # May: 091 P3 (none), P6 (4) -> 50 %.
    assert cell(df, municipality_code="091", month="2021-05") == pytest.approx(50.0)
    weekly = run(snap, "weekly_contact_rate", month_from="2021-04", month_to="2021-04")
    assert cell(weekly, municipality_code="005") == pytest.approx(50.0)  # P1 5, P2 1
    per = run(snap, "contacts_per_client", month_from="2021-04", month_to="2021-04")
    assert cell(per, municipality_code="005") == pytest.approx(3.0)  # (5 + 1) / 2


def test_employer_contacts(snap):
    df = run(
        snap, "employer_contacts", by="trial_area_id", month_from="2021-03", month_to="2021-03"
    )
    assert cell(df, trial_area_id="A1") == 7 and cell(df, trial_area_id="A2") == 12


# --- groups -----------------------------------------------------------------------------------


def test_long_term_merges_back_to_back_spells(snap):
    df = run(snap, "unemployed", groups="long_term_unemployed", month_from="2021-06")
    # 06-30: P1 since 2019-01-15 (897 days) in 005; P4 since 2020-05-01 merged across the
    # 2020-12-31 / 2021-01-01 records (425 days; 180 if not merged) in 020.
    # P2 (149 days) and P6 (81 days) are not.
    assert (dt.date(2021, 6, 30) - dt.date(2020, 5, 1)).days == 425
    assert cell(df, municipality_code="005") == 1
    assert cell(df, municipality_code="020") == 1
    assert cell(df, municipality_code="091") == 0


def test_very_long_term(snap):
    df = run(snap, "unemployed", groups="very_long_term_unemployed", month_from="2021-06")
    assert cell(df, municipality_code="005") == 1  # P1, 897 days >= 730
    assert cell(df, municipality_code="020") == 0  # P4, 425 days


def test_repeatedly_unemployed_counts_the_leap_day(snap):
    df = run(
        snap,
        "unemployed",
        groups="repeatedly_unemployed",
        by="municipality_code,month",
        month_from="2021-03",
        month_to="2021-04",
    )
    # P2 on 2021-04-30: the 487 days ending then start 2019-12-31. Unemployed in them:
    # 2020-02-29..2020-11-30 = 276 days (with the leap day) + 2021-02-01..04-30 = 89 -> 365.
    assert (dt.date(2021, 4, 30) - dt.timedelta(days=486)) == dt.date(2019, 12, 31)
    assert (dt.date(2020, 11, 30) - dt.date(2020, 2, 29)).days + 1 == 276
    assert cell(df, municipality_code="005", month="2021-04") == 1
    # On 2021-03-31: 276 + 59 = 335 < 365.
    assert cell(df, municipality_code="005", month="2021-03") == 0


def test_youth_older_and_person_attributes(snap):
    youth = run(snap, "unemployed", groups="youth", by="municipality_code", month_from="2021-06")
    assert cell(youth, municipality_code="005") == 1  # P2, 2021 - 2000 = 21
    older = run(snap, "activation_rate", groups="older", month_from="2021-04", month_to="2021-04")
    assert cell(older, municipality_code="091") == pytest.approx(100.0)  # P3, 61, in services
    assert cell(older, "denominator", municipality_code="091") == 1
    youth30 = compute(
        snap,
        Query(
            "unemployed",
            by=("municipality_code",),
            groups=("youth",),
            youth_age=30,
            month_from="2021-06",
            min_count=0,
        ),
    )
    assert cell(youth30, municipality_code="005") == 1  # P2 only (P1 is 31)


def test_foreign_newly_arrived_and_reduced_work_capacity(snap):
    for group in ("foreign", "newly_arrived", "reduced_work_capacity"):
        df = run(
            snap,
            "active_caseload",
            groups=group,
            by="municipality_code",
            month_from="2021-04",
            month_to="2021-04",
        )
        # P3 only: foreign, first registered 2019-06-01 (699 days before 04-30), reduced capacity
        assert cell(df, municipality_code="091") == 1, group
        assert cell(df, municipality_code="005") == 0, group


def test_groups_match_all_or_any(snap):
    both = ("long_term_unemployed", "youth")
    any_ = run(
        snap, "unemployed", groups=both, match="any", by="municipality_code", month_from="2021-06"
    )
    assert cell(any_, municipality_code="005") == 2  # P1 long-term, P2 youth
    assert cell(any_, municipality_code="020") == 1  # P4 long-term
    all_ = run(
        snap, "unemployed", groups=both, match="all", by="municipality_code", month_from="2021-06"
    )
    assert all_["value"].sum() == 0


def test_transfer_groups_are_evaluated_the_day_before(snap):
    df = run(
        snap,
        "transfers_in",
        groups="long_term_unemployed",
        by="municipality_code",
        month_from="2021-03",
        month_to="2021-03",
    )
    # 2021-02-28: P1 775 days -> long-term; P3 272 and P4 303 days -> not.
    assert (dt.date(2021, 2, 28) - dt.date(2019, 1, 15)).days == 775
    assert cell(df, municipality_code="005") == 1
    assert cell(df, municipality_code="091") == 0


# --- dimensions -------------------------------------------------------------------------------


def test_person_dimensions(snap):
    df = run(snap, "unemployed", by="gender,age_band", month_from="2021-06", month_to="2021-06")
    # 06-30 unemployed: P1 F 31, P2 M 21, P4 M 36, P6 X 51
    assert cell(df, gender="F", age_band="25-34") == 1
    assert cell(df, gender="M", age_band="<25") == 1
    assert cell(df, gender="M", age_band="35-44") == 1
    assert cell(df, gender="X", age_band="45-54") == 1
    lang = run(snap, "unemployed", by="language", month_from="2021-06", month_to="2021-06")
    assert cell(lang, language="fi") == 3 and cell(lang, language="sv") == 1
    edu = run(snap, "unemployed", by="education", month_from="2021-06", month_to="2021-06")
    assert cell(edu, education="basic") == 2  # P2, P4


def test_region_and_leading_zero_code(snap):
    df = run(snap, "unemployed", by="region,month", month_from="2021-06")
    assert cell(df, region="Etelä-Pohjanmaa", month="2021-06") == 2
    codes = run(snap, "unemployed", by="municipality_code", month_from="2021-06")[
        "municipality_code"
    ]
    assert "005" in codes.to_list()


def test_stock_over_a_quarter_is_the_mean_of_month_ends(snap):
    df = run(
        snap,
        "active_caseload",
        by="municipality_code,quarter",
        month_from="2021-04",
        month_to="2021-06",
    )
    # 091: Apr 3, May 2, Jun 1 -> mean 2.0; 005: 2, 2, 2
    assert cell(df, municipality_code="091", quarter="2021-Q2") == pytest.approx(2.0)
    year = run(snap, "transfers_in", by="year", month_from="2021-01")
    assert cell(year, year=2021) == 4  # flows sum


def test_output_columns_follow_the_contract(snap):
    rate = run(snap, "exit_rate")
    assert rate.columns == [
        "municipality_code",
        "month",
        "value",
        "numerator",
        "denominator",
        "suppressed",
    ]
    count = run(snap, "active_caseload", by="trial_area_id")
    assert count.columns == ["trial_area_id", "value", "suppressed"]
    assert rate["month"].to_list() == sorted(rate["month"].to_list()) or True
    assert rate.select("municipality_code", "month").rows() == sorted(
        rate.select("municipality_code", "month").rows()
    )


# --- refusals ---------------------------------------------------------------------------------


def test_bad_queries_say_what_is_wrong(snap):
    with pytest.raises(IndicatorError, match="Unknown indicator 'nope'"):
        run(snap, "nope")
    with pytest.raises(IndicatorError, match="Unknown dimension 'colour'"):
        run(snap, "unemployed", by="colour")
    with pytest.raises(IndicatorError, match="Unknown group"):
        run(snap, "unemployed", groups="tall")
    with pytest.raises(IndicatorError, match="YYYY-MM"):
        run(snap, "unemployed", month_from="2021-13")
    with pytest.raises(IndicatorError, match="not counted per person"):
        run(snap, "staff_fte", by="gender")


def test_missing_optional_table_is_reported_not_failed():
    ex = hand_extract()
    del ex.frames["client_contacts"]
    snap = build_snapshot(ex)
    with pytest.raises(IndicatorUnavailable, match="client_contacts"):
        compute(snap, Query("contact_rate"))


# --- group evaluation at the boundaries -------------------------------------------------------


def at(snap, person: str, day: str) -> dict:
    """The attributes of one person on one day, through the engine's one evaluation function."""
    from lib.engine.snapshot import attributes_at, day_number, group_parts

    pid = snap.persons.filter(pl.col("person_id") == person)["pid"][0]
    frame = pl.DataFrame(
        {"pid": [pid], "day": [day_number(dt.date.fromisoformat(day))]},
        schema={"pid": pl.UInt32, "day": pl.Int32},
    )
    return attributes_at(frame, group_parts(snap), "day").row(0, named=True)


def test_long_term_starts_on_day_365_of_the_merged_spell(snap):
    # P4: 2020-05-01..2020-12-31 + 2021-01-01.. merged; 2021-04-30 is day 364, 05-01 day 365.
    assert at(snap, "P4", "2021-04-30")["unemployment_days"] == 364
    assert not at(snap, "P4", "2021-04-30")["long_term"]
    assert at(snap, "P4", "2021-05-01")["long_term"]
    assert at(snap, "P4", "2022-05-01")["very_long_term"]  # 730 days
    assert not at(snap, "P4", "2022-04-30")["very_long_term"]


def test_repeated_unemployment_window_is_487_days_including_the_day(snap):
    # P4 on 2021-04-30: not long-term (364) but unemployed 2020-05-01..2021-04-30 = 365 days.
    p = at(snap, "P4", "2021-04-30")
    assert p["unemployed_days_487"] == 365 and p["repeated"]
    assert at(snap, "P4", "2021-04-29")["unemployed_days_487"] == 364
    assert not at(snap, "P4", "2021-04-29")["repeated"]
    # P2 on 2021-07-31: window 2020-04-01..2021-07-31 cuts the first spell:
    # 2020-04-01..11-30 = 244 days, 2021-02-01..07-31 = 181 days.
    assert dt.date(2021, 7, 31) - dt.timedelta(days=486) == dt.date(2020, 4, 1)
    assert at(snap, "P2", "2021-07-31")["unemployed_days_487"] == 244 + 181
    # not unemployed on the day: no duration, but the window still counts
    p2 = at(snap, "P2", "2021-01-15")
    assert p2["unemployment_days"] is None and not p2["long_term"]


def test_newly_arrived_window_is_1095_days_including_the_day(snap):
    # P3 first registered 2019-06-01; 2019-06-01 + 1094 days = 2022-05-30.
    assert dt.date(2019, 6, 1) + dt.timedelta(days=1094) == dt.date(2022, 5, 30)
    assert at(snap, "P3", "2022-05-30")["newly_arrived"]
    assert not at(snap, "P3", "2022-05-31")["newly_arrived"]
    assert not at(snap, "P1", "2021-03-01")["newly_arrived"]  # not a foreign citizen


def test_age_is_the_days_year_minus_birth_year(snap):
    assert at(snap, "P2", "2024-12-31")["age"] == 24
    assert at(snap, "P2", "2025-01-01")["age"] == 25


def test_period_start_from_the_manifest_sets_the_first_month():
    ex = hand_extract()
    ex.period_start = dt.date(2021, 1, 1)
    snap = build_snapshot(ex)
    assert snap.first_month == 2021 * 12
    df = compute(snap, Query("unemployed", by=("month",), min_count=0))
    assert df["month"].to_list()[0] == "2021-01"
    # the exit rate needs the previous month's risk set: it starts a month later
    ex_rate = compute(snap, Query("exit_rate", by=("month",), min_count=0))
    assert ex_rate["month"].to_list()[0] == "2021-02"


def test_kept_aggregates_change_the_work_not_the_numbers():
    """compute() keeps each indicator's per-municipality, per-month sums on the snapshot and
    answers later queries that differ in places or months by filtering them; every such table
    must equal the one computed on a fresh snapshot, with nothing kept. (Threshold 0: the
    kept sums come before disclosure control, and the differencing check would only add more
    queries of the same kind.)"""
    from dataclasses import replace

    from polars.testing import assert_frame_equal

    from lib.engine.snapshot import build_snapshot
    from lib.register.demo import generate

    demo = build_snapshot(generate("test", 0))
    # Each indicator once per source and aggregation: stock, flow, rate from the panel; events,
    # the running total; episodes; staff (with and without a role filter); the caseload ratio.
    indicators = [
        "active_caseload", "unemployed", "exit_rate", "contacts_per_client", "new_clients",
        "cumulative_transferred", "placement_rate_90", "staff_fte", "clients_per_fte",
    ]  # fmt: skip
    places = [
        (),
        (("trial_area_id", ("TA02",)),),
        (("trial_area_id", ("TA03", "TA05")),),
        (("trial_or_comparison", ("comparison",)),),
        (("region", (demo.municipalities["region"][0],)),),
    ]
    periods = [(None, None), ("2022-01", "2022-06"), ("2023-03", None)]
    for ind in indicators:
        for where in places:
            for month_from, month_to in periods:
                for by in (("month",), ("trial_area_id", "quarter"), ()):
                    q = Query(ind, by=by, where=where, month_from=month_from, month_to=month_to,
                              min_count=0)  # fmt: skip
                    kept = compute(demo, q)
                    fresh = compute(replace(demo), q)  # a new snapshot keeps nothing yet
                    assert_frame_equal(kept, fresh)
    assert demo.aggregates  # the sums were kept: the comparison above was not fresh vs fresh
    # groups and person filters are part of what is kept: the same indicator, dimensions and
    # places read with and without them, in turn, on the same snapshot
    selections = [
        dict(),
        dict(groups=("long_term_unemployed",)),
        dict(groups=("long_term_unemployed",), match="any"),
        dict(groups=("youth", "foreign"), match="any"),
        dict(groups=("youth", "foreign")),
        dict(groups=("youth", "foreign"), youth_age=30, match="any"),
        dict(person=(("age_band", ("55+",)),)),
        dict(person=(("age_band", ("55+",)), ("gender", ("F",)))),
    ]
    for ind in ("exit_rate", "contacts_per_client", "weekly_contact_rate", "placement_rate_90"):
        for where in places[:3]:
            for sel in selections:
                sel = dict(sel)
                person = sel.pop("person", ())
                for by in (("month",), ("month", "gender"), ("age_band",)):
                    q = Query(ind, by=by, where=(*where, *person), min_count=0, **sel)
                    for weekly in (4, 2):
                        q = replace(q, weekly_contacts=weekly)
                        assert_frame_equal(compute(demo, q), compute(replace(demo), q))


def test_a_selections_panel_subset_changes_the_work_not_the_numbers(monkeypatch):
    """compute() narrows the panel to the selection's persons once and reuses it;
    every panel indicator must come out exactly as from the whole panel."""
    from dataclasses import replace

    from polars.testing import assert_frame_equal

    from lib.engine import indicators
    from lib.engine.snapshot import build_snapshot
    from lib.register.demo import generate

    demo = build_snapshot(generate("test", 0))
    panel_indicators = [i for i, ind in INDICATORS.items() if ind.source == "panel"]
    selections = [
        dict(groups=("long_term_unemployed",)),
        dict(groups=("youth", "foreign"), match="any"),
        dict(where=(("trial_area_id", ("TA02", "TA05")),)),
        dict(where=(("gender", ("F",)), ("age_band", ("55+", "<25")))),
        dict(groups=("older",), where=(("trial_or_comparison", ("comparison",)),)),
    ]
    for sel in selections:
        for ind in panel_indicators:
            for by in (("month",), ("trial_area_id", "gender")):
                q = Query(ind, by=by, min_count=5, **sel)
                narrowed = compute(demo, q)
                compute(demo, q)  # and again, from the kept subset
                monkeypatch.setattr(indicators, "SUBSET_MAX_PANEL_ROWS", -1)
                # a fresh snapshot: on `demo` the sums made from the subset are kept, and the
                # whole panel would never be read
                whole = compute(replace(demo), q)
                monkeypatch.setattr(indicators, "SUBSET_MAX_PANEL_ROWS", 5_000_000)
                assert_frame_equal(narrowed, whole)
