"""The start-up warm-up (issue 18): the shared data made once per process and batch, before the
first visitor, and read by every viewer's session as the same objects (never a copy)."""

from __future__ import annotations

import threading
import time

from lib.engine import access
from lib.engine.cohort import EVERYONE
from lib.figures.text import as_read
from lib.stats import cells, survival
from lib.stats.memo import PerSnapshot
from lib.web import warmup
from tests.web.test_pages import assert_clean, build_store, env, open_page  # noqa: F401


def test_the_warm_up_makes_the_default_pages_figures_once_per_batch(env, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setattr(warmup, "_WARMED", set())
    url = build_store(tmp_path)
    env(url)
    times = warmup.warm(url)
    assert set(times) == {
        "snapshot", "modules", "overview", "evaluation", "survival from transfers"
    }  # fmt: skip
    assert warmup.warm(url) is None  # this batch is warm: nothing done again
    snap = access.snapshot(url)
    # the Evaluation page's statistics are kept with the snapshot: the cube, the follow-ups ...
    assert cells._CUBES._found(snap, (id(snap), ("exit cube", 25)))[0]
    assert survival._FOLLOWED._found(snap, (id(snap), ("followed", "coaching")))[0]
    assert survival._FOLLOWED._found(snap, (id(snap), ("followed", "transfer")))[0]
    # ... and the results, which a demo visitor's reader (another viewer) gets as they are
    visitor = access.Reader(access.demo_viewer("ministry"), access.open_source(url))
    warm = access.Reader(access.FULL_ACCESS, access.open_source(url))
    first = warm.effect(EVERYONE, None, 0)
    assert visitor.effect(EVERYONE, None, 0) is first
    # the page then opens as without the warm-up: the hand-worked effect (test_evaluation_page)
    at = open_page("evaluation")
    assert_clean(at)
    (did,) = [m for m in at.metric if as_read(m.label) == "Difference-in-differences, whole trial"]
    assert did.value == "+2.81\u00a0pp"


def test_a_municipal_viewer_is_still_refused_what_the_warm_up_computed(env, tmp_path):  # noqa: F811
    import pytest

    from lib.engine.cohort import Cohort

    url = build_store(tmp_path)
    env(url)
    source = access.open_source(url)
    ltu = Cohort(groups=("long_term_unemployed",))
    access.Reader(access.FULL_ACCESS, source).effect(ltu, None, 5)  # kept
    lead = access.Viewer("Lead of A1", "municipal", ("005",), ("A1",), "lead@x.fi")
    with pytest.raises(access.Refused):  # a group's whole-trial effect: detail, not theirs
        access.Reader(lead, source).effect(ltu, None, 5)
    # by trial area they get their own area's row only, from the kept table
    rows = access.Reader(lead, source).effect(ltu, "trial_area_id", 5)
    assert rows["trial_area_id"].to_list() == ["A1"]


def test_a_value_asked_for_by_two_sessions_at_once_is_computed_once():
    from lib.engine.snapshot import build_snapshot
    from tests.hand_fixture import hand_extract

    snap = build_snapshot(hand_extract())
    memo = PerSnapshot()
    calls = []

    def slow():
        calls.append(1)
        time.sleep(0.3)
        return object()

    got = []
    threads = [
        threading.Thread(target=lambda: got.append(memo.get(snap, "k", slow))) for _ in range(3)
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(calls) == 1 and len(got) == 3
    assert got[0] is got[1] is got[2]
