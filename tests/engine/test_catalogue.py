"""The indicator and group catalogues: every entry carries the row rules its source needs."""

from __future__ import annotations

import pytest

from lib.engine.indicators import (
    ALL_DIMS,
    GEO_DIMS,
    GROUPS,
    INDICATORS,
    PANEL_UNITS,
    PERSON_DIMS,
    STAFF_DIMS,
    TIME_DIMS,
)
from lib.engine.snapshot import PLACEMENT_DAYS


@pytest.mark.parametrize("ind", INDICATORS.values(), ids=list(INDICATORS))
def test_each_indicator_has_the_rules_of_its_source(ind):
    if ind.source == "panel":
        assert ind.units in PANEL_UNITS
    else:
        assert ind.units is None and ind.numerator == "one" and ind.lag == 0
    assert (ind.event is not None) == (ind.source == "events")
    # the placement indicators, and the cost per placement (costs whose unit is a placement)
    at_day = ind.source == "episodes" or ind.id == "cost_per_placement"
    assert (ind.days in PLACEMENT_DAYS) == at_day
    assert (ind.outcome is not None) == at_day
    assert ind.unsupported_only == (ind.id == "unsupported_payments")
    assert set(TIME_DIMS + GEO_DIMS) <= set(ind.dims) <= set(ALL_DIMS)
    assert bool(set(PERSON_DIMS) & set(ind.dims)) == ind.per_person


def test_the_rules_that_were_written_per_id():
    # exit_rate reads the previous month's row; only staff_fte breaks down by role and origin;
    # clients_per_fte divides by the coach and advisor FTE.
    assert [i.id for i in INDICATORS.values() if i.lag] == ["exit_rate"]
    assert [i.id for i in INDICATORS.values() if set(STAFF_DIMS) <= set(i.dims)] == ["staff_fte"]
    assert INDICATORS["clients_per_fte"].fte_roles == ("coach", "advisor")
    assert INDICATORS["initial_transfer"].initial is True
    assert INDICATORS["later_transfers_in"].initial is False
    assert INDICATORS["placement_subsidised_90"].outcome == "subsidised_employment"


def test_groups_are_keyed_by_their_id():
    assert list(GROUPS) == [g.id for g in GROUPS.values()]
    assert [g.id for g in GROUPS.values() if g.column is None] == ["youth", "older"]
    assert GROUPS["older"].min_age == 55


def test_every_indicator_and_group_carries_its_definition():
    # The Data and definitions page shows these texts; an empty or placeholder one would show a
    # figure with no definition. A definition is a sentence: it ends with a full stop.
    texts = {f"indicator {i.id}": i.definition for i in INDICATORS.values()}
    texts |= {f"group {g.id}": g.definition for g in GROUPS.values()}
    short = {k: v for k, v in texts.items() if len(v.split()) < 3 or not v.rstrip().endswith(".")}
    assert not short, short
    assert all(i.label and i.unit for i in INDICATORS.values())
