"""Who the session is (lib/web/signin.py), in AppTest (no browser, no identity provider):
Streamlit's st.user is given as the ID token's claims (`AppTest.user`) and the `[auth]` section
as `AppTest.secrets`. The sign-in through a real OpenID Connect provider is in the
browser tests.

The store is tests/hand_fixture.py's (areas A1 = {005}, A2 = {091}); the hand extract says it is
synthetic, and `register_store` is the same register labelled as a real extract.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.engine import access
from lib.figures.text import as_read
from lib.register import audit
from lib.register.store import get_engine
from lib.register.users import add_user
from lib.web import data, signin
from tests.hand_fixture import hand_extract
from tests.web.test_pages import DASHBOARD, SYNTHETIC, build_store, metric, texts

AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "a-test-cookie-secret-of-some-length",
    "client_id": "trialwatch",
    "client_secret": "not-a-secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}


def register_extract():
    """The hand register, labelled as an extract of the real register (not synthetic)."""
    return dataclasses.replace(
        hand_extract(), source="KEHA register extract", description="monthly extract"
    )


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("TRIALWATCH_MIN_COUNT", "0")
    monkeypatch.setenv("TRIALWATCH_CACHE_DIR", str(tmp_path / "cache"))

    def use(extract=None) -> str:
        url = build_store(tmp_path, extract)
        monkeypatch.setenv("TRIALWATCH_DB", url)
        return url

    return use


def claims(email: str, verified=True) -> dict:
    """st.user of a signed-in person: the ID token's claims, as Streamlit keeps them."""
    return {"is_logged_in": True, "email": email, "email_verified": verified, "name": email}


def app(user: dict | None = None, auth: dict | None = AUTH) -> AppTest:
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    if auth is not None:
        at.secrets["auth"] = auth
    if user is not None:
        at.user = user
    return at


def trail(url: str, action: str | None = None) -> list[audit.Event]:
    return [e for e in audit.events(get_engine(url)) if action in (None, e.action)]


