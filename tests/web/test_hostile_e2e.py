"""Outside text in a real browser (issue 12): headless Chromium on a store whose every name, source
and description, saved view and URL parameter holds Markdown and HTML for a link, an image and
styling. The test fails if an element the payload names appears (a link or image to its host,
bold or coloured text, a formula), or if any request leaves the loopback address."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from lib.figures.text import WORD_JOINER
from lib.register import views
from lib.register.store import get_engine, replace_register
from tests.hostile_fixture import HOST, hostile_extract, payload, url_payload

READY = "[data-testid='stApp'][data-test-script-state='notRunning']"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
# What the payload would make if it were read as Markdown or HTML.
PAYLOAD_ELEMENTS = (
    f"a[href*='{HOST}']",
    f"img[src*='{HOST}']",
    f"[src*='{HOST}']",
    f"[href*='{HOST}']",
    "[data-testid='stMarkdownContainer'] strong:text-is('bold')",
    "[data-testid='stMarkdownContainer'] .katex",
    "[data-testid='stMarkdownContainer'] span[style*='color']:text-is('red')",
)


def test_no_element_from_outside_text_and_no_request_off_the_machine(
    streamlit_server, page, tmp_path
):
    url = f"sqlite:///{tmp_path / 'hostile.sqlite'}"
    engine = get_engine(url)
    replace_register(engine, hostile_extract(), source_path=str(tmp_path / payload("folder")))
    view = views.save_view(engine, "explorer", payload("view")[:80], {"area": "A1"}, payload("who"))
    base = streamlit_server(
        url, env={"TRIALWATCH_MIN_COUNT": "0", "TRIALWATCH_CACHE_DIR": str(tmp_path / "cache")}
    )

    outside: list[str] = []

    def guard(route):
        host = urlsplit(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in LOOPBACK:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)

    hostile_params = {
        name: url_payload(name)
        for name in ("trial", "from", "to", "group", "match", "gender", "edu", "view", "rows")
    }
    visits = [
        ("", {"area": "A1,A2"}),  # the Overview with the hostile areas chosen
        ("caseload", {**hostile_params, "area": f"A1,{url_payload('area')}"}),
        ("compare", {"area": "A1"}),
        ("evaluation", {"area": "A1,A2"}),
        ("explorer", {"saved": str(view.view_id)}),
        ("explorer", {"saved": url_payload("saved")}),
        ("definitions", {}),
    ]
    for path, params in visits:
        address = f"{base}/{path}" + (f"?{urlencode(params)}" if params else "")
        page.goto(address)
        page.wait_for_selector(READY, timeout=120_000)
        page.wait_for_timeout(500)  # images and fonts would be requested by now
        assert page.locator("[data-testid='stException']").count() == 0, address
        for selector in PAYLOAD_ELEMENTS:
            assert page.locator(selector).count() == 0, (address, selector)
        # The payload is on the page, as the characters it holds.
        text = page.locator("[data-testid='stApp']").inner_text().replace(WORD_JOINER, "")
        assert f"http://{HOST}/" in text, address
    assert outside == []
