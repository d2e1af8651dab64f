"""Peers: standardised distances on hand-built feature tables, and the register's features."""

from __future__ import annotations

import math

import polars as pl
import pytest

from lib.engine.snapshot import build_snapshot
from lib.stats.peers import (
    PeersError,
    municipality_features,
    nearest,
    peer_codes,
    peers,
    standardise,
)
from tests.hand_fixture import hand_extract


def table(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "municipality_code": pl.String,
            "region": pl.String,
            "trial_or_comparison": pl.String,
            "log_population": pl.Float64,
            "unemployment_rate": pl.Float64,
            "long_term_share": pl.Float64,
            "foreign_share": pl.Float64,
        },
        orient="row",
    )


# Each feature takes two values, each on two of the four rows: mean in the middle, population
# SD half the gap, so every z-score is -1 or +1:
#   log_population 8 / 10 (mean 9, SD 1), unemployment_rate 4 / 6 (5, 1),
#   long_term_share 0.2 / 0.4 (0.3, 0.1), foreign_share 0.05 / 0.15 (0.1, 0.05).
#        z:  lp  ur  lt  fr
#   A      -1  -1  -1  -1   region R1
#   B      -1  -1  +1  +1   region R2
#   C      +1  +1  -1  +1   region R1
#   D      +1  +1  +1  -1   region R2
FOUR = table(
    [
        ("A", "R1", "trial", 8.0, 4.0, 0.2, 0.05),
        ("B", "R2", "comparison", 8.0, 4.0, 0.4, 0.15),
        ("C", "R1", "comparison", 10.0, 6.0, 0.2, 0.15),
        ("D", "R2", "trial", 10.0, 6.0, 0.4, 0.05),
    ]
)


def test_z_scores_are_plus_or_minus_one_by_construction():
    z = standardise(FOUR)
    expected = [[-1, -1, -1, -1], [-1, -1, 1, 1], [1, 1, -1, 1], [1, 1, 1, -1]]
    assert z.ravel().tolist() == pytest.approx([v for r in expected for v in r])


def test_nearest_by_hand_with_the_region_term():
    # From A: B differs by 2 on lt and fr: sqrt(4 + 4 + 1 region) = 3.
    # C differs by 2 on lp, ur, fr, same region: sqrt(12) = 3.4641.
    # D differs by 2 on lp, ur, lt, other region: sqrt(12 + 1) = 3.6056.
    got = nearest(FOUR, "A", n=5)
    assert got["municipality_code"].to_list() == ["B", "C", "D"]
    assert got["distance"].to_list() == pytest.approx([3.0, math.sqrt(12), math.sqrt(13)])
    assert got["same_region"].to_list() == [False, True, False]


def test_a_heavier_region_term_prefers_the_same_region():
    # region weight 5: B sqrt(8 + 5) = 3.6056 > C sqrt(12) = 3.4641; D sqrt(17) = 4.1231
    got = nearest(FOUR, "A", n=2, region_weight=5.0)
    assert got["municipality_code"].to_list() == ["C", "B"]
    assert got["distance"].to_list() == pytest.approx([math.sqrt(12), math.sqrt(13)])
    # without it, B (sqrt 8) is nearest and C, D tie at sqrt 12 (ties by code)
    plain = nearest(FOUR, "A", region_weight=0.0)
    assert plain["distance"].to_list() == pytest.approx(
        [math.sqrt(8), math.sqrt(12), math.sqrt(12)]
    )
    assert plain["municipality_code"].to_list() == ["B", "C", "D"]


def test_candidates_can_be_restricted_to_comparison_municipalities():
    got = nearest(FOUR, "A", among="comparison")
    assert got["municipality_code"].to_list() == ["B", "C"]  # D is a trial municipality


def test_missing_and_constant_features_count_as_average():
    # unemployment_rate 1, 3, missing: mean 2, SD 1 -> z -1, +1, 0; the other features are
    # constant (SD 0) -> z 0. From X: Y at |(-1) - 1| = 2, Z at |(-1) - 0| = 1 (same region).
    three = table(
        [
            ("X", "R", "trial", 9.0, 1.0, 0.3, 0.1),
            ("Y", "R", "trial", 9.0, 3.0, 0.3, 0.1),
            ("Z", "R", "trial", 9.0, None, 0.3, 0.1),
        ]
    )
    assert standardise(three)[:, 1].tolist() == pytest.approx([-1.0, 1.0, 0.0])
    got = nearest(three, "X")
    assert dict(zip(got["municipality_code"], got["distance"])) == pytest.approx(
        {"Z": 1.0, "Y": 2.0}
    )


