"""The store on SQLite and PostgreSQL: atomic full-snapshot imports, load history, reading back.

Every test runs on both backends through the `db_url` fixture (tests/conftest.py).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from sqlalchemy import inspect

from lib.cli.progress import TerminalProgress
from lib.register import store
from lib.register.contract import TABLES, TABLES_BY_NAME, Extract
from lib.register.extract import ExtractError, write_extract
from lib.register.importer import import_extract
from lib.register.store import (
    EmptyStoreError,
    content_hash,
    get_engine,
    latest_batch,
    load_history,
    read_register,
    register_row_counts,
    replace_register,
)
from tests.extract_factory import (
    append_row,
    remove_table,
    set_value,
    valid_extract,
    write_valid,
)


@pytest.fixture
def engine(db_url):
    return get_engine(db_url)


def by_key(extract: Extract) -> dict[str, pl.DataFrame]:
    """The extract's frames as read_register orders them: sorted by key."""
    return {
        name: frame.sort(list(TABLES_BY_NAME[name].key)) for name, frame in extract.frames.items()
    }


def assert_register_is(engine, expected: Extract) -> None:
    result = read_register(engine)
    assert (result.as_of, result.source, result.description, result.period_start) == (
        expected.as_of, expected.source, expected.description, expected.period_start,
    )  # fmt: skip
    wanted = by_key(expected)
    assert list(result.frames) == [t.name for t in TABLES if t.name in wanted]
    for name, frame in wanted.items():
        assert_frame_equal(result.frames[name], frame)


def state(engine) -> tuple:
    """Everything a refused or failed load must leave untouched."""
    try:
        register = read_register(engine)
        frames = {k: v for k, v in register.frames.items()}
        manifest = (register.as_of, register.source, register.description)
    except EmptyStoreError:
        frames, manifest = {}, None
    history = [b.model_dump() for b in load_history(engine)]
    return register_row_counts(engine), frames, manifest, history


def assert_same_state(before: tuple, after: tuple) -> None:
    assert after[0] == before[0]
    assert after[1].keys() == before[1].keys()
    for name in before[1]:
        assert_frame_equal(after[1][name], before[1][name])
    assert after[2:] == before[2:]


def smaller_extract() -> Extract:
    """A different snapshot: fewer persons, no payments or providers, another as_of."""
    extract = valid_extract()
    keep = ["p01", "p02", "p03"]
    frames = {}
    for name, frame in extract.frames.items():
        if name in ("payments", "providers"):
            continue
        if "person_id" in frame.columns:
            frame = frame.filter(pl.col("person_id").is_in(keep))
        if name == "service_episodes":
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias("provider_id"))
        frames[name] = frame
    return Extract(frames=frames, as_of=dt.date(2024, 9, 30), source="smaller")


# --------------------------------------------------------------------------- engine


def test_engine_is_cached_per_url_and_creates_every_table(db_url, tmp_path):
    if db_url.startswith("sqlite"):
        db_url = f"sqlite:///{tmp_path}/nested/folder/store.sqlite"
    engine = get_engine(db_url)
    assert get_engine(db_url) is engine
    tables = set(inspect(engine).get_table_names())
    assert {t.name for t in TABLES} | {"load_batches"} <= tables
    if engine.dialect.name == "sqlite":
        assert (tmp_path / "nested" / "folder" / "store.sqlite").exists()
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1


def test_an_empty_store_says_what_to_do(engine):
    assert latest_batch(engine) is None
    assert load_history(engine) == []
    assert set(register_row_counts(engine).values()) == {0}
    with pytest.raises(EmptyStoreError, match="trialwatch import"):
        read_register(engine)


# --------------------------------------------------------------------------- loading


def test_load_then_read_back_gives_the_same_typed_frames(engine):
    extract = valid_extract()
    extract.period_start = dt.date(2019, 1, 1)
    batch = replace_register(engine, extract, source_path="/data/extract")
    assert batch.batch_id is not None and batch.same_as_batch is None
    assert batch.source_path == "/data/extract" and batch.as_of == extract.as_of
    assert json.loads(batch.row_counts) == {k: v.height for k, v in extract.frames.items()}
    assert batch.content_hash == content_hash(extract)
    assert_register_is(engine, extract)
    assert register_row_counts(engine) == {t.name: extract.frames[t.name].height for t in TABLES}
    assert [b.batch_id for b in load_history(engine)] == [batch.batch_id]
    assert latest_batch(engine).content_hash == batch.content_hash


