"""The frame around every page: the sidebar's header, the notices, the page title and share
link, what to do when the store is empty or unreachable, and a message instead of a traceback."""

from __future__ import annotations

import functools

import streamlit as st

from lib.engine import access, door
from lib.engine.errors import FigureError
from lib.figures.engine_texts import error_text
from lib.figures.format import (
    format_date,
)
from lib.figures.i18n import current_language, set_language, t
from lib.figures.text import as_text
from lib.settings import get_settings
from lib.web import sidebar
from lib.web.data import (
    PAGE_KEY,
    DataState,
    current_info,
    filters_sidebar,
    inside_frame,
    log,
    refused,
    selection,
)
from lib.web.layout import row
from lib.web.workarounds import freeze_gc_once


@functools.cache
def favicon():
    """The browser tab's icon, drawn here: a Material icon name would make the browser fetch
    the icon from fonts.gstatic.com, and no request of the dashboard leaves the machine."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((2, 2, 62, 62), radius=12, fill=(31, 119, 180, 255))
    draw.line([(12, 46), (26, 30), (36, 38), (52, 16)], fill="white", width=6, joint="curve")
    return image


LANG_PARAM = "lang"
LANG_CHOSEN = "_tw_lang"  # the language the session chose (the switch) or was linked in
LANG_WIDGET = "lang_choice"
# Each language named in itself, so a reader finds their own whatever the page is in.
LANGUAGE_NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}


def browser_language() -> str | None:
    """The browser's language ('fi-FI' -> 'fi') when it is one of ours, else None."""
    tag = st.context.locale or ""
    code = tag.replace("_", "-").split("-")[0].lower()
    return code if code in LANGUAGE_NAMES else None


def setup_language() -> None:
    """The session's language: the URL's (?lang=fi|sv|en: a shared link, the switch), else the
    one chosen earlier in the session, else the browser's when it is Finnish, Swedish or English,
    else English. Kept in the URL (so in a shared link) unless it is English by default, so a
    link in a language keeps it, and the English addresses stay as they were."""
    ss = st.session_state
    raw = st.query_params.get(LANG_PARAM)
    if raw in LANGUAGE_NAMES:
        ss[LANG_CHOSEN] = raw
    elif raw is not None:
        del st.query_params[LANG_PARAM]  # ?lang=de: not one of ours
    lang = ss.get(LANG_CHOSEN) or browser_language() or "en"
    set_language(lang)
    if (lang != "en" or LANG_CHOSEN in ss) and st.query_params.get(LANG_PARAM) != lang:
        st.query_params[LANG_PARAM] = lang  # back after a page switch dropped it


def _language_chosen() -> None:
    lang = st.session_state.get(LANG_WIDGET)
    if lang in LANGUAGE_NAMES:
        st.session_state[LANG_CHOSEN] = lang
        st.query_params[LANG_PARAM] = lang


def language_switch() -> None:
    """Suomi / Svenska / English at the top of the sidebar; the choice goes into the URL."""
    st.session_state[LANG_WIDGET] = current_language()
    st.sidebar.radio(
        "Kieli · Språk · Language",
        list(LANGUAGE_NAMES),
        format_func=LANGUAGE_NAMES.get,
        key=LANG_WIDGET,
        horizontal=True,
        on_change=_language_chosen,
        label_visibility="collapsed",
    )


def sidebar_header(state: DataState) -> None:
    """The language switch, the product name, the extract's as-of date and its source."""
    language_switch()
    with st.sidebar:
        st.markdown(f"## {t('app.name')}")
        st.caption(t("app.tagline"))
        if state.info is not None:
            info = state.info
            st.markdown(f"**{t('sidebar.as_of', date=format_date(info.as_of))}**")
            source = as_text(info.source) if info.source else t("sidebar.unknown_source")
            st.caption(t("sidebar.source", source=source))  # the manifest's own text
            st.caption(t("sidebar.loaded", date=format_date(info.loaded_at)))
        min_count = get_settings().min_count
        if min_count > 0:
            st.caption(t("sidebar.disclosure", n=min_count))


def synthetic_notice(state: DataState) -> None:
    """The persistent notice on every page when the loaded data is synthetic."""
    if state.info is not None and state.info.synthetic:
        st.warning(t("notice.synthetic"), icon=":material/science:")


