"""The Overview's figures (lib/figures/overview.py) against values worked out by hand.

Read tests/hand_fixture.py's docstring for the timeline. The trial municipalities are 005
(area A1 "Area one") and 091 (area A2 "Area two"); 020 is the comparison municipality; as_of is
2021-06-30, so June 2021 is the last complete month. min_count=0 turns disclosure control off
except where a test says otherwise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import polars as pl
import pytest

from lib.engine.indicators import Query, compute
from lib.engine.snapshot import build_snapshot
from lib.figures import overview
from lib.figures.filters import options_from_facts
from lib.figures.overview import (
    Figure,
    change,
    figure_at,
    is_thin,
    latest_observable_month,
)
from tests.hand_fixture import hand_extract
from tests.readers import facts


@pytest.fixture(scope="module")
def snap():
    return build_snapshot(hand_extract())


def make_query(min_count: int):
    """The Overview's query protocol for the whole trial ('selection') or the comparison."""

    def query(indicator: str, *, side: str = "selection", where=(), **kw) -> Query:
        scope = (
            ("trial_or_comparison", ("comparison",))
            if side == "comparison"
            else overview.TRIAL_ONLY
        )
        return Query(indicator, min_count=min_count, where=(scope, *where), **kw)

    return query


@pytest.fixture(scope="module")
def ctx(snap):
    return overview.context_from_options(options_from_facts(facts(snap)), snap.as_of, 0)


@pytest.fixture(scope="module")
def view(snap, ctx):
    return overview.figures(lambda q: compute(snap, q), ctx, make_query(0), fte_band=(20.0, 30.0))


# --- context --------------------------------------------------------------------------------


def test_context_names_the_last_complete_month_trial_start_and_areas(ctx):
    assert ctx.as_of == dt.date(2021, 6, 30)
    assert (ctx.first_month, ctx.last_month, ctx.start_month) == ("2020-01", "2021-06", "2021-03")
    assert ctx.area_names == {"A1": "Area one", "A2": "Area two"}


def test_charts_start_two_years_before_the_trial_but_not_before_the_data(ctx):
    # 2021-03 minus 24 months is 2019-03, before the first month of data (2020-01).
    assert ctx.chart_from == "2020-01"
    later = overview.OverviewContext(
        as_of=dt.date(2024, 6, 30),
        first_month="2014-01",
        last_month="2024-06",
        start_month="2021-03",
        areas=ctx.areas,
    )
    assert later.chart_from == "2019-03"
    assert later.trend_from == "2021-03"


# --- whole-trial headlines ------------------------------------------------------------------


def test_headlines_come_in_a_fixed_order(view):
    assert [h.key for h in view.headlines] == list(overview.HEADLINE_KEYS)


def test_active_caseload_latest_month_and_change(view):
    head = view.headline("active_caseload")
    # June: P1, P2 (005) and P6 (091). May: P1, P2, P3 (ends 05-31, a month's end), P6.
    assert head.month == "2021-06"
    assert head.current.value == 3
    assert head.previous.value == 4
    assert head.previous_month == "2021-05"
    assert head.change == -1
    assert head.status == "ok"


def test_cumulative_transferred_counts_transfers_in_not_new_clients(view):
    head = view.headline("cumulative_transferred")
    # Transfers in: P1, P3, P4 on 2021-03-01 (initial), P2 on 2021-04-01. P6 is a new client.
    assert head.current.value == 4
    assert head.change == 0


def test_client_facing_fte_counts_coaches_and_advisors_only(view):
    head = view.headline("client_facing_fte")
    # Staff are recorded for March only: 005 coach 1.0 + advisor 0.5, 091 coach 2.0; the
    # 0.2 FTE of management is not client-facing.
    march = figure_at(head.trend, "2021-03")
    assert march.value == pytest.approx(3.5)
    assert head.current.value == 0.0


def test_clients_per_fte_without_staff_says_so(view):
    head = view.headline("clients_per_fte")
    assert head.status == "no_staff"
    assert head.current.value is None
    assert head.band == (20.0, 30.0)
    # March: caseload 3 (P1, P3, P4) over 3.5 client-facing FTE.
    assert figure_at(head.trend, "2021-03").value == pytest.approx(3 / 3.5)


def test_exit_rate_trial_with_comparison_beside_it(view):
    head = view.headline("exit_rate")
    # Unemployed in trial municipalities on 31 May: P1, P2 (005), P6 (091); none starts an
    # employed spell in June. In the comparison municipality 020: P4 (moved there 1 May).
    assert head.current == Figure(0.0, False, 0, 3)
    assert head.comparison == Figure(0.0, False, 0, 1)
    assert set(head.trend["group"]) == {"trial", "comparison"}


