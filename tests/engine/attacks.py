"""The six differencing attacks of issue 14, replayed as an attacker with `trialwatch indicators`.

Each family derives a target cell whose true count is 1-4 (hidden by the threshold) from cells
that the threshold releases, by the arithmetic the tables invite:

1. month:         a month = 3 x its quarter (a stock's quarter is the mean of its months) - the
                  other two months;
2. municipality:  a municipality = its region - the region's other municipalities;
3. period:        a flow's month B = the total over A..B - the total over A..B-1;
4. where:         a language = the total - the complementary `--where language=...` set;
5. groups:        `all` of two groups = g1 + g2 - `any` of them;
6. gender:        a gender = the total - the other two genders.

`attack(snap, family, perturbed)` returns the attempts: (true, derived, released) where
`released` are (shown, true) pairs of every cell the derivation used. With `perturbed` the
tables are what a person gets (cell-key perturbation, then the threshold); without, the old
rule (exact counts, threshold only), against which every attack must succeed: that is what
shows the attack code itself is right. Used by tests/engine/test_differencing.py and by the
benchmark (benchmarks/run.py), which prints the share each family recovers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import polars as pl

from lib.engine.indicators import Query, compute
from lib.engine.months import month_index, month_label
from lib.engine.snapshot import Snapshot

MIN_COUNT = 5
FAMILIES = ("month", "municipality", "period", "where", "groups", "gender")
GROUP_PAIR = ("long_term_unemployed", "older")
PERIOD_INDICATOR = "new_clients"  # a flow: summed over months


@dataclass(frozen=True)
class Attempt:
    true: float
    derived: float
    released: tuple[tuple[float, float], ...]  # (shown, true) of every cell used

    @property
    def recovered(self) -> bool:
        return round(self.derived) == round(self.true)


class Tables:
    """The attacker's tables (perturbed, or exact with the threshold) beside the truth."""

    def __init__(self, snap: Snapshot, perturbed: bool):
        self.snap, self.perturbed = snap, perturbed

    def _frame(self, query: Query) -> pl.DataFrame:
        return compute(self.snap, query)

    def pair(self, indicator: str, by: tuple[str, ...], **kw) -> dict[tuple, tuple]:
        """{cell: (shown or None, true)}: what the attacker gets, and the exact figure."""
        exact = self._frame(Query(indicator, by=by, min_count=0, **kw))
        truth = {row[:-2]: row[-2] for row in exact.rows()}
        if self.perturbed:
            shown_frame = self._frame(Query(indicator, by=by, min_count=MIN_COUNT, **kw))
            shown = {row[:-2]: (None if row[-1] else row[-2]) for row in shown_frame.rows()}
        else:  # the old rule: exact, and hidden under the threshold
            shown = {cell: (v if v >= MIN_COUNT else None) for cell, v in truth.items()}
        return {cell: (shown.get(cell), value) for cell, value in truth.items()}


def _target(true: float) -> bool:
    return 1 <= round(true) <= 4


def _combine(target_true: float, parts: list[tuple[int, tuple]]) -> Attempt | None:
    """sum of weight x shown over the parts, if every part is released."""
    if any(cell[0] is None for _, cell in parts):
        return None
    derived = sum(w * cell[0] for w, cell in parts)
    return Attempt(target_true, derived, tuple(cell for _, cell in parts))


def _month_family(tab: Tables) -> list[Attempt]:
    months = tab.pair("unemployed", ("municipality_code", "month"))
    quarters = tab.pair("unemployed", ("municipality_code", "quarter"))
    in_quarter = defaultdict(list)
    for code, month in months:
        year, mon = month.split("-")
        in_quarter[(code, f"{year}-Q{(int(mon) - 1) // 3 + 1}")].append(month)
    out = []
    for (code, quarter), ms in in_quarter.items():
        if len(ms) != 3 or (code, quarter) not in quarters:
            continue
        q = quarters[(code, quarter)]
        q3 = (None if q[0] is None else 3 * q[0], 3 * q[1])  # the quarter's person-months
        for target in ms:
            true = months[(code, target)][1]
            if not _target(true):
                continue
            others = [(-1, months[(code, m)]) for m in ms if m != target]
            attempt = _combine(true, [(1, q3), *others])
            if attempt:
                out.append(attempt)
    return out


