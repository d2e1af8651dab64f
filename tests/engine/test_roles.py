"""Who may see what (../shared/DATA_CONTRACT.md, "Users and access"), where figures are read:
lib/engine/access.py's Viewer, viewer_for, demo_viewer and the rule, on the hand fixture.

The hand fixture (tests/hand_fixture.py): trial T1 with areas A1 = {005 Alajärvi} and
A2 = {091 Helsinki}; 020 Akaa is a comparison municipality (no area). The municipal lead below
owns area A1, so their own municipalities are {005} and their own areas {A1}.

Every count in the fixture is under the threshold 5, so the tables here are read at the
deployment's threshold (values suppressed); what is checked is which places' rows a viewer gets,
worked out from the fixture's places, and that a kept row is the full-access row.
"""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from lib.engine import access, door
from lib.engine.cohort import EVERYONE, Cohort
from lib.engine.errors import Refused
from lib.engine.indicators import Query, compute
from lib.engine.snapshot import build_snapshot
from lib.register.store import get_engine, replace_register
from lib.register.users import User, add_user, remove_user
from tests.hand_fixture import hand_extract

LEAD = User("lead@x.fi", "municipal", areas=("A1",), name="Lead of A1")
YOUTH = Cohort(("youth",))


@pytest.fixture(scope="module")
def snap():
    return build_snapshot(hand_extract())


@pytest.fixture(scope="module")
def lead(snap):
    return access.viewer_for(LEAD, access.Reader(access.FULL_ACCESS, snap).facts())


def places(table: pl.DataFrame, column: str) -> set:
    return set(table[column].to_list())


def test_a_user_row_becomes_a_viewer(snap, lead):
    facts = access.Reader(access.FULL_ACCESS, snap).facts()
    # A1's one municipality is 005: their own municipalities are 005 (from the area) and 020
    assert access.viewer_for(
        User("m@x.fi", "municipal", areas=("A1",), municipalities=("020",)), facts
    ) == access.Viewer("m@x.fi", "municipal", ("020", "005"), ("A1",), "m@x.fi")
    assert lead == access.Viewer("Lead of A1", "municipal", ("005",), ("A1",), "lead@x.fi")
    for role in ("ministry", "evaluator", "admin"):
        v = access.viewer_for(User("x@x.fi", role), facts)
        assert (v.role, v.municipalities, v.subject) == (role, None, "x@x.fi")
    assert access.viewer_for(None, facts).role == "nobody"
    assert access.FULL_ACCESS == access.Viewer()  # the operator, as before
    assert access.FULL_ACCESS.role == "full" and access.FULL_ACCESS.municipalities is None


def test_the_demo_visitor_views_as_a_chosen_role(snap):
    facts = access.Reader(access.FULL_ACCESS, snap).facts()
    as_lead = access.demo_viewer("municipal", ("A2",), facts=facts)
    assert (as_lead.role, as_lead.municipalities, as_lead.areas) == ("municipal", ("091",), ("A2",))
    assert as_lead.subject is None and "Demo visitor" in as_lead.name
    assert access.demo_viewer("ministry").municipalities is None
    # without facts, the area's municipalities are added where the figure is read
    unresolved = access.demo_viewer("municipal", ("A2",))
    q = Query("unemployed", by=("municipality_code", "month"))
    assert places(access.Reader(unresolved, snap).indicator(q), "municipality_code") == {"091"}
    with pytest.raises(ValueError, match="needs an area"):
        access.demo_viewer("municipal")
    with pytest.raises(ValueError, match="views as one of"):
        access.demo_viewer("full")


def test_nobody_gets_no_figure_and_is_told_whom_to_ask(snap):
    nobody = access.Reader(access.viewer_for(None), snap)
    for read in (
        nobody.facts,
        lambda: nobody.indicator(Query("unemployed", by=("trial_area_id",))),
        nobody.effect,
        lambda: nobody.peers("005"),
    ):
        with pytest.raises(access.NoAccess, match="ask your organisation's Trialwatch admin"):
            read()
    with pytest.raises(access.NoAccess):
        door.open_store(access.viewer_for(None), door.SAVED_VIEWS)


def test_a_headline_query_is_answered_for_every_area(snap, lead):
    q = Query("unemployed", by=("trial_area_id", "month"))
    got = access.Reader(lead, snap).indicator(q)
    # every area's rows (A1, A2, and the comparison side's null area), as full access gets them
    assert_frame_equal(got, compute(snap, q))
    assert places(got, "trial_area_id") == {"A1", "A2", None}
    # another area's headline through a where is still headline
    other = Query("exit_rate", by=("month",), where=(("trial_area_id", ("A2",)),))
    assert_frame_equal(access.Reader(lead, snap).indicator(other), compute(snap, other))