def test_odd_text_and_floats_come_back_exactly(engine):
    extract = valid_extract()
    extract.frames["providers"] = pl.concat(
        [
            extract.frames["providers"],
            pl.DataFrame(
                {
                    "provider_id": ["q1", "q2", "q3", "q4"],
                    "name": ['Coach "A", Ltd', "two\nlines", "back\\slash \\N", "Åbo ☃ 😀"],
                    "kind": ["external"] * 4,
                },
                schema=extract.frames["providers"].schema,
            ),
        ]
    )
    fte = [0.1 + 0.2, 1e-7, 1.7976931348623157e308, 123456789.123456789]
    extract.frames["staff_months"] = extract.frames["staff_months"].with_columns(
        pl.Series("fte", fte)
    )
    replace_register(engine, extract, source_path="x")
    assert_register_is(engine, extract)
    assert read_register(engine).frames["staff_months"]["fte"].sort().to_list() == sorted(fte)


def test_an_empty_optional_table_stays_present_and_an_absent_one_absent(engine):
    extract = valid_extract()
    del extract.frames["payments"]
    extract.frames["providers"] = extract.frames["providers"].clear()
    extract.frames["service_episodes"] = extract.frames["service_episodes"].with_columns(
        pl.lit(None, dtype=pl.String).alias("provider_id")
    )
    replace_register(engine, extract, source_path="x")
    result = read_register(engine)
    assert "payments" not in result.frames
    assert result.frames["providers"].height == 0
    assert_register_is(engine, extract)


def test_an_import_replaces_all_previous_data(engine, tmp_path):
    write_valid(tmp_path / "a")
    first = import_extract(tmp_path / "a", engine)
    write_extract(smaller_extract(), tmp_path / "b")
    second = import_extract(tmp_path / "b", engine)
    assert second.batch_id > first.batch_id and second.same_as_batch is None
    assert_register_is(engine, smaller_extract())
    counts = register_row_counts(engine)
    assert counts["job_seekers"] == 3 and counts["payments"] == 0 and counts["providers"] == 0
    assert [b.batch_id for b in load_history(engine)] == [second.batch_id, first.batch_id]
    assert load_history(engine)[0].source_path == str((tmp_path / "b").resolve())


def test_importing_the_same_extract_twice_leaves_the_same_data(engine, tmp_path):
    write_valid(tmp_path)
    first = import_extract(tmp_path, engine)
    before = state(engine)
    second = import_extract(tmp_path, engine)
    after = state(engine)
    assert second.same_as_batch == first.batch_id
    assert second.content_hash == first.content_hash
    assert after[0] == before[0]
    for name in before[1]:
        assert_frame_equal(after[1][name], before[1][name])
    assert len(after[3]) == 2
    # A third identical load still points at the earliest one.
    assert import_extract(tmp_path, engine).same_as_batch == first.batch_id


def test_csv_and_parquet_of_one_extract_load_identically(db_url, tmp_path):
    engine = get_engine(db_url)
    write_valid(tmp_path / "csv", fmt="csv")
    write_valid(tmp_path / "parquet", fmt="parquet")
    from_csv = import_extract(tmp_path / "csv", engine)
    csv_register = read_register(engine)
    from_parquet = import_extract(tmp_path / "parquet", engine)
    assert from_parquet.content_hash == from_csv.content_hash
    assert from_parquet.same_as_batch == from_csv.batch_id
    parquet_register = read_register(engine)
    for name, frame in csv_register.frames.items():
        assert_frame_equal(parquet_register.frames[name], frame)


def test_content_hash_ignores_row_order_but_not_content():
    extract = valid_extract()
    shuffled = Extract(
        frames={k: v.reverse() for k, v in extract.frames.items()},
        as_of=extract.as_of,
        source="another source",
    )
    assert content_hash(shuffled) == content_hash(extract)
    changed = valid_extract()
    changed.frames["staff_months"] = changed.frames["staff_months"].with_columns(
        pl.col("fte") + 0.5
    )
    assert content_hash(changed) != content_hash(extract)
    later = valid_extract()
    later.as_of = dt.date(2024, 7, 1)
    assert content_hash(later) != content_hash(extract)


def test_progress_reports_every_table_up_to_its_total(engine):
    calls = []
    extract = valid_extract()
    replace_register(engine, extract, source_path="x", progress=lambda *a: calls.append(a))
    finals = {table: total for table, done, total in calls if done == total}
    assert finals == {k: v.height for k, v in extract.frames.items()}
    assert all(0 <= done <= total for _, done, total in calls)


# --------------------------------------------------------------------------- refusals leave the store as it was


