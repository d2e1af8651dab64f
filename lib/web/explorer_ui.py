"""The Explorer's widgets: the slice's controls and the saved views (Streamlit; the logic is in
lib/figures/explorer.py, the views are kept through the store door, lib/engine/door.py). The slice
itself (table, chart, downloads, the reproduce box) is drawn by lib/web/render.py like every
page's view.

A saved view is the page's URL parameters (the sidebar's and the Explorer's own). Its link is
the Explorer's address with those parameters and `saved=ID`: opening it in a new session sets
the sidebar and the controls from the URL like any shared link; "Open" in the list does the
same within the session.
"""

from __future__ import annotations

import time
from dataclasses import replace
from types import SimpleNamespace
from urllib.parse import urlencode

import streamlit as st

from lib.engine import door
from lib.engine.errors import Refused
from lib.engine.indicators import INDICATORS
from lib.figures import explorer
from lib.figures.blocks import PageContext
from lib.figures.engine_texts import error_text, indicator_label
from lib.figures.explorer import (
    NONE,
    PARAMS,
    ROLES,
    ExplorerView,
    SliceSpec,
    build,
    dim_label,
    estimate_cells,
    free_dimensions,
)
from lib.figures.filters import FilterState
from lib.figures.format import format_date, format_number
from lib.figures.i18n import N_, t
from lib.figures.text import as_text
from lib.web import data, frame, sidebar
from lib.web.layout import boxes, row

# The keys this module computes (the layout's roles, the scope, the views' messages),
# written out for the catalogue's extraction.
_EXPLORER_KEYS = (
    N_("explorer.rows"),
    N_("explorer.cols"),
    N_("explorer.colour"),
    N_("explorer.rows.help"),
    N_("explorer.cols.help"),
    N_("explorer.colour.help"),
    N_("explorer.scope.trial"),
    N_("explorer.scope.both"),
    N_("explorer.scope.comparison"),
    N_("explorer.views.renamed"),
    N_("explorer.views.deleted"),
    N_("explorer.views.updated"),
)

PAGE = "explorer"
SAVED = "saved"  # URL parameter: the saved view a link opens
WHO = "_tw_explorer_who"
FLASH = "_tw_explorer_flash"
CONFIRM_DELETE = "_tw_explorer_confirm_delete"  # the view whose deletion waits for a yes
DEFAULT = SliceSpec()


# ---------------------------------------------------------------------------------------------
# The controls


# The controls' widths: in one line at 1366 px (906 px), wrapping onto the next where the
# screen is narrower; in columns of a fraction of the width the "95 % intervals" toggle and the
# dimension choices were cut at 800 px.
CONTROL_PX = {"indicator": 300, "role": 180, "scope": 380, "ci": 220}


def controls(ctx: PageContext) -> SliceSpec:
    """Indicator, rows, columns and colour (each kept in the URL); returns the slice."""
    top = boxes(
        CONTROL_PX["indicator"], *[CONTROL_PX["role"]] * len(ROLES), vertical_alignment="bottom"
    )
    indicator = frame.page_choice(
        PARAMS["indicator"],
        t("explorer.indicator"),
        list(INDICATORS),
        DEFAULT.indicator,
        format_func=lambda i: indicator_label(i),
        container=top[0],
    )
    chosen: dict[str, str | None] = {}
    defaults = {"rows": DEFAULT.rows, "cols": DEFAULT.cols, "colour": DEFAULT.colour}
    for col, role in zip(top[1:], ROLES, strict=True):
        options = free_dimensions(indicator, [d for d in chosen.values() if d])
        if role != "rows" or not options:
            options = [NONE, *options]
        default = defaults[role] or NONE
        value = frame.page_choice(
            PARAMS[role],
            t(f"explorer.{role}"),
            options,
            default if default in options else options[0],
            format_func=dim_label,
            help=t(f"explorer.{role}.help"),
            container=col,
        )
        chosen[role] = None if value == NONE else value
    spec = SliceSpec(indicator=indicator, **chosen)
    # The slice's municipalities and its intervals: said, not silent (the caption says both).
    scope_offered = explorer.scope_offered(ctx)
    is_rate = INDICATORS[indicator].kind == "rate"
    if not (scope_offered or is_rate):
        return spec
    second = boxes(CONTROL_PX["scope"], CONTROL_PX["ci"], vertical_alignment="bottom")
    scope = None
    if scope_offered:
        default = explorer.default_scope(spec)
        scope = frame.page_choice(
            PARAMS["scope"],
            t("explorer.scope"),
            list(explorer.SCOPES),
            default,
            kind="segmented",
            format_func=lambda s: t(f"explorer.scope.{s}"),
            help=t("explorer.scope.help"),
            container=second[0],
            depends_on=default,  # splitting by trial or comparison shows both sides
        )
    ci = False
    if is_rate:
        ci = frame.page_choice(
            PARAMS["ci"],
            t("explorer.ci"),
            [False, True],
            False,
            kind="toggle",
            help=t("explorer.ci.help"),
            container=second[1],
        )
    return replace(spec, scope=scope, ci=bool(ci))


