"""The store door: every change to the store, and every read of it that is not a figure, for a
named viewer.

Figures are read through lib/engine/access.py. What loads the store or reads its records goes
through here: loading an extract (`trialwatch import` and `trialwatch demo`), the load history,
saved views (lib/register/views.py), and the store handed (by `open_store`) to the modules that
keep their own tables: the published statistics (lib/published), the users and the audit trail
(lib/register/users.py, audit.py). Loads, users and the audit trail are for the operator and
admin users only: the rule is `lib.engine.access.permit`, asked here with what is done; `record`
appends to the audit trail for any viewer.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from lib.engine.access import Viewer, permit
from lib.engine.cache import snapshot_for
from lib.engine.errors import Refused
from lib.register import audit
from lib.register import views as _views
from lib.register.audit import OPERATOR
from lib.register.contract import Extract
from lib.register.extract import ExtractError
from lib.register.importer import import_extract
from lib.register.schema import LoadBatch, SavedView
from lib.register.store import get_engine, load_history, replace_register
from lib.register.store import safe_url as safe_url  # the URL without its password, for messages
from lib.register.upload import UploadError, unpack_extract
from lib.settings import get_settings

# What may be done through the door (the `what` of access.permit).
LOAD_REGISTER = "load register"
LOAD_PUBLISHED = "load published"
READ_PUBLISHED = "read published"
READ_HISTORY = "read history"
SAVED_VIEWS = "saved views"
MANAGE_USERS = "manage users"  # the command line's `users` (it checks --as is an admin itself)
READ_AUDIT = "read audit"

# Saved views' own rules and errors, for the pages (no store in them).
ViewError = _views.ViewError
params_of = _views.params_of
MAX_NAME_LENGTH = _views.MAX_NAME_LENGTH


@dataclass(frozen=True)
class Store:
    """The store, opened for one purpose: its engine and its URL."""

    engine: Engine
    url: str


def open_store(viewer: Viewer, what: str, db_url: str | None = None) -> Store:
    """The store at `db_url` (default: the settings'), if `viewer` may do `what` there."""
    permit(viewer, what)
    url = get_settings(db_url).db_url
    return Store(get_engine(url), url)


# ---------------------------------------------------------------------------------------------
# Loading the register


class LoadFailed(RuntimeError):
    """Loading failed inside its transaction, so the store is as it was; `cause` says why."""

    def __init__(self, cause: Exception):
        super().__init__(str(cause))
        self.cause = cause


@dataclass(frozen=True)
class Loaded:
    """A loaded extract: its batch, the store's URL, and how long loading and building the
    analytic snapshot took (seconds)."""

    batch: LoadBatch
    url: str
    load_seconds: float
    snapshot_seconds: float


def load_register(
    viewer: Viewer,
    extract: Extract,
    *,
    source_path: str,
    db_url: str | None = None,
    progress=None,
) -> Loaded:
    """Replace the register with `extract` in one transaction (LoadFailed if it rolled back),
    then build the new batch's analytic snapshot, so that the first read finds it."""
    store = open_store(viewer, LOAD_REGISTER, db_url)
    t0 = time.perf_counter()
    try:
        batch = replace_register(store.engine, extract, source_path=source_path, progress=progress)
    except Exception as e:  # the transaction rolled back: the caller says so, with the cause
        raise LoadFailed(e) from e
    return _with_snapshot(store, batch, t0, extract)


def import_folder(
    viewer: Viewer,
    folder,
    *,
    db_url: str | None = None,
    progress=None,
    target: str = "trialwatch import",
    source_path: str | None = None,
) -> Loaded:
    """`trialwatch import FOLDER`: lib/register/importer.py's import_extract (validate, then
    load in one transaction; ExtractError for a refused extract, LoadFailed if the load rolled
    back), then the new batch's analytic snapshot. Each import, loaded or refused, is a row in
    the audit trail (`target`: the command or the page)."""
    store = open_store(viewer, LOAD_REGISTER, db_url)
    t0 = time.perf_counter()
    what = {"source": source_path or str(folder)}
    try:
        batch = import_extract(folder, store.engine, progress=progress, source_path=source_path)
    except ExtractError as e:
        refusal = {**what, "result": "refused", "problems": e.total}
        record(viewer, "import", target, refusal, db_url=store.url)
        raise
    except Exception as e:  # the transaction rolled back: the caller says so, with the cause
        record(viewer, "import", target, {**what, "result": "rolled back"}, db_url=store.url)
        raise LoadFailed(e) from e
    loaded = _with_snapshot(store, batch, t0)
    rows = sum(json.loads(batch.row_counts).values())
    done = {**what, "result": "loaded", "batch": batch.batch_id}
    record(viewer, "import", target, done, rows, db_url=store.url)
    return loaded


def import_upload(
    viewer: Viewer,
    upload,
    *,
    name: str,
    limit_bytes: int,
    db_url: str | None = None,
    target: str = "import page",
) -> Loaded:
    """An extract uploaded as a zip of its folder (the admin's Import page): unpacked safely
    (lib/register/upload.py; UploadError, with an audit row, when it is refused), then exactly
    `import_folder`'s validation and atomic load. Refused before unpacking unless `viewer` may
    load the register."""
    store = open_store(viewer, LOAD_REGISTER, db_url)
    source = f"upload {name}"
    with tempfile.TemporaryDirectory(prefix="trialwatch-upload-") as tmp:
        try:
            folder = unpack_extract(upload, Path(tmp), limit_bytes=limit_bytes)
        except UploadError as e:
            refusal = {"source": source, "result": "refused", "reason": str(e)}
            record(viewer, "import", target, refusal, db_url=store.url)
            raise
        return import_folder(viewer, folder, db_url=store.url, target=target, source_path=source)


def _with_snapshot(store: Store, batch: LoadBatch, t0: float, extract: Extract | None = None):
    """The loaded batch, once its analytic snapshot is built (from `extract` when given, else
    read back from the store), with how long loading and building took."""
    t1 = time.perf_counter()
    snapshot_for(store.engine, store.url, extract=extract)
    return Loaded(batch, store.url, t1 - t0, time.perf_counter() - t1)


def audit_trail(
    viewer: Viewer,
    *,
    since=None,
    subject: str | None = None,
    action: str | None = None,
    db_url: str | None = None,
) -> list[audit.Event]:
    """The audit trail, oldest first, for an admin (and the operator): since a day (UTC), of
    one subject, of one action."""
    store = open_store(viewer, READ_AUDIT, db_url)
    found = audit.events(store.engine, since=since, subject=subject)
    return [e for e in found if action in (None, e.action)]


def history(viewer: Viewer, db_url: str | None = None) -> list[LoadBatch]:
    """Every load of the register, newest first."""
    return load_history(open_store(viewer, READ_HISTORY, db_url).engine)


# ---------------------------------------------------------------------------------------------
# Saved views (lib/register/views.py)


def list_views(viewer: Viewer, page: str, db_url: str | None = None) -> list[SavedView]:
    return _views.list_views(open_store(viewer, SAVED_VIEWS, db_url).engine, page)


def get_view(viewer: Viewer, view_id: int, db_url: str | None = None) -> SavedView | None:
    return _views.get_view(open_store(viewer, SAVED_VIEWS, db_url).engine, view_id)


def save_view(
    viewer: Viewer,
    page: str,
    name: str,
    params: Mapping[str, str],
    who: str,
    db_url: str | None = None,
) -> SavedView:
    """Save a new view. It records the signed-in user (the viewer's subject) as who saved it;
    `who`, the typed name, counts only without a sign-in (the operator, a demo visitor)."""
    store = open_store(viewer, SAVED_VIEWS, db_url)
    view = _views.save_view(store.engine, page, name, params, viewer.subject or who)
    _saved_view_event(viewer, "saved", view, store.url)
    return view


def may_change_view(viewer: Viewer, view: SavedView) -> bool:
    """Only a view's owner or an admin (or the operator) renames, updates or deletes it. The owner
    is the signed-in user who saved it; a view saved without a sign-in (a typed name, no e-mail
    address) may be changed by anyone without a sign-in, as before sign-in existed."""
    if viewer.role in ("full", "admin"):
        return True
    if viewer.subject:
        return view.created_by == viewer.subject
    return "@" not in (view.created_by or "")


def _owned(viewer: Viewer, view_id: int, engine: Engine) -> SavedView:
    view = _views.get_view(engine, view_id)
    if view is None:
        return None
    if not may_change_view(viewer, view):
        raise Refused(
            f"Only {view.created_by}, who saved the view '{view.name}', or an admin may change "
            "it: save your own copy under another name instead.",
            key="view_owner",
            owner=view.created_by,
            name=view.name,
        )
    return view


def rename_view(
    viewer: Viewer, view_id: int, new_name: str, db_url: str | None = None
) -> SavedView:
    store = open_store(viewer, SAVED_VIEWS, db_url)
    _owned(viewer, view_id, store.engine)
    view = _views.rename_view(store.engine, view_id, new_name)
    _saved_view_event(viewer, "renamed", view, store.url)
    return view


def update_view(
    viewer: Viewer, view_id: int, params: Mapping[str, str], db_url: str | None = None
) -> SavedView:
    store = open_store(viewer, SAVED_VIEWS, db_url)
    _owned(viewer, view_id, store.engine)
    view = _views.update_view(store.engine, view_id, params)
    _saved_view_event(viewer, "updated", view, store.url)
    return view


def delete_view(viewer: Viewer, view_id: int, db_url: str | None = None) -> None:
    store = open_store(viewer, SAVED_VIEWS, db_url)
    view = _owned(viewer, view_id, store.engine)
    _views.delete_view(store.engine, view_id)
    _saved_view_event(viewer, "deleted", view, store.url)


def _saved_view_event(viewer: Viewer, done: str, view: SavedView, url: str) -> None:
    record(
        viewer,
        "saved_view",
        f"saved view {done}",
        {"view_id": view.view_id, "page": view.page, "name": view.name},
        1,
        url,
    )


# ---------------------------------------------------------------------------------------------
# The audit trail (lib/register/audit.py): recording is never refused, whoever the viewer is

DEMO_VISITOR = "demo visitor"


def who(viewer: Viewer) -> str:
    """The audit trail's subject for a viewer: the signed-in user's e-mail address, the
    operator (full access at a shell), or the demo visitor (with the role they view as)."""
    if viewer.subject:
        return viewer.subject
    if viewer.role == "full":
        return OPERATOR
    return f"{DEMO_VISITOR} ({viewer.role})"


def record(
    viewer: Viewer,
    action: str,
    target: str,
    detail: Mapping | None = None,
    rows: int | None = None,
    db_url: str | None = None,
) -> None:
    """Append one event to the audit trail: `action` (one of lib.register.audit.ACTIONS: an
    `export` for a download, `refused` for a refused request, ...), `target` the page or the
    command, `detail` its parameters (stored as JSON), `rows` how many rows left."""
    audit.record(
        get_engine(get_settings(db_url).db_url),
        subject=who(viewer),
        action=action,
        target=target,
        detail=dict(detail or {}),
        rows=rows,
    )
