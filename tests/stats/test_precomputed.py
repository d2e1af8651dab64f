"""What is precomputed once per snapshot (issue 18) gives the very figures computed directly.

The Evaluation page's statistics read, for a cohort, tables that are made once per snapshot and
shared by the sessions: the cube of at-risk person-months (lib/stats/cells.py) for the effect,
the event study and expected against actual, every start's follow-up for time to employment
(lib/stats/survival.py), the municipalities' features for the peers. Each test here computes a
figure both ways, on the hand fixture and on the demo register, exact (min_count 0) and
perturbed (min_count 5), and asks for equal frames: the same rows, types and values to the last
bit (the cells are put in one order, so that sums of floats run alike).
"""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from lib.engine.cohort import EVERYONE, Cohort
from lib.engine.snapshot import build_snapshot
from lib.register.demo import generate
from lib.stats import cells, effect, expected, peers, survival
from lib.stats.memo import PerSnapshot
from tests.hand_fixture import hand_extract

COHORTS = [
    EVERYONE,
    Cohort(groups=("long_term_unemployed",)),
    Cohort(groups=("youth",)),
    Cohort(groups=("youth",), youth_age=30),
    Cohort(groups=("older",)),
    Cohort(groups=("foreign", "reduced_work_capacity"), match="any"),
    Cohort(groups=("very_long_term_unemployed", "older"), match="all"),
    Cohort(groups=("repeatedly_unemployed",)),
    Cohort(groups=("newly_arrived",)),
]
# A person filter is not in the cube: those cohorts take the direct path (and must still agree)
WITH_FILTER = Cohort(groups=("long_term_unemployed",), where=(("gender", ("F",)),))


@pytest.fixture(scope="module", params=["hand", "demo"])
def snap(request):
    extract = hand_extract() if request.param == "hand" else generate("demo", 0)
    s = build_snapshot(extract)
    assert s.disclosure_key is not None  # the tests' secret (tests/conftest.py): perturbed
    return s


def fresh(monkeypatch):
    """Nothing kept from an earlier read (each memo of lib/stats emptied)."""
    monkeypatch.setattr(effect, "_CELLS", PerSnapshot())
    monkeypatch.setattr(expected, "_KEPT", PerSnapshot(kept=16))
    monkeypatch.setattr(survival, "_FOLLOWED", PerSnapshot())
    monkeypatch.setattr(cells, "_CUBES", PerSnapshot())
    monkeypatch.setattr(peers, "_FEATURES", PerSnapshot())


# --- the coarse age --------------------------------------------------------------------------


def test_the_coarse_age_reads_alike_under_every_age_rule():
    # limits 25, 35, 45, 55 and the youth limit 30: the classes' lowest ages (24 below 25)
    ages = pl.DataFrame({"age": [None, 15, 24, 25, 29, 30, 34, 35, 44, 45, 54, 55, 80]},
                        schema={"age": pl.Int16})  # fmt: skip
    coarse = ages.select(cells.coarse_age(30))["age"].to_list()
    assert coarse == [None, 24, 24, 25, 25, 30, 30, 35, 35, 45, 45, 55, 55]
    # with the limit 25 (the default) the class 25-34 is one
    assert ages.select(cells.coarse_age(25))["age"].to_list()[3:8] == [25, 25, 25, 25, 35]
    from lib.engine.indicators import age_band_expr, group_expr

    for youth_age in (25, 30):
        rules = [
            age_band_expr(),
            group_expr(("youth",), "all", youth_age),
            group_expr(("older",), "all", youth_age),
            expected._age_code(),
        ]
        for rule in rules:
            exact = ages.select(rule.alias("r"))["r"]
            assert_frame_equal(
                ages.select(cells.coarse_age(youth_age)).select(rule.alias("r")),
                exact.to_frame(),
            )


def test_the_cube_answers_cohorts_of_groups_only():
    assert cells.answers(Cohort(groups=("youth",), youth_age=30))
    assert not cells.answers(WITH_FILTER)
    assert not cells.answers(Cohort(groups=("youth",), youth_age=60))  # above the older limit
    assert not cells.answers(Cohort(groups=("no such group",)))


