"""Two app servers on one PostgreSQL store (issue 18): the same figures in both, and a new import
shows in both without a restart.

Each server keeps its own in-process caches (the snapshot per batch, figures per query); the
store's latest batch is read again within a few seconds (lib/web/data._data_info's TTL), and
its content hash keys every cache, so a new batch is picked up by every process on its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lib.figures.i18n import t
from lib.register import demo
from lib.register.extract import write_extract
from lib.register.store import get_engine, replace_register
from tests.web.test_e2e import metric_value, open_overview

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.e2e, pytest.mark.pg]
FIGURES = ("headline.active_caseload", "headline.cumulative_transferred")


def figures(page, base: str) -> tuple[str, ...]:
    open_overview(page, base)
    assert page.locator("[data-testid='stException']").count() == 0
    return tuple(metric_value(page, t(key)) for key in FIGURES)


@pytest.mark.parametrize(
    "db_url", [pytest.param("postgresql", marks=pytest.mark.pg)], indirect=True
)
def test_two_servers_share_one_store_and_see_a_new_import(db_url, streamlit_server, page, tmp_path):
    replace_register(get_engine(db_url), demo.generate("test", seed=0), source_path="tests")
    one = streamlit_server(db_url, env={"TRIALWATCH_CACHE_DIR": str(tmp_path / "cache1")})
    two = streamlit_server(db_url, env={"TRIALWATCH_CACHE_DIR": str(tmp_path / "cache2")})
    before = figures(page, one)
    assert figures(page, two) == before

    folder = write_extract(demo.generate("test", seed=1), tmp_path / "extract")
    done = subprocess.run(
        [sys.executable, "-m", "lib", "import", str(folder)],
        cwd=ROOT,
        env={**os.environ, "TRIALWATCH_DB": db_url},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr

    deadline = time.monotonic() + 30  # each server reads the store's state again within seconds
    while True:
        after_one, after_two = figures(page, one), figures(page, two)
        if (after_one != before and after_two != before) or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert after_one != before  # the new batch, without a restart
    assert after_two == after_one
