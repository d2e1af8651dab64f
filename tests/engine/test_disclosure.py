"""Disclosure control: primary suppression and complementary suppression, worked by hand."""

from __future__ import annotations

import polars as pl

from lib.engine.disclosure import apply_disclosure_control
from lib.engine.indicators import Query, compute
from lib.engine.snapshot import build_snapshot
from tests.hand_fixture import hand_extract


def table(cells: dict[tuple[str, str], float], den: dict | None = None) -> pl.DataFrame:
    keys = sorted(cells)
    return pl.DataFrame(
        {
            "municipality_code": [k[0] for k in keys],
            "month": [k[1] for k in keys],
            "num": [float(cells[k]) for k in keys],
            "den": [float((den or cells)[k]) for k in keys],
        }
    )


def suppressed_cells(df: pl.DataFrame) -> set[tuple[str, str]]:
    return set(df.filter("suppressed").select("municipality_code", "month").rows())


def test_a_lone_suppressed_cell_gets_a_complement_in_each_line():
    # A m2 = 3 < 5 is the only primary cell. Line month=m2 (A 3, B 12, C 15): B m2 (smallest
    # other) joins it. Then lines A (10, 3) and B (8, 12) each have one suppressed cell:
    # A m1 and B m1 join. Now every line has 0 or 2 suppressed cells: stop.
    df = table(
        {
            ("A", "m1"): 10,
            ("A", "m2"): 3,
            ("B", "m1"): 8,
            ("B", "m2"): 12,
            ("C", "m1"): 20,
            ("C", "m2"): 15,
        }
    )
    out = apply_disclosure_control(df, ["municipality_code", "month"], "value", 5)
    assert suppressed_cells(out) == {("A", "m1"), ("A", "m2"), ("B", "m1"), ("B", "m2")}


def test_two_suppressed_cells_in_a_line_need_no_complement():
    df = table({("A", "m1"): 2, ("B", "m1"): 4, ("C", "m1"): 50})
    out = apply_disclosure_control(df, ["municipality_code", "month"], "value", 5)
    assert suppressed_cells(out) == {("A", "m1"), ("B", "m1")}


def test_rates_are_suppressed_on_their_denominator():
    # numerators are small everywhere; only B's denominator (3) is under 5, and then A
    # (denominator 40 < C's 60) is the complement in the line.
    df = table(
        {("A", "m1"): 1, ("B", "m1"): 1, ("C", "m1"): 2},
        den={("A", "m1"): 40, ("B", "m1"): 3, ("C", "m1"): 60},
    )
    out = apply_disclosure_control(df, ["municipality_code", "month"], "denominator", 5)
    assert suppressed_cells(out) == {("A", "m1"), ("B", "m1")}


def test_threshold_zero_or_no_basis_suppresses_nothing():
    df = table({("A", "m1"): 1, ("B", "m1"): 2})
    assert not apply_disclosure_control(df, ["municipality_code"], "value", 0)["suppressed"].any()
    assert not apply_disclosure_control(df, ["municipality_code"], None, 5)["suppressed"].any()


def test_suppressed_cells_hide_value_numerator_and_denominator():
    snap = build_snapshot(hand_extract())
    df = compute(snap, Query("exit_rate", by=("municipality_code", "month"), min_count=5))
    hidden = df.filter("suppressed")
    assert hidden.height == df.height  # the fixture is tiny: every cell is under 5
    assert hidden["value"].null_count() == hidden.height
    assert hidden["numerator"].null_count() == hidden.height
    assert hidden["denominator"].null_count() == hidden.height


# --- Differencing: a filtered figure against the same figure without the filter -------------
#
# The hand fixture plus 14 unemployed job seekers. On 2021-03-31 (the month end counted):
#   005 (area A1): P1 F (long-term), P2 M, five new F unemployed since 2019-01-01 (long-term),
#                  two new X unemployed since 2021-01-10: F 6, M 1, X 2 = 9; long-term 6.
#   091 (area A2): P3 F, P4 M (neither long-term), four new F since 2019: F 5, M 1 = 6;
#                  long-term 4.
#   020 (comparison): three new F since 2019: 3, all long-term.
# (P5 is employed, P6 not yet registered and P7 in subsidised employment then.)


def _differencing_snapshot():
    from tests.hand_fixture import _frame

    ex = hand_extract()
    f = ex.frames
    new = [("005", "F", "2019-01-01")] * 5 + [("005", "X", "2021-01-10")] * 2
    new += [("091", "F", "2019-01-01")] * 4 + [("020", "F", "2019-01-01")] * 3
    people = [(f"Q{i:02d}", muni, gender, start) for i, (muni, gender, start) in enumerate(new)]
    f["job_seekers"] = pl.concat(
        [
            f["job_seekers"],
            _frame(
                "job_seekers",
                [(p, 1980, g, "fi", False, "basic", False, s) for p, _, g, s in people],
            ),
        ]
    )
    f["responsibility_spells"] = pl.concat(
        [
            f["responsibility_spells"],
            _frame(
                "responsibility_spells",
                [(p, m, "state" if m == "020" else "municipal", s, None) for p, m, _, s in people],
            ),
        ]
    )
    f["status_spells"] = pl.concat(
        [
            f["status_spells"],
            _frame("status_spells", [(p, "unemployed", s, None) for p, _, _, s in people]),
        ]
    )
    return build_snapshot(ex)


