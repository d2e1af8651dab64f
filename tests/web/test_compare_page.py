"""The Compare page (issue 15, finding 2) in AppTest: it offers the whole country (Statistics
Finland's published activation rate, loaded into the store from the copies shipped under
data/reference/published/), regions as units and the ranking in the latest month; the same for
a municipal user (headline indicators by region are theirs to see)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from lib.engine import access
from lib.published.storage import load_demo_series
from lib.register.store import get_engine
from lib.web import data
from tests.web.test_pages import DASHBOARD, build_store, table_with

LEAD = access.Viewer("Lead of A1", "municipal", ("005",), ("A1",), "lead@x.fi")
# StatFin 12u4, whole country (SSS), AKTASTE: 2021-03 26.1, 2021-04 26.9, 2021-05 27.4,
# 2021-06 24.7 (data/reference/published/statfin_12u4.parquet)
COUNTRY_MEAN = (26.1 + 26.9 + 27.4 + 24.7) / 4  # the page's period, 2021-03 .. 2021-06
COUNTRY_JUNE = 24.7


@pytest.fixture
def store(monkeypatch, tmp_path) -> str:
    url = build_store(tmp_path)
    load_demo_series(get_engine(url))
    monkeypatch.setenv("TRIALWATCH_MIN_COUNT", "0")
    monkeypatch.setenv("TRIALWATCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("TRIALWATCH_DB", url)
    return url


def open_compare(params: dict[str, str], viewer=None) -> AppTest:
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    if viewer is not None:
        at.session_state[data.VIEWER_KEY] = viewer
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page("pages/compare.py")
    return at.run()


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def whole_country(at: AppTest) -> float:
    ranked = table_with(at, "rank")
    rows = ranked[ranked["series"] == "Whole country"]
    assert len(rows) == 1, ranked
    return float(rows["activation_rate"].iloc[0])


def test_compare_offers_the_whole_country_regions_and_the_latest_month(store):
    at = open_compare({"focus": "a:A2", "peers": "a:A1", "ind": "activation_rate"})
    assert_clean(at)
    assert whole_country(at) == pytest.approx(COUNTRY_MEAN)
    # regions are units to compare and to rank
    assert "Uusimaa (region)" in at.selectbox(key="p_focus").options
    assert at.segmented_control(key="p_level").options == [
        "Municipalities",
        "Trial areas",
        "Regions",
    ]
    # the ranking in the period's last month
    at.segmented_control(key="p_rank_on").set_value("latest").run()
    assert_clean(at)
    assert whole_country(at) == pytest.approx(COUNTRY_JUNE)
    assert at.query_params["rank_on"] == "latest"
    # a region in focus
    at.selectbox(key="p_focus").set_value("r:Uusimaa").run()
    assert_clean(at)
    assert at.query_params["focus"] == "r:Uusimaa"
    ranked = table_with(at, "rank")
    assert "Uusimaa" in set(ranked["series"])


def test_a_municipal_user_gets_the_whole_country_and_regions(store):
    at = open_compare(
        {"focus": "r:Uusimaa", "ind": "activation_rate", "level": "region"}, viewer=LEAD
    )
    assert_clean(at)
    assert whole_country(at) == pytest.approx(COUNTRY_MEAN)
    assert "Uusimaa" in set(table_with(at, "rank")["series"])