# ---------------------------------------------------------------------------------------------
# The slice


def compute(ctx: PageContext, spec: SliceSpec) -> ExplorerView:
    """The slice, built with progress shown while the table is computed (cached after)."""
    n_providers = _n_providers()
    cells = estimate_cells(spec, ctx, n_providers)
    t0 = time.perf_counter()
    with st.spinner(t("explorer.progress.read", cells=format_number(cells)), show_time=True):
        view = data.build(_build, ctx, spec, n_providers=n_providers)
    seconds = time.perf_counter() - t0
    if seconds > 1.0:
        st.toast(
            t("explorer.progress.done", seconds=format_number(seconds, 1)), icon=":material/timer:"
        )
    return view


def _build(ctx: PageContext, spec: SliceSpec, *, n_providers: int) -> ExplorerView:
    return build(ctx, spec, n_providers=n_providers)


def _n_providers() -> int:
    providers = data.reader().facts().providers
    return 0 if providers is None else providers.height


# ---------------------------------------------------------------------------------------------
# Saved views


def view_params(ctx: PageContext, spec: SliceSpec) -> dict[str, str]:
    """What a saved view keeps: the sidebar's parameters and the slice's."""
    return {**ctx.state.to_params(ctx.options), **spec.to_params()}


def view_link(view_id: int, params: dict[str, str]) -> str:
    base = (st.context.url or "").split("?")[0]
    lang = st.query_params.get("lang")  # the reader's language, as the share link keeps it
    params = {**params, **({"lang": lang} if lang else {}), SAVED: str(view_id)}
    # '+' is escaped: a query string reads a bare '+' as a space (age=55+)
    return f"{base}?{urlencode(params, safe=',<')}"


def _url(db_url: str | None = None) -> str:
    """The store's URL. Callbacks run before the page's frame, so they are given it."""
    return db_url or data.current_info().db_url


def _flash(text: str, kind: str = "success") -> None:
    st.session_state[FLASH] = (kind, text)


def _open(view_id: int, db_url: str, opts) -> None:
    """Set the sidebar and the controls from a saved view (a button's callback, so it runs
    before any widget is drawn)."""
    view = door.get_view(data.viewer(), view_id, _url(db_url))
    if view is None:
        _flash(t("explorer.views.gone", id=view_id), "warning")
        return
    params = door.params_of(view)
    state, notices = FilterState.from_params(params, opts)
    sidebar.apply_state(state, notices)
    ss = st.session_state
    store = ss.setdefault(sidebar.PAGE_STATE, {})
    for name in PARAMS.values():
        store.pop(name, None)
        ss.pop(f"p_{name}", None)
    st.query_params.from_dict({**params, SAVED: str(view_id)})


def _save(params: dict[str, str], db_url: str) -> None:
    ss = st.session_state
    name = ss.get("explorer-save-name", "")
    who = ss.get("explorer-save-who", "")
    try:
        view = door.save_view(data.viewer(), PAGE, name, params, who, _url(db_url))
    except (door.ViewError, Refused) as e:
        _flash(error_text(e), "error")
        return
    ss[WHO] = who
    ss["explorer-save-name"] = ""
    st.query_params[SAVED] = str(view.view_id)
    _flash(t("explorer.views.saved", name=view.name))


