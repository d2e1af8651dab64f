"""No text is cut off its box (issue 15): every page at 1366x768 and 800x1000 in headless Chromium.

For every element with text of its own (metric values and labels, buttons, headings, table header
cells, captions, tabs, widget labels) the page is asked whether the text is wider than its box
while the box hides the rest (overflow hidden/clip, or text-overflow: ellipsis): then the reader
sees "Placement at 90 days ov..." or "3,..." and the test names the page, size and text.
Charts (canvas/SVG) and the sidebar's collapsed state are not text boxes and are left out.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.screenshots import EXCEPTION, PAGES, wait_ready

pytestmark = pytest.mark.e2e

# What it found on the demo register when written (issue 15, still to fix): metric labels on
# Staffing ("Clients per client-facing FTE", "Clients with a coaching contact") and Placements
# ("Placement at 90 days over the period", "Subsidised at 90 days over the period") at both
# sizes; at 800x1000 the Overview's "vs May 2024" / "Comparison" / "vs Oct-Dec 2023", the CSV
# and Excel download buttons (Caseload, Staffing, Compare, Definitions), the Evaluation's
# "Difference-in-differences, whole trial" and the Explorer's "95 % intervals". Not strict: it
# passes as soon as they are fixed, and then this mark goes.
KNOWN_CUT = pytest.mark.xfail(reason="text still cut off, listed above", strict=False)

SIZES = ((1366, 768), (800, 1000))

# Elements whose own text is read in the page; each is checked with its ancestors up to the
# nearest box that hides what does not fit.
CUT_TEXT = """
() => {
  const sel = [
    '[data-testid="stMetricValue"]', '[data-testid="stMetricLabel"]',
    '[data-testid="stMetricDelta"]', 'button p', 'button span', 'h1', 'h2', 'h3',
    '[data-testid="stCaptionContainer"]', '[data-testid="stWidgetLabel"] p',
    '[role="tab"] p', '[role="columnheader"]', '.gdg-header', 'label p',
  ].join(',');
  const cut = [];
  for (const el of document.querySelectorAll(sel)) {
    if (el.closest('[data-testid="stSidebarCollapsedControl"]')) continue;
    const text = (el.innerText || '').trim();
    if (!text || el.offsetParent === null) continue;
    let node = el;
    for (let i = 0; node && i < 4; i++, node = node.parentElement) {
      const st = getComputedStyle(node);
      const hides = ['hidden', 'clip'].includes(st.overflowX) || st.textOverflow === 'ellipsis';
      if (hides && node.scrollWidth > node.clientWidth + 1) {
        cut.push(text.slice(0, 60));
        break;
      }
    }
  }
  return [...new Set(cut)];
}
"""


def build_store(tmp_path: Path) -> str:
    from lib.register.demo import generate
    from lib.register.store import get_engine, replace_register

    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    replace_register(get_engine(url), generate("test", 0), source_path="tests")
    return url


@KNOWN_CUT
def test_no_text_is_cut_off_on_any_page(streamlit_server, page, tmp_path):
    base = streamlit_server(
        build_store(tmp_path), env={"TRIALWATCH_CACHE_DIR": str(tmp_path / "cache")}
    )
    found = {}
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        for path in PAGES:
            page.goto(f"{base}/{path}")
            wait_ready(page)
            assert page.locator(EXCEPTION).count() == 0, f"exception on {path}"
            cut = page.evaluate(CUT_TEXT)
            if cut:
                found[f"{path} {width}x{height}"] = cut
    assert not found, "\n".join(f"{where}: {cut}" for where, cut in found.items())