def _march(snap, min_count=5, by=("municipality_code",), **kw) -> dict:
    df = compute(
        snap,
        Query(
            "unemployed", by=by, month_from="2021-03", month_to="2021-03", min_count=min_count, **kw
        ),
    )
    keys = [c for c in by]
    return {
        tuple(r[k] for k in keys) if len(keys) > 1 else (r[keys[0]] if keys else None): (
            None if r["suppressed"] else r["value"]
        )
        for r in df.iter_rows(named=True)
    }


def test_a_filter_that_leaves_out_a_few_persons_hides_the_figure():
    snap = _differencing_snapshot()
    # No filter: 020 (3) is under 5; its complement in the column is the smallest other, 091.
    assert _march(snap) == {"005": 9, "091": None, "020": None}
    # Women and men only: 005 shows 7 against 9 for everyone, which would give away its two
    # X persons, so it is hidden; with 020 (3) that makes two hidden cells in the column, and
    # 091, which leaves no one out (6 = 6), is shown. (Without the check the complement of 020
    # would be 091, the smaller, and 005's 7 would be shown.)
    men_women = (("gender", ("F", "M")),)
    assert _march(snap, where=men_women) == {"005": None, "091": 6, "020": None}
    # The threshold off: nothing hidden.
    assert _march(snap, min_count=0, where=men_women) == {"005": 7, "091": 6, "020": 3}


def test_a_group_is_checked_against_everyone():
    snap = _differencing_snapshot()
    # Threshold 3. Long-term: 005 has 6 of 9 (3 left out: not under 3, shown); 091 has 4 of 6
    # (2 left out: hidden); 020 has 3 of 3 (none left out). 091 alone hidden in the column,
    # so its complement, the smallest other (020, 3), is hidden too.
    got = _march(snap, min_count=3, groups=("long_term_unemployed",))
    assert got == {"005": 6, "091": None, "020": None}


def test_places_are_checked_against_the_whole_scope_unless_the_table_shows_each_place():
    snap = _differencing_snapshot()
    by_month = ("month",)
    # 005 and 091: 15 of the 18 unemployed everywhere; the 3 left out (020) are under 5.
    two = (("municipality_code", ("005", "091")),)
    assert _march(snap, by=by_month, where=two) == {"2021-03": None}
    # 005 alone: 9 of 18, 9 left out.
    assert _march(snap, by=by_month, where=(("municipality_code", ("005",)),)) == {"2021-03": 9}
    # Broken down by municipality, a filter on places picks whole rows, and their sum is what
    # is compared: 9 + 6 = 15 of 18, so the smaller row (091) is hidden and, as the one hidden
    # cell of the column, gets a complement (005); otherwise 18 - 9 - 6 gives away 020's 3.
    assert _march(snap, where=(("trial_area_id", ("A1", "A2")),)) == {"005": None, "091": None}
    # With every municipality in the filter nothing is left out.
    everywhere = (("municipality_code", ("005", "091", "020")),)
    assert _march(snap, where=everywhere) == _march(snap)


def test_reference_queries_take_each_filter_away_on_its_own():
    from lib.engine.indicators import reference_queries

    q = Query(
        "unemployed",
        by=("month", "gender"),
        groups=("youth", "foreign"),
        where=(
            ("trial_or_comparison", ("trial",)),
            ("trial_area_id", ("A1",)),
            ("gender", ("F",)),
            ("age_band", ("55+",)),
        ),
    )
    refs = {
        (r.groups, tuple(d for d, _ in r.where), r.by, whole) for r, whole in reference_queries(q)
    }
    everyone = ("trial_or_comparison", "trial_area_id", "gender", "age_band")
    by = ("month", "gender")
    assert refs == {
        ((), everyone, by, ()),  # no group
        (("foreign",), everyone, by, ()),  # each group taken away
        (("youth",), everyone, by, ()),
        (("youth", "foreign"), ("trial_or_comparison", "gender", "age_band"), by, ()),  # areas
        (
            ("youth", "foreign"),
            ("trial_or_comparison", "trial_area_id", "age_band"),
            ("month",),
            ("gender",),
        ),  # fmt: skip
        (("youth", "foreign"), ("trial_or_comparison", "trial_area_id", "gender"), by, ()),  # ages
    }  # the side is a choice of scope and never taken away; gender, a dimension of the table,
    # is compared as the sum over the genders shown