def test_placement_without_observable_trial_outcomes(view):
    head = view.headline("placement_rate_90")
    # The latest fully observable month is March 2021; no coaching episode of a trial
    # municipality ends by then (E7 is in the comparison municipality 020).
    assert head.month == "2021-03"
    assert head.status == "no_outcomes"


def test_trends_start_at_the_chart_window(view, ctx):
    for head in view.headlines:
        if head.trend.height:
            assert head.trend["month"].min() >= ctx.chart_from


def test_suppressed_headline_has_no_change(snap, ctx):
    heads = overview.whole_trial_headlines(lambda q: compute(snap, q), ctx, make_query(5))
    head = heads[0]
    assert head.current.suppressed and head.status == "suppressed"
    assert head.change is None


# --- per area -------------------------------------------------------------------------------


def test_area_table_by_name_with_values_changes_and_trend(view):
    df = view.areas
    assert df["area_name"].to_list() == ["Area one", "Area two"]
    one, two = df.row(0, named=True), df.row(1, named=True)
    # Area one (005): June P1, P2; May P1, P2. Area two (091): June P6; May P3, P6.
    assert (one["active_caseload"], one["active_caseload_month"]) == (2, 0)
    assert (two["active_caseload"], two["active_caseload_month"]) == (1, -1)
    # A year earlier (June 2020) nobody was in the trial yet.
    assert (one["active_caseload_year"], two["active_caseload_year"]) == (2, 1)
    # Cumulative transferred: Area two's P3 and P4 came in March, so no change since May.
    assert (one["cumulative_transferred_month"], two["cumulative_transferred_month"]) == (0, 0)
    # Transfers in: 005 P1 and P2; 091 P3 and P4.
    assert (one["cumulative_transferred"], two["cumulative_transferred"]) == (2, 2)
    assert one["exit_rate"] == 0.0 and two["exit_rate"] == 0.0
    assert one["no_staff"] and two["no_staff"]
    # Caseload trend from the trial's start: Mar..Jun.
    assert one["trend"] == [1.0, 2.0, 2.0, 2.0]
    assert two["trend"] == [2.0, 3.0, 2.0, 1.0]


def test_area_table_marks_clients_per_fte_outside_the_band(snap, ctx):
    # March 2021: 005 has 1 client (P1) per 1.5 client-facing FTE; 091 2 (P3, P4) per 2.0.
    march = overview.OverviewContext(
        ctx.as_of, ctx.first_month, "2021-03", ctx.start_month, ctx.areas, 0
    )
    df = overview.area_table(
        lambda q: compute(snap, q), march, None, make_query(0), fte_band=(20.0, 30.0)
    )
    assert df["clients_per_fte"].to_list() == pytest.approx([1 / 1.5, 1.0])
    assert df["clients_per_fte_target"].to_list() == ["below", "below"]
    inside = overview.area_table(
        lambda q: compute(snap, q), march, None, make_query(0), fte_band=(0.5, 30.0)
    )
    assert inside["clients_per_fte_target"].to_list() == [None, None]


@pytest.mark.parametrize(
    "value, band, expected",
    [
        (19.9, (20, 30), "below"),
        (20, (20, 30), None),
        (30, (20, 30), None),
        (30.1, (20, 30), "above"),
        (None, (20, 30), None),
        (25, None, None),
    ],
)
def test_off_target(value, band, expected):
    assert overview.off_target(value, band) == expected


def test_area_table_keeps_suppressed_cells_empty_and_flagged(snap, ctx):
    df = overview.area_table(lambda q: compute(snap, q), ctx, None, make_query(5))
    assert df["active_caseload"].is_null().all()
    assert df["active_caseload_suppressed"].all()
    assert df["trend"].to_list() == [None, None]  # no sparkline with a suppressed month


# --- placement pooling (a stub reader records the queries) ----------------------------------


class StubReader:
    """Answers placement queries from fixed monthly figures; records every query."""

    def __init__(self, monthly: dict[str, tuple[int, int]], min_count: int = 5):
        self.monthly = monthly  # month -> (numerator, denominator)
        self.min_count = min_count
        self.queries: list[Query] = []

    def __call__(self, q: Query) -> pl.DataFrame:
        self.queries.append(q)
        months = [m for m in sorted(self.monthly) if q.month_from is None or m >= q.month_from]
        months = [m for m in months if q.month_to is None or m <= q.month_to]
        if q.by == ("month",):
            rows = [self._row(*self.monthly[m], month=m) for m in months]
            return pl.DataFrame(rows)
        num = sum(self.monthly[m][0] for m in months)
        den = sum(self.monthly[m][1] for m in months)
        return pl.DataFrame([self._row(num, den)])

    def _row(self, num, den, **dims):
        hidden = den < self.min_count
        value = None if hidden or den == 0 else 100 * num / den
        return {
            **dims,
            "value": value,
            "numerator": None if hidden else num,
            "denominator": None if hidden else den,
            "suppressed": hidden,
        }


