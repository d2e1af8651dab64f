"""Screenshots of every page at 1366x768: the first screen and the whole page, for a person to
look at (nothing cut off, no overlapping labels, no raw column names).

Used by tests/web/test_e2e.py, and by hand against a running dashboard:

    .venv/bin/python -m tests.screenshots http://127.0.0.1:8501 artifacts demo [800x1000 ...]

writes artifacts/<page>-demo-1366x768.png and artifacts/<page>-demo.png for every page (and, for
each further size WxH, <page>-demo-WxH.png and <page>-demo-WxH-whole.png).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"
READY = "[data-testid='stApp'][data-test-script-state='notRunning']"
EXCEPTION = "[data-testid='stException']"
# url path -> the page's title
PAGES = {
    "overview": "Overview",
    "caseload": "Caseload and transfers",
    "staffing": "Staffing",
    "placements": "Placements and exits",
    "money": "Money and providers",
    "compare": "Compare regions",
    "evaluation": "Evaluation",
    "explorer": "Explorer",
    "published": "Published statistics",
    "definitions": "Data and definitions",
}


def wait_ready(page, timeout: float = 120_000) -> None:
    """Until the script has run and every chart is drawn."""
    page.wait_for_selector(READY, timeout=timeout)
    page.wait_for_timeout(400)  # a rerun triggered by the URL update may follow
    page.wait_for_selector(READY, timeout=timeout)
    charts = page.locator("[data-testid='stVegaLiteChart']")
    for i in range(charts.count()):
        charts.nth(i).locator("canvas, svg").first.wait_for(timeout=timeout)


def save(
    page, name: str, folder: Path = ARTIFACTS, size: tuple[int, int] = (1366, 768)
) -> tuple[Path, Path]:
    """<name>-WxH.png (the first screen) and the whole page, W wide: <name>.png at the default
    1366x768, <name>-WxH-whole.png at any other size."""
    width, height = size
    folder.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": width, "height": height})
    page.mouse.move(1, 1)  # no hover tooltip in the picture
    page.wait_for_timeout(500)
    first = folder / f"{name}-{width}x{height}.png"
    page.screenshot(path=str(first))
    # Streamlit scrolls inside its main area: make the viewport as tall as the page.
    tall = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": width, "height": int(tall) + 40})
    page.wait_for_timeout(1200)  # charts re-measure their width
    default = size == (1366, 768)
    whole = folder / (f"{name}.png" if default else f"{name}-{width}x{height}-whole.png")
    page.screenshot(path=str(whole))
    page.set_viewport_size({"width": width, "height": height})
    return first, whole


def shoot_all(
    page,
    base_url: str,
    suffix: str,
    folder: Path = ARTIFACTS,
    sizes: tuple[tuple[int, int], ...] = ((1366, 768),),
) -> list[Path]:
    """Open every page (a fresh load each, at each size) and save its two screenshots."""
    out = []
    for size in sizes:
        for path in PAGES:
            page.set_viewport_size({"width": size[0], "height": size[1]})
            page.goto(f"{base_url}/{path}")
            wait_ready(page)
            assert page.locator(EXCEPTION).count() == 0, f"exception on {path}"
            out += save(page, f"{path}-{suffix}", folder, size)
    return out


def main() -> None:
    from playwright.sync_api import sync_playwright

    base, folder, suffix = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    sizes = ((1366, 768),) + tuple(
        (int(w), int(h)) for w, h in (arg.split("x") for arg in sys.argv[4:])
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
        page.set_default_timeout(120_000)
        for path in shoot_all(page, base, suffix, folder, sizes):
            print(path)
        browser.close()


if __name__ == "__main__":
    main()
