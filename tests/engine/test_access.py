"""The access layer (lib/engine/access.py): every read names its viewer and goes through one
place; the store door (lib/engine/door.py) the same for changes to the store."""

from __future__ import annotations

import pytest
from polars.testing import assert_frame_equal

from lib.engine import access, door
from lib.engine.cohort import EVERYONE, Cohort
from lib.engine.errors import FigureError, FigureUnavailable, Refused
from lib.engine.indicators import IndicatorError, IndicatorUnavailable, Query, compute
from lib.engine.snapshot import build_snapshot
from lib.stats.effect import effect_table
from tests.hand_fixture import hand_extract


@pytest.fixture(scope="module")
def snap():
    return build_snapshot(hand_extract())


def test_a_read_names_its_viewer(snap):
    with pytest.raises(TypeError, match="names its viewer"):
        access.Reader(None, snap)
    with pytest.raises(TypeError):
        access.Reader(snap)  # the snapshot is not a viewer


def test_full_access_reads_what_the_engine_computes(snap):
    reader = access.Reader(access.FULL_ACCESS, snap)
    q = Query("active_caseload", by=("trial_area_id", "month"), min_count=0)
    assert_frame_equal(reader.indicator(q), compute(snap, q))
    assert_frame_equal(reader.effect(EVERYONE, None, 0), effect_table(snap))
    assert_frame_equal(reader.effect(EVERYONE), effect_table(snap, None, EVERYONE, 5))
    facts = reader.facts()
    # the hand fixture: one trial, areas A1 and A2, three municipalities, Mar-Jun 2021
    assert facts.trials["trial_id"].to_list() == ["T1"]
    assert sorted(facts.trial_areas["trial_area_id"]) == ["A1", "A2"]
    assert sorted(facts.municipalities["municipality_code"]) == ["005", "020", "091"]
    assert (facts.first_month, facts.last_month) == ("2020-01", "2021-06")


def test_several_indicators_at_once_none_where_the_extract_cannot_answer(snap):
    reader = access.Reader(access.FULL_ACCESS, snap)
    ok = Query("unemployed", by=("month",), min_count=0)
    bad = Query("unemployed", by=("colour",), min_count=0)
    got = reader.indicators([ok, bad])
    assert_frame_equal(got[0], compute(snap, ok))
    assert got[1] is None


def test_a_limited_viewer_gets_their_rows_and_no_detail_beyond_them(snap):
    # tests/engine/test_roles.py has the rule row by row; here: a municipal viewer owning 091
    lead = access.Viewer("Municipal lead", "municipal", ("091",))
    reader = access.Reader(lead, snap)
    table = reader.indicator(Query("unemployed", by=("municipality_code", "month")))
    assert set(table["municipality_code"]) == {"091"}
    assert reader.facts().trials.height == 1  # reference facts are not person data
    youth = Cohort(("youth",))
    for read in (
        lambda: reader.effect(youth),
        lambda: reader.survival(),
        lambda: reader.peers("005"),
        lambda: reader.expected_placement(),
        lambda: reader.state_caseload("2021-03", ("005",), youth),
    ):
        with pytest.raises(Refused):
            read()
    with pytest.raises(Refused):
        door.open_store(lead, door.LOAD_REGISTER)


def test_one_hierarchy_of_errors():
    assert issubclass(IndicatorError, FigureError)
    assert issubclass(IndicatorUnavailable, FigureUnavailable)
    assert issubclass(Refused, FigureError)
    from lib.stats.expected import ExpectedError
    from lib.stats.peers import PeersError
    from lib.stats.survival import SurvivalError

    assert all(issubclass(e, FigureError) for e in (ExpectedError, PeersError, SurvivalError))


def test_what_the_extract_lacks_is_a_typed_error(snap):
    from dataclasses import replace

    extract = hand_extract()
    frames = {k: v for k, v in extract.frames.items() if k != "service_episodes"}
    reader = access.Reader(access.FULL_ACCESS, build_snapshot(replace(extract, frames=frames)))
    with pytest.raises(FigureError, match="service_episodes"):
        reader.survival(EVERYONE, "coaching")
    with pytest.raises(FigureError, match="service_episodes"):
        reader.expected_placement()