REFUSALS = {
    "missing_file": lambda f: remove_table(f, "status_spells"),
    "bad_date": lambda f: set_value(f, "trials", 0, "start_date", "2021-02-30"),
    "lost_leading_zero": lambda f: set_value(f, "responsibility_spells", 5, "municipality_code", "20"),
    "dangling_person": lambda f: set_value(f, "status_spells", 9, "person_id", "p99"),
    "overlap": lambda f: set_value(f, "status_spells", 0, "end_date", "2022-04-01"),
    "duplicate_key": lambda f: append_row(f, "job_seekers", {"person_id": "p01", "birth_year": "1990", "gender": "F"}),
    # The refusals of hostile input (issue 12):
    "as_of_9999": lambda f: set_manifest(f, "as_of = 9999-12-31"),
    "as_of_0001": lambda f: set_manifest(f, "as_of = 0001-01-01"),
    "as_of_after_today": lambda f: set_manifest(f, f"as_of = {dt.date.today() + dt.timedelta(days=1)}"),
    "date_9999": lambda f: set_value(f, "status_spells", 2, "end_date", "9999-12-31"),
    "date_0001": lambda f: set_value(f, "trials", 0, "start_date", "0001-01-01"),
    "nul_in_name": lambda f: set_value(f, "municipalities", 1, "name", "Hel\x00sinki"),
    "nul_in_source": lambda f: set_manifest(f, 'as_of = 2024-06-30\nsource = "x\\u0000y"'),
    "formula_name": lambda f: set_value(f, "municipalities", 0, "name", '=HYPERLINK("http://evil.example")'),
    "formula_provider": lambda f: set_value(f, "providers", 0, "name", "@SUM(1)"),
    "two_currencies": lambda f: set_value(f, "payments", 1, "currency", "SEK"),
}  # fmt: skip


def set_manifest(folder: Path, text: str) -> None:
    (folder / "manifest.toml").write_text(text + "\n", encoding="utf-8")


def store_bytes(engine) -> bytes | None:
    """A SQLite store's file, byte for byte (PostgreSQL: None; `state` compares its content)."""
    if engine.url.get_backend_name() != "sqlite":
        return None
    return Path(engine.url.database).read_bytes()


@pytest.mark.parametrize("break_it", REFUSALS.values(), ids=REFUSALS.keys())
def test_a_refused_import_leaves_the_store_exactly_as_before(engine, tmp_path, break_it):
    write_extract(smaller_extract(), tmp_path / "good")
    import_extract(tmp_path / "good", engine)
    before, before_bytes = state(engine), store_bytes(engine)
    bad = tmp_path / "bad"
    write_valid(bad)
    break_it(bad)
    with pytest.raises(ExtractError):
        import_extract(bad, engine)
    assert_same_state(before, state(engine))
    assert store_bytes(engine) == before_bytes


def test_a_refused_first_import_leaves_the_store_empty(engine, tmp_path):
    write_valid(tmp_path)
    set_value(tmp_path, "job_seekers", 0, "gender", "female")
    with pytest.raises(ExtractError):
        import_extract(tmp_path, engine)
    assert load_history(engine) == []
    assert set(register_row_counts(engine).values()) == {0}


# --------------------------------------------------------------------------- failures roll back


def schema_objects(engine) -> tuple:
    """Indexes and foreign keys: the load suspends and rebuilds them, a rollback restores them."""
    inspector = inspect(engine)
    tables = sorted(t.name for t in TABLES)
    indexes = sorted((t, i["name"]) for t in tables for i in inspector.get_indexes(t))
    fks = sorted(
        (t, tuple(fk["constrained_columns"]), fk["referred_table"])
        for t in tables
        for fk in inspector.get_foreign_keys(t)
    )
    return indexes, fks


def test_a_failure_mid_load_rolls_everything_back(engine, monkeypatch):
    replace_register(engine, smaller_extract(), source_path="before")
    before = state(engine)
    objects = schema_objects(engine)
    real_insert = store._insert_table

    def failing_insert(conn, name, frame, hasher, progress):
        if name == "client_contacts":  # after persons and spells went in
            raise RuntimeError("disk full (injected)")
        return real_insert(conn, name, frame, hasher, progress)

    monkeypatch.setattr(store, "_insert_table", failing_insert)
    with pytest.raises(RuntimeError, match="injected"):
        replace_register(engine, valid_extract(), source_path="after")
    monkeypatch.undo()
    assert_same_state(before, state(engine))
    assert schema_objects(engine) == objects
    # The store still works, foreign keys included.
    replace_register(engine, valid_extract(), source_path="after")
    assert_register_is(engine, valid_extract())
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1


