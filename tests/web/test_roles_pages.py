"""Who may see what, on the pages (AppTest, no browser): a municipal viewer cannot get another
area's detail through a page, a URL parameter, a saved view or a download, and every such attempt
writes a `refused` row in the audit trail; every download writes an `export` row.

The viewer is set as the sign-in sets it: lib/web/data.py's session viewer
(`data.VIEWER_KEY`, `data.set_viewer`). The store is tests/hand_fixture.py's (areas A1 = {005},
A2 = {091}); TRIALWATCH_MIN_COUNT=0 as in tests/web/test_pages.py, so the deployment's threshold
is 0 and the hand values show. The lead owns area A1.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from lib.engine import access, door
from lib.engine.errors import Refused
from lib.figures.text import as_read
from lib.register import audit, views
from lib.register.store import get_engine
from lib.register.users import User
from lib.web import data
from tests.web.test_explorer_page import AREA_TWO_BY_GENDER, MONTHS, pivot
from tests.web.test_pages import DASHBOARD, build_store, texts

LEAD = access.Viewer("Lead of A1", "municipal", ("005",), ("A1",), "lead@x.fi")
MINISTRY = access.viewer_for(User("min@tem.fi", "ministry"))
# Area one (005) by gender, active caseload at each month end: P1 (F) from March, P2 (M) from
# April (tests/hand_fixture.py).
AREA_ONE_WOMEN = ["1", "1", "1", "1"]
AREA_ONE_MEN = ["0", "1", "1", "1"]


@pytest.fixture
def store(monkeypatch, tmp_path) -> str:
    url = build_store(tmp_path)
    monkeypatch.setenv("TRIALWATCH_MIN_COUNT", "0")
    monkeypatch.setenv("TRIALWATCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("TRIALWATCH_DB", url)
    return url


def open_as(viewer, page: str | None = None, params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    at.session_state[data.VIEWER_KEY] = viewer
    for key, value in (params or {}).items():
        at.query_params[key] = value
    if page:
        at.switch_page(page)
    return at.run()


def trail(url: str, action: str) -> list:
    return [e for e in audit.events(get_engine(url)) if e.action == action]


def notes(at: AppTest) -> list[str]:
    return [as_read(e.value) for e in at.info]


def assert_no_error(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_a_municipal_sidebar_starts_on_their_own_area(store):
    at = open_as(LEAD)
    assert_no_error(at)
    assert at.multiselect(key="f_areas").value == ["A1"]
    # the ministry starts on the whole trial
    assert open_as(MINISTRY).multiselect(key="f_areas").value == []


def test_their_own_detail_is_shown(store):
    at = open_as(LEAD, "pages/explorer.py", {"indicator": "active_caseload", "cols": "gender"})
    assert_no_error(at)
    shown = pivot(at)
    assert shown["Month"] == MONTHS
    assert shown["Women"] == AREA_ONE_WOMEN and shown["Men"] == AREA_ONE_MEN
    assert trail(store, "refused") == []


def test_another_areas_detail_through_the_url_is_a_note_and_a_refused_row(store):
    params = {"indicator": "active_caseload", "area": "A2", "cols": "gender"}
    at = open_as(LEAD, "pages/explorer.py", params)
    assert_no_error(at)
    assert not at.dataframe  # no pivot of area two
    assert any("beyond your own places" in n for n in notes(at))
    (event,) = trail(store, "refused")
    assert (event.subject, event.target) == ("lead@x.fi", "explorer")
    assert "beyond your own places" in event.detail["reason"]
    at.run()  # the same refusal again in this session: recorded once
    assert len(trail(store, "refused")) == 1
    # the ministry gets it (Helsinki by gender, as tests/web/test_explorer_page.py works out)
    assert pivot(open_as(MINISTRY, "pages/explorer.py", params)) == AREA_TWO_BY_GENDER


def test_a_saved_view_made_by_someone_else_gives_no_more(store):
    params = {"area": "A2", "indicator": "active_caseload", "rows": "month", "cols": "gender"}
    view = door.save_view(MINISTRY, "explorer", "Area two by gender", params, "ignored")
    assert view.created_by == "min@tem.fi"  # the signed-in user, not a typed name
    at = open_as(LEAD, "pages/explorer.py", {**params, "saved": str(view.view_id)})
    assert_no_error(at)
    assert not at.dataframe
    assert any("beyond your own places" in n for n in notes(at))
    assert len(trail(store, "refused")) == 1
    # and it is not theirs to rename or delete
    with pytest.raises(Refused, match="Only min@tem.fi, who saved the view"):
        door.rename_view(LEAD, view.view_id, "Mine now")
    with pytest.raises(Refused):
        door.delete_view(LEAD, view.view_id)
    admin = access.viewer_for(User("a@tem.fi", "admin"))
    assert door.rename_view(admin, view.view_id, "Renamed by admin").name == "Renamed by admin"
    changes = [(e.subject, e.target) for e in trail(store, "saved_view")]
    assert changes == [("min@tem.fi", "saved view saved"), ("a@tem.fi", "saved view renamed")]


def test_the_save_form_shows_who_is_saving(store):
    at = open_as(LEAD, "pages/explorer.py", {"indicator": "active_caseload"})
    assert_no_error(at)
    assert not [w for w in at.text_input if w.key == "explorer-save-who"]
    assert any("Saved as lead@x.fi" in c for c in texts(at))
    at.text_input(key="explorer-save-name").input("My area")
    at.button(key="explorer-save").click().run()
    assert_no_error(at)
    (view,) = views.list_views(get_engine(store), "explorer")
    assert (view.name, view.created_by) == ("My area", "lead@x.fi")
    # their own view: rename is enabled; the list's buttons follow the owner rule
    assert not at.button(key="explorer-rename").disabled


def test_a_download_writes_an_export_row(store):
    at = open_as(LEAD, "pages/explorer.py", {"indicator": "active_caseload", "cols": "gender"})
    assert_no_error(at)
    button = at.download_button(key="csv-explorer")
    button.click().run()
    (event,) = trail(store, "export")
    assert (event.subject, event.target, event.detail["format"]) == ("lead@x.fi", "explorer", "csv")
    # the slice's table, one row per month and gender: area one's persons are P1 (F) and P2 (M),
    # so 4 months (Mar-Jun 2021) x 2 genders = 8 rows
    assert event.rows == 8
    assert event.detail["link"].endswith("area=A1")  # the sidebar started on their own area


def test_nobody_sees_no_figure_and_is_told_whom_to_ask(store):
    at = open_as(access.viewer_for(None))
    assert not at.exception
    assert not at.metric
    assert any("ask your organisation's Trialwatch administrator" in n for n in notes(at))


def test_compare_shows_other_areas_at_headline_level(store):
    at = open_as(LEAD, "pages/compare.py")
    assert_no_error(at)
    assert not notes(at) or not any("beyond your own places" in n for n in notes(at))
    # only headline indicators are offered (clients per FTE is not headline)
    assert "clients_per_fte" not in at.multiselect(key="p_ind").options
    bars = next(
        f.value for f in at.dataframe if {"trial_area_id", "jobseekers"} <= set(f.value.columns)
    )
    got = dict(zip(bars["trial_area_id"], bars["value"], strict=True))
    # active caseload per 1,000 job seekers, Mar-Jun 2021 (tests/web/test_explorer_page.py's
    # BY_AREA): Area one's mean caseload (1+2+2+2)/4 = 1.75 over 2.0 job seekers = 875;
    # Area two's (2+3+2+1)/4 = 2.0 over 1.5 = 1,333.3
    assert got["A1"] == pytest.approx(875.0) and got["A2"] == pytest.approx(1333.333, rel=1e-4)
    assert trail(store, "refused") == []


def test_compare_with_another_municipality_in_focus_is_a_note(store):
    at = open_as(LEAD, "pages/compare.py", {"focus": "m:091"})
    assert_no_error(at)
    assert any("Peers are shown for your own municipalities only" in n for n in notes(at))
    (event,) = trail(store, "refused")
    assert (event.subject, event.target) == ("lead@x.fi", "compare")


def test_evaluation_offers_peers_of_their_own_municipality(store):
    at = open_as(LEAD, "pages/evaluation.py")
    assert_no_error(at)
    assert at.selectbox(key="p_peer_of").options == ["Alajärvi"]