def _act(action, done: str) -> None:
    """Run a saved-view action (a callback); say what it did, or why it could not."""
    try:
        view = action()
    except Refused as e:  # not their view: the rule's sentence, and a refused audit row
        data.refused(e, {"saved view": "change"})
        _flash(error_text(e), "warning")
        return
    except door.ViewError as e:
        _flash(error_text(e), "error")
        return
    _flash(t(done, name=view.name))


def _rename(view_id: int, db_url: str) -> None:
    name = st.session_state.get(f"explorer-rename-{view_id}", "")
    _act(
        lambda: door.rename_view(data.viewer(), view_id, name, _url(db_url)),
        "explorer.views.renamed",
    )


def _ask_delete(view_id: int) -> None:
    """Delete asks first: a saved view is shared, and a deleted one is gone for everyone."""
    st.session_state[CONFIRM_DELETE] = view_id


def _keep() -> None:
    st.session_state.pop(CONFIRM_DELETE, None)


def _delete(view_id: int, name: str, db_url: str) -> None:
    st.session_state.pop(CONFIRM_DELETE, None)

    def delete():
        door.delete_view(data.viewer(), view_id, _url(db_url))
        if st.query_params.get(SAVED) == str(view_id):
            del st.query_params[SAVED]
        return SimpleNamespace(name=name)

    _act(delete, "explorer.views.deleted")


def flash() -> None:
    """The outcome of the last save, rename or delete, once."""
    message = st.session_state.pop(FLASH, None)
    if message:
        kind, text = message
        getattr(st, kind)(as_text(text))  # it may quote a view's name and who saved it


def current_view(ctx: PageContext, spec: SliceSpec, db_url: str) -> None:
    """'Saved view: NAME' when the URL names a view and the page shows it; when the slice or
    the sidebar changed since, says so and offers to update the view. (Registers `saved` as
    this page's URL parameter, so the frame keeps it.)"""
    ss = st.session_state
    ss.setdefault(sidebar.PAGE_PARAMS_SEEN, set()).add(SAVED)
    ss.setdefault(sidebar.PAGE_PARAMS_ALL, set()).add(SAVED)
    raw = st.query_params.get(SAVED)
    if not raw:
        return
    view_id = saved_view_id(raw)
    view = door.get_view(data.viewer(), view_id, _url(db_url)) if view_id is not None else None
    if view is None:  # not a number the store can hold, or no such view: a notice
        st.warning(as_text(t("explorer.views.gone", id=raw)), icon=":material/link_off:")
        del st.query_params[SAVED]
        return
    by = t("explorer.views.by", who=view.created_by, when=_when(view.updated_at))
    current = view_params(ctx, spec)
    if current == door.params_of(view):
        text = f"{t('explorer.views.current', name=view.name)} · {by}"
        st.caption(f":material/bookmark: {as_text(text)}")
        return
    left, right = row([4, 1], vertical_alignment="center")
    text = t("explorer.views.changed", name=view.name)
    left.caption(f":material/bookmark_border: {as_text(text)}")
    right.button(
        t("explorer.views.update"),
        key="explorer-update",
        on_click=_update,
        args=(view.view_id, current, db_url),
        icon=":material/save:",
        type="tertiary",
    )


MAX_VIEW_ID = 2**31 - 1  # the largest id the store's integer column holds


def saved_view_id(raw: str) -> int | None:
    """The view number in a `saved=` URL value: ASCII digits within the store's range, else None
    (the page then says the view does not exist, as for any other unusable URL value)."""
    if not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(MAX_VIEW_ID)):
        return None
    number = int(raw)
    return number if 0 < number <= MAX_VIEW_ID else None


def _update(view_id: int, params: dict[str, str], db_url: str) -> None:
    _act(
        lambda: door.update_view(data.viewer(), view_id, params, _url(db_url)),
        "explorer.views.updated",
    )


def _when(moment) -> str:
    local = moment.astimezone()
    return f"{format_date(local)} {local:%H:%M}"


def _buttons(n: int) -> list:
    """Places for `n` buttons side by side at their own width, wrapping where it is narrow."""
    with st.container(horizontal=True, wrap=True, gap="small"):
        return [st.container(width="content") for _ in range(n)]


