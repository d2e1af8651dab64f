"""Issue 15's small things that only a browser shows: the page's own name as its address."""

from __future__ import annotations

from urllib.parse import urlsplit

from tests.hand_fixture import hand_extract
from tests.screenshots import EXCEPTION, wait_ready
from tests.web.test_e2e import build_store


def test_the_overview_opens_at_its_own_name_without_page_not_found(
    streamlit_server, page, tmp_path
):
    """/overview (the page's name) used to open Streamlit's "Page not found" dialog, since the
    default page lives at "/". Now it leads to the Overview, keeping the link's parameters."""
    url = build_store(tmp_path, hand_extract())
    base = streamlit_server(
        url, env={"TRIALWATCH_MIN_COUNT": "0", "TRIALWATCH_CACHE_DIR": str(tmp_path / "cache")}
    )
    page.goto(base)  # the server's first visit runs apart (lib/web/workarounds.py)
    wait_ready(page)
    page.goto(f"{base}/overview?area=A1")
    wait_ready(page)
    page.get_by_role("heading", name="Overview").first.wait_for()
    page.wait_for_timeout(1500)  # the dialog comes after the page has run
    assert page.get_by_role("dialog").count() == 0, page.get_by_role("dialog").all_inner_texts()
    assert page.get_by_text("Page not found").count() == 0
    assert page.locator(EXCEPTION).count() == 0
    address = urlsplit(page.url)
    assert address.path == "/" and address.query == "area=A1", page.url