def test_the_cube_holds_every_at_risk_person_month(snap):
    # n sums to the exit rate's denominators: the unemployed month ends before the last month
    cube = cells.exit_cube(snap, 25)
    at_risk = snap.panel.filter(
        (pl.col("status") == "unemployed") & (pl.col("midx") + 1 <= snap.last_month)
    )
    assert cube["n"].sum() == at_risk.height
    assert cube["y"].sum() == at_risk["employed_next"].sum()


# --- the effect and the event study ----------------------------------------------------------


@pytest.mark.parametrize("cohort", [*COHORTS, WITH_FILTER], ids=str)
def test_exit_cells_from_the_cube_are_those_of_the_panel(snap, cohort, monkeypatch):
    fresh(monkeypatch)
    assert_frame_equal(effect.exit_cells(snap, cohort), effect.exit_cells_direct(snap, cohort))


@pytest.mark.parametrize("min_count", [0, 5])
def test_the_effect_and_event_study_are_the_same_either_way(snap, min_count, monkeypatch):
    areas = snap.trial_areas["trial_area_id"].sort().to_list()

    def figures(cohort):
        return [
            effect.effect_table(snap, None, cohort, min_count),
            effect.effect_table(snap, "trial_area_id", cohort, min_count),
            effect.event_study(snap, None, cohort, min_count),
            effect.event_study(snap, areas[0], cohort, min_count),
        ]

    for cohort in COHORTS[:4]:
        fresh(monkeypatch)
        kept = figures(cohort)
        fresh(monkeypatch)
        monkeypatch.setattr(effect, "_exit_cells", effect.exit_cells_direct)
        direct = figures(cohort)
        monkeypatch.undo()
        for a, b in zip(kept, direct, strict=True):
            assert_frame_equal(a, b)


# --- expected against actual ------------------------------------------------------------------


@pytest.mark.parametrize("min_count", [0, 5])
def test_expected_exit_is_the_same_from_the_cube(snap, min_count, monkeypatch):
    by = "trial_area_id" if min_count else "municipality_code"
    for cohort in (EVERYONE, COHORTS[1], COHORTS[3]):
        fresh(monkeypatch)
        kept = expected.expected_exit(snap, by=by, cohort=cohort, min_count=min_count)
        fresh(monkeypatch)
        direct = expected.expected_exit(
            snap, by=by, cohort=cohort, min_count=min_count, precomputed=False
        )
        assert_frame_equal(kept, direct)


# --- time to employment -----------------------------------------------------------------------


@pytest.mark.parametrize("start", ["coaching", "transfer"])
def test_follow_up_of_every_start_narrowed_is_the_cohort_followed(snap, start, monkeypatch):
    fresh(monkeypatch)
    for cohort in [*COHORTS, WITH_FILTER]:
        for by in (None, "trial_or_comparison", "trial_area_id", "long_term_unemployed"):
            assert_frame_equal(
                survival.follow_up(snap, start, by, cohort),
                survival.follow_up_direct(snap, start, by, cohort),
            )


@pytest.mark.parametrize("min_count", [0, 5])
def test_the_curves_and_medians_are_the_same_either_way(snap, min_count, monkeypatch):
    for cohort in COHORTS[:3]:
        for by in ("trial_or_comparison", "trial_area_id"):
            fresh(monkeypatch)
            kept = survival.curve_and_median(snap, "coaching", by, cohort, min_count)
            monkeypatch.setattr(survival, "follow_up", survival.follow_up_direct)
            direct = survival.curve_and_median(snap, "coaching", by, cohort, min_count)
            monkeypatch.undo()
            for a, b in zip(kept, direct, strict=True):
                assert_frame_equal(a, b)


# --- peers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("min_count", [0, 5])
def test_peers_from_the_kept_features_are_those_computed_afresh(snap, min_count, monkeypatch):
    codes = snap.municipalities["municipality_code"].sort().to_list()[:3]
    fresh(monkeypatch)
    first = [peers.peers(snap, c, min_count=min_count) for c in codes]
    again = [peers.peers(snap, c, min_count=min_count) for c in codes]  # from the kept features
    assert len(peers._FEATURES._values) == 1
    for a, b in zip(first, again, strict=True):
        assert_frame_equal(a, b)
    fresh(monkeypatch)
    for c, a in zip(codes, first, strict=True):
        assert_frame_equal(peers.peers(snap, c, min_count=min_count), a)