def test_the_database_refusing_a_row_rolls_everything_back(engine):
    replace_register(engine, valid_extract(), source_path="before")
    before = state(engine)
    objects = schema_objects(engine)
    broken = valid_extract()  # not validated: a contact of a person who does not exist
    broken.frames["client_contacts"] = pl.concat(
        [
            broken.frames["client_contacts"],
            pl.DataFrame(
                {"person_id": ["ghost"], "month": ["2021-03"], "coaching_contacts": [1]},
                schema=broken.frames["client_contacts"].schema,
            ),
        ]
    )
    with pytest.raises(Exception, match="(?i)foreign key|refer"):
        replace_register(engine, broken, source_path="after")
    assert_same_state(before, state(engine))
    assert schema_objects(engine) == objects


def test_a_duplicate_key_that_slipped_past_validation_rolls_back(engine):
    replace_register(engine, valid_extract(), source_path="before")
    before = state(engine)
    broken = valid_extract()
    broken.frames["trials"] = pl.concat([broken.frames["trials"]] * 2)
    with pytest.raises(Exception, match="(?i)unique|duplicate"):
        replace_register(engine, broken, source_path="after")
    assert_same_state(before, state(engine))


# --------------------------------------------------------------------------- terminal progress


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_terminal_progress_draws_one_line_on_a_terminal():
    out = FakeTerminal()
    with TerminalProgress("Loading", stream=out) as progress:
        progress("job_seekers", 0, 10)
        progress("job_seekers", 10, 10)
    text = out.getvalue()
    assert text.count("\r") == 2 and text.endswith("\n")
    assert "job_seekers" in text and "10/10 rows" in text and "100%" in text


def test_terminal_progress_is_silent_when_not_a_terminal():
    out = io.StringIO()
    with TerminalProgress("Loading", stream=out) as progress:
        progress("job_seekers", 5, 10)
    assert out.getvalue() == ""


def test_import_extract_returns_the_batch_with_the_resolved_folder(engine, tmp_path):
    folder = write_valid(tmp_path / "x")
    batch = import_extract(Path(folder), engine)
    assert batch.source_path == str(folder.resolve())
    assert batch.source == valid_extract().source


@pytest.mark.parametrize(
    "url, shown",
    [
        # Parsed by SQLAlchemy: its own rendering, the password as ***.
        (
            "postgresql+psycopg://watcher:s3cret@db.example:5432/tw",
            "postgresql+psycopg://watcher:***@db.example:5432/tw",
        ),
        ("postgresql://u:p%40ss@h/db", "postgresql://u:***@h/db"),
        ("sqlite:////tmp/store.sqlite", "sqlite:////tmp/store.sqlite"),
        ("postgresql://watcher@h/db", "postgresql://watcher@h/db"),
        # Malformed (a port that is not a number, an unclosed [ host): SQLAlchemy cannot parse
        # them, so the password is cut out of the text: from after "user:" to the last @.
        (
            "postgresql+psycopg://user:s3cret@localhost:port/db",
            "postgresql+psycopg://user:***@localhost:port/db",
        ),
        ("postgresql+psycopg://user:s3cret@[::1/db", "postgresql+psycopg://user:***@[::1/db"),
        ("postgresql://u:s3/cret@h:port/db", "postgresql://u:***@h:port/db"),
        # A raw @ in the password: SQLAlchemy parses it as part of the host ("cret@h"), which
        # would show half the password; the text rule hides up to the last @.
        ("postgresql://u:s3@cret@h/db", "postgresql://u:***@h/db"),
        ("u:s3cret@host", "u:***@host"),
        ("not a url", "not a url"),
    ],
)
def test_safe_url_hides_the_password_even_of_a_malformed_url(url, shown):
    assert store.safe_url(url) == shown
    assert "s3" not in store.safe_url(url).replace("tmp/store", "")  # no part of a password


def test_one_engine_factory():
    """Only lib/register/store.py makes an engine (get_engine, once per URL); no module keeps a
    helper of its own that makes or wraps one."""
    lib = Path(__file__).resolve().parents[2] / "lib"
    makers, helpers = [], []
    for path in sorted(lib.rglob("*.py")):
        text = path.read_text()
        name = str(path.relative_to(lib.parent))
        if "create_engine(" in text:
            makers.append(name)
        for m in re.finditer(r"^\s*def (\w*engine\w*)\(", text, re.M):
            helpers.append(f"{name}:{m[1]}")
    assert makers == ["lib/register/store.py"]
    assert helpers == ["lib/register/store.py:get_engine", "lib/register/store.py:_make_engine"]