def assert_no_figures(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.metric and not at.dataframe and not at.get("vega_lite_chart")


# --- without [auth] ----------------------------------------------------------------------------


def test_a_register_extract_does_not_open_without_sign_in(env):
    env(register_extract())
    at = app(auth=None).run()
    assert_no_figures(at)
    assert at.title[0].value == "Sign-in is not configured"
    shown = " ".join(texts(at))
    assert "KEHA register extract" in shown and "not synthetic demo data" in shown
    assert "[auth]" in shown and "trialwatch users add" in shown
    # what to set, as a secrets.toml to copy
    (code,) = at.code
    for key in signin.AUTH_KEYS:
        assert f"{key} = " in code.value
    # no page can be reached past it: a deep link shows the same
    at = app(auth=None)
    at.switch_page("pages/explorer.py")
    assert_no_figures(at.run())


def test_a_demo_store_opens_for_the_demo_visitor_as_ministry(env):
    url = env()
    at = app(auth=None).run()
    assert not at.exception
    assert at.session_state[data.VIEWER_KEY] == access.demo_viewer("ministry")
    assert "**Demo visitor**" in texts(at)
    assert at.selectbox(key=signin.DEMO_ROLE).value == "ministry"
    assert SYNTHETIC in [w.value for w in at.warning]
    # Whole trial, June 2021: P1, P2 (005) and P6 (091) active (tests/web/test_pages.py)
    assert metric(at, "Active caseload").value == "3"
    assert trail(url, "sign_in") == []


def test_the_demo_visitor_chooses_whose_view_to_see(env):
    env()
    at = app(auth=None).run()
    at.selectbox(key=signin.DEMO_ROLE).set_value("municipal").run()
    assert not at.exception
    # the first area in name order is the lead's until another is chosen
    area = at.selectbox(key=signin.DEMO_AREA)
    assert area.value == "A1"
    at.selectbox(key=signin.DEMO_AREA).set_value("A2").run()
    who = at.session_state[data.VIEWER_KEY]
    assert (who.role, who.areas, who.name) == ("municipal", ("A2",), "Demo visitor (as municipal)")
    # a municipal view starts on its own area
    assert at.multiselect(key="f_areas").value == ["A2"]
    # Area two (091) in June 2021: P6 active
    assert metric(at, "Active caseload").value == "1"
    at.selectbox(key=signin.DEMO_ROLE).set_value("admin").run()
    assert at.session_state[data.VIEWER_KEY] == access.demo_viewer("admin")
    assert at.multiselect(key="f_areas").value == []


# --- with [auth] -------------------------------------------------------------------------------


def test_signed_out_the_sign_in_page_shows_and_nothing_else(env):
    env(register_extract())
    at = app(user={}).run()
    assert_no_figures(at)
    assert at.title[0].value == "Sign in to Trialwatch"
    assert at.button(key="sign_in").label == "Sign in"


def test_an_incomplete_auth_section_opens_nothing(env):
    env()
    at = app(claims("min@tem.fi"), auth={**AUTH, "client_secret": ""}).run()
    assert_no_figures(at)
    assert "lacks client_secret" in " ".join(texts(at))


def test_a_signed_in_ministry_user_reads_the_register(env):
    url = env(register_extract())
    add_user(get_engine(url), "Min@TEM.fi", role="ministry", name="Minna Ministry")
    at = app(claims("min@tem.fi")).run()
    assert not at.exception and not at.error
    who = at.session_state[data.VIEWER_KEY]
    assert (who.role, who.subject, who.name) == ("ministry", "min@tem.fi", "Minna Ministry")
    assert metric(at, "Active caseload").value == "3"
    assert SYNTHETIC not in [w.value for w in at.warning]  # a register extract: no notice
    assert "Signed in as Minna Ministry (Ministry)" in texts(at)
    at.run()  # a second run of the same session is not a second sign-in
    (row,) = trail(url, "sign_in")
    assert (row.subject, row.detail["role"]) == ("min@tem.fi", "ministry")


def test_a_signed_in_municipal_user_starts_on_their_own_area(env):
    url = env(register_extract())
    add_user(get_engine(url), "lead@kunta.fi", role="municipal", areas=("A2",))
    at = app(claims("lead@kunta.fi")).run()
    assert not at.exception
    who = at.session_state[data.VIEWER_KEY]
    assert (who.role, who.areas, who.municipalities) == ("municipal", ("A2",), ("091",))
    assert at.multiselect(key="f_areas").value == ["A2"]


def test_an_unverified_e_mail_address_is_refused(env):
    url = env(register_extract())
    add_user(get_engine(url), "min@tem.fi", role="ministry")
    for verified in (False, "true", None):  # only the JSON boolean true counts
        at = app(claims("min@tem.fi", verified=verified)).run()
        assert_no_figures(at)
        assert at.title[0].value == "E-mail address not verified"
    assert trail(url, "sign_in") == []
    refusals = trail(url, "refused")
    assert [r.subject for r in refusals] == ["min@tem.fi (not verified)"] * 3
    assert refusals[0].detail == {"reason": "e-mail address not verified"}


def test_signed_in_without_a_user_row_says_whom_to_ask(env):
    url = env(register_extract())
    at = app(claims("stranger@example.fi")).run()
    assert_no_figures(at)
    assert at.title[0].value == "No access"
    shown = " ".join(texts(at))
    assert "stranger@example.fi" in shown and access.NO_ACCESS_MESSAGE in shown
    assert [e.subject for e in trail(url, "sign_in")] == ["stranger@example.fi"]
    (refused,) = trail(url, "refused")
    assert refused.detail == {"reason": "no user row"}
    assert at.button(key="sign_out").label == "Sign out"


def test_sign_out_writes_its_row_and_ends_the_session_s_sign_in(env):
    url = env(register_extract())
    add_user(get_engine(url), "eva@uni.fi", role="evaluator")
    at = app(claims("eva@uni.fi")).run()
    at.button(key="sign_out").click().run()
    assert [(e.subject, e.action) for e in trail(url) if e.action.startswith("sign")] == [
        ("eva@uni.fi", "sign_in"),
        ("eva@uni.fi", "sign_out"),
    ]
    assert at.user.get("is_logged_in") is False
    assert_no_figures(at)
    at.run()  # the session's next run
    assert as_read(at.title[0].value) == "Sign in to Trialwatch"


def test_the_readme_s_secrets_example_is_complete(env):
    """The README's secrets.toml ("Signing in") has every key the sign-in needs, and as
    [auth] it opens the sign-in page (not the page about an incomplete section)."""
    import re
    import tomllib

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Signing in\n", 1)[1]
    example = re.search(r"```toml\n(.*?)```", section, re.S).group(1)
    auth = tomllib.loads(example)["auth"]
    assert signin.missing_auth_keys(auth) == []
    assert auth["redirect_uri"].endswith("/oauth2callback")
    env(register_extract())
    at = app(user={}, auth=auth).run()
    assert_no_figures(at)
    assert at.title[0].value == "Sign in to Trialwatch"


def test_the_refusal_page_shows_the_extract_s_source_as_text(env):
    """The page for a register extract without sign-in names the manifest's source: hostile
    Markdown in it is shown as its characters (tests/hostile_fixture.py)."""
    from tests.hostile_fixture import HOST, hostile_extract, payload
    from tests.web.test_hostile import leaks, markdown_strings

    env(dataclasses.replace(hostile_extract(), description="register extract"))
    at = app(auth=None).run()
    assert_no_figures(at)
    assert payload("source") in " ".join(texts(at))  # read back as it is ...
    assert any(HOST.replace(".", "\\.") in s for _k, _f, s in markdown_strings(at))
    assert leaks(at) == []  # ... and never as a link or an image