def _municipality_family(tab: Tables) -> list[Attempt]:
    cells = tab.pair("unemployed", ("municipality_code", "month"))
    regions = tab.pair("unemployed", ("region", "month"))
    region_of = {
        code: region
        for code, region, *_ in compute(
            tab.snap, Query("unemployed", by=("municipality_code", "region"), min_count=0)
        ).rows()
    }
    members = defaultdict(set)
    for code, region in region_of.items():
        members[region].add(code)
    out = []
    for (code, month), (_, true) in cells.items():
        if not _target(true) or code not in region_of:
            continue
        region = region_of[code]
        others = [(-1, cells[(c, month)]) for c in sorted(members[region] - {code})]
        attempt = _combine(true, [(1, regions[(region, month)]), *others])
        if attempt:
            out.append(attempt)
    return out


def _period_family(tab: Tables) -> list[Attempt]:
    by_month = compute(tab.snap, Query(PERIOD_INDICATOR, by=("month",), min_count=0))
    first = month_index(by_month.filter(pl.col("value") > 0)["month"].min())  # the flow starts
    last = min(first + 24, tab.snap.last_month)  # two years of months B: enough, and quick
    totals = {
        b: tab.pair(
            PERIOD_INDICATOR,
            ("municipality_code",),
            month_from=month_label(first),
            month_to=month_label(b),
        )
        for b in range(first, last + 1)
    }
    out = []
    for b in range(first + 1, last + 1):
        month = tab.pair(
            PERIOD_INDICATOR,
            ("municipality_code",),
            month_from=month_label(b),
            month_to=month_label(b),
        )
        for (code,), (_, true) in month.items():
            if not _target(true):
                continue
            attempt = _combine(true, [(1, totals[b][(code,)]), (-1, totals[b - 1][(code,)])])
            if attempt:
                out.append(attempt)
    return out


def _where_family(tab: Tables) -> list[Attempt]:
    by = ("municipality_code", "month")
    total = tab.pair("unemployed", by)
    sv = tab.pair("unemployed", by, where=(("language", ("sv",)),))
    rest = tab.pair("unemployed", by, where=(("language", ("fi", "other")),))
    out = []
    for cell, (_, true) in sv.items():
        if _target(true):
            attempt = _combine(true, [(1, total[cell]), (-1, rest[cell])])
            if attempt:
                out.append(attempt)
    return out


def _groups_family(tab: Tables) -> list[Attempt]:
    by = ("municipality_code", "month")
    g1, g2 = GROUP_PAIR
    both = tab.pair("unemployed", by, groups=GROUP_PAIR, match="all")
    either = tab.pair("unemployed", by, groups=GROUP_PAIR, match="any")
    one = tab.pair("unemployed", by, groups=(g1,))
    two = tab.pair("unemployed", by, groups=(g2,))
    out = []
    for cell, (_, true) in both.items():
        if _target(true):
            attempt = _combine(true, [(1, one[cell]), (1, two[cell]), (-1, either[cell])])
            if attempt:
                out.append(attempt)
    return out


def _gender_family(tab: Tables) -> list[Attempt]:
    total = tab.pair("unemployed", ("municipality_code", "month"))
    genders = tab.pair("unemployed", ("municipality_code", "month", "gender"))
    values = sorted({cell[2] for cell in genders})
    out = []
    for (code, month, gender), (_, true) in genders.items():
        if not _target(true):
            continue
        others = [(-1, genders[(code, month, g)]) for g in values if g != gender]
        attempt = _combine(true, [(1, total[(code, month)]), *others])
        if attempt:
            out.append(attempt)
    return out


ATTACKS = {
    "month": _month_family,
    "municipality": _municipality_family,
    "period": _period_family,
    "where": _where_family,
    "groups": _groups_family,
    "gender": _gender_family,
}


def attack(snap: Snapshot, family: str, *, perturbed: bool) -> list[Attempt]:
    return ATTACKS[family](Tables(snap, perturbed))


def recovered_share(attempts: list[Attempt]) -> float:
    return sum(a.recovered for a in attempts) / len(attempts) if attempts else 0.0