def _ctx(as_of=dt.date(2024, 6, 30)):
    areas = pl.DataFrame({"trial_area_id": ["A"], "area_name": ["A"]})
    return overview.OverviewContext(as_of, "2023-01", "2024-06", "2021-03", areas, 5)


def test_placement_uses_a_single_month_when_it_has_enough_episodes():
    read = StubReader({"2024-02": (10, 40), "2024-03": (12, 40)})
    head = overview.placement_headline(read, _ctx(), make_query(5))
    assert head.month == "2024-03" and not head.pooled
    assert head.current.value == pytest.approx(30.0)
    assert head.change == pytest.approx(5.0)  # 30 % against 25 % in February


def test_placement_pools_three_months_when_the_month_is_thin():
    monthly = {m: (3, 10) for m in ["2023-10", "2023-11", "2023-12", "2024-01", "2024-02"]}
    monthly["2024-03"] = (2, 4)  # under the threshold: suppressed on its own
    read = StubReader(monthly)
    head = overview.placement_headline(read, _ctx(), make_query(5))
    assert head.pooled and (head.pool_from, head.month) == ("2024-01", "2024-03")
    assert head.current.denominator == 24 and head.current.value == pytest.approx(800 / 24)
    # Compared with the three months before: Oct-Dec 2023, 9 of 30.
    assert head.previous.value == pytest.approx(30.0)
    assert head.previous_month == "2023-12"
    assert head.change == pytest.approx(800 / 24 - 30.0)
    pooled = [q for q in read.queries if q.by == ()]
    assert [(q.month_from, q.month_to) for q in pooled] == [
        ("2024-01", "2024-03"),
        ("2023-10", "2023-12"),
    ]
    assert all(q.where == (overview.TRIAL_ONLY,) for q in read.queries)


@pytest.mark.parametrize(
    "as_of, days, expected",
    [
        (dt.date(2024, 6, 30), 90, "2024-03"),  # 31 Mar + 90 days = 29 Jun
        (dt.date(2024, 6, 29), 90, "2024-03"),
        (dt.date(2024, 6, 28), 90, "2024-02"),
        (dt.date(2024, 6, 30), 14, "2024-05"),
        (dt.date(2021, 6, 30), 180, "2020-12"),
    ],
)
def test_latest_observable_month(as_of, days, expected):
    assert latest_observable_month(as_of, days) == expected


# --- small helpers --------------------------------------------------------------------------


def test_change_needs_two_shown_figures():
    assert change(Figure(5.0), Figure(3.0)) == 2.0
    assert change(Figure(5.0), Figure(None, True)) is None
    assert change(Figure(None), Figure(3.0)) is None
    assert change(Figure(5.0), None) is None


def test_is_thin():
    assert is_thin(Figure(10.0, False, 1, 10))
    assert not is_thin(Figure(10.0, False, 3, 30))
    assert is_thin(Figure(None, True))


# --- off target since -----------------------------------------------------------------------


def _per_month(rows: list[tuple[str, str, float | None, bool]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "trial_area_id": pl.String,
            "month": pl.String,
            "value": pl.Float64,
            "suppressed": pl.Boolean,
        },
        orient="row",
    )


