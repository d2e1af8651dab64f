"""Disclosure control: cell-key perturbation and the threshold, worked by hand on the hand fixture.

Record keys under the tests' secret (tests/conftest.py), HMAC-SHA256's last byte:
P1 206, P2 228, P3 251, P4 68, P5 188, P6 136, P7 67.
The perturbation table (data/reference/ptable.csv), noise by cell key:
count 1:  0..95 -1, 96..191 0, 192..223 +1, 224..255 +2
count 2+: 0..31 -2, 32..79 -1, 80..175 0, 176..223 +1, 224..255 +2
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace

import polars as pl
import pytest

from lib.engine import disclosure
from lib.engine.disclosure import (
    DEMO_KEY,
    DisclosureKeyMissing,
    apply_disclosure_control,
    key_for,
    noise_of,
    perturbation_table,
    record_keys,
)
from lib.engine.indicators import Query, compute
from lib.engine.snapshot import build_snapshot
from tests.conftest import TEST_DISCLOSURE_KEY
from tests.hand_fixture import hand_extract

KEYS = {"P1": 206, "P2": 228, "P3": 251, "P4": 68, "P5": 188, "P6": 136, "P7": 67}
MARCH = {"month_from": "2021-03", "month_to": "2021-03"}


@pytest.fixture(scope="module")
def snap():
    return build_snapshot(hand_extract())


def values(df: pl.DataFrame, *dims: str, col: str = "value") -> dict:
    return {r[0] if len(dims) == 1 else r[:-1]: r[-1] for r in df.select(*dims, col).rows()}


def test_record_keys_are_the_last_byte_of_hmac_sha256_of_the_person_id():
    secret = TEST_DISCLOSURE_KEY.encode()
    by_hand = {p: hmac.new(secret, p.encode(), hashlib.sha256).digest()[-1] for p in KEYS}
    assert by_hand == KEYS
    assert record_keys(list(KEYS), secret).to_list() == list(KEYS.values())
    # another secret, other keys
    assert record_keys(list(KEYS), b"another").to_list() != list(KEYS.values())


def test_the_perturbation_table_keeps_the_contracts_rules():
    t = perturbation_table()
    for n in (1, 2, 3, 10, 1000):
        noise = [noise_of(n, k) for k in range(256)]
        assert sum(noise) == 0  # mean 0 over the keys
        assert min(noise) >= -2 and max(noise) <= 2
        assert all(n + e >= 0 for e in noise)  # never below zero
    assert [noise_of(0, k) for k in range(256)] == [0] * 256  # zero stays zero
    # a count of 1 or 2 may become 0, and only they
    assert {1 + noise_of(1, k) for k in range(256)} == {0, 1, 2, 3}
    assert min(3 + noise_of(3, k) for k in range(256)) == 1
    assert t.height == 9


def test_a_cells_key_and_noise_worked_out_by_hand(snap):
    # Unemployed on 2021-03-31: 005 has P1 and P2, key (206 + 228) mod 256 = 178, count 2+:
    # 176..223 gives +1, so 3. 091 has P3 and P4, key (251 + 68) mod 256 = 63: 32..79 gives -1,
    # so 1. 020 has nobody: 0 stays 0.
    q = Query("unemployed", by=("municipality_code", "month"), **MARCH)
    exact = compute(snap, replace(q, min_count=0))
    assert values(exact, "municipality_code") == {"005": 2, "020": 0, "091": 2}
    got = compute(
        snap, Query("unemployed", by=("municipality_code", "month"), min_count=1, **MARCH)
    )
    assert values(got, "municipality_code") == {"005": 3, "020": None, "091": 1}
    assert got.filter(pl.col("municipality_code") == "020")["suppressed"].item()  # 0 < 1


def test_the_same_persons_give_the_same_figure_by_three_routes(snap):
    # 005 in March (P1, P2: 3, above) as a municipality, as its trial area A1 (005 alone) and as
    # a filter on the municipality
    by_muni = compute(snap, Query("unemployed", by=("municipality_code",), min_count=1, **MARCH))
    by_area = compute(snap, Query("unemployed", by=("trial_area_id",), min_count=1, **MARCH))
    where = (("municipality_code", ("005",)),)
    filtered = compute(snap, Query("unemployed", by=("month",), where=where, min_count=1, **MARCH))
    assert values(by_muni, "municipality_code")["005"] == 3
    assert values(by_area, "trial_area_id")["A1"] == 3
    assert filtered["value"].to_list() == [3]


def test_zero_stays_zero(snap):
    from lib.engine.indicators import INDICATORS, _cells, perturb_cells

    q = Query("unemployed", by=("municipality_code", "month"), **MARCH)
    cells = perturb_cells(snap, INDICATORS["unemployed"], _cells(snap, INDICATORS["unemployed"], q))
    assert values(cells, "municipality_code", col="num") == {"005": 3, "020": 0, "091": 1}


def test_a_rates_numerator_and_denominator_are_perturbed_separately(snap):
    # Exit rate of December 2020 in 005: at risk (unemployed on 2020-11-30) P1 and P2, key 178,
    # +1: 3; exits in December P2 alone (employed from 2020-12-01), key 228, count 1: +2, so 3.
    # The rate is 3 / 3 = 100 % (exactly 1 / 2 = 50 %). 020: P5 at risk alone (key 188, count 1:
    # 0), no exit: 0 / 1. 091: P3 and P4 (key 63, -1): 0 / 1.
    dec = {"month_from": "2020-12", "month_to": "2020-12"}
    q = Query("exit_rate", by=("municipality_code",), min_count=1, **dec)
    got = compute(snap, q)
    assert values(got, "municipality_code", col="numerator") == {"005": 3, "020": 0, "091": 0}
    assert values(got, "municipality_code", col="denominator") == {"005": 3, "020": 1, "091": 1}
    assert values(got, "municipality_code") == {"005": 100.0, "020": 0.0, "091": 0.0}
    exact = compute(snap, Query("exit_rate", by=("municipality_code",), min_count=0, **dec))
    assert values(exact, "municipality_code") == {"005": 50.0, "020": 0.0, "091": 0.0}


def test_a_rates_numerator_never_exceeds_its_denominator():
    from lib.engine.indicators import INDICATORS, perturb_cells

    # numerator 2 with key 224 (+2: 4), denominator 3 with key 0 (-2: 1): the rate's numerator
    # is kept at its denominator, so 1 of 1
    cells = pl.DataFrame({"num": [2.0], "den": [3.0], "nk": [224], "dk": [0], "n": [1]})
    out = perturb_cells(build_snapshot(hand_extract()), INDICATORS["exit_rate"], cells)
    assert out.select("num", "den").row(0) == (1.0, 1.0)


def test_the_threshold_applies_after_perturbation(snap):
    # Threshold 3: 005's 2 persons show as 3 (shown); 091's 2 as 1 (suppressed)
    got = compute(snap, Query("unemployed", by=("municipality_code",), min_count=3, **MARCH))
    assert values(got, "municipality_code") == {"005": 3, "020": None, "091": None}
    assert values(got, "municipality_code", col="suppressed") == {
        "005": False,
        "020": True,
        "091": True,
    }


def test_a_stock_over_a_quarter_perturbs_its_person_months(snap):
    # Unemployed in 2021-Q1, 005: P1 at the three month ends, P2 at Feb and Mar: 5 person-months
    # (a mean of 5/3), key (3 x 206 + 2 x 228) mod 256 = 1074 mod 256 = 50: -1, so 4 / 3.
    # 091: P3 and P4 at the three month ends: 6, key 3 x 319 mod 256 = 189: +1, so 7 / 3.
    q1 = {"month_from": "2021-01", "month_to": "2021-03"}
    got = compute(snap, Query("unemployed", by=("municipality_code", "quarter"), min_count=1, **q1))
    assert values(got, "municipality_code")["005"] == pytest.approx(4 / 3)
    assert values(got, "municipality_code")["091"] == pytest.approx(7 / 3)


def test_threshold_zero_is_exact_and_no_basis_suppresses_nothing():
    df = pl.DataFrame({"num": [1.0, 2.0], "den": [1.0, 2.0]})
    assert not apply_disclosure_control(df, "value", 0)["suppressed"].any()
    assert not apply_disclosure_control(df, None, 5)["suppressed"].any()
    assert apply_disclosure_control(df, "value", 2)["suppressed"].to_list() == [True, False]


def test_suppressed_cells_hide_value_numerator_and_denominator(snap):
    df = compute(snap, Query("exit_rate", by=("municipality_code", "month"), min_count=5))
    hidden = df.filter("suppressed")
    assert hidden.height == df.height  # the fixture is tiny: every cell is under 5
    assert hidden["value"].null_count() == hidden.height
    assert hidden["numerator"].null_count() == hidden.height
    assert hidden["denominator"].null_count() == hidden.height


def test_the_secret_comes_from_the_setting_or_is_the_demos_own(monkeypatch):
    demo = "Trialwatch synthetic demo register (seed 7, scale demo)"
    assert key_for(demo, configured="") == DEMO_KEY
    assert key_for("hand fixture", configured="") is None
    assert key_for("hand fixture", configured="s3cret") == b"s3cret"
    # a manifest that merely says synthetic does not get the public key
    assert key_for("synthetic data of a real office", configured="") is None
    monkeypatch.setenv("TRIALWATCH_DISCLOSURE_KEY", "from the environment")
    assert key_for("hand fixture") == b"from the environment"


def test_a_real_store_without_a_secret_shows_no_counts_but_exact_ones_to_the_operator(
    monkeypatch,
):
    monkeypatch.delenv("TRIALWATCH_DISCLOSURE_KEY")
    bare = build_snapshot(hand_extract())
    assert bare.disclosure_key is None
    with pytest.raises(DisclosureKeyMissing, match="TRIALWATCH_DISCLOSURE_KEY"):
        compute(bare, Query("unemployed", by=("municipality_code",), **MARCH))
    exact = compute(bare, Query("unemployed", by=("municipality_code",), min_count=0, **MARCH))
    assert values(exact, "municipality_code") == {"005": 2, "020": 0, "091": 2}
    # money and FTE are not perturbed, so they need no secret
    assert disclosure.MISSING_KEY_MESSAGE.startswith("Counts cannot be shown")