def test_by_municipality_only_their_own_rows(snap, lead):
    q = Query("unemployed", by=("municipality_code", "month"))
    got = access.Reader(lead, snap).indicator(q)
    assert places(got, "municipality_code") == {"005"}  # not 091 (A2) nor 020 (comparison)
    assert_frame_equal(got, compute(snap, q).filter(pl.col("municipality_code") == "005"))
    # a where naming other places as well: theirs are left out
    both = Query(
        "unemployed", by=("municipality_code",), where=(("municipality_code", ("005", "091")),)
    )
    assert places(access.Reader(lead, snap).indicator(both), "municipality_code") == {"005"}
    # a where naming only another's municipality leaves nothing of theirs: refused, not empty
    with pytest.raises(Refused, match="your own areas or municipalities \\(A1, 005\\)"):
        access.Reader(lead, snap).indicator(
            Query("unemployed", by=("municipality_code",), where=(("municipality_code", ("091",)),))
        )


def test_a_person_dimension_needs_their_own_places(snap, lead):
    reader = access.Reader(lead, snap)
    with pytest.raises(Refused, match="beyond your own places: limit it to your own areas"):
        reader.indicator(Query("unemployed", by=("gender", "month")))
    mine = Query("unemployed", by=("gender",), where=(("trial_area_id", ("A1",)),))
    assert_frame_equal(reader.indicator(mine), compute(snap, mine))
    with pytest.raises(Refused):
        reader.indicator(Query("unemployed", by=("gender",), where=(("trial_area_id", ("A2",)),)))
    # a person dimension in where is detail too
    with pytest.raises(Refused):
        reader.indicator(Query("unemployed", by=("month",), where=(("gender", ("F",)),)))
    # by area with a person dimension: only their own area's rows
    by_area = reader.indicator(Query("unemployed", by=("trial_area_id", "gender")))
    assert places(by_area, "trial_area_id") <= {"A1"}


def test_a_group_or_an_indicator_outside_the_headline_list_is_detail(snap, lead):
    reader = access.Reader(lead, snap)
    with pytest.raises(Refused):
        reader.indicator(Query("unemployed", by=("month",), groups=("youth",)))
    with pytest.raises(Refused):
        reader.indicator(Query("staff_fte", by=("month",)))
    mine = Query("staff_fte", by=("month",), where=(("municipality_code", ("005",)),))
    assert_frame_equal(reader.indicator(mine), compute(snap, mine))
    youth = reader.indicator(Query("unemployed", by=("trial_area_id",), groups=("youth",)))
    assert places(youth, "trial_area_id") <= {"A1"}


def test_exact_small_counts_are_for_the_operator_only(snap, lead):
    exact = Query("unemployed", by=("trial_area_id",), min_count=0)
    compute(snap, exact)
    assert access.Reader(access.FULL_ACCESS, snap).indicator(exact).height > 0
    ministry = access.viewer_for(User("m@tem.fi", "ministry"))
    for viewer in (lead, ministry):
        with pytest.raises(Refused, match="only to the operator"):
            access.Reader(viewer, snap).indicator(exact)
        with pytest.raises(Refused, match="only to the operator"):
            access.Reader(viewer, snap).survival(EVERYONE, "coaching", None, 0)


def test_ministry_evaluator_and_admin_get_everything(snap):
    q = Query("unemployed", by=("gender", "municipality_code"), groups=("youth",))
    for role in ("ministry", "evaluator", "admin"):
        reader = access.Reader(access.viewer_for(User(f"{role}@x.fi", role)), snap)
        assert_frame_equal(reader.indicator(q), compute(snap, q))
        assert_frame_equal(
            reader.effect(YOUTH), access.Reader(access.FULL_ACCESS, snap).effect(YOUTH)
        )


def test_the_statistics_for_a_municipal_user(snap, lead):
    full, mine = access.Reader(access.FULL_ACCESS, snap), access.Reader(lead, snap)
    # the effect for everyone is headline: the trial's row and every area's rows
    assert_frame_equal(mine.effect(), full.effect())
    assert_frame_equal(
        mine.effect(EVERYONE, "trial_area_id"), full.effect(EVERYONE, "trial_area_id")
    )
    # for a group: their own area's row only, and no trial-wide row
    youth = mine.effect(YOUTH, "trial_area_id")
    assert places(youth, "trial_area_id") <= {"A1"}
    with pytest.raises(Refused, match="your own areas only"):
        mine.effect(YOUTH)
    assert_frame_equal(mine.event_study(EVERYONE, "A2"), full.event_study(EVERYONE, "A2"))
    assert_frame_equal(mine.event_study(YOUTH, "A1"), full.event_study(YOUTH, "A1"))
    with pytest.raises(Refused):
        mine.event_study(YOUTH, "A2")
    # time to employment: by their own places only
    curve, median = mine.survival(EVERYONE, "transfer", "municipality_code")
    assert places(median, "stratum") <= {"005"} and places(curve, "stratum") <= {"005"}
    with pytest.raises(Refused, match="Time to employment"):
        mine.survival(EVERYONE, "transfer", "trial_or_comparison")
    # actual against expected: every area for everyone; not by provider
    assert_frame_equal(mine.expected_exit(), full.expected_exit())
    with pytest.raises(Refused, match="not by provider"):
        mine.expected_placement()
    # the state office's caseload: whole areas (091 is all of A2), or their own municipality
    assert mine.state_caseload("2021-03", ("091",)) == full.state_caseload("2021-03", ("091",))
    assert mine.state_caseload("2021-03", ("005",), YOUTH) == full.state_caseload(
        "2021-03", ("005",), YOUTH
    )
    with pytest.raises(Refused, match="state office"):
        mine.state_caseload("2021-03", ("091",), YOUTH)
    with pytest.raises(Refused, match="state office"):
        mine.state_caseload("2021-03", ("020",))  # a comparison municipality is no area