def store_message(state: DataState) -> None:
    """What to do when there is nothing to show: an empty or unreachable store."""
    if state.status == "empty":
        st.info(f"**{t('store.empty.title')}**\n\n{t('store.empty.body')}", icon=":material/info:")
    elif state.status == "unreachable":
        st.error(
            t("store.unreachable", url=as_text(door.safe_url(get_settings().db_url))),
            icon=":material/error:",
        )
        if state.detail:
            with st.expander(t("error.details")):
                st.code(state.detail, language=None)


def friendly_error(exc: BaseException) -> None:
    """A short message instead of a traceback; the traceback goes to the server log."""
    if isinstance(exc, access.NoData):
        store_message(DataState("empty"))
        return
    if isinstance(exc, access.Refused):
        refusal_note(exc)
        return
    log.exception("page failed", exc_info=exc)
    if isinstance(exc, FigureError):  # a query that cannot be answered: its reason, not a failure
        st.error(t("error.query", message=as_text(error_text(exc))), icon=":material/error:")
        return
    st.error(t("error.page"), icon=":material/error:")
    with st.expander(t("error.details")):
        st.code(f"{type(exc).__name__}: {exc}", language=None)


def refusal_note(exc: access.Refused) -> None:
    """A page that would need detail beyond the viewer's rights: the rule's one sentence, as a
    note (never an error), and a `refused` row in the audit trail (once per session)."""
    refused(exc)
    st.info(as_text(error_text(exc)), icon=":material/lock:")


def page_header(title_key: str, subtitle: str | None = None) -> None:
    """The page's title and one line: what it shows, for which selection, as of which date."""
    sel = selection()
    st.title(t(title_key))
    summary = as_text(sel.state.summary(sel.options, sel.lang))  # names from the extract
    text = subtitle or ""
    info = current_info()
    line = " · ".join(
        x for x in (text, summary, t("block.as_of", date=format_date(info.as_of))) if x
    )
    st.caption(line)


def share_popover(where) -> None:
    """'Share this view': the address that reproduces the page as shown. Drawn into `where` (a
    place in the sidebar under the filters) after the page ran, since the page's own controls
    write their choices into the URL while it runs: built before, the link was one step behind."""
    sel = selection()
    with where.container(), st.popover(t("share.button"), icon=":material/link:", width="stretch"):
        st.caption(t("share.help"))
        st.code(sidebar.share_link(sel.state, sel.options), language=None, wrap_lines=True)


def page_frame(page) -> None:
    """The shared sidebar (filters, share link), the URL notices, then the page itself."""
    try:
        with inside_frame():
            st.session_state[PAGE_KEY] = getattr(page, "url_path", None) or str(page.title)
            filters_sidebar()
            share = st.sidebar.empty()  # the share link's place; filled once the URL is final
            sidebar.notices()
            sidebar.start_run()
            try:
                page.run()
            finally:
                sidebar.finish_run()
                share_popover(share)
    finally:
        freeze_gc_once()


page_choice = sidebar.page_choice


class Slot:
    """A stand-in for a container: the widgets a page makes in it (page_choice's `container`)
    are drawn where its view places them (a `Control` part), not where the page made them."""

    def __init__(self) -> None:
        self._calls: list[tuple[str, tuple, dict]] = []

    def __getattr__(self, method: str):
        if method.startswith("_"):
            raise AttributeError(method)
        return lambda *args, **kw: self._calls.append((method, args, kw))

    def replay(self, where=None) -> None:
        for method, args, kw in self._calls:
            getattr(where or st, method)(*args, **kw)


class Slots:
    """Where a page's controls go: `at(name)` is the container for the controls that the view's
    `Control(name)` places; `columns(name, spec)` the same in side-by-side columns."""

    def __init__(self) -> None:
        self._drawers: dict[str, list] = {}

    def at(self, name: str) -> Slot:
        slot = Slot()
        self._drawers.setdefault(name, []).append(slot.replay)
        return slot

    def columns(self, name: str, spec, **kw) -> list[Slot]:
        slots = [Slot() for _ in spec]

        def draw() -> None:
            for column, slot in zip(row(spec, **kw), slots, strict=True):
                slot.replay(column)

        self._drawers.setdefault(name, []).append(draw)
        return slots

    def draw(self, name: str) -> None:
        for drawer in self._drawers.pop(name, []):
            drawer()


def slots() -> Slots:
    """The places of this page's controls in its view (see Slots)."""
    return Slots()
