"""The store: engine from settings, atomic register loads, and reading the register back.

Loading bypasses the ORM for speed: on SQLite a DBAPI executemany of Python-native tuples in
chunks, on PostgreSQL `COPY ... FROM STDIN` with CSV written by Polars. Secondary indexes (and
PostgreSQL's foreign keys) are dropped before and rebuilt after the bulk insert. All of it runs
in the one transaction that also deletes the old data and records the LoadBatch, so a failure
anywhere leaves the store exactly as it was. No Streamlit here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import threading
from collections.abc import Callable
from pathlib import Path

import polars as pl
from sqlalchemy import Engine, create_engine, event, func, insert, select
from sqlalchemy.engine import Connection, make_url
from sqlmodel import SQLModel

from lib.register.contract import TABLES, TABLES_BY_NAME, Extract, polars_schema
from lib.register.schema import REGISTER_MODELS, LoadBatch
from lib.settings import get_settings

Progress = Callable[[str, int, int], None]  # (table, rows_done, rows_total)

SQLITE_CHUNK = 50_000
COPY_CHUNK = 500_000
READ_BATCH = 500_000  # rows per block when reading SQLite back
_REGISTER_TABLES = tuple(t.name for t in TABLES)

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


class EmptyStoreError(LookupError):
    """The store holds no register data yet."""


class LoadError(RuntimeError):
    """The database refused the data; the load was rolled back."""


# ---------------------------------------------------------------------------------------------
# Engine


# user:password@ after an optional scheme; the password runs to the last @ (a raw @ in it).
_USER_PASSWORD = re.compile(r"^(?P<head>(?:[^:/@]*://)?[^:/@]*:)(?P<password>.*)@(?P<tail>[^@]*)$")


def safe_url(url: str) -> str:
    """A store URL for a message or a page, its password hidden (as ***), even when the URL
    does not parse. The one place a URL is shown: the CLI, the dashboard's frame, the door."""
    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 -- a malformed URL: hide what stands where a password would
        parsed = None
    if parsed is not None and "@" not in (parsed.host or ""):
        return parsed.render_as_string(hide_password=True)
    m = _USER_PASSWORD.match(url)
    return f"{m['head']}***@{m['tail']}" if m else url


def get_engine(url: str | None = None) -> Engine:
    """The engine for `url` (default: settings' db_url), created once per URL, tables ensured."""
    db_url = get_settings(url).db_url
    with _engines_lock:
        engine = _engines.get(db_url)
        if engine is None:
            engine = _make_engine(db_url)
            _engines[db_url] = engine
    return engine


