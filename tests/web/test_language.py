"""The language switch (issue 17): Suomi / Svenska / English in the sidebar, kept in the URL
(`lang=fi|sv|en`) and in the share link, defaulting to the browser's language when it is one of
the three. Names in the reader's language where the store has them (name_sv); figures in the
language's number format. On the hand fixture (tests/web/test_pages.py)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from lib.figures import i18n
from lib.figures.format import NBSP
from tests.web.test_pages import DASHBOARD, assert_clean, env, hand  # noqa: F401 -- fixtures
from tests.web.test_share_link import shared


@pytest.fixture(autouse=True)
def test_thread_language():
    """AppTest calls the widgets' format functions (format_month, t) in the test's own thread
    too, on the last run's widgets, to find each chosen option among the drawn ones: that
    thread must read the language the page was last drawn in (`speak` after each run)."""
    token = i18n._LANGUAGE.set("en")
    yield
    i18n._LANGUAGE.reset(token)


def speak(lang: str) -> None:
    i18n._LANGUAGE.set(lang)


def _app(**context) -> AppTest:
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    for key, value in context.items():
        at.context[key] = value
    return at


def _switch(at: AppTest):
    return at.sidebar.radio(key="lang_choice")


def _municipalities(at: AppTest) -> list[str]:
    box = at.sidebar.multiselect(key="f_munis")
    return [box.format_func(o) for o in box.options]


@pytest.mark.usefixtures("hand")
def test_english_by_default_with_no_lang_in_the_address():
    at = _app(locale="de-DE").run()
    assert_clean(at)
    assert _switch(at).value == "en"
    assert "lang" not in at.query_params
    assert "lang" not in shared(at)


@pytest.mark.usefixtures("hand")
def test_a_finnish_browser_opens_the_page_in_finnish():
    at = _app(locale="fi-FI").run()
    assert_clean(at)
    assert _switch(at).value == "fi"
    assert at.query_params["lang"] == ["fi"] or at.query_params["lang"] == "fi"
    assert shared(at)["lang"] == "fi"
    # the sidebar's dates as Finnish write them; the hand fixture's extract is of 30 June 2021
    assert any("30.6.2021" in m.value for m in at.sidebar.markdown)


@pytest.mark.usefixtures("hand")
def test_the_switch_keeps_the_language_in_the_share_link():
    at = _app(locale="en-GB").run()
    _switch(at).set_value("sv").run()
    speak("sv")
    assert_clean(at)
    assert shared(at)["lang"] == "sv"
    assert _switch(at).value == "sv"
    # back to English by choice: kept too, so a Finnish browser opening the link reads English
    _switch(at).set_value("en").run()
    assert_clean(at)
    assert shared(at)["lang"] == "en"


@pytest.mark.usefixtures("hand")
def test_a_swedish_link_shows_the_swedish_names():
    at = _app(locale="fi-FI")
    at.query_params["lang"] = "sv"
    at.run()
    assert_clean(at)
    assert _switch(at).value == "sv"
    names = _municipalities(at)
    assert "Helsingfors" in names[1]  # Swedish name first, the Finnish one beside it
    assert names[0].startswith("Alajärvi")
    en = _app()
    en.run()
    assert any(n.startswith("Helsinki") for n in _municipalities(en))


@pytest.mark.usefixtures("hand")
def test_an_unknown_language_in_the_link_is_dropped():
    at = _app()
    at.query_params["lang"] = "de"
    at.run()
    assert_clean(at)
    assert _switch(at).value == "en"
    assert "lang" not in at.query_params


@pytest.mark.usefixtures("hand")
def test_finnish_metrics_use_the_decimal_comma():
    at = _app()
    at.query_params["lang"] = "fi"
    at.run()
    assert_clean(at)
    # the hand fixture's exit rates in June 2021 are 0.0 % on both sides (test_pages)
    values = [m.value for m in at.metric]
    assert f"0,0{NBSP}%" in values
    assert not any("." in v for v in values if any(c.isdigit() for c in v))