def test_peers_of_their_own_municipality_without_the_others_register_figures(snap, lead):
    full, mine = access.Reader(access.FULL_ACCESS, snap), access.Reader(lead, snap)
    theirs, everyone = mine.peers("005", 2), full.peers("005", 2)
    assert theirs["municipality_code"].to_list() == everyone["municipality_code"].to_list()
    assert theirs["distance"].to_list() == everyone["distance"].to_list()
    others = theirs.filter(pl.col("municipality_code") != "005")
    assert others.height == 2
    assert others["unemployed"].null_count() == 2 and others["suppressed"].all()
    assert mine.peer_codes("005", 2) == full.peer_codes("005", 2)
    with pytest.raises(Refused, match="own municipalities only: choose one of 005"):
        mine.peers("091")
    with pytest.raises(Refused):
        mine.peer_codes("091")


def test_only_an_admin_loads_manages_users_and_reads_the_audit(lead):
    ministry = access.viewer_for(User("m@tem.fi", "ministry"))
    admin = access.viewer_for(User("a@tem.fi", "admin"))
    for what in (door.LOAD_REGISTER, door.LOAD_PUBLISHED, door.MANAGE_USERS, door.READ_AUDIT):
        for viewer in (lead, ministry):
            with pytest.raises(Refused, match="Only an admin"):
                access.permit(viewer, what)
        access.permit(admin, what)
        access.permit(access.FULL_ACCESS, what)
    for what in (door.SAVED_VIEWS, door.READ_HISTORY, door.READ_PUBLISHED):
        access.permit(lead, what)


def test_a_subject_is_looked_up_in_the_store(tmp_path):
    url = f"sqlite:///{tmp_path}/s.sqlite"
    engine = get_engine(url)
    replace_register(engine, hand_extract(), source_path="tests")
    add_user(engine, "Lead@X.fi", role="municipal", areas=("A2",), municipalities=("020",))
    add_user(engine, "eva@x.fi", role="evaluator", name="Eva")
    got = access.viewer_for_subject("lead@x.fi", url)
    # A2's one municipality 091 (from the store's municipalities), then 020
    assert got == access.Viewer("lead@x.fi", "municipal", ("020", "091"), ("A2",), "lead@x.fi")
    assert access.viewer_for_subject("eva@x.fi", url) == access.Viewer(
        "Eva", "evaluator", None, (), "eva@x.fi"
    )
    ghost = access.viewer_for_subject("ghost@x.fi", url)
    assert (ghost.role, ghost.subject) == ("nobody", "ghost@x.fi")
    remove_user(engine, "lead@x.fi")
    assert access.viewer_for_subject("lead@x.fi", url).role == "nobody"
    assert access.viewer_for_subject(None, url).role == "nobody"


def test_the_effect_on_placement_follows_the_effects_rule(lead):
    from tests.hand_fixture import placement_extract

    snap = build_snapshot(placement_extract())
    lead = access.viewer_for(LEAD, snap.municipalities)
    full, mine = access.Reader(access.FULL_ACCESS, snap), access.Reader(lead, snap)
    # for everyone it is headline: the whole trial and every area, as full access gets them
    assert_frame_equal(mine.placement_effect(), full.placement_effect())
    assert_frame_equal(
        mine.placement_effect(EVERYONE, "trial_area_id"),
        full.placement_effect(EVERYONE, "trial_area_id"),
    )
    # for a group: per area, their own area's row only; the trial-wide row is refused
    youth = mine.placement_effect(YOUTH, "trial_area_id", 90)
    assert places(youth, "trial_area_id") == {"A1"}
    with pytest.raises(Refused, match="your own areas only"):
        mine.placement_effect(YOUTH, None, 90, 5)
    # nobody gets nothing
    with pytest.raises(access.NoAccess):
        access.Reader(access.viewer_for(None), snap).placement_effect()
