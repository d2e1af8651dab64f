"""Every text a page asks t() for is in the catalogues (issue 17): each page of the hand fixture
opened in Swedish, recording every msgid looked up while it is drawn; a msgid that is not in the
template (lib/figures/catalog.py template(), what extraction finds) can have no translation, so
the reader gets English. This finds what the source scan (tests/figures/test_texts.py) cannot:
t() given a variable (a constant, an engine text, a computed key without its N_() values)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lib.figures import catalog, i18n
from lib.figures.text import as_read
from tests.web.test_pages import DASHBOARD, assert_clean, env, hand, open_page  # noqa: F401

# every page, the admin pages too (the hand fixture's demo visitor is refused them: the refusal's
# sentence is a text too)
PAGES = sorted(p.stem for p in (Path(DASHBOARD).parent / "pages").glob("*.py"))


@pytest.fixture(scope="module")
def extracted() -> set[str]:
    return {m.id for m in catalog.template() if m.id}


@pytest.fixture
def asked(monkeypatch) -> set[str]:
    """The msgids t() looks up from now on, in any thread (AppTest runs the page in its own)."""
    keys: set[str] = set()
    real = i18n._catalogue

    class Recording:
        def __init__(self, tr):
            self._tr = tr

        def gettext(self, msgid: str) -> str:
            keys.add(msgid)
            return self._tr.gettext(msgid)

    monkeypatch.setattr(i18n, "_catalogue", lambda lang: Recording(real(lang)))
    return keys


@pytest.fixture(autouse=True)
def test_thread_language():
    token = i18n._LANGUAGE.set("sv")  # AppTest formats the last run's widgets in this thread
    yield
    i18n._LANGUAGE.reset(token)


@pytest.mark.usefixtures("hand")
@pytest.mark.parametrize("page", PAGES)
def test_every_text_a_page_asks_for_is_in_the_catalogue(asked, extracted, page):
    at = open_page(page, {"lang": "sv"})
    assert_clean(at)
    assert asked, "nothing was looked up: the recording is not in the path of t()"
    missing = sorted(asked - extracted)
    assert missing == [], "not in the catalogue (route them through a literal t() or N_()):\n" + (
        "\n".join(m[:100] for m in missing)
    )


@pytest.mark.usefixtures("hand")
def test_a_figure_that_cannot_be_made_says_why_in_the_readers_language(monkeypatch):
    """A FigureError that reaches the page (here the missing disclosure secret of a store of real
    persons, raised while the Overview is built) is shown as its reason in Swedish, not as a
    failure of the page with the English message in its details."""
    from lib.engine.disclosure import MISSING_KEY_MESSAGE, DisclosureKeyMissing
    from lib.figures import overview

    def no_key(*args, **kwargs):
        raise DisclosureKeyMissing(MISSING_KEY_MESSAGE, key="missing_key")

    monkeypatch.setattr(overview, "build", no_key)
    at = open_page("overview", {"lang": "sv"})
    assert not at.exception
    (error,) = at.error
    shown = as_read(error.value)
    assert shown.startswith("Uppgiften kan inte visas: Antal kan inte visas: det här datalagret")
    assert "TRIALWATCH_DISCLOSURE_KEY" in shown
    assert not at.expander or all(e.label != i18n.t("error.details") for e in at.expander)
