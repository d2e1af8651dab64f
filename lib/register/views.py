"""Saved views: a named slice of a dashboard page, kept in the store with who saved it and when.

A view's content is opaque here: the page's URL query parameters (a flat str -> str mapping,
stored as a JSON object with sorted keys, so the same slice is always the same text) and the
page it belongs to. The page turns them back into its filters, and into the URL that
reproduces the view; this module only stores, lists, renames, replaces and deletes them.

Names are unique per page, compared after trimming, collapsing inner whitespace, Unicode NFC
normalisation and case folding ("Helsinki  Youth " and "helsinki youth" are the same name).
The comparison key is stored in `SavedView.name_key` under a unique index on (page, name_key),
so the database itself refuses a duplicate even when two users save at the same moment; the
refusal becomes a `ViewError` naming the view that already has the name.

Times (`created_at`, `updated_at`) are timezone-aware UTC datetimes, like `LoadBatch.loaded_at`:
SQLModel's `UTCDateTime` column type (timestamptz on PostgreSQL, UTC text on SQLite) refuses
naive values and reads back aware UTC; convert with `.astimezone()` to show local time.
Renaming or replacing a view's parameters moves `updated_at`, which orders `list_views` (newest
first). Saved views are not register tables, so `lib.register.store.replace_register` never
touches them. Every function opens its own short transaction on the engine it is given
(`lib.register.store.get_engine`). No Streamlit here.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Mapping

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from lib.register.schema import SavedView

MAX_NAME_LENGTH = 80
ANONYMOUS = "anonymous"


class ViewError(ValueError):
    """A saved view could not be saved, renamed, updated or deleted; the message says why."""


# ---------------------------------------------------------------------------------------------
# Reading


def list_views(engine: Engine, page: str) -> list[SavedView]:
    """The page's saved views, the most recently saved or changed first."""
    query = (
        select(SavedView)
        .where(SavedView.page == _clean_page(page))
        .order_by(SavedView.updated_at.desc(), SavedView.view_id.desc())
    )
    with engine.connect() as conn:
        return [SavedView(**row) for row in conn.execute(query).mappings()]


def get_view(engine: Engine, view_id: int) -> SavedView | None:
    """The saved view, or None when there is none with this id (e.g. someone deleted it)."""
    with engine.connect() as conn:
        return _fetch(conn, view_id)


def params_of(view: SavedView) -> dict[str, str]:
    """The view's URL query parameters, keys sorted."""
    return json.loads(view.params)


# ---------------------------------------------------------------------------------------------
# Writing


def save_view(
    engine: Engine, page: str, name: str, params: Mapping[str, str], created_by: str | None
) -> SavedView:
    """Save a new view of `page`; ViewError if the name is blank, too long or already taken."""
    page = _clean_page(page)
    name = _clean_name(name)
    now = _now()
    values = {
        "page": page,
        "name": name,
        "name_key": _name_key(name),
        "params": _params_text(params),
        "created_by": " ".join(_printable(created_by or "").split())[:MAX_NAME_LENGTH] or ANONYMOUS,
        "created_at": now,
        "updated_at": now,
    }
    try:
        with engine.begin() as conn:
            view_id = conn.execute(insert(SavedView).values(**values)).inserted_primary_key[0]
            view = _fetch(conn, view_id)
    except IntegrityError as error:
        raise _name_taken(engine, page, name) from error
    assert view is not None  # inserted in this very transaction
    return view


def rename_view(engine: Engine, view_id: int, new_name: str) -> SavedView:
    """Give the view another name (its own name in another case is fine); returns it renamed."""
    name = _clean_name(new_name)
    changes = {"name": name, "name_key": _name_key(name), "updated_at": _now()}
    try:
        return _change(engine, view_id, changes)
    except IntegrityError as error:
        view = get_view(engine, view_id)
        if view is None:
            raise _gone(view_id) from error
        raise _name_taken(engine, view.page, name) from error


def update_view(engine: Engine, view_id: int, params: Mapping[str, str]) -> SavedView:
    """Replace the view's slice with `params`, keeping its name; returns the updated view."""
    return _change(engine, view_id, {"params": _params_text(params), "updated_at": _now()})


def delete_view(engine: Engine, view_id: int) -> None:
    """Delete the view; ViewError if it does not exist (any more)."""
    with engine.begin() as conn:
        deleted = conn.execute(delete(SavedView).where(SavedView.view_id == view_id)).rowcount
    if not deleted:
        raise _gone(view_id)


# ---------------------------------------------------------------------------------------------
# Helpers


def _fetch(conn: Connection, view_id: int) -> SavedView | None:
    row = conn.execute(select(SavedView).where(SavedView.view_id == view_id)).mappings().first()
    return SavedView(**row) if row else None


def _change(engine: Engine, view_id: int, changes: dict) -> SavedView:
    """Update one view in one transaction and read it back; ViewError if it is gone."""
    with engine.begin() as conn:
        statement = update(SavedView).where(SavedView.view_id == view_id).values(**changes)
        view = _fetch(conn, view_id) if conn.execute(statement).rowcount else None
    if view is None:
        raise _gone(view_id)
    return view


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _clean_page(page: str) -> str:
    page = page.strip() if isinstance(page, str) else ""
    if not page:
        raise ViewError("A saved view needs the page it belongs to (e.g. 'explorer').")
    return page


def _clean_name(name: str) -> str:
    """The name as stored: NFC, trimmed, inner whitespace (tabs, newlines) one space each."""
    if not isinstance(name, str):
        raise ViewError("Give the view a name.")
    name = " ".join(_printable(unicodedata.normalize("NFC", name)).split())
    if not name:
        raise ViewError("Give the view a name: it cannot be empty or only spaces.")
    if len(name) > MAX_NAME_LENGTH:
        raise ViewError(
            f"A view name can have at most {MAX_NAME_LENGTH} characters; this one has "
            f"{len(name)}. Shorten it."
        )
    return name


def _printable(text: str) -> str:
    """Control characters (a NUL would not even store on PostgreSQL) as spaces."""
    return "".join(" " if ord(c) < 32 or 127 <= ord(c) < 160 else c for c in text)


def _name_key(name: str) -> str:
    """What uniqueness compares: the cleaned name case-folded (casefold can leave NFC)."""
    return unicodedata.normalize("NFC", name.casefold())


def _params_text(params: Mapping[str, str]) -> str:
    if not isinstance(params, Mapping):
        raise ViewError(
            f"A view's parameters must be a mapping of text to text, not {type(params).__name__}."
        )
    for key, value in params.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise ViewError(
                "A view's parameters must map text to text; "
                f"{key!r} -> {value!r} is {type(key).__name__} -> {type(value).__name__}."
            )
    return json.dumps(dict(params), sort_keys=True, ensure_ascii=False)


def _name_taken(engine: Engine, page: str, name: str) -> ViewError:
    """The refusal of a duplicate name, naming the view that has it."""
    query = select(SavedView).where(SavedView.page == page, SavedView.name_key == _name_key(name))
    with engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    if row is None:  # it was renamed or deleted again in the meantime
        return ViewError(f'Another view was being saved as "{name}" at the same moment. Try again.')
    holder = SavedView(**row)
    return ViewError(
        f'There is already a saved view called "{holder.name}" on this page (saved by '
        f"{holder.created_by} on {holder.created_at:%d %b %Y %H:%M} UTC). Choose another name, "
        "or open that view and update it."
    )


def _gone(view_id: int) -> ViewError:
    return ViewError(
        f"Saved view {view_id} does not exist any more: someone may have deleted it. "
        "Reload the list of saved views."
    )
