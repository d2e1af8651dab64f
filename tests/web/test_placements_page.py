"""The Placements page (issue 15, finding 3), AppTest on tests/hand_fixture.py's
placement_extract: placement by month of ending, trial against comparison, at the chosen horizon
only; the effect on placement before and after the start (worked out by hand in
tests/stats/test_placement_effect.py); and a municipal user's view of it."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from lib.engine import access
from lib.web import data
from tests.hand_fixture import placement_extract
from tests.web.test_pages import DASHBOARD, build_store, table_with

LEAD = access.Viewer("Lead of A1", "municipal", ("005",), ("A1",), "lead@x.fi")


@pytest.fixture
def store(monkeypatch, tmp_path) -> str:
    url = build_store(tmp_path, placement_extract())
    monkeypatch.setenv("TRIALWATCH_MIN_COUNT", "0")
    monkeypatch.setenv("TRIALWATCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("TRIALWATCH_DB", url)
    return url


def open_placements(params: dict[str, str], viewer=None) -> AppTest:
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    if viewer is not None:
        at.session_state[data.VIEWER_KEY] = viewer
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page("pages/placements.py")
    return at.run()


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def effect_rows(at: AppTest) -> dict[str, dict]:
    table = table_with(at, "unit")
    return {r["unit"]: r for r in table.to_dict("records")}


def test_the_effect_on_placement_and_the_chosen_horizon(store):
    at = open_placements({"days": "90", "from": "2020-06"})
    assert_clean(at)
    whole = effect_rows(at)["Whole trial"]
    # trial 50 % -> 100 %, comparison 50 % -> 33.3 %: (100 - 50) - (33.3 - 50) = +66.7 pp
    assert whole["trial_before"] == pytest.approx(50.0)
    assert whole["trial_after"] == pytest.approx(100.0)
    assert whole["comparison_after"] == pytest.approx(100 / 3)
    assert whole["estimate"] == pytest.approx(200 / 3)
    # the month chart's table: the trial and the comparison municipalities at 90 days
    months = table_with(at, "ci_text")
    assert set(months["series"]) == {"Trial", "Comparison municipalities"}
    assert set(months["month"]) >= {"Aug\u00a02020", "Sep\u00a02020", "Mar\u00a02021"}
    assert "May\u00a02021" not in set(months["month"])  # day 90 of May's episodes is not known
    # 14 days: every episode's person was still without open-market work on day 14
    at.segmented_control(key="p_days").set_value(14).run()
    assert_clean(at)
    assert effect_rows(at)["Whole trial"]["estimate"] == pytest.approx(0.0)
    # the 91 (Helsinki) episodes' day 14 is known: the month chart narrows to 14 days with them
    months = table_with(at, "ci_text")
    assert set(months["month"]) >= {"May\u00a02021", "Jun\u00a02021"}


def test_a_municipal_user_gets_the_effect_for_everyone_and_their_own_area_for_a_group(store):
    at = open_placements({"days": "90", "from": "2020-06"}, LEAD)
    assert_clean(at)
    # headline: the whole trial's row too (the lead's sidebar starts on their own area, A1)
    assert set(effect_rows(at)) == {"Whole trial", "Area one"}
    # for a group the page (its comparison side) is detail beyond their places: one sentence,
    # no error (the effect's own rule for a group is tested in tests/engine/test_roles.py)
    at.multiselect(key="f_groups").set_value(["youth"]).run()
    assert_clean(at)
    assert any("beyond your own places" in e.value for e in at.info)
