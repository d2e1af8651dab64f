"""The Overview in headless Chromium: it loads, shows the headline numbers, never a traceback.

Screenshots go to artifacts/ (overview.png: the hand fixture at 1366x768; overview-demo.png:
the small synthetic demo register), for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lib.i18n import t

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"
READY = "[data-testid='stApp'][data-test-script-state='notRunning']"


def build_store(tmp_path: Path, extract) -> str:
    from lib.store import get_engine, replace_register

    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    replace_register(get_engine(url), extract, source_path="tests")
    return url


def open_overview(page, base_url: str) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(base_url)
    page.wait_for_selector(READY, timeout=120_000)
    page.get_by_text(t("overview.headlines")).wait_for()
    page.locator("[data-testid='stMetric']").first.wait_for()
    page.locator(
        "[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg"
    ).first.wait_for()


def save_screenshots(page, name: str) -> None:
    """artifacts/<name>.png: the whole page at 1366 px wide (Streamlit scrolls inside its main
    area, so the viewport is made as tall as the page); <name>-1366x768.png: the first screen."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.mouse.move(1, 1)  # no hover tooltip in the picture
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / f"{name}-1366x768.png"))
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1366, "height": int(height) + 40})
    page.wait_for_timeout(1000)  # charts re-measure their width
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    page.set_viewport_size({"width": 1366, "height": 768})


def metric_value(page, label: str) -> str:
    metric = page.locator("[data-testid='stMetric']").filter(
        has=page.locator("[data-testid='stMetricLabel']", has_text=label)
    )
    return metric.locator("[data-testid='stMetricValue']").first.inner_text().strip()


def test_overview_in_a_browser_on_the_hand_fixture(streamlit_server, page, tmp_path):
    from tests.hand_fixture import hand_extract

    url = build_store(tmp_path, hand_extract())
    base = streamlit_server(
        url, env={"TRIALWATCH_MIN_COUNT": "0", "TRIALWATCH_CACHE_DIR": str(tmp_path / "cache")}
    )
    open_overview(page, base)
    assert page.locator("[data-testid='stException']").count() == 0
    assert metric_value(page, "Active caseload") == "3"
    assert metric_value(page, "Cumulative transferred") == "4"
    assert page.get_by_text(t("notice.synthetic")).count() == 0
    page.get_by_text("Data as of 30 Jun 2021").wait_for()

    # The definition is one click away.
    page.get_by_role("button", name="Active caseload").click()
    page.get_by_text("Persons in the trial (an open municipal responsibility spell)").wait_for()
    page.keyboard.press("Escape")

    save_screenshots(page, "overview")


@pytest.mark.slow
def test_overview_in_a_browser_on_a_small_demo_register(streamlit_server, page, tmp_path):
    from lib import overview
    from lib.demo import generate
    from lib.format import format_value
    from lib.indicators import Query, compute
    from lib.panel import build_snapshot

    extract = generate("test", 0)
    url = build_store(tmp_path, extract)
    cache = tmp_path / "cache"
    base = streamlit_server(url, env={"TRIALWATCH_CACHE_DIR": str(cache)})
    open_overview(page, base)
    assert page.locator("[data-testid='stException']").count() == 0
    page.get_by_text(t("notice.synthetic")).wait_for()

    # The numbers on the page are the indicator engine's, formatted.
    snap = build_snapshot(extract)
    ctx = overview.context_from_snapshot(snap, 5)
    view = overview.build(
        lambda q: compute(snap, q), ctx, lambda ind, **kw: Query(ind, min_count=5, **kw)
    )
    head = view.headline("active_caseload")
    assert metric_value(page, "Active caseload") == format_value(head.current.value, "persons")
    assert page.get_by_text("Trial starts").count() >= 1

    save_screenshots(page, "overview-demo")