def saved_views(ctx: PageContext, spec: SliceSpec) -> None:
    """The list of saved views (open, link, rename, delete) and the form to save this one."""
    db_url = data.current_info().db_url
    current_view(ctx, spec, db_url)
    saved = door.list_views(data.viewer(), PAGE, _url(db_url))
    with st.expander(
        f"{t('explorer.views')} ({len(saved)})", icon=":material/bookmarks:", expanded=False
    ):
        # side by side at 1366 px (the expander's inside is 870 px), one under the other on a
        # narrow screen; the buttons in rows at their own width (in fifths of a narrow column
        # "Delete" would be cut)
        left, right = row([3, 2], room=870)
        with left:
            if not saved:
                st.caption(t("explorer.views.none"))
            else:
                by_id = {v.view_id: v for v in saved}
                chosen = st.selectbox(
                    t("explorer.views"),
                    list(by_id),
                    format_func=lambda i: (
                        f"{by_id[i].name} — "
                        + t(
                            "explorer.views.by",
                            who=by_id[i].created_by,
                            when=_when(by_id[i].updated_at),
                        )
                    ),
                    key="explorer-views-pick",
                )
                view = by_id.get(chosen) or saved[0]
                theirs = door.may_change_view(data.viewer(), view)
                b1, b2 = _buttons(2)
                b1.button(
                    t("explorer.views.open"),
                    key="explorer-open",
                    on_click=_open,
                    args=(view.view_id, db_url, ctx.options),
                    icon=":material/open_in_browser:",
                    help=t("explorer.views.open.help"),
                )
                b2.button(
                    t("explorer.views.delete"),
                    key="explorer-delete",
                    on_click=_ask_delete,
                    args=(view.view_id,),
                    icon=":material/delete:",
                    disabled=not theirs,
                    help=None if theirs else t("explorer.views.not_yours"),
                )
                if st.session_state.get(CONFIRM_DELETE) == view.view_id:
                    st.warning(  # it quotes the view's name
                        as_text(t("explorer.views.delete.confirm", name=view.name)),
                        icon=":material/warning:",
                    )
                    c1, c2 = _buttons(2)
                    c1.button(
                        t("explorer.views.delete.yes"),
                        key="explorer-delete-confirm",
                        on_click=_delete,
                        args=(view.view_id, view.name, db_url),
                        icon=":material/delete_forever:",
                        type="primary",
                    )
                    c2.button(
                        t("explorer.views.delete.no"), key="explorer-delete-keep", on_click=_keep
                    )
                st.caption(t("explorer.views.link"))
                st.code(
                    view_link(view.view_id, door.params_of(view)), language=None, wrap_lines=True
                )
                r1, r2 = row([3, 1], vertical_alignment="bottom", room=480)
                r1.text_input(
                    t("explorer.views.rename"),
                    value=view.name,
                    key=f"explorer-rename-{view.view_id}",
                    max_chars=door.MAX_NAME_LENGTH,
                )
                r2.button(
                    t("explorer.views.rename"),
                    key="explorer-rename",
                    on_click=_rename,
                    args=(view.view_id, db_url),
                    icon=":material/edit:",
                    disabled=not theirs,
                    help=None if theirs else t("explorer.views.not_yours"),
                )
        with right:
            st.markdown(f"**{t('explorer.views.save')}**")
            st.text_input(
                t("explorer.views.name"),
                key="explorer-save-name",
                placeholder=t("explorer.views.name.placeholder"),
                max_chars=door.MAX_NAME_LENGTH,
            )
            subject = data.viewer().subject
            if subject:  # signed in: the view records who they are, not a typed name
                st.caption(as_text(t("explorer.views.saving_as", who=subject)))
            else:
                if "explorer-save-who" not in st.session_state:
                    st.session_state["explorer-save-who"] = st.session_state.get(WHO, _user_name())
                st.text_input(t("explorer.views.who"), key="explorer-save-who")
            st.button(
                t("explorer.views.save"),
                key="explorer-save",
                on_click=_save,
                args=(view_params(ctx, spec), db_url),
                icon=":material/bookmark_add:",
                type="primary",
            )


def _user_name() -> str:
    try:
        return str(st.user.get("name") or "") if st.user.get("is_logged_in") else ""
    except Exception:  # noqa: BLE001 -- no authentication configured
        return ""
