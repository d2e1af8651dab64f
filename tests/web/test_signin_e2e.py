"""Signing in through a real OpenID Connect provider, in headless Chromium.

The provider is PyPI's oidc-provider-mock, run as its own process on loopback for this module
(discovery, authorisation form, token, JWKS, end of session); each person's claims are set
through its API (PUT /users/{sub}). One Streamlit server, with a secrets.toml whose [auth]
points at it, serves every test; each test has its own browser context, so its own cookies.

The store is the hand register labelled as a real extract (tests/web/test_signin.py), so it
opens only after signing in; the users are a ministry official, an evaluator, the municipal lead
of area A1 (Alajärvi 005) and an admin. The figures are tests/hand_fixture.py's, worked out in
tests/web/test_pages.py, test_explorer_page.py and test_roles_pages.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from urllib.parse import quote

import pytest

from lib.cli.commands import main as trialwatch
from lib.register.store import get_engine
from lib.register.users import add_user
from tests.conftest import free_port, start_streamlit, stop_streamlit, wait_healthy
from tests.screenshots import EXCEPTION, wait_ready
from tests.web.test_e2e import build_store, metric_value
from tests.web.test_explorer_e2e import download
from tests.web.test_signin import register_extract

pytestmark = pytest.mark.e2e

USERS = {
    "min@tem.fi": "ministry",
    "eva@uni.fi": "evaluator",
    "lead@kunta.fi": "municipal",
    "admin@tem.fi": "admin",
    "unverified@tem.fi": "ministry",  # a user row, but the provider does not vouch for it
}
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    """oidc-provider-mock on a free loopback port, for this module: its base URL."""
    log_path = tmp_path_factory.mktemp("oidc") / "provider.log"
    log = open(log_path, "wb")  # noqa: SIM115 -- closed by stop_streamlit
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "oidc_provider_mock", "--port", str(port), "--host", "127.0.0.1"],
        env={**os.environ, "AUTHLIB_INSECURE_TRANSPORT": "1"},  # http on loopback
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(proc, f"{base}/.well-known/openid-configuration", log, log_path, 60, ok=None)
        for email in USERS:
            claims(base, email, verified=email != "unverified@tem.fi")
        claims(base, "stranger@example.fi")  # verified, but no user row
        yield base
    finally:
        stop_streamlit(proc, log)


def claims(base: str, email: str, *, verified: bool = True) -> None:
    body = json.dumps({"email": email, "email_verified": verified, "name": email}).encode()
    request = urllib.request.Request(
        f"{base}/users/{quote(email)}",
        data=body,
        method="PUT",
        headers={"Content-Type": "application/json"},
    )
    with NO_PROXY.open(request, timeout=10) as resp:
        assert resp.status == 204


@pytest.fixture(scope="module")
def app(provider, tmp_path_factory):
    """(base URL, store URL): the dashboard with sign-in configured against the provider."""
    folder = tmp_path_factory.mktemp("app")
    url = build_store(folder, register_extract())
    engine = get_engine(url)
    for email, role in USERS.items():
        areas = ("A1",) if role == "municipal" else ()
        add_user(engine, email, role=role, areas=areas)
    port = free_port()
    secrets = folder / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        'cookie_secret = "a-test-cookie-secret-that-is-long-enough"\n'
        'client_id = "trialwatch-test"\n'
        'client_secret = "trialwatch-test-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n'
    )
    env = {"TRIALWATCH_MIN_COUNT": "0", "TRIALWATCH_CACHE_DIR": str(folder / "cache")}
    proc, log, base = start_streamlit(
        url, folder, env=env, args=("--secrets.files", str(secrets)), port=port
    )
    try:
        yield base, url
    finally:
        stop_streamlit(proc, log)


def sign_in(page, base: str, email: str, path: str = "") -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(base)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_placeholder("sub").fill(email)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{base}/**")
    wait_ready(page)
    if path:
        page.goto(f"{base}/{path}")
        wait_ready(page)
    assert page.locator(EXCEPTION).count() == 0


def trail(url: str, capsys) -> list[dict]:
    capsys.readouterr()
    assert trialwatch(["--db", url, "audit", "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_sign_in_and_sign_out(app, page, capsys):
    base, url = app
    sign_in(page, base, "min@tem.fi")
    # Whole trial, June 2021: P1, P2 (005) and P6 (091) active
    assert metric_value(page, "Active caseload") == "3"
    page.get_by_text("Signed in as").wait_for()  # the address as text (a word joiner in it)
    page.get_by_role("button", name="Sign out").click()
    # the provider offers an end of session: confirm it, and be back at the sign-in page
    page.get_by_role("button", name="End session").click()
    page.get_by_role("button", name="Sign in").wait_for()
    assert page.locator("[data-testid='stMetric']").count() == 0
    rows = [(r["subject"], r["action"]) for r in trail(url, capsys) if r["action"] != "refused"]
    assert rows[-2:] == [("min@tem.fi", "sign_in"), ("min@tem.fi", "sign_out")]


def test_an_unverified_address_and_a_person_without_a_user_row_are_refused(app, browser):
    base, _ = app
    for email, title in (
        ("unverified@tem.fi", "E-mail address not verified"),
        ("stranger@example.fi", "No access"),
    ):
        context = browser.new_context()
        page = context.new_page()
        try:
            sign_in(page, base, email)
            page.get_by_role("heading", name=title).wait_for()
            assert page.locator("[data-testid='stMetric']").count() == 0
        finally:
            context.close()


def test_what_the_ministry_sees(app, page):
    base, _ = app
    sign_in(page, base, "min@tem.fi")
    assert metric_value(page, "Active caseload") == "3"
    # the Explorer: area two by gender (Helsinki, not theirs to be limited from)
    sign_in_path(page, base, "explorer?indicator=active_caseload&cols=gender&area=A2")
    page.locator("[data-testid='stDataFrame']").first.wait_for()
    assert page.get_by_text("beyond your own places").count() == 0
    # Compare: every indicator, clients per FTE among them
    sign_in_path(page, base, "compare")
    assert page.get_by_text("beyond your own places").count() == 0
    # no admin pages in the navigation
    assert page.get_by_role("link", name="Audit trail").count() == 0


def test_what_the_municipal_lead_sees(app, page, capsys):
    base, url = app
    sign_in(page, base, "lead@kunta.fi")
    # their own area first: area one (005) in June 2021, P1 and P2 active
    assert metric_value(page, "Active caseload") == "2"
    # the Explorer: area two by gender is detail of another area: a note, no table
    sign_in_path(page, base, "explorer?indicator=active_caseload&cols=gender&area=A2")
    page.get_by_text("beyond your own places", exact=False).first.wait_for()
    assert page.locator("[data-testid='stDataFrame']").count() == 0
    # Compare: other areas at headline level, no refusal
    sign_in_path(page, base, "compare")
    assert page.get_by_text("beyond your own places").count() == 0
    # their own area's detail, downloaded: an export row in `trialwatch audit`
    sign_in_path(page, base, "explorer?indicator=active_caseload&cols=gender")
    body = download(page, "csv-explorer")
    assert b"value" in body
    exports = [r for r in trail(url, capsys) if r["action"] == "export"]
    assert exports and exports[-1]["subject"] == "lead@kunta.fi"
    assert exports[-1]["target"] == "explorer" and exports[-1]["rows"] == 8


def test_what_the_evaluator_and_the_admin_see_first(app, browser):
    base, _ = app
    for email, admin_pages in (("eva@uni.fi", 0), ("admin@tem.fi", 1)):
        context = browser.new_context()
        page = context.new_page()
        try:
            sign_in(page, base, email)
            assert metric_value(page, "Active caseload") == "3"
            assert page.get_by_role("link", name="Audit trail").count() == admin_pages
            assert page.get_by_role("link", name="Import").count() == admin_pages
        finally:
            context.close()


def sign_in_path(page, base: str, path: str) -> None:
    page.goto(f"{base}/{path}")
    wait_ready(page)
    assert page.locator(EXCEPTION).count() == 0