def test_unknown_municipality_says_how_to_write_a_code():
    with pytest.raises(PeersError, match="leading zeros"):
        nearest(FOUR, "91")
    with pytest.raises(PeersError, match="among"):
        nearest(FOUR, "A", among="nordic")


# --- features from the register (tests/hand_fixture.py) ---------------------------------------


@pytest.fixture(scope="module")
def snap():
    return build_snapshot(hand_extract())


def test_features_from_the_hand_fixture(snap):
    feats = municipality_features(snap, month="2021-06", window=3)
    by = {r["municipality_code"]: r for r in feats.iter_rows(named=True)}
    # Month ends Apr, May, Jun 2021, unemployed in the responsibility spell's municipality:
    # 005: P1 and P2 each month -> mean 2; P1 long-term (since 2019-01-15), P2 not -> 3/6.
    # 091: Apr P4 and P6, May P6, Jun P6 -> 4/3; P4 on 04-30 has 364 days (2020-05-01 .. ,
    #      a leap year): not long-term -> 0/4.
    # 020: May and Jun P4 (395, 425 days: long-term) -> 2/3, share 2/2.
    # Nobody unemployed is a foreign citizen (P3 is in services, then employed).
    assert by["005"]["unemployed"] == pytest.approx(2.0)
    assert by["005"]["long_term_share"] == pytest.approx(0.5)
    assert by["091"]["unemployed"] == pytest.approx(4 / 3)
    assert by["091"]["long_term_share"] == 0.0
    assert by["020"]["unemployed"] == pytest.approx(2 / 3)
    assert by["020"]["long_term_share"] == 1.0
    assert {r["foreign_share"] for r in by.values()} == {0.0}
    # per 100 inhabitants: 005 2 / 9,000; 091 (4/3) / 650,000
    assert by["005"]["unemployment_rate"] == pytest.approx(100 * 2 / 9000)
    assert by["091"]["unemployment_rate"] == pytest.approx(100 * (4 / 3) / 650000)
    assert by["005"]["log_population"] == pytest.approx(math.log(9000))


def test_peers_of_a_municipality_exclude_itself_and_hide_small_figures(snap):
    got = peers(snap, "005", n=5, month="2021-06", window=3)
    assert sorted(got["municipality_code"]) == ["020", "091"]
    assert got["distance"].is_sorted()
    # under 5 unemployed everywhere: the figures are hidden, the ranking is kept
    assert got["suppressed"].all() and got["long_term_share"].null_count() == 2
    shown = peers(snap, "005", month="2021-06", window=3, min_count=0)
    assert not shown["suppressed"].any()
    assert (
        peer_codes(snap, "005", n=1, month="2021-06", window=3)
        == got["municipality_code"][:1].to_list()
    )


def test_a_month_outside_the_data_is_refused(snap):
    with pytest.raises(PeersError, match="outside the data"):
        municipality_features(snap, month="2030-01")


def test_the_peers_figures_are_made_from_perturbed_person_months(snap):
    # Person-months Apr-Jun 2021 (test_features_from_the_hand_fixture), record keys in
    # tests/engine/test_disclosure.py: 091 P4 1 + P6 3 = 4, key 68 + 3 * 136 = 476 = 220 mod 256,
    # count 4: 176..223 gives +1 -> 5, so 5/3 unemployed a month (exact 4/3); no long-term: 0.
    # 020 P4 2, key 136: 80..175 gives 0 -> 2, 2/3 a month: under a threshold of 1, hidden.
    got = peers(snap, "005", n=5, month="2021-06", window=3, min_count=1)
    by = {r["municipality_code"]: r for r in got.iter_rows(named=True)}
    assert by["091"]["unemployed"] == pytest.approx(5 / 3) and not by["091"]["suppressed"]
    assert by["091"]["long_term_share"] == 0.0
    assert by["091"]["unemployment_rate"] == pytest.approx(100 * (5 / 3) / 650000)
    assert by["020"]["suppressed"] and by["020"]["unemployed"] is None
    # the order is the exact features' (the distance is not a count)
    assert (
        got["municipality_code"].to_list()
        == peers(snap, "005", n=5, month="2021-06", window=3, min_count=0)[
            "municipality_code"
        ].to_list()
    )
