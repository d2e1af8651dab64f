"""Outside text is shown as text on every page (issue 12; the rule is in lib/figures/text.py).

Every free-text field of the extract (names of the trial, areas, municipalities, regions and
providers; the manifest's source and description), the saved views (name, "saved by") and every
URL parameter of every page hold Markdown that would make a link or fetch an image. The test reads
every string that the page hands to a Markdown-reading element (markdown, captions, alerts,
titles, metric labels, widget labels and tooltips, radio and segmented options, expander, tab and
popover labels, toasts) and fails when the payload's host appears unescaped in one.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from google.protobuf.json_format import MessageToDict
from streamlit.testing.v1 import AppTest

from lib.figures.text import WORD_JOINER, as_text
from lib.register import views
from lib.register.store import get_engine, replace_register
from tests.hostile_fixture import HOST, hostile_extract, payload, url_payload

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = str(ROOT / "dashboard.py")
PAGES = sorted(p.name for p in (ROOT / "pages").glob("*.py"))
# published.py: its areas are the published tables' own; the admin's pages (admin only, outside
# the figures' frame) read no filter: tests/web/test_admin_pages.py shows the trail's text
PAGES_WITHOUT_FILTERS = {"published.py", "audit.py", "import_extract.py"}

# Elements that show their text as it is (no Markdown): a payload in them is harmless.
PLAIN_ELEMENTS = {"arrow_data_frame", "arrow_table", "code", "text", "vega_lite_chart", "json"}
# Fields of Markdown-reading elements that hold text shown as it is (option lists of select
# boxes and multiselects, the values of inputs, ids, and data).
PLAIN_FIELDS = re.compile(
    r"(^|\.)(id|formId|value|default|rawValues?|setValue|placeholder|data|spec|"
    r"fileName|url|deprecation.*|icon)(\.|$|\[)"
)
SELECT_OPTIONS = {"selectbox", "multiselect"}  # their options are plain text in 1.67
UNESCAPED = re.compile(r"(?<!\\)" + re.escape(HOST).replace(r"\.", r"(?<!\\)\."))
# GitHub's autolinks are found after escapes are read: an unbroken "http://" links the host.
AUTOLINK = re.compile(r"(?i)https?\\?:|www\\?\.|@\w")


def walk(node, path=""):
    """Every node of the AppTest tree, with its type."""
    yield node
    for child in getattr(node, "children", {}).values():
        yield from walk(child)


def markdown_strings(at: AppTest) -> list[tuple[str, str, str]]:
    """(element type, field, text) of every string a Markdown-reading element was given."""
    out = []
    for node in walk(at._tree):
        kind = getattr(node, "type", "")
        proto = getattr(node, "proto", None)
        if proto is None or kind in PLAIN_ELEMENTS or not hasattr(proto, "DESCRIPTOR"):
            continue
        for field, text in _strings(MessageToDict(proto)):
            if PLAIN_FIELDS.search(field):
                continue
            if kind in SELECT_OPTIONS and field.startswith("options"):
                continue
            out.append((kind, field, text))
    return out


def _strings(value, field=""):
    if isinstance(value, str):
        yield field, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, f"{field}.{k}" if field else k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, f"{field}[{i}]")


def leaks(at: AppTest) -> list[tuple[str, str, str]]:
    """Markdown-read strings holding the payload's host unescaped."""
    return [
        (k, f, s)
        for k, f, s in markdown_strings(at)
        if UNESCAPED.search(s) or (as_text(HOST) in s and AUTOLINK.search(s))
    ]


@pytest.fixture
def hostile_store(tmp_path, monkeypatch) -> str:
    monkeypatch.setenv("TRIALWATCH_MIN_COUNT", "0")
    monkeypatch.setenv("TRIALWATCH_CACHE_DIR", str(tmp_path / "cache"))
    url = f"sqlite:///{tmp_path / 'hostile.sqlite'}"
    engine = get_engine(url)
    replace_register(engine, hostile_extract(), source_path=str(tmp_path / payload("folder")))
    monkeypatch.setenv("TRIALWATCH_DB", url)
    return url


def save_hostile_view(url: str, params: dict[str, str] | None = None) -> views.SavedView:
    return views.save_view(
        get_engine(url), "explorer", payload("view")[:80], params or {}, payload("who")
    )


