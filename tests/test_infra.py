"""Proof that the test infrastructure works for real (scripts/test.sh)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text


def test_database_select_one(db_url: str) -> None:
    expected = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    engine = create_engine(db_url)
    try:
        assert engine.dialect.name == expected
        with engine.begin() as conn:
            assert conn.execute(text("SELECT 1")).scalar_one() == 1
            # The store is writable and starts empty.
            conn.execute(text("CREATE TABLE infra_probe (id INTEGER PRIMARY KEY, v TEXT)"))
            conn.execute(text("INSERT INTO infra_probe (id, v) VALUES (1, 'ok')"))
            assert conn.execute(text("SELECT v FROM infra_probe")).scalar_one() == "ok"
    finally:
        engine.dispose()


def test_chromium_renders_html(page) -> None:
    page.goto("data:text/html,<h1>hi</h1>")
    assert page.locator("h1").inner_text() == "hi"


def test_streamlit_server_renders_in_chromium(streamlit_server, page, tmp_path: Path) -> None:
    app = tmp_path / "infra_app.py"
    app.write_text(
        "import os\n"
        "import streamlit as st\n"
        "st.title('Trialwatch infra')\n"
        "st.write('db is ' + os.environ['TRIALWATCH_DB'])\n"
    )
    base_url = streamlit_server("sqlite:///infra-probe.sqlite", script=app)
    page.goto(base_url)
    page.get_by_role("heading", name="Trialwatch infra").wait_for()
    page.get_by_text("db is sqlite:///infra-probe.sqlite").wait_for()
