"""The Evaluation page in AppTest against the hand fixture store."""

from __future__ import annotations

from lib.figures.text import as_read
from tests.web.test_pages import assert_clean, build_store, env, open_page, texts, warnings  # noqa: F401


def test_evaluation_page_shows_the_hand_worked_effect(env, tmp_path):  # noqa: F811
    env(build_store(tmp_path))
    at = open_page("evaluation")
    assert_clean(at)
    # tests/cli/test_cli.py::test_effect_on_the_hand_fixture works it out: +2.81 pp
    # (a metric's label is read as Markdown, its text escaped: it may name an area)
    (did,) = [m for m in at.metric if as_read(m.label) == "Difference-in-differences, whole trial"]
    assert did.value == "+2.81\u00a0pp"
    # the one control above the result starts on the whole trial (never "Choose an option")
    choice = at.selectbox(key="p_effect_area")
    assert choice.value == "all" and choice.format_func(choice.value) == "The whole trial"
    assert choice.label == "Result and event study for"
    assert any("2 trial and 1 comparison municipalities, 75 person-months" in s for s in texts(at))


def test_choosing_an_area_changes_the_event_study(env, tmp_path):  # noqa: F811
    env(build_store(tmp_path))
    at = open_page("evaluation")
    at.selectbox(key="p_effect_area").set_value("A1").run()
    assert_clean(at)
    assert at.query_params["effect_area"] == "A1"
    # the card follows: Area one (005 alone) against the comparison, -100/23 - (-100/19) pp
    (did,) = [m for m in at.metric if as_read(m.label).startswith("Difference-in-differences")]
    assert (as_read(did.label), did.value) == (
        "Difference-in-differences, Area one",
        "+0.92\u00a0pp",
    )
    assert any("1 trial and 1 comparison municipalities" in s for s in texts(at)), texts(at)


def test_a_municipal_lead_sees_the_card_for_an_area(env, tmp_path):  # noqa: F811
    from streamlit.testing.v1 import AppTest

    from lib.engine import access
    from lib.web import data
    from tests.web.test_pages import DASHBOARD

    env(build_store(tmp_path))
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    at.session_state[data.VIEWER_KEY] = access.Viewer(
        "Lead of A1", "municipal", ("005",), ("A1",), "lead@x.fi"
    )
    at.query_params["effect_area"] = "A2"
    at.switch_page("pages/evaluation.py")
    at.run()
    assert_clean(at)
    # the effect for everyone is headline: another area's card too (A2 = 091 against 020)
    (did,) = [m for m in at.metric if as_read(m.label).startswith("Difference-in-differences")]
    assert as_read(did.label) == "Difference-in-differences, Area two"


def test_a_bad_area_in_the_link_gives_a_notice(env, tmp_path):  # noqa: F811
    env(build_store(tmp_path))
    at = open_page("evaluation", {"effect_area": "ZZ"})
    assert_clean(at)
    assert any("(ZZ)" in w for w in warnings(at)), warnings(at)


def test_time_to_employment_by_group(env, tmp_path):  # noqa: F811
    env(build_store(tmp_path))
    at = open_page("evaluation", {"km_by": "older"})
    assert_clean(at)
    assert at.query_params["km_by"] == "older"
    # the hand fixture's coaching starts: P3 (61, older) found work on day 61
    assert any("Older (55+): median 61 days" in s for s in texts(at)), texts(at)
