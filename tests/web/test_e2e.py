"""The Overview in headless Chromium: it loads, shows the headline numbers, never a traceback.

Screenshots go to artifacts/ (overview.png: the hand fixture at 1366x768; overview-demo.png:
the small synthetic demo register), for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lib.figures.i18n import t

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
READY = "[data-testid='stApp'][data-test-script-state='notRunning']"


def build_store(tmp_path: Path, extract) -> str:
    from lib.register.store import get_engine, replace_register

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
    assert page.get_by_text(t("notice.synthetic")).count() == 1  # the hand fixture is synthetic
    page.get_by_text("Data as of 30 Jun 2021", exact=True).wait_for()

    # The definition is one click away.
    page.get_by_role("button", name="Active caseload").click()
    page.get_by_text("Persons in the trial (an open municipal responsibility spell)").wait_for()
    page.keyboard.press("Escape")

    save_screenshots(page, "overview")


@pytest.mark.slow
def test_overview_in_a_browser_on_a_small_demo_register(streamlit_server, page, tmp_path):
    from lib.engine.indicators import Query, compute
    from lib.engine.snapshot import build_snapshot
    from lib.figures import overview
    from lib.figures.filters import options_from_facts
    from lib.figures.format import format_value
    from lib.register.demo import generate
    from tests.readers import facts

    extract = generate("test", 0)
    url = build_store(tmp_path, extract)
    cache = tmp_path / "cache"
    base = streamlit_server(url, env={"TRIALWATCH_CACHE_DIR": str(cache)})
    open_overview(page, base)
    assert page.locator("[data-testid='stException']").count() == 0
    page.get_by_text(t("notice.synthetic")).wait_for()

    # The numbers on the page are the indicator engine's, formatted.
    snap = build_snapshot(extract)
    ctx = overview.context_from_options(options_from_facts(facts(snap)), snap.as_of, 5)

    def query(ind, *, side="selection", where=(), **kw):
        scope = (
            ("trial_or_comparison", ("comparison",))
            if side == "comparison"
            else overview.TRIAL_ONLY
        )
        return Query(ind, min_count=5, where=(scope, *where), **kw)

    view = overview.figures(lambda q: compute(snap, q), ctx, query)
    head = view.headline("active_caseload")
    assert metric_value(page, "Active caseload") == format_value(head.current.value, "persons")
    assert page.get_by_text("Trial starts").count() >= 1

    save_screenshots(page, "overview-demo")


def test_every_page_a_filter_a_shared_link_and_a_download(streamlit_server, page, tmp_path):
    """The small demo register in a browser: every page through the sidebar, a trial area
    picked, the page's address opened in a fresh browser, and a CSV downloaded and read back."""
    from lib.engine.indicators import Query, compute
    from lib.engine.snapshot import build_snapshot
    from lib.figures.exports import read_csv_export
    from lib.register.demo import generate
    from tests.screenshots import EXCEPTION, PAGES, wait_ready

    extract = generate("test", 0)
    url = build_store(tmp_path, extract)
    base = streamlit_server(url, env={"TRIALWATCH_CACHE_DIR": str(tmp_path / "cache")})
    snap = build_snapshot(extract)
    page.set_viewport_size({"width": 1366, "height": 768})

    def no_exception() -> None:
        assert page.locator(EXCEPTION).count() == 0, page.locator(EXCEPTION).first.inner_text()

    # A shared link as the server's very first visit: the page opens inside the frame (its
    # sidebar and filters), not as a bare page file (Streamlit's old pages/ folder mode).
    page.goto(f"{base}/staffing?area=TA02")
    wait_ready(page)
    no_exception()
    page.get_by_role("heading", name=PAGES["staffing"]).first.wait_for()
    chosen = page.locator("[data-testid='stMultiSelect']").filter(has_text="Trial areas")
    assert "Espoo region" in chosen.inner_text()
    assert "area=TA02" in page.url

    page.goto(base)
    wait_ready(page)
    no_exception()
    for path, title in PAGES.items():
        page.locator("[data-testid='stSidebarNav'] a").filter(has_text=title).first.click()
        if path != "overview":  # the default page lives at the root address
            page.wait_for_url(f"**/{path}*")
        wait_ready(page)
        page.get_by_role("heading", name=title).first.wait_for()
        no_exception()

    # Caseload and transfers: pick the trial area Helsinki (TA01) in the sidebar.
    page.locator("[data-testid='stSidebarNav'] a").filter(has_text=PAGES["caseload"]).click()
    page.wait_for_url("**/caseload*")
    wait_ready(page)
    areas = page.locator("[data-testid='stMultiSelect']").filter(has_text="Trial areas")
    areas.click()
    page.keyboard.type("Helsinki")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.wait_for_url("**area=TA01*")
    wait_ready(page)
    no_exception()
    end = snap.last_month
    expected = compute(
        snap,
        Query(
            "active_caseload",
            by=(),
            where=(("trial_area_id", ("TA01",)),),
            month_from=f"{end // 12}-{end % 12 + 1:02d}",
            month_to=f"{end // 12}-{end % 12 + 1:02d}",
        ),
    )["value"][0]
    assert metric_value(page, "Active caseload") == f"{expected:,}"

    # The address reproduces the view in a fresh browser (a new session).
    link = page.url
    other = page.context.browser.new_context(viewport={"width": 1366, "height": 768})
    try:
        shared = other.new_page()
        shared.goto(link)
        wait_ready(shared)
        assert shared.locator(EXCEPTION).count() == 0
        assert metric_value(shared, "Active caseload") == f"{expected:,}"
        chosen = shared.locator("[data-testid='stMultiSelect']").filter(has_text="Trial areas")
        assert "Helsinki" in chosen.inner_text()
    finally:
        other.close()

    # The share button shows the same address.
    page.get_by_role("button", name="Share this view").click()
    shown_link = page.locator("[data-testid='stCode']").last.inner_text()
    assert "caseload" in shown_link and "area=TA01" in shown_link
    page.keyboard.press("Escape")

    # Download the table behind the caseload-per-area chart as CSV and read it back.
    button = page.locator(".st-key-csv-caseload-area button")
    button.scroll_into_view_if_needed()
    with page.expect_download() as download:
        button.click()
    path = download.value.path()
    df, meta = read_csv_export(path)
    assert meta["Trialwatch export"] == "Active caseload per trial area"
    assert meta["Filter – Trial areas"] == "Helsinki"
    assert meta["Data as of"] == "2024-06-30"
    assert df.columns == ["month", "trial_area_id", "area_name", "value", "suppressed"]
    engine = compute(
        snap,
        Query(
            "active_caseload",
            by=("trial_area_id", "month"),
            where=(("trial_area_id", ("TA01",)),),
            month_from="2021-03",
            month_to="2024-06",
        ),
    )
    assert df["value"].to_list() == engine["value"].to_list()
    assert set(df["area_name"]) == {"Helsinki"}
    no_exception()
