"""The map of municipalities on Compare regions in headless Chromium, on the small synthetic
demo register: the map is drawn (its vega-embed element holds a canvas or svg with the
municipalities painted in the scale's colours and the greys), hovering a municipality gives its
name, value and status, the table behind it opens, and nothing raises.

Screenshots for a person to look at: artifacts/compare-map-1366x768.png and
artifacts/compare-map-800x1000.png (the map scrolled into view).
"""

from __future__ import annotations

from pathlib import Path

from lib.figures import maps
from lib.figures.i18n import t

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
READY = "[data-testid='stApp'][data-test-script-state='notRunning']"
MAP_TITLE = "by municipality, on the map"


def build_store(tmp_path: Path) -> str:
    from lib.register.demo import generate
    from lib.register.store import get_engine, replace_register

    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    replace_register(get_engine(url), generate("test", 0), source_path="tests")
    return url


def ready(page) -> None:
    page.wait_for_selector(READY, timeout=180_000)
    page.wait_for_timeout(500)  # a rerun triggered by the URL update may follow
    page.wait_for_selector(READY, timeout=180_000)


def map_element(page):
    """The map's vega-embed element: the chart in the block whose title names the map."""
    box = page.locator("[data-testid='stVerticalBlock']").filter(has=page.get_by_text(MAP_TITLE))
    chart = box.last.locator("[data-testid='stVegaLiteChart']").first
    chart.locator("canvas, svg").first.wait_for(timeout=60_000)
    return chart


def painted(png: bytes) -> dict[str, int]:
    """Pixels of the map's colours in a screenshot: the two greys and 'coloured' (saturated:
    the viridis scale; no grey, white or black is saturated)."""
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    greys = {
        "suppressed": tuple(int(maps.SUPPRESSED_FILL[i : i + 2], 16) for i in (1, 3, 5)),
        "no_data": tuple(int(maps.NO_DATA_FILL[i : i + 2], 16) for i in (1, 3, 5)),
    }
    out = {"suppressed": 0, "no_data": 0, "coloured": 0}
    raw = image.tobytes()
    for r, g, b in zip(raw[0::3], raw[1::3], raw[2::3], strict=True):
        for name, rgb in greys.items():
            if (r, g, b) == rgb:
                out[name] += 1
        if max(r, g, b) - min(r, g, b) > 60:
            out["coloured"] += 1
    return out


def test_the_map_renders_on_compare_with_its_tooltip_and_table(streamlit_server, page, tmp_path):
    url = build_store(tmp_path)
    base = streamlit_server(url, env={"TRIALWATCH_CACHE_DIR": str(tmp_path / "cache")})
    ARTIFACTS.mkdir(exist_ok=True)
    for width, height in ((1366, 768), (800, 1000)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{base}/compare?level=municipality&rank=exit_rate")
        ready(page)
        assert page.locator("[data-testid='stException']").count() == 0
        chart = map_element(page)
        # The vega-embed element (Streamlit's chart element) holds the drawing: an svg with a
        # path per shape (309 municipalities, the outlines, the legends), or a canvas.
        assert chart.locator("svg, canvas").count() >= 1
        if chart.locator("svg").count():
            assert chart.locator("svg path").count() > 309
        chart.scroll_into_view_if_needed()
        page.mouse.move(1, 1)
        page.wait_for_timeout(1500)
        shot = chart.screenshot()
        pixels = painted(shot)
        # The demo's exit rates: most municipalities coloured, small ones suppressed (grey).
        assert pixels["coloured"] > 5000, pixels
        assert pixels["suppressed"] > 50, pixels
        page.screenshot(path=str(ARTIFACTS / f"compare-map-{width}x{height}.png"))

    # Hover the middle of the map: a municipality's name, its value with the unit, its status.
    chart = map_element(page)
    box = chart.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.4, steps=8)
    tooltip = page.locator("#vg-tooltip-element")
    tooltip.wait_for(state="visible", timeout=10_000)
    text = tooltip.inner_text()
    assert t("column.municipality") in text and t("map.status") in text
    assert "%" in text or t("suppressed.long", n=5) in text or t("map.no_data") in text
    assert "comparison municipality" in text or "in trial area" in text

    # The table behind the map, one click away.
    block = page.locator("[data-testid='stVerticalBlock']").filter(has=page.get_by_text(MAP_TITLE))
    block.last.get_by_text(t("block.table")).last.click()
    block.last.locator("[data-testid='stDataFrame']").first.wait_for(timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0
