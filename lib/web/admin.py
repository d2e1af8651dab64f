"""The admin pages: the audit trail, and importing an extract through the browser.

Both are listed in the navigation for admin users only, and refuse anyway (the rule,
lib/engine/access.permit, asked by the store door) for anyone else who reaches them. The import
goes through exactly what `trialwatch import` runs (lib/engine/door.import_folder: the same
validation, the same atomic load, the same problem list), after the zip is unpacked safely
(lib/register/upload.py). Text from the trail and from an extract is shown as text.
"""

from __future__ import annotations

import time

import polars as pl
import streamlit as st

from lib.engine import access, door
from lib.figures.engine_texts import error_text
from lib.figures.format import format_number
from lib.figures.i18n import N_, t
from lib.figures.text import as_text
from lib.register.audit import ACTIONS
from lib.register.extract import ExtractError
from lib.register.upload import UploadError
from lib.settings import get_settings
from lib.web import data

ALL = "all"
# The audit trail's actions (lib/register/audit.py ACTIONS) as the filter names them.
ACTION_LABELS = {
    ALL: N_("audit.action.all"),
    "sign_in": N_("audit.action.sign_in"),
    "sign_out": N_("audit.action.sign_out"),
    "export": N_("audit.action.export"),
    "saved_view": N_("audit.action.saved_view"),
    "import": N_("audit.action.import"),
    "user_change": N_("audit.action.user_change"),
    "refused": N_("audit.action.refused"),
}


def _refused(what: str) -> bool:
    """Whether this session's viewer may not do `what` (then the one-sentence note is shown)."""
    try:
        access.permit(data.viewer(), what)
    except access.Refused as e:
        data.refused(e, {"page": what})
        st.info(as_text(error_text(e)), icon=":material/lock:")
        return True
    return False


def audit_page() -> None:
    """The audit trail, newest first, filtered by user, action and day."""
    st.title(t("Audit trail"))
    st.caption(
        t(
            "Every download, saved-view change, import, user change, sign-in, sign-out and "
            "refused request: who, when, what (its parameters) and how many rows. The store keeps "
            "it append-only. The same as `trialwatch audit`."
        )
    )
    if _refused(door.READ_AUDIT):
        return
    left, middle, right = st.columns(3)
    user = left.text_input(t("User (e-mail address)"), key="audit_user").strip()
    action = middle.selectbox(
        t("Action"),
        (ALL, *ACTIONS),
        format_func=lambda a: t(ACTION_LABELS[a]) if a in ACTION_LABELS else a,
        key="audit_action",
    )
    since = right.date_input(t("Since"), value=None, key="audit_since", format="YYYY-MM-DD")
    events = door.audit_trail(
        data.viewer(),
        since=since,
        subject=user or None,
        action=None if action == ALL else action,
        db_url=get_settings().db_url,
    )
    st.caption(t("{n} events", n=format_number(len(events))))
    if not events:
        st.info(t("No events match these filters."), icon=":material/info:")
        return
    records = [e.as_record() for e in reversed(events)]
    table = pl.DataFrame(records, schema=_SCHEMA)
    # A table's cells are text (never Markdown or HTML), so a subject or a parameter from a user
    # or an extract is shown as the characters it holds.
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "at": t("When (UTC)"),
            "subject": t("Who"),
            "action": t("Action"),
            "target": t("Where"),
            "detail": t("What (parameters)"),
            "rows": t("Rows"),
        },
    )


_SCHEMA = {
    "at": pl.String,
    "subject": pl.String,
    "action": pl.String,
    "target": pl.String,
    "detail": pl.String,
    "rows": pl.Int64,
}


def import_page() -> None:
    """Upload a zip of an extract's folder; validate and load it as `trialwatch import` does."""
    st.title(t("Import an extract"))
    limit_mb = get_settings().upload_mb
    st.caption(
        t(
            "A zip of the extract's folder (manifest.toml and its tables), at most {mb} MB zipped "
            "and unpacked. It is checked and loaded exactly as `trialwatch import FOLDER` does: a "
            "refused extract lists every problem and leaves the store as it was; a loaded one "
            "replaces the register in one transaction.",
            mb=limit_mb,
        )
    )
    if _refused(door.LOAD_REGISTER):
        return
    who = data.viewer()
    if not who.subject:
        st.info(
            t(
                "Importing through the browser needs a signed-in admin: the demo visitor cannot "
                "replace the store. On the server, run `trialwatch import FOLDER`."
            ),
            icon=":material/lock:",
        )
        return
    uploaded = st.file_uploader(
        t("Extract (a zip of its folder)"), type=["zip"], key="import_zip", max_upload_size=limit_mb
    )
    if uploaded is None:
        return
    if not st.button(t("Check and load"), key="import_go", type="primary"):
        return
    if uploaded.size > limit_mb * 2**20:
        st.error(t("The file is larger than {mb} MB, the upload limit.", mb=limit_mb))
        return
    t0 = time.perf_counter()
    with st.spinner(t("Checking and loading the extract…")):
        try:
            loaded = door.import_upload(
                who,
                uploaded,
                name=uploaded.name,
                limit_bytes=limit_mb * 2**20,
                db_url=get_settings().db_url,
            )
        except UploadError as e:
            st.error(as_text(e), icon=":material/error:")
            return
        except ExtractError as e:
            st.error(
                t(
                    "The extract was refused: {n} problems, listed below as `trialwatch import` "
                    "lists them. The store is unchanged.",
                    n=format_number(e.total),
                ),
                icon=":material/error:",
            )
            st.code(str(e), language=None, wrap_lines=True)
            return
        except door.LoadFailed as e:
            data.log.error("import of %s rolled back: %s", uploaded.name, e.cause)
            st.error(
                t(
                    "Loading failed and was rolled back; the store is unchanged. Cause: {cause}",
                    cause=as_text(e.cause),
                ),
                icon=":material/error:",
            )
            return
    data.store_changed()
    batch = loaded.batch
    same = t(" (identical to batch {b})", b=batch.same_as_batch) if batch.same_as_batch else ""
    st.success(
        t(
            "Imported {name} as batch {batch}{same}, as of {as_of}, in {s} s.",
            name=as_text(uploaded.name),
            batch=batch.batch_id,
            same=same,
            as_of=batch.as_of.isoformat(),
            s=format_number(time.perf_counter() - t0, 1),
        ),
        icon=":material/check_circle:",
    )