def test_off_target_runs_say_since_when_and_for_how_long():
    # Band 20-30, months 2021-01..2021-05, the last month 2021-05:
    #   A  35, 10, 32, 33, 34       above since 03 (02 below ends the run): 3 months
    #   B  25, 25, 25, 25, 25       inside: not listed
    #   C  31, 31, supp., 31, 40    above since 04 (03 has no figure): 2 months
    #   D  31, 31, 31, 31, 31       above since the first month: 5 months, from the start
    #   E  31, 31, 31, 31, 12       below in 05 after above: 1 month
    #   F  31, 31, 31, 31, null     no figure in the last month: not listed
    series = {
        "A": [35, 10, 32, 33, 34],
        "B": [25] * 5,
        "C": [31, 31, None, 31, 40],
        "D": [31] * 5,
        "E": [31, 31, 31, 31, 12],
        "F": [31, 31, 31, 31, None],
    }
    months = [f"2021-0{i}" for i in range(1, 6)]
    rows = [
        (
            a,
            m,
            v if v is not None else (99.0 if (a, m) == ("C", "2021-03") else None),
            (a, m) == ("C", "2021-03"),
        )
        for a, values in series.items()
        for m, v in zip(months, values, strict=True)
    ]
    areas = pl.DataFrame(
        {"trial_area_id": list(series), "area_name": [f"Area {a}" for a in series]}
    )
    runs = overview.off_target_runs(_per_month(rows), areas, "2021-05", (20.0, 30.0))
    got = [(r.area_id, r.side, r.since, r.months, r.value, r.from_start) for r in runs]
    assert got == [
        ("D", "above", "2021-01", 5, 31.0, True),
        ("A", "above", "2021-03", 3, 34.0, False),
        ("C", "above", "2021-04", 2, 40.0, False),
        ("E", "below", "2021-05", 1, 12.0, False),
    ]
    # The first month with data given: a run reaching it may have begun before.
    later = overview.off_target_runs(
        _per_month(rows), areas, "2021-05", (20.0, 30.0), first_month="2021-04"
    )
    assert [(r.area_id, r.since, r.months, r.from_start) for r in later][:2] == [
        ("A", "2021-04", 2, True),
        ("C", "2021-04", 2, True),
    ]
    assert overview.off_target_runs(_per_month(rows), areas, "2021-05", None) == []


def test_off_target_on_the_hand_fixture(snap, ctx):
    # March 2021, the only month with staff: 005 (Area one) 1 client per 1.5 FTE = 0.667, 091
    # (Area two) 2 per 2.0 = 1.0, both below 20-30; February has no staff (no figure), so each
    # run is March alone.
    march = overview.OverviewContext(
        ctx.as_of, ctx.first_month, "2021-03", ctx.start_month, ctx.areas, 0
    )
    found = overview.figures(
        lambda q: compute(snap, q), march, make_query(0), fte_band=(20.0, 30.0)
    )
    got = [(r.area_name, r.side, r.since, r.months, r.from_start) for r in found.off_target]
    # Both one month: by name.
    assert got == [
        ("Area one", "below", "2021-03", 1, False),
        ("Area two", "below", "2021-03", 1, False),
    ]
    assert found.off_target[0].value == pytest.approx(1 / 1.5)
    text = overview.off_target_text(found.off_target, march, (20.0, 30.0))
    assert text.kind == "warning"
    assert text.text.startswith("**Off target in Mar\u00a02021: 2 of 2 areas**")
    assert (
        "- **Area one**: clients per client-facing FTE below the band since Mar\u00a02021 (1 month), "
        "0.7 against the band 20–30" in text.text
    )
    assert (
        "- **Area two**: clients per client-facing FTE below the band since Mar\u00a02021"
        in text.text
    )
    # June: no staff recorded after March, so no figure and nothing off target.
    assert view_runs(snap, ctx) == []
    none = overview.off_target_text([], ctx, (20.0, 30.0), measured=1)
    assert none.kind == "caption" and none.text.startswith("On target in Jun\u00a02021")
    # No area has a figure in June: nothing to say "on target" about.
    assert overview.off_target_text([], ctx, (20.0, 30.0), measured=0) is None
    assert overview.off_target_text([], ctx, None) is None


def view_runs(snap, ctx):
    return overview.figures(
        lambda q: compute(snap, q), ctx, make_query(0), fte_band=(20.0, 30.0)
    ).off_target


def test_off_target_names_are_text_and_the_list_is_short():
    areas = pl.DataFrame({"trial_area_id": ["X"], "area_name": ["[Click](http://evil) *x*"]})
    ctx = overview.OverviewContext(dt.date(2021, 6, 30), "2021-01", "2021-06", "2021-03", areas, 0)
    run = overview.OffTarget(
        "X", areas["area_name"][0], "clients_per_fte", "above", "2021-05", 2, 41.26, (20.0, 30.0)
    )
    text = overview.off_target_text([run], ctx, (20.0, 30.0)).text
    assert "\\[Click\\]" in text and "](http" not in text
    assert "since May\u00a02021 (2 months), 41.3 against the band 20–30" in text
    many = [replace(run, area_id=f"A{i:02}", area_name=f"A{i:02}") for i in range(10)]
    text = overview.off_target_text(many, ctx, (20.0, 30.0)).text
    # OFF_TARGET_SHOWN lines, then one for the rest.
    assert overview.OFF_TARGET_SHOWN == 5 and text.count("\n- ") == 6
    assert "- and 5 more, marked in the table by trial area below." in text
