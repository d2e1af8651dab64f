"""FilterState (lib/figures/filters.py): the queries it makes, its URL form, and what it drops.

The options are the hand fixture's (tests/hand_fixture.py): trial T1 from 2021-03, areas A1
(Alajärvi 005) and A2 (Helsinki 091), comparison municipality Akaa 020; months 2020-01..2021-06.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from lib.engine.indicators import Query
from lib.engine.snapshot import build_snapshot
from lib.figures.filters import (
    COMPARISON,
    NO_GEO,
    WHOLE_TRIAL,
    FilterState,
    options_from_facts,
)
from tests.hand_fixture import hand_extract
from tests.readers import facts


@pytest.fixture(scope="module")
def opts():
    return options_from_facts(facts(build_snapshot(hand_extract())))


def make(indicator: str, **kw) -> Query:
    return Query(indicator, min_count=0, **kw)


# --- options ----------------------------------------------------------------------------------


def test_options_name_the_trial_its_areas_and_municipalities_in_both_languages(opts):
    (trial,) = opts.trials
    assert (trial.id, trial.start_month, trial.end_month) == ("T1", "2021-03", "2024-12")
    assert [a.id for a in opts.areas_of("T1")] == ["A1", "A2"]
    assert [m.code for m in opts.municipalities_of("T1")] == ["005", "091"]
    helsinki = opts.municipality("091")
    assert helsinki.label("fi") == "Helsinki" and helsinki.label("sv") == "Helsingfors"
    assert helsinki.search_label("en") == "Helsinki (Helsingfors)"
    assert opts.municipality("005").search_label("en") == "Alajärvi"  # same in Swedish
    assert (opts.first_month, opts.last_month) == ("2020-01", "2021-06")


def test_the_default_period_is_the_trials_months_up_to_as_of(opts):
    state = opts.default_state()
    assert (state.trial, state.month_from, state.month_to) == ("T1", "2021-03", "2021-06")
    assert state.to_params(opts) == {}


# --- queries ----------------------------------------------------------------------------------

TRIAL = (("trial_or_comparison", ("trial",)),)


@pytest.mark.parametrize(
    "change, indicator, kw, expected",
    [
        ({}, "active_caseload", {}, {"where": TRIAL}),
        ({"areas": ("A1",)}, "active_caseload", {}, {"where": (("trial_area_id", ("A1",)),)}),
        (
            {"areas": ("A1", "A2"), "municipalities": ("091",)},
            "active_caseload",
            {},
            {"where": (("municipality_code", ("091",)),)},
        ),
        (
            {"areas": ("A1",)},
            "exit_rate",
            {"side": COMPARISON},
            {"where": (("trial_or_comparison", ("comparison",)),)},
        ),
        ({"areas": ("A1",)}, "exit_rate", {"side": WHOLE_TRIAL}, {"where": TRIAL}),
        (
            {"areas": ("A1",)},
            "exit_rate",
            {"side": NO_GEO, "where": (("region", ("Uusimaa",)),)},
            {"where": (("region", ("Uusimaa",)),)},
        ),
        (
            {"groups": ("youth", "older"), "match": "any", "gender": ("F",)},
            "active_caseload",
            {},
            {"where": (*TRIAL, ("gender", ("F",))), "groups": ("youth", "older"), "match": "any"},
        ),
        # Staff are not counted per person: groups and person filters do not apply.
        ({"groups": ("youth",), "gender": ("F",)}, "staff_fte", {}, {"where": TRIAL}),
        ({"groups": ("youth",)}, "active_caseload", {"groups": ()}, {"where": TRIAL}),
        (
            {},
            "active_caseload",
            {"period": ("2020-06", "2020-12")},
            {"where": TRIAL, "month_from": "2020-06", "month_to": "2020-12"},
        ),
    ],
)
def test_to_query(opts, change, indicator, kw, expected):
    state = replace(opts.default_state(), **change)
    q = state.to_query(opts, indicator, ("month",), base=make, **kw)
    want = {"month_from": "2021-03", "month_to": "2021-06", **expected}
    assert q == make(indicator, by=("month",), **want)


def test_a_where_on_the_same_dimension_keeps_what_both_allow(opts):
    state = replace(opts.default_state(), municipalities=("005", "091"))
    q = state.to_query(
        opts, "active_caseload", base=make, where=(("municipality_code", ("091", "020")),)
    )
    assert q.where == (("municipality_code", ("091",)),)


def test_filters_that_do_not_apply_are_named(opts):
    state = replace(opts.default_state(), groups=("youth",), language=("sv",))
    assert state.not_applied("staff_fte") == ["Groups", "Language"]
    assert state.not_applied("active_caseload") == []


# --- URL ---------------------------------------------------------------------------------------


def test_url_round_trip(opts):
    state = FilterState(
        trial="T1",
        areas=("A2",),
        municipalities=("091",),
        month_from="2020-06",
        month_to="2021-05",
        groups=("youth", "long_term_unemployed"),
        match="any",
        gender=("F", "X"),
        age_band=("<25",),
        language=("sv",),
        education=("basic",),
        comparison=False,
    )
    params = state.to_params(opts)
    assert params == {
        "area": "A2",
        "muni": "091",
        "from": "2020-06",
        "to": "2021-05",
        "group": "youth,long_term_unemployed",
        "match": "any",
        "gender": "F,X",
        "age": "<25",
        "language": "sv",
        "edu": "basic",
        "comparison": "0",
    }
    back, notices = FilterState.from_params(params, opts)
    assert back == state and notices == []


@pytest.mark.parametrize(
    "params, field, value, notice",
    [
        ({"area": "A1,ZZ"}, "areas", ("A1",), "ZZ"),
        ({"muni": "020"}, "municipalities", (), "020"),  # a comparison municipality
        ({"area": "A1", "muni": "091"}, "municipalities", (), "091"),  # not in area A1
        ({"group": "youth,wizards"}, "groups", ("youth",), "wizards"),
        ({"gender": "Q"}, "gender", (), "Q"),
        ({"match": "some"}, "match", "all", "some"),
        ({"comparison": "maybe"}, "comparison", True, "maybe"),
        ({"from": "2021-13"}, "month_from", "2021-03", "2021-13"),
        ({"from": "2015-01"}, "month_from", "2020-01", "2015-01"),
        ({"to": "2030-01"}, "month_to", "2021-06", "2030-01"),
        ({"from": "2021-05", "to": "2021-04"}, "month_from", "2021-03", "2021-05"),
        ({"trial": "T9"}, "trial", "T1", "T9"),
    ],
)
def test_bad_or_stale_url_values_are_dropped_with_a_notice(opts, params, field, value, notice):
    state, notices = FilterState.from_params(params, opts)
    assert getattr(state, field) == value
    assert len(notices) == 1 and notice in notices[0]


def test_unknown_parameters_are_left_to_other_pages(opts):
    state, notices = FilterState.from_params({"lang": "fi", "focus": "m:091"}, opts)
    assert state == opts.default_state() and notices == []


def test_sanitized_drops_what_the_extract_no_longer_offers(opts):
    stale = replace(opts.default_state(), areas=("A1", "A9"), month_to="2029-12")
    assert stale.sanitized(opts) == replace(opts.default_state(), areas=("A1",))


# --- words -------------------------------------------------------------------------------------


def test_describe_says_every_filter_in_words(opts):
    state = replace(
        opts.default_state(),
        municipalities=("091",),
        groups=("youth", "older"),
        match="any",
        gender=("F",),
    )
    words = dict(state.describe(opts, "sv"))
    assert words["Trial"] == "Test trial"
    assert words["Municipalities"] == "Helsingfors"
    assert words["Period"] == "Mar–Jun\u00a02021"
    assert words["Groups"] == "Youth or Older (55+)"
    assert words["Gender"] == "Women"
    assert words["Show the comparison municipalities"] == "shown"
    assert state.summary(opts, "fi") == (
        "Municipalities: Helsinki · Period: Mar–Jun\u00a02021 · Groups: Youth or Older (55+) · "
        "Gender: Women"
    )