def every_param(at: AppTest) -> set[str]:
    """Every URL parameter the page that `at` ran reads: the sidebar's and the page's own."""
    from lib.figures.filters import PARAMS
    from lib.web import explorer_ui, sidebar

    own = (
        at.session_state[sidebar.PAGE_PARAMS_ALL]
        if sidebar.PAGE_PARAMS_ALL in (at.session_state)
        else set()
    )
    return {*PARAMS.values(), *own, *sidebar.PAGE_PARAMS, explorer_ui.SAVED, "lang"}


def open_page(page: str, params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(f"pages/{page}")
    return at.run()


@pytest.mark.parametrize("page", PAGES)
def test_outside_text_reaches_no_markdown_element_unescaped(hostile_store, page):
    save_hostile_view(hostile_store, {"area": "A1", "rows": "month"})
    # Every page with the hostile areas chosen: the extract's names and source in titles,
    # captions and the sidebar (on the Explorer, the saved views too) ...
    at = open_page(page, {"area": "A1,A2"})
    assert not at.exception, [e.value for e in at.exception]
    assert markdown_strings(at), "the walk found no Markdown at all: the test would pass blind"
    assert leaks(at) == []
    # ... and with a hostile value in every URL parameter it reads.
    params = {name: url_payload(name) for name in sorted(every_param(at))}
    at = open_page(page, params)
    assert not at.exception, [e.value for e in at.exception]
    assert leaks(at) == []
    shown = [s for _, _, s in markdown_strings(at)]
    if page not in PAGES_WITHOUT_FILTERS:
        bad_area = as_text(f"[area expired](http://{HOST}/area)")  # the notice lists the values
        assert any(bad_area in s for s in shown), "no notice named the bad area"


def test_the_explorer_shows_a_saved_views_name_and_author_as_text(hostile_store):
    view = save_hostile_view(hostile_store)
    at = open_page("explorer.py", {"saved": str(view.view_id)})
    assert not at.exception, [e.value for e in at.exception]
    assert leaks(at) == []
    shown = " ".join(s for _, _, s in markdown_strings(at))
    assert as_text(view.name) in shown  # "Changed since the saved view '...'"
    # The list of saved views is a select box, whose options are shown as they are.
    options = [o for box in at.selectbox for o in box.options]
    assert any(view.name in o and view.created_by in o for o in options), options


@pytest.mark.parametrize(
    "saved", ["99999999999999999999", "²", "-1", "1e3", "0x10", " 1", "1.0", url_payload("saved")]
)
def test_a_bad_saved_view_number_is_a_notice_not_an_error(hostile_store, saved):
    at = open_page("explorer.py", {"saved": saved})
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    notices = [w.value for w in at.warning]
    assert any(as_text(saved) in w for w in notices), notices
    assert "saved" not in at.query_params
    assert leaks(at) == []


def test_as_text_escapes_every_markdown_construct():
    text = payload("x") + " # h\n> q\n- li\n1. n\n| a | b |\n`c` ~s~ _e_ \\ &amp; \x00"
    escaped = as_text(text)
    assert "\n" not in escaped and "\x00" not in escaped
    # Every ASCII punctuation character is backslash-escaped, and nothing else changed.
    unescaped = re.sub(r"\\(.)", r"\1", escaped).replace(WORD_JOINER, "")
    assert not AUTOLINK.search(escaped)
    assert unescaped == re.sub(r"[\x00-\x1f]+", " ", text)
    assert re.fullmatch(r"(?:\\[!-/:-@\[-`{-~]|[^!-/:-@\[-`{-~])*", escaped)


def test_the_money_pages_provider_names_are_shown_and_only_as_text(hostile_store):
    # Issue 19: the payments audit and the flagged list name the providers; the names come from
    # the extract, so each must reach the page as it is, in a table (plain text: else this test
    # would pass blind) and never as Markdown.
    at = open_page("money.py", {})
    assert not at.exception, [e.value for e in at.exception]
    cells = {
        str(v) for df in at.dataframe for col in df.value.columns for v in df.value[col].tolist()
    }
    named = [c for c in cells if c.startswith("providers.PR1.name ")]
    assert named and all(payload("name-PR1") in c for c in named), sorted(cells)[:20]
    assert leaks(at) == []
