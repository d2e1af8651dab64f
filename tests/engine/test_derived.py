"""Derived tables kept on disk beside a cached snapshot (lib/engine/snapshot.Derived): a
restarted server reads what an earlier process computed, and never what other code or another
disclosure secret computed."""

from __future__ import annotations

import polars as pl
from polars.testing import assert_frame_equal

from lib.engine import indicators
from lib.engine.cache import code_fingerprint
from lib.engine.indicators import Query, compute
from lib.engine.snapshot import Derived, build_snapshot
from lib.stats import cells
from tests.hand_fixture import hand_extract

TABLE = pl.DataFrame({"municipality_code": ["005", "091"], "num": [3, 4]})


def counting(calls: list):
    def make():
        calls.append(1)
        return TABLE

    return make


def test_a_table_is_made_once_then_read_back_by_another_process(tmp_path):
    calls: list = []
    assert_frame_equal(Derived(tmp_path, "tag").get(("k", 1), counting(calls)), TABLE)
    # a new Derived over the same folder: a restarted server
    assert_frame_equal(Derived(tmp_path, "tag").get(("k", 1), counting(calls)), TABLE)
    assert len(calls) == 1
    assert len(list(tmp_path.glob("*.parquet"))) == 1 and not list(tmp_path.glob("*.tmp"))


def test_other_code_or_another_secret_does_not_read_the_file(tmp_path):
    calls: list = []
    Derived(tmp_path, "code-a secret-a").get(("k",), counting(calls))
    Derived(tmp_path, "code-b secret-a").get(("k",), counting(calls))
    Derived(tmp_path, "code-a secret-b").get(("k",), counting(calls))
    Derived(tmp_path, "code-a secret-a").get(("other key",), counting(calls))
    assert len(calls) == 4


def test_a_damaged_file_is_made_again(tmp_path):
    calls: list = []
    d = Derived(tmp_path, "tag")
    d.get(("k",), counting(calls))
    d.path(("k",)).write_bytes(b"not parquet")
    assert_frame_equal(d.get(("k",), counting(calls)), TABLE)
    assert len(calls) == 2
    assert_frame_equal(pl.read_parquet(d.path(("k",))), TABLE)  # and written again


def test_the_folder_is_kept_under_its_size_the_oldest_dropped(tmp_path):
    import os

    d = Derived(tmp_path, "tag")
    d.get(("first",), lambda: TABLE)
    size = d.path(("first",)).stat().st_size
    os.utime(d.path(("first",)), (1, 1))  # long unused
    d.max_bytes = size * 2  # room for two
    d.get(("second",), lambda: TABLE)
    d.get(("third",), lambda: TABLE)
    assert not d.path(("first",)).exists()
    assert d.path(("second",)).exists() and d.path(("third",)).exists()


def test_a_restarted_snapshot_answers_from_disk_without_scanning_the_rows(tmp_path, monkeypatch):
    q = Query("exit_rate", by=("municipality_code", "month"), min_count=0)
    first = build_snapshot(hand_extract())
    first.derived = Derived(tmp_path, "tag")
    expected = compute(first, q)
    cube = cells.exit_cube(first, 30)
    keys = first.record_keys()

    second = build_snapshot(hand_extract())  # a new process: nothing kept in memory
    second.derived = Derived(tmp_path, "tag")

    def no_scan(*args, **kwargs):
        raise AssertionError("the unit rows were scanned again")

    monkeypatch.setattr(indicators, "unit_rows", no_scan)
    monkeypatch.setattr(cells, "_exit_cube", no_scan)
    assert_frame_equal(compute(second, q), expected)
    assert_frame_equal(cells.exit_cube(second, 30), cube)
    assert second.record_keys().to_list() == keys.to_list()


def test_without_a_folder_a_snapshot_computes_in_memory(monkeypatch):
    snap = build_snapshot(hand_extract())
    assert snap.derived is None
    assert_frame_equal(snap.on_disk(("k",), lambda: TABLE), TABLE)


def test_the_code_fingerprint_is_stable_in_a_process():
    assert code_fingerprint() == code_fingerprint()
    assert len(code_fingerprint()) == 16
    int(code_fingerprint(), 16)  # a hexadecimal digest


def test_the_panel_keeps_its_municipality_codes_as_categories_through_the_cache(tmp_path):
    # 16 bytes a row as text, 4 as a category: 250 MB of a national panel's 640
    from lib.engine.cache import read_snapshot, save_snapshot

    built = build_snapshot(hand_extract())
    assert built.panel.schema["municipality_code"] == pl.Categorical
    save_snapshot(built, tmp_path / "snap")
    read = read_snapshot(tmp_path / "snap")
    assert read.panel.schema == built.panel.schema
    assert_frame_equal(read.panel, built.panel)
    # what is computed from it reads the codes as text, as every other table has them
    q = Query("unemployed", by=("municipality_code", "month"), min_count=0)
    assert compute(read, q).schema["municipality_code"] == pl.String