def test_a_cohort_is_a_cache_key_and_says_what_is_wrong():
    a = Cohort(("youth",), "any", 30, (("gender", ("F",)),))
    assert a == Cohort(("youth",), "any", 30, (("gender", ("F",)),))
    assert hash(a) == hash(Cohort(("youth",), "any", 30, (("gender", ("F",)),)))
    assert {a: 1}[Cohort(("youth",), "any", 30, (("gender", ("F",)),))] == 1
    assert EVERYONE.problem() is None and EVERYONE.group_filter() is None
    assert "Unknown group 'tall'" in Cohort(("tall",)).problem()
    assert Cohort(match="some").problem() == "match must be 'all' or 'any'."


def test_the_state_caseload_before_the_start_by_hand(snap):
    # As tests/figures/test_page_views.py::test_planned_transfers_...: on 2021-02-28 the state
    # office served four job seekers in 005 and 091, two in 005 alone, two of them men.
    reader = access.Reader(access.FULL_ACCESS, snap)
    assert reader.state_caseload("2021-03", ("005", "091"), EVERYONE, 0) == (4.0, False)
    assert reader.state_caseload("2021-03", ("005",), EVERYONE, 0) == (2.0, False)
    men = Cohort(where=(("gender", ("M",)),))
    assert reader.state_caseload("2021-03", ("005", "091"), men, 0) == (2.0, False)
    # with the threshold the count is perturbed first (lib/engine/disclosure.py): P1..P4 have
    # the record keys 206, 228, 251, 68 (tests/engine/test_disclosure.py), the cell key
    # (206 + 228 + 251 + 68) mod 256 = 241, and ptable.csv gives a count of 2+ with key
    # 224..255 the noise +2: 4 + 2 = 6, not under 5, so shown
    assert reader.state_caseload("2021-03", ("005", "091"), EVERYONE, 5) == (6.0, False)
    # 005 alone: P1, P2, key (206 + 228) mod 256 = 178, noise +1 (176..223): 3, under 5
    assert reader.state_caseload("2021-03", ("005",), EVERYONE, 5) == (None, True)
    # on 2020-11-30: P1 and P2 (whose state spell ends that day) in 005, P3 and P4 in 091
    assert reader.state_caseload("2020-12", ("005", "091"), EVERYONE, 0) == (4.0, False)
    # the month before the extract's first (2020-01): nothing to count
    assert reader.state_caseload("2020-01", ("005", "091"), EVERYONE, 0) == (None, False)


def test_the_state_caseload_per_area_by_hand(snap):
    # On 2021-02-28 the state office served P1, P2 in 005 (area A1) and P3, P4 in 091 (A2);
    # a unit of no municipality counts nobody. Exact without a threshold, in the units' order:
    reader = access.Reader(access.FULL_ACCESS, snap)
    units = (("A2", ("091",)), ("A1", ("005",)), ("none", ()))
    exact = reader.state_caseload_table("2021-03", units, EVERYONE, 0)
    assert exact.rows() == [("A2", 2.0, False), ("A1", 2.0, False), ("none", 0.0, False)]
    # Perturbed with threshold 1: A1 key (206 + 228) mod 256 = 178 -> +1 (176..223): 3;
    # A2 key (251 + 68) mod 256 = 63 -> -1 (32..79): 1; zero stays zero and is under 1.
    got = reader.state_caseload_table("2021-03", units, EVERYONE, 1)
    assert got.rows() == [("A2", 1.0, False), ("A1", 3.0, False), ("none", None, True)]
    # the women among them: P1 (005) and P3 (091), one each
    women = Cohort(where=(("gender", ("F",)),))
    assert reader.state_caseload_table("2021-03", units[:2], women, 0)["value"].to_list() == [
        1.0,
        1.0,
    ]
    # the month before the extract's first: no rows
    assert reader.state_caseload_table("2020-01", units, EVERYONE, 0).height == 0


def test_a_municipal_user_gets_the_state_caseload_of_whole_areas_or_their_own(snap):
    # a lead of 005 (area A1): every whole area without groups; with a group their own only
    lead = access.Viewer("Municipal lead", "municipal", ("005",))
    mine, full = access.Reader(lead, snap), access.Reader(access.FULL_ACCESS, snap)
    units = (("A1", ("005",)), ("A2", ("091",)))
    assert_frame_equal(
        mine.state_caseload_table("2021-03", units), full.state_caseload_table("2021-03", units)
    )
    youth = Cohort(("youth",))
    assert mine.state_caseload_table("2021-03", units, youth)["unit"].to_list() == ["A1"]
