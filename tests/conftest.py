"""Shared pytest fixtures for Trialwatch.

Environment (``scripts/test.sh`` sets both, after starting a throwaway PostgreSQL server):

* ``TRIALWATCH_TEST_PG_URL`` -- SQLAlchemy URL of a PostgreSQL database whose user may
  CREATE/DROP databases, e.g. ``postgresql+psycopg://user:pass@127.0.0.1:5432/trialwatch_test``.
* ``TRIALWATCH_CHROMIUM`` -- Chromium binary for Playwright (default ``/usr/bin/chromium``).

When one is missing, tests needing it are skipped locally but FAIL when ``CI`` is set, so
CI can never pass by silently skipping PostgreSQL or browser tests.

Markers are added automatically: tests using a browser/Streamlit fixture get ``e2e``,
tests using PostgreSQL get ``pg`` (so ``-m "not e2e and not pg"`` runs the quick set).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# The cell-key perturbation's secret for every test (and the commands and servers they start):
# the fixtures are stores of invented persons that are not the demo register, so without a
# secret they would show no counts. tests/engine/test_disclosure.py works its record keys out
# under this secret.
TEST_DISCLOSURE_KEY = "trialwatch tests"
os.environ["TRIALWATCH_DISCLOSURE_KEY"] = TEST_DISCLOSURE_KEY

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

E2E_FIXTURES = {"browser", "page", "chromium_path", "streamlit_server"}
PG_FIXTURES = {"pg_url"}


# --------------------------------------------------------------------------- helpers


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def skip_or_fail(reason: str) -> None:
    """Skip locally; fail under CI so a missing service is never a silent green."""
    if in_ci():
        pytest.fail(f"{reason} (CI is set: failing instead of skipping)", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if names & E2E_FIXTURES:
            item.add_marker(pytest.mark.e2e)
        if names & PG_FIXTURES:
            item.add_marker(pytest.mark.pg)


# --------------------------------------------------------------------------- databases


@pytest.fixture(scope="session")
def pg_url() -> str:
    """URL of the test PostgreSQL server's database (TRIALWATCH_TEST_PG_URL)."""
    url = os.environ.get("TRIALWATCH_TEST_PG_URL")
    if not url:
        skip_or_fail("TRIALWATCH_TEST_PG_URL is not set (run scripts/test.sh)")
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty store URL: a fresh SQLite file, or a fresh PostgreSQL database per test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/store.sqlite"
        return

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    server = request.getfixturevalue("pg_url")
    name = f"tw_test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(server).set(database=name).render_as_string(hide_password=False)
        finally:
            # FORCE drops it even if the code under test left connections open.
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


# --------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's Chromium (TRIALWATCH_CHROMIUM, default /usr/bin/chromium)."""
    path = os.environ.get("TRIALWATCH_CHROMIUM") or "/usr/bin/chromium"
    if not os.access(path, os.X_OK):
        skip_or_fail(f"Chromium not found at {path} (run scripts/test.sh)")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path: str):
    """A headless Chromium (Playwright sync API) shared by the session.

    Never run `playwright install`: this drives the system Chromium via executable_path.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser):
    """A fresh browser context + page per test (isolated cookies/storage)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(30_000)
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()


# --------------------------------------------------------------------------- streamlit


def start_streamlit(
    db_url: str,
    log_dir: Path,
    script: str | os.PathLike[str] = "dashboard.py",
    *,
    env: dict[str, str] | None = None,
    args: tuple[str, ...] = (),
    timeout: float = 60.0,
    port: int | None = None,
) -> tuple[subprocess.Popen, object, str]:
    """Start ``streamlit run`` on a free loopback port with ``TRIALWATCH_DB=db_url`` (plus
    ``env``; ``args`` are more ``streamlit run`` options) and poll ``/_stcore/health`` until it
    answers ``ok``: (process, its log file, base URL). Stop it with ``stop_streamlit``."""
    port = port or free_port()
    log_path = log_dir / f"streamlit-{port}.log"
    log = open(log_path, "wb")  # noqa: SIM115 -- closed by stop_streamlit
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.headless", "true",
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
        *args,
    ]  # fmt: skip
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env={**os.environ, "TRIALWATCH_DB": db_url, **(env or {})},
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(proc, f"{base_url}/_stcore/health", log, log_path, timeout)
    except BaseException:
        stop_streamlit(proc, log)
        raise
    return proc, log, base_url


def wait_healthy(proc, url: str, log, log_path: Path, timeout: float, ok=b"ok") -> None:
    """Poll `url` until it answers 200 (with `ok` as its body, unless ok is None); fail with
    the log's end if the process exits first or the time runs out."""
    no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            log.flush()
            pytest.fail(
                f"{url}: the server exited with {proc.returncode} before answering:\n"
                + log_path.read_text(errors="replace")[-4000:],
                pytrace=False,
            )
        try:
            with no_proxy.open(url, timeout=2) as resp:
                if resp.status == 200 and (ok is None or resp.read().strip() == ok):
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            log.flush()
            pytest.fail(
                f"{url} not answering after {timeout:.0f}s:\n"
                + log_path.read_text(errors="replace")[-4000:],
                pytrace=False,
            )
        time.sleep(0.25)


def stop_streamlit(proc: subprocess.Popen, log) -> None:
    """Stop a server started by start_streamlit (or any child process with its log)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    log.close()


@pytest.fixture
def streamlit_server(tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Factory: ``base_url = streamlit_server(db_url)`` starts ``streamlit run dashboard.py``.

    Each server gets a free port on 127.0.0.1, ``TRIALWATCH_DB=db_url`` in its environment
    (plus any ``env=`` overrides), and is polled at ``/_stcore/health`` until it answers
    ``ok``. All servers started by the test are terminated after it; their output is in
    ``tmp_path/streamlit-PORT.log`` and is shown if one fails to start.
    """
    started: list[tuple[subprocess.Popen, object]] = []

    def start(
        db_url: str,
        script: str | os.PathLike[str] = "dashboard.py",
        *,
        env: dict[str, str] | None = None,
        timeout: float = 60.0,
    ) -> str:
        proc, log, base_url = start_streamlit(db_url, tmp_path, script, env=env, timeout=timeout)
        started.append((proc, log))
        return base_url

    yield start

    for proc, log in started:
        stop_streamlit(proc, log)