def _make_engine(db_url: str) -> Engine:
    parsed = make_url(db_url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(db_url)
        _sqlite_events(engine)
    else:
        engine = create_engine(db_url, pool_pre_ping=True)
    SQLModel.metadata.create_all(engine)
    _append_only(engine, "audit_events")
    return engine


def _append_only(engine: Engine, table: str) -> None:
    """Triggers that make the database itself refuse to change or delete a row of `table` (the
    audit trail): the product only appends, and nothing it runs can rewrite the record."""
    message = f"{table} is append-only: rows are never changed or deleted"
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            for op in ("UPDATE", "DELETE"):
                conn.exec_driver_sql(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
                )
        elif engine.dialect.name == "postgresql":
            conn.exec_driver_sql(
                f"CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger "
                f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{message}'; END $$"
            )
            exists = conn.exec_driver_sql(
                "SELECT 1 FROM pg_trigger WHERE tgname = %(name)s AND NOT tgisinternal",
                {"name": f"{table}_no_change"},
            ).first()
            if exists is None:
                conn.exec_driver_sql(
                    f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE OR TRUNCATE "
                    f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()"
                )


def _sqlite_events(engine: Engine) -> None:
    """Foreign keys on, and transactions that SQLAlchemy (not the sqlite3 module) begins.

    The sqlite3 module would otherwise begin a transaction only before DML, so the register
    load would not be one transaction from its first statement (SQLAlchemy's documented recipe).
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # A load takes the write lock at once instead of failing half-way on a busy store.
        mode = conn.get_execution_options().get("trialwatch_begin", "")
        conn.exec_driver_sql(f"BEGIN {mode}".strip())


def _is_sqlite(engine_or_conn) -> bool:
    return engine_or_conn.dialect.name == "sqlite"


# ---------------------------------------------------------------------------------------------
# Loading


def content_hash(extract: Extract) -> str:
    """SHA-256 of the extract's as_of and tables, independent of row order and file format.

    The same digest `replace_register` records: equal digests mean the same register data.
    """
    hasher = _new_hasher(extract)
    for name, frame in _ordered_frames(extract):
        hasher.update(f"table={name}\n".encode())
        for chunk in _csv_chunks(frame, COPY_CHUNK):
            hasher.update(chunk)
    return hasher.hexdigest()


def _new_hasher(extract: Extract):
    hasher = hashlib.sha256()
    hasher.update(f"as_of={extract.as_of.isoformat()}\n".encode())
    if extract.period_start is not None:  # only when set, so older digests stay comparable
        hasher.update(f"period_start={extract.period_start.isoformat()}\n".encode())
    return hasher


def _ordered_frames(extract: Extract):
    """(table, frame) in load order, each with exactly polars_schema and sorted by its key."""
    unknown = set(extract.frames) - set(_REGISTER_TABLES)
    if unknown:
        raise ValueError(f"not register tables: {', '.join(sorted(unknown))}")
    for model in REGISTER_MODELS:  # parents before children
        table = TABLES_BY_NAME[model.__tablename__]
        frame = extract.frames.get(table.name)
        if frame is None:
            continue
        schema = polars_schema(table.name)
        frame = frame.select(pl.col(c).cast(t) for c, t in schema.items())
        yield table.name, frame.sort(list(table.key)) if table.key else frame


def _csv_chunks(frame: pl.DataFrame, size: int):
    for offset in range(0, frame.height, size):
        yield (
            frame.slice(offset, size)
            .write_csv(include_header=False, date_format="%Y-%m-%d", null_value="")
            .encode()
        )


def replace_register(
    engine: Engine, extract: Extract, *, source_path: str, progress: Progress | None = None
) -> LoadBatch:
    """Replace every register table with the extract's, and record the LoadBatch, atomically.

    One transaction: on any failure (including the database refusing a row) nothing changes.
    Returns the new LoadBatch; `same_as_batch` names the earliest batch with the same content.
    """
    frames = list(_ordered_frames(extract))
    row_counts = {name: frame.height for name, frame in frames}
    sqlite = _is_sqlite(engine)
    # SQLite: take the write lock at once rather than failing half-way on a busy store.
    options = {"trialwatch_begin": "IMMEDIATE"} if sqlite else {}
    hasher = _new_hasher(extract)

    tables = [m.__tablename__ for m in REGISTER_MODELS]
    with engine.connect().execution_options(**options) as conn:
        if sqlite:
            # Row-by-row foreign key work makes deleting the old register ~5x slower; the whole
            # database is checked once instead, before commit (PRAGMA only works outside a
            # transaction, hence on the DBAPI connection before BEGIN).
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                # Indexes (and PostgreSQL's foreign keys) are rebuilt once after the load: far
                # faster than row by row. Inside the transaction, so a failure restores them.
                restore = _suspend_constraints(conn, tables)
                _delete_register(conn, tables)
                if sqlite:
                    conn.exec_driver_sql("PRAGMA cache_size=-262144")  # 256 MB while loading
                for name, frame in frames:
                    hasher.update(f"table={name}\n".encode())
                    _insert_table(conn, name, frame, hasher, progress)
                for statement in restore:
                    conn.exec_driver_sql(statement)
                if sqlite:
                    conn.exec_driver_sql("PRAGMA cache_size=-2000")  # SQLite's default again
                    _check_foreign_keys(conn)
                else:
                    conn.exec_driver_sql("ANALYZE " + ", ".join(f'"{n}"' for n in tables))
                batch = _record_batch(conn, extract, hasher.hexdigest(), row_counts, source_path)
        finally:
            if sqlite:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
    return batch


def _check_foreign_keys(conn: Connection) -> None:
    """SQLite: refuse (and so roll back) a load that left a reference pointing nowhere."""
    bad = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
    if bad:
        shown = "; ".join(
            f"{table} rowid {rowid} -> {parent}" for table, rowid, parent, _ in bad[:5]
        )
        raise LoadError(
            f"{len(bad)} rows refer to rows that do not exist ({shown}); nothing was loaded. "
            "Validate the extract with read_extract first."
        )


def _record_batch(
    conn: Connection, extract: Extract, digest: str, row_counts: dict, source_path: str
) -> LoadBatch:
    """Insert the LoadBatch of this load; same_as_batch is the earliest batch with this digest."""
    same_as = conn.execute(
        select(func.min(LoadBatch.batch_id)).where(LoadBatch.content_hash == digest)
    ).scalar_one_or_none()
    values = {
        "loaded_at": dt.datetime.now(dt.UTC),
        "source_path": source_path,
        "source": extract.source,
        "description": extract.description,
        "as_of": extract.as_of,
        "period_start": extract.period_start,
        "content_hash": digest,
        "row_counts": json.dumps(row_counts),
        "same_as_batch": same_as,
    }
    batch_id = conn.execute(insert(LoadBatch).values(**values)).inserted_primary_key[0]
    return LoadBatch(batch_id=batch_id, **values)


def _delete_register(conn: Connection, load_order: list[str]) -> None:
    if _is_sqlite(conn):
        for name in reversed(load_order):  # children first
            conn.exec_driver_sql(f'DELETE FROM "{name}"')
    else:
        # One TRUNCATE of every register table: fast, transactional, FK-safe together.
        conn.exec_driver_sql("TRUNCATE " + ", ".join(f'"{n}"' for n in load_order))


def _suspend_constraints(conn: Connection, tables: list[str]) -> list[str]:
    """Drop secondary indexes (and on PostgreSQL foreign keys) of `tables`; returns the
    statements that recreate them (PostgreSQL re-checks every foreign key when re-adding it)."""
    if _is_sqlite(conn):
        marks = ", ".join("?" for _ in tables)
        rows = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({marks}) ORDER BY name",
            tuple(tables),
        ).all()
        for name, _ in rows:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
        return [sql for _, sql in rows]
    schema_filter = "relnamespace = current_schema()::regnamespace AND relname = ANY(%(t)s)"
    indexes = conn.exec_driver_sql(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid "
        f"WHERE x.indrelid IN (SELECT oid FROM pg_class WHERE {schema_filter}) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) "
        "ORDER BY i.relname",
        {"t": tables},
    ).all()
    foreign_keys = conn.exec_driver_sql(
        "SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
        "JOIN pg_class t ON t.oid = c.conrelid "
        f"WHERE c.contype = 'f' AND c.conrelid IN (SELECT oid FROM pg_class WHERE {schema_filter}) "
        "ORDER BY t.relname, c.conname",
        {"t": tables},
    ).all()
    for table, name, _ in foreign_keys:
        conn.exec_driver_sql(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return [definition for _, definition in indexes] + [
        f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'
        for table, name, definition in foreign_keys
    ]


def _insert_table(
    conn: Connection, name: str, frame: pl.DataFrame, hasher, progress: Progress | None
) -> None:
    """Bulk insert one validated, key-sorted frame inside the open transaction; feed `hasher`
    the same CSV bytes `content_hash` uses."""
    total = frame.height
    if progress:
        progress(name, 0, total)
    if total == 0:
        return
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    if _is_sqlite(conn):
        # SQLAlchemy stores SQLite dates as ISO text: format them in Polars, not per value.
        as_text = frame.with_columns(pl.col(pl.Date).dt.to_string("%Y-%m-%d"))
        marks = ", ".join("?" for _ in frame.columns)
        sql = f'INSERT INTO "{name}" ({columns}) VALUES ({marks})'
        cursor = conn.connection.driver_connection.cursor()
        try:
            for offset in range(0, total, COPY_CHUNK):
                for chunk in _csv_chunks(frame.slice(offset, COPY_CHUNK), COPY_CHUNK):
                    hasher.update(chunk)
                for sub in range(offset, min(offset + COPY_CHUNK, total), SQLITE_CHUNK):
                    cursor.executemany(sql, as_text.slice(sub, SQLITE_CHUNK).iter_rows())
                    if progress:
                        progress(name, min(sub + SQLITE_CHUNK, total), total)
        finally:
            cursor.close()
        return
    done = 0
    sql = f'COPY "{name}" ({columns}) FROM STDIN (FORMAT csv)'
    with conn.connection.driver_connection.cursor() as cursor, cursor.copy(sql) as copy:
        for chunk in _csv_chunks(frame, COPY_CHUNK):
            hasher.update(chunk)
            copy.write(chunk)
            done = min(done + COPY_CHUNK, total)
            if progress and done < total:
                progress(name, done, total)
    if progress:
        progress(name, total, total)


# ---------------------------------------------------------------------------------------------
# Reading back


def latest_batch(engine: Engine) -> LoadBatch | None:
    """The newest LoadBatch, or None for an empty store."""
    with engine.connect() as conn:
        row = (
            conn.execute(select(LoadBatch).order_by(LoadBatch.batch_id.desc()).limit(1))
            .mappings()
            .first()
        )
    return LoadBatch(**row) if row else None


def load_history(engine: Engine) -> list[LoadBatch]:
    """Every LoadBatch, newest first."""
    with engine.connect() as conn:
        rows = conn.execute(select(LoadBatch).order_by(LoadBatch.batch_id.desc())).mappings().all()
    return [LoadBatch(**row) for row in rows]


def register_row_counts(engine: Engine) -> dict[str, int]:
    """Rows per register table (every table of the contract, 0 when empty)."""
    with engine.connect() as conn:
        return {
            name: conn.exec_driver_sql(f'SELECT COUNT(*) FROM "{name}"').scalar_one()
            for name in _REGISTER_TABLES
        }


def read_register(engine: Engine) -> Extract:
    """The register as an Extract: the tables the latest batch loaded, typed by polars_schema and
    sorted by key, with that batch's as_of, source and description."""
    batch = latest_batch(engine)
    if batch is None:
        raise EmptyStoreError(
            "The store is empty: load an extract with `trialwatch import FOLDER`, or build the "
            "demo store with `trialwatch demo`."
        )
    present = json.loads(batch.row_counts)
    frames = {}
    with engine.connect() as conn:
        for table in TABLES:
            if table.name not in present:
                continue
            frame = _read_table(conn, table.name)
            frames[table.name] = frame.sort(list(table.key)) if table.key else frame
    return Extract(
        frames=frames,
        as_of=batch.as_of,
        source=batch.source,
        description=batch.description,
        period_start=batch.period_start,
    )


def _read_table(conn: Connection, name: str) -> pl.DataFrame:
    schema = polars_schema(name)
    frame = _read_sqlite(conn, name, schema) if _is_sqlite(conn) else _read_pg(conn, name, schema)
    return frame.select(_to_type(pl.col(c), t).alias(c) for c, t in schema.items())


def _read_sqlite(conn: Connection, name: str, schema: dict) -> pl.DataFrame:
    """Dates arrive as their ISO text, booleans as 0/1; _to_type converts them.

    SQLite builds one JSON object of column arrays per block of rows and Polars parses it:
    about twice as fast as fetching millions of Python tuples. Tables with a float column
    (small ones) are fetched as tuples instead, since SQLite's JSON would round the floats.
    """
    raw = {
        c: pl.String if t == pl.Date else pl.Int64 if t == pl.Boolean else t
        for c, t in schema.items()
    }
    if pl.Float64 in raw.values():
        cursor = conn.connection.driver_connection.cursor()
        try:
            cursor.execute(f'SELECT {", ".join(_quoted(c) for c in raw)} FROM "{name}"')
            parts = []
            while rows := cursor.fetchmany(READ_BATCH):
                parts.append(pl.DataFrame(rows, schema=raw, orient="row"))
        finally:
            cursor.close()
        return pl.concat(parts) if parts else pl.DataFrame(schema=raw)

    arrays = ", ".join(f"'{c}', json_group_array({_quoted(c)})" for c in raw)
    sql = f'SELECT count(*), json_object({arrays}) FROM "{name}" WHERE rowid >= ? AND rowid < ?'
    low, high = conn.exec_driver_sql(f'SELECT min(rowid), max(rowid) FROM "{name}"').one()
    lists = {c: pl.List(t) for c, t in raw.items()}
    parts = []
    if low is not None:
        for start in range(low, high + 1, READ_BATCH):
            count, text = conn.exec_driver_sql(sql, (start, start + READ_BATCH)).one()
            if count:  # (an empty block would explode into one row of nulls)
                parts.append(pl.read_json(io.StringIO(text), schema=lists).explode(list(raw)))
    return pl.concat(parts) if parts else pl.DataFrame(schema=raw)


def _quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _read_pg(conn: Connection, name: str, schema: dict) -> pl.DataFrame:
    """COPY the table out as CSV, dates and booleans as text that does not depend on settings."""
    columns = list(schema)
    select_list = ", ".join(
        f'"{c}"::text' if t == pl.Boolean
        else f"""to_char("{c}", 'YYYY-MM-DD')""" if t == pl.Date
        else f'"{c}"'
        for c, t in schema.items()
    )  # fmt: skip
    conn.exec_driver_sql("SET LOCAL extra_float_digits = 1")  # shortest exact float text
    buffer = io.BytesIO()
    sql = f'COPY (SELECT {select_list} FROM "{name}") TO STDOUT (FORMAT csv)'
    with conn.connection.driver_connection.cursor() as cursor, cursor.copy(sql) as copy:
        for data in copy:
            buffer.write(data)
    if buffer.tell() == 0:
        return pl.DataFrame(schema={c: pl.String for c in columns})
    buffer.seek(0)
    return pl.read_csv(buffer, has_header=False, new_columns=columns, infer_schema=False)


def _to_type(col: pl.Expr, dtype) -> pl.Expr:
    if dtype == pl.Date:
        return col.cast(pl.String).str.to_date("%Y-%m-%d")
    if dtype == pl.Boolean:
        as_text = col.cast(pl.String)
        return (
            pl.when(as_text.is_in(["1", "true"])).then(True).when(as_text.is_not_null()).then(False)
        )
    return col.cast(dtype)
