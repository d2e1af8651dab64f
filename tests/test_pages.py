"""The dashboard rendered by Streamlit's AppTest against temporary stores (no browser).

Each test builds its own SQLite store from tests/hand_fixture.py and points TRIALWATCH_DB at
it; TRIALWATCH_MIN_COUNT=0 so the seven-person fixture is not all suppressed.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.i18n import t
from tests.hand_fixture import hand_extract

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = str(ROOT / "dashboard.py")
SYNTHETIC = t("notice.synthetic")


def build_store(tmp_path: Path, extract=None, name: str = "store.sqlite") -> str:
    from lib.store import get_engine, replace_register

    url = f"sqlite:///{tmp_path / name}"
    replace_register(get_engine(url), extract or hand_extract(), source_path="tests")
    return url


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("TRIALWATCH_MIN_COUNT", "0")
    monkeypatch.setenv("TRIALWATCH_CACHE_DIR", str(tmp_path / "cache"))

    def use(url: str) -> None:
        monkeypatch.setenv("TRIALWATCH_DB", url)

    return use


def run_app() -> AppTest:
    return AppTest.from_file(DASHBOARD, default_timeout=120).run()


def texts(at: AppTest) -> list[str]:
    """Everything a user reads as text: markdown, captions, alerts."""
    out = [e.value for e in at.markdown] + [e.value for e in at.caption]
    out += [e.value for e in (*at.info, *at.warning, *at.error)]
    return out


def metric(at: AppTest, label: str):
    found = [m for m in at.metric if m.label == label]
    assert len(found) == 1, f"metric {label!r}: {[m.label for m in at.metric]}"
    return found[0]


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_overview_renders_the_hand_figures(env, tmp_path):
    env(build_store(tmp_path))
    at = run_app()
    assert_clean(at)
    assert at.title[0].value == "Overview"
    # Whole trial, June 2021: P1, P2 (005) and P6 (091) active; four transferred in so far.
    caseload = metric(at, "Active caseload")
    assert caseload.value == "3"
    assert caseload.delta == "-1"
    assert metric(at, "Cumulative transferred").value == "4"
    assert metric(at, "Trial").value == "0.0\u00a0%"
    assert metric(at, "Comparison").value == "0.0\u00a0%"
    assert metric(at, "Placement at 90 days").value == "–"
    shown = texts(at)
    assert any("no coaching episode has an observable 90-day outcome yet" in s for s in shown)
    assert any("Data as of 30\u00a0Jun\u00a02021" in s for s in shown)
    assert any("Source: hand fixture" in s for s in shown)


def test_the_area_table_shows_names_not_ids(env, tmp_path):
    env(build_store(tmp_path))
    at = run_app()
    assert_clean(at)
    (table,) = at.dataframe
    df = table.value
    assert list(df["area_name"]) == ["Area one", "Area two"]
    assert list(df["active_caseload"]) == [2, 1]


def test_each_headline_has_its_definition_one_click_away(env, tmp_path):
    env(build_store(tmp_path))
    at = run_app()
    shown = texts(at)
    # Popover contents are part of the page (the browser opens them on a click).
    assert any(
        s.startswith("Persons in the trial (an open municipal responsibility") for s in shown
    )
    assert any("Evaluated on: the last day of the previous month" in s for s in shown)
    assert any("Unit: clients per FTE" in s for s in shown)


def test_no_synthetic_notice_for_a_register_extract(env, tmp_path):
    env(build_store(tmp_path))
    at = run_app()
    assert SYNTHETIC not in [w.value for w in at.warning]


def test_synthetic_data_carries_the_notice(env, tmp_path):
    extract = dataclasses.replace(
        hand_extract(),
        source="Trialwatch synthetic demo register",
        description="SYNTHETIC data, not real persons",
    )
    env(build_store(tmp_path, extract))
    at = run_app()
    assert_clean(at)
    assert SYNTHETIC in [w.value for w in at.warning]


def test_an_empty_store_says_what_to_run(env, tmp_path):
    env(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    at = run_app()
    assert_clean(at)
    (info,) = at.info
    assert "trialwatch demo" in info.value and "trialwatch import FOLDER" in info.value
    assert not at.metric


def test_an_unreachable_store_says_so_without_a_traceback_or_password(env):
    env("postgresql+psycopg://watcher:s3cret@127.0.0.1:9/nowhere?connect_timeout=2")
    at = run_app()
    assert not at.exception
    (error,) = at.error
    assert "could not be reached" in error.value and "TRIALWATCH_DB" in error.value
    assert not any("s3cret" in s for s in texts(at))
    assert not any("s3cret" in c.value for c in at.code)


def test_an_unexpected_failure_shows_a_short_message(env, tmp_path, monkeypatch):
    from lib import overview

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    env(build_store(tmp_path))
    monkeypatch.setattr(overview, "build", broken)
    at = run_app()
    assert not at.exception
    (error,) = at.error
    assert error.value == t("error.page")
    (details,) = at.expander
    assert details.label == t("error.details")
    assert "RuntimeError: boom" in details.code[0].value
