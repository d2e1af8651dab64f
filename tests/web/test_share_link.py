"""'Share this view' gives the address of the view at the moment of sharing, on every page.

The link was built before the page's own controls wrote their choice into the URL, so it was one
step behind (Placements after choosing 180 days still said 90; the Explorer lacked the column just
chosen). Each test opens a page on the hand fixture (tests/web/test_pages.py), changes a control
twice, and compares the link's parameters with the URL after the last change.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from tests.web.test_pages import assert_clean, env, hand, open_page  # noqa: F401 -- fixtures


def shared(at: AppTest) -> dict[str, str]:
    """The parameters of the link in the sidebar's 'Share this view'."""
    (code,) = [c for c in at.sidebar.code]
    query = urlsplit(code.value).query
    return {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}


def address(at: AppTest) -> dict[str, str]:
    return {
        k: at.query_params[k][0] if isinstance(at.query_params[k], list) else at.query_params[k]
        for k in at.query_params
    }


def _segmented(key, value):
    return lambda at: at.segmented_control(key=key).set_value(value)


def _select(key, value):
    return lambda at: at.selectbox(key=key).set_value(value)


def _toggle(key, value):
    return lambda at: at.toggle(key=key).set_value(value)


def _areas(value):
    return lambda at: at.multiselect(key="f_areas").set_value(value)


# Per page: two changes of its own controls (a sidebar filter where the page has none); after
# each, the link must carry that change, and the named parameter must read as given.
CHANGES = {
    "overview": [
        (_select("p_sort", "exit_rate"), "sort", "exit_rate"),
        (_segmented("p_order", "desc"), "order", "desc"),
    ],
    "caseload": [
        (_segmented("p_view", "municipality"), "view", "municipality"),
        (_toggle("p_initial", True), "initial", "1"),
    ],
    "staffing": [(_areas(["A2"]), "area", "A2"), (_areas(["A1"]), "area", "A1")],
    "placements": [
        (_segmented("p_days", 180), "days", "180"),
        (_segmented("p_days", 14), "days", "14"),
    ],
    "compare": [
        (_segmented("p_level", "municipality"), "level", "municipality"),
        (_select("p_rank", "exit_rate"), "rank", "exit_rate"),
    ],
    "evaluation": [
        (_segmented("p_km_start", "transfer"), "km_start", "transfer"),
        (_select("p_effect_area", "A1"), "effect_area", "A1"),
    ],
    "explorer": [
        (_select("p_cols", "gender"), "cols", "gender"),
        (_select("p_colour", "age_band"), "colour", "age_band"),
    ],
    "definitions": [(_areas(["A1"]), "area", "A1"), (_areas([]), "area", None)],
}


@pytest.mark.parametrize("page", list(CHANGES))
def test_the_shared_link_is_the_view_after_the_last_change(hand, page):  # noqa: F811
    at = open_page(page)
    assert_clean(at)
    assert shared(at) == address(at)
    for change, param, text in CHANGES[page]:
        change(at).run()
        assert_clean(at)
        assert address(at).get(param) == text, (param, address(at))
        assert shared(at) == address(at), (page, param)


def test_the_overview_sort_is_in_the_link_and_orders_the_table(hand):  # noqa: F811
    """The area table's order is part of the shared view: 'Sort areas by' and 'Order' are kept
    in the URL. Hand fixture, June 2021: Area one has P1, P2 active (2), Area two has P6 (1)."""
    at = open_page()
    assert list(at.dataframe[0].value["area_name"]) == ["Area one", "Area two"]  # by name
    at.selectbox(key="p_sort").set_value("active_caseload").run()
    assert_clean(at)
    # ascending caseload: Area two (1) before Area one (2)
    assert list(at.dataframe[0].value["area_name"]) == ["Area two", "Area one"]
    at.segmented_control(key="p_order").set_value("desc").run()
    assert list(at.dataframe[0].value["area_name"]) == ["Area one", "Area two"]
    assert address(at) == {"sort": "active_caseload", "order": "desc"}
    assert shared(at) == address(at)
    # the link reproduces the order
    again = open_page("overview", shared(at))
    assert list(again.dataframe[0].value["area_name"]) == ["Area one", "Area two"]
    assert again.selectbox(key="p_sort").value == "active_caseload"
