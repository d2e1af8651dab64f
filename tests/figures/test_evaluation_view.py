"""The Evaluation page's content, built from the hand fixture (no Streamlit)."""

from __future__ import annotations

import polars as pl
import pytest

from lib.engine.snapshot import build_snapshot
from lib.figures import evaluation_charts
from lib.figures.evaluation import compute_inputs, summary
from tests.hand_fixture import hand_extract
from tests.readers import reader


@pytest.fixture(scope="module")
def inputs():
    return compute_inputs(reader(build_snapshot(hand_extract())), peer_of="091", min_count=0)


def test_the_effect_is_the_hand_worked_difference_in_differences(inputs):
    # worked out in tests/cli/test_cli.py::test_effect_on_the_hand_fixture: +2.81 pp
    assert inputs.effect["estimate"][0] == pytest.approx(2.812565, abs=1e-5)
    s = summary(inputs)
    assert s.estimate == "+2.81\u00a0pp"
    assert "2 trial and 1 comparison municipalities, 75 person-months" in s.counts


def test_per_area_effects_and_peers(inputs):
    assert inputs.by_area["trial_area_id"].to_list() == ["A1", "A2"]
    # A1 = 005 alone: change -100/23 against the comparison's -100/19 = +0.9153 pp
    a1 = inputs.by_area.filter(pl.col("trial_area_id") == "A1")["estimate"][0]
    assert a1 == pytest.approx(100 / 19 - 100 / 23, abs=1e-6)
    assert set(inputs.peers["municipality_code"]) == {"005", "020"}


def test_event_study_chart_marks_zero_and_the_start(inputs):
    spec = evaluation_charts.event_study_chart(inputs.events).to_dict()
    layers = spec["layer"]
    assert [
        layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]
        for layer in layers
    ] == ["area", "rule", "line", "rule", "text"]
    assert layers[2]["encoding"]["y"]["title"].startswith("Difference in exit rate")
    assert layers[0]["encoding"]["x"]["title"].startswith("Months from the trial's start")


def test_forest_chart_has_one_row_per_area_and_a_zero_rule(inputs):
    df = inputs.by_area.with_columns(area_name=pl.col("trial_area_id"))
    spec = evaluation_charts.forest_chart(df).to_dict()
    assert spec["layer"][1]["encoding"]["x"] == {"datum": 0}
    assert spec["layer"][0]["encoding"]["y"]["field"] == "area_name"


def test_the_result_comes_first_under_its_one_control():
    from lib.figures import evaluation
    from lib.figures.filters import options_from_facts
    from lib.figures.view import Control, EffectCard
    from tests.figures.test_page_views import context
    from tests.readers import facts

    snap = build_snapshot(hand_extract())
    ctx = context(snap, options_from_facts(facts(snap)))
    parts = evaluation.build(ctx, peer_of="091").parts
    kinds = [type(p).__name__ for p in parts]
    # heading, the area choice, the card: nothing else above the result
    assert kinds[:3] == ["Heading", "Control", "EffectCard"]
    assert parts[1] == Control("effect_area")
    assert parts[2].label == "Difference-in-differences, whole trial"
    area = evaluation.build(ctx, area="A1", peer_of="091").parts[2]
    assert isinstance(area, EffectCard) and area.label == "Difference-in-differences, Area one"
    assert area.summary.estimate == "+0.92\u00a0pp"  # 100/19 - 100/23


def test_a_national_survival_curve_is_thinned_for_its_chart_only():
    # Two strata with a row for each of 3,000 days: 6,000 rows, over the chart's 4,000 points
    # (a national curve by trial area had 33,906 and Altair refused the chart: the page failed).
    # span = ceil(3,000 days x 2 strata / (4,000 - 2 x 2)) = ceil(1.5015) = 2 days: per stratum
    # day 0 (its first row) and the last day of each span 0-1, 2-3, ..., 2998-2999, i.e. the odd
    # days: 1 + 1,500 rows, 3,002 in all, each with the curve's own values on its day.
    days = list(range(3000))
    curve = pl.DataFrame(
        {
            "stratum": ["trial"] * 3000 + ["comparison"] * 3000,
            "day": days + days,
            "at_risk": [3000 - d for d in days] * 2,
            "survival": [1 - d / 3000 for d in days] + [1 - d / 6000 for d in days],
        }
    ).with_columns(ci_low=pl.col("survival") * 0.9, ci_high=pl.col("survival"))
    thin = evaluation_charts.thinned_curve(curve)
    assert thin.height == 3002
    trial = thin.filter(pl.col("stratum") == "trial")
    assert trial["day"].to_list() == [0, *range(1, 3000, 2)]
    assert (
        thin.join(curve, on=["stratum", "day"], suffix="_all")
        .select((pl.col("survival") == pl.col("survival_all")).all())
        .item()
    )
    assert evaluation_charts.thinned_curve(curve.head(4000)).equals(curve.head(4000))
    # the chart draws the thinned rows (Altair's limit is 5,000)
    spec = evaluation_charts.survival_chart(curve).to_dict()
    assert len(next(iter(spec["datasets"].values()))) == 3002
