"""The sidebar's widgets and the page controls: the only code that touches filter widgets.

The selection lives in session state as a frozen `FilterState` (the canonical copy) and in the
URL (`FilterState.to_params`). On a session's first run the URL is read (a bad or stale value is
dropped with a notice); afterwards the widgets are the source, and every run writes the URL
back, so the address in the browser always reproduces the view and the selection survives
moving between pages. Page controls (`page_choice`) work the same way with their own URL
parameter, kept in the URL only while their page is shown.

Each widget has a key; its value is put into session state before the widget is drawn (never
passed as a default), so a value the extract no longer offers is dropped instead of raising.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from urllib.parse import urlencode

import streamlit as st

from lib.engine.indicators import GROUPS
from lib.figures.filters import (
    PARAMS,
    PERSON_FIELDS,
    PERSON_VALUES,
    FilterOptions,
    FilterState,
    period_presets,
    value_label,
)
from lib.figures.format import collation_key, format_month
from lib.figures.i18n import N_, current_language, t
from lib.figures.text import as_text

# The keys `t(f"filter.period.{k}")` and `t(f"filter.match.{m}")` compute,
# written out for the catalogue's extraction.
_SIDEBAR_KEYS = (
    N_("filter.period.from"),
    N_("filter.period.to"),
    N_("filter.period.presets"),
    N_("filter.period.presets.help"),
    N_("filter.period.trial"),
    N_("filter.period.last12"),
    N_("filter.match.all"),
    N_("filter.match.any"),
    N_("filter.match.help"),
    N_("filter.match.all_join"),
    N_("filter.match.any_join"),
)

CANON = "_tw_filters"
NOTICES = "_tw_notices"
PAGE_STATE = "_tw_page"
PAGE_PARAMS_SEEN = "_tw_page_params"  # page params used by this run
PAGE_PARAMS_ALL = "_tw_page_params_all"  # every page control's parameter seen this session
MUNI_FIND = "f_muni_find"  # the municipality search (not part of the view, nor of the URL)

KEYS = {
    "trial": "f_trial",
    "areas": "f_areas",
    "municipalities": "f_munis",
    "month_from": "f_from",
    "month_to": "f_to",
    "preset": "f_period_preset",
    "groups": "f_groups",
    "match": "f_match",
    "gender": "f_gender",
    "age_band": "f_age",
    "language": "f_language",
    "education": "f_edu",
    "comparison": "f_comparison",
}
# The page controls' URL parameters of this module's pages (removed from the URL on the other
# pages; so is every parameter another page registered through `page_choice` this session).
PAGE_PARAMS = ("view", "initial", "days", "focus", "peers", "ind", "rank", "level")


def _query_params() -> dict[str, str]:
    return {k: st.query_params.get(k) for k in st.query_params.keys()}  # noqa: SIM118


# ---------------------------------------------------------------------------------------------
# The sidebar


def _state_from_widgets(canon: FilterState) -> FilterState:
    """The canonical state, updated with whatever the user changed in the widgets."""
    ss = st.session_state
    kw = {}
    for name in ("trial", "areas", "municipalities", "groups", "match", *PERSON_FIELDS):
        key = KEYS[name]
        if key in ss:
            value = ss[key]
            kw[name] = tuple(value) if isinstance(value, list | tuple) else value
    if KEYS["comparison"] in ss:
        kw["comparison"] = bool(ss[KEYS["comparison"]])
    for name in ("month_from", "month_to"):
        if isinstance(ss.get(KEYS[name]), str):
            kw[name] = ss[KEYS[name]]
    return replace(canon, **kw)


def _fit(state: FilterState, previous: FilterState, opts: FilterOptions) -> FilterState:
    """Keep the state consistent: the period follows a new trial; a first month chosen after
    the last moves the last along (and the other way round); municipalities stay within the
    picked areas; every value is one the extract offers."""
    if state.trial != previous.trial:
        first, last = opts.default_period(state.trial)
        state = replace(state, areas=(), municipalities=(), month_from=first, month_to=last)
    if state.month_from and state.month_to and state.month_from > state.month_to:
        if state.month_from != previous.month_from:
            state = replace(state, month_to=state.month_from)
        else:
            state = replace(state, month_from=state.month_to)
    if state.areas and state.municipalities:
        allowed = {m.code for m in opts.municipalities_of(state.trial, state.areas)}
        state = replace(
            state, municipalities=tuple(m for m in state.municipalities if m in allowed)
        )
    return state.sanitized(opts)


def _put_into_widgets(state: FilterState) -> None:
    ss = st.session_state
    for name in ("trial", "match", "comparison", "month_from", "month_to"):
        ss[KEYS[name]] = getattr(state, name)
    for name in ("areas", "municipalities", "groups", *PERSON_FIELDS):
        ss[KEYS[name]] = list(getattr(state, name))


def _apply_preset(presets: dict[str, tuple[str, str]]) -> None:
    """A period preset was clicked (a callback, before the widgets are drawn): its months go
    into the From and To pickers, which the run then reads as the period."""
    ss = st.session_state
    chosen = ss.get(KEYS["preset"])
    if chosen in presets:
        ss[KEYS["month_from"]], ss[KEYS["month_to"]] = presets[chosen]


def period_choice(state: FilterState, opts: FilterOptions) -> None:
    """The period: one-click presets (whole trial, last 12 months, each calendar year), and the
    first and last month as pickers. The preset that equals the period is shown chosen."""
    months = opts.months
    presets = period_presets(opts, state.trial)
    current = (state.month_from, state.month_to)
    st.session_state[KEYS["preset"]] = next((k for k, v in presets.items() if v == current), None)
    st.pills(
        t("filter.period.presets"),
        list(presets),
        format_func=lambda k: t(f"filter.period.{k}") if k in ("trial", "last12") else k,
        key=KEYS["preset"],
        on_change=_apply_preset,
        args=(presets,),
        help=t("filter.period.presets.help"),
    )
    # one under the other: side by side, half the sidebar cut Finnish months ('maalis 202')
    st.selectbox(t("filter.period.from"), months, format_func=format_month, key=KEYS["month_from"])
    st.selectbox(t("filter.period.to"), months, format_func=format_month, key=KEYS["month_to"])


def _reset(opts: FilterOptions) -> None:
    state = opts.default_state()
    st.session_state[CANON] = state
    _put_into_widgets(state)


def sidebar(opts: FilterOptions, start=None) -> FilterState:
    """Draw the filters in the sidebar and return the selection (also kept in the URL).

    start: (state, opts) -> state, the selection a session starts on when its URL names no
    places (lib/web/data.py: a municipal user's own areas)."""
    ss = st.session_state
    if CANON not in ss:
        state, notices = FilterState.from_params(_query_params(), opts)
        if start is not None and not (state.areas or state.municipalities):
            state = start(state, opts)
        ss[NOTICES] = notices
        previous = state
    else:
        previous = ss[CANON]
        state = _state_from_widgets(previous)
    state = _fit(state, previous, opts)
    ss[CANON] = state
    _put_into_widgets(state)
    lang = current_language()

    with st.sidebar:
        st.markdown(f"**{t('filter.heading')}**")
        trial_choice(opts)
        areas = opts.areas_of(state.trial)
        area_names = {a.id: a.name for a in areas}
        st.multiselect(
            t("filter.areas"),
            [a.id for a in sorted(areas, key=lambda a: collation_key(a.name, lang))],
            format_func=lambda x: area_names.get(x, x),
            key=KEYS["areas"],
            placeholder=t("filter.areas.all"),
        )
        munis = opts.municipalities_of(state.trial, state.areas)
        munis = sorted(
            munis, key=lambda m: collation_key(m.label(lang), lang)
        )  # in the user's language
        muni_labels = {m.code: m.search_label(lang) for m in munis}
        # The list's own typing matches loosely (any letters in order: "Koko" found
        # Kannonkoski), and not without accents: the list types only a name's start, and the
        # find box narrows it to a name's or a word's start, either language, a = ä.
        find = st.text_input(
            t("filter.municipalities.find"),
            key=MUNI_FIND,
            placeholder=t("filter.municipalities.find.placeholder"),
            help=t("filter.municipalities.find.help"),
        )
        chosen = set(state.municipalities)
        st.multiselect(
            t("filter.municipalities"),
            [m.code for m in munis if m.code in chosen or m.matches(find)],
            format_func=lambda x: muni_labels.get(x, x),
            key=KEYS["municipalities"],
            placeholder=t("filter.municipalities.all"),
            help=t("filter.municipalities.help"),
            filter_mode="prefix",
        )
        if len(opts.months) > 1:
            period_choice(state, opts)
        st.multiselect(
            t("filter.groups"),
            list(GROUPS),
            format_func=lambda g: t(f"group.{g}"),
            key=KEYS["groups"],
            placeholder=t("filter.groups.none"),
        )
        st.radio(
            t("filter.match"),
            ["all", "any"],
            format_func=lambda m: t(f"filter.match.{m}"),
            key=KEYS["match"],
            horizontal=True,
            disabled=len(state.groups) < 2,
            help=t("filter.match.help"),
        )
        with st.expander(t("filter.persons"), expanded=bool(state.person_where())):
            for f in PERSON_FIELDS:
                st.multiselect(
                    t(f"filter.{f}"),
                    list(PERSON_VALUES[f]),
                    format_func=lambda v, f=f: value_label(f, v),
                    key=KEYS[f],
                    placeholder=t("filter.all"),
                )
        st.toggle(t("filter.comparison"), key=KEYS["comparison"], help=t("filter.comparison.help"))
        st.button(
            t("filter.reset"),
            key="f_reset",
            on_click=_reset,
            args=(opts,),
            icon=":material/restart_alt:",
            type="tertiary",
        )
    _write_params(state.to_params(opts), set(PARAMS.values()))
    return state


MAX_TRIAL_RADIO = 4  # trials listed as radio buttons (full names); more: a select box


def trial_choice(opts: FilterOptions) -> None:
    """The trial: its full name as text when the extract holds one (a disabled select box cuts a
    long name short in the sidebar), radio buttons that wrap long names for a few, else a select
    box. The value lives under the same key either way (`_put_into_widgets` sets it)."""
    trials = [x.id for x in opts.trials]
    names = {x.id: x.name for x in opts.trials}
    label = t("filter.trial")
    if len(trials) < 2:
        name = names.get(trials[0], trials[0]) if trials else t("filter.trial.none")
        st.markdown(f":small[{label}]  \n**{as_text(name)}**")
    elif len(trials) <= MAX_TRIAL_RADIO:
        # Radio options are read as Markdown; select box options are not.
        st.radio(label, trials, format_func=lambda x: as_text(names.get(x, x)), key=KEYS["trial"])
    else:
        st.selectbox(label, trials, format_func=lambda x: names.get(x, x), key=KEYS["trial"])


def notices() -> None:
    """The notices about URL values that were dropped, shown once at the top of the page."""
    for text in st.session_state.pop(NOTICES, []) or []:
        st.warning(as_text(text), icon=":material/link_off:")  # it quotes the URL


def _write_params(wanted: dict[str, str], managed: set[str]) -> None:
    """Set the managed URL parameters to `wanted`, removing those at their default."""
    qp = st.query_params
    for name in managed:
        value = wanted.get(name)
        current = qp.get(name)
        if value is None:
            if name in qp:
                del qp[name]
        elif current != value:
            qp[name] = value


# ---------------------------------------------------------------------------------------------
# Page controls


def start_run() -> None:
    """Called by the frame before a page runs: no page control seen yet."""
    st.session_state[PAGE_PARAMS_SEEN] = set()


def finish_run() -> None:
    """Called by the frame after a page ran: page parameters of other pages leave the URL."""
    seen = st.session_state.get(PAGE_PARAMS_SEEN, set())
    known = set(PAGE_PARAMS) | st.session_state.get(PAGE_PARAMS_ALL, set())
    for name in known:
        if name not in seen and name in st.query_params:
            del st.query_params[name]


def page_choice(
    param: str,
    label: str,
    options: Sequence,
    default,
    *,
    kind: str = "selectbox",
    format_func: Callable = str,
    help: str | None = None,
    container=None,
    depends_on: str | None = None,
    key: str | None = None,
):
    """A page control kept in the session and the URL (`?param=value`; lists comma-separated).

    kind: selectbox | radio | segmented | multiselect | toggle. A URL value the options do not
    offer is dropped with a notice. depends_on: when this value changes (e.g. the compared
    municipality), the choice goes back to its default. key: the widget's key (default
    `p_<param>`). Returns the chosen value (a list for multiselect)."""
    ss = st.session_state
    store = ss.setdefault(PAGE_STATE, {})
    ss.setdefault(PAGE_PARAMS_SEEN, set()).add(param)
    ss.setdefault(PAGE_PARAMS_ALL, set()).add(param)
    key = key or f"p_{param}"
    options = list(options)
    multi = kind == "multiselect"
    toggle = kind == "toggle"

    def valid(value):
        if toggle:
            return bool(value)
        if multi:
            return [v for v in (value or []) if v in options]
        return value if value in options else default

    deps = ss.setdefault("_tw_page_deps", {})
    changed = param in deps and deps[param] != depends_on
    deps[param] = depends_on
    if changed and param in store:
        # What this choice depended on changed: back to its default.
        store[param] = valid(default)
        ss.pop(key, None)
    if param not in store:
        # First time in this session: the URL's value (a shared link), else the default.
        value = default
        raw = st.query_params.get(param)
        if raw is not None:
            parsed, bad = _parse(raw, options, multi, toggle)
            if bad:
                st.warning(
                    as_text(t("notice.param.page", name=label, value=raw)),
                    icon=":material/link_off:",
                )
            if parsed is not None:
                value = parsed
        store[param] = valid(value)
    elif ss.get(key) is not None:
        store[param] = valid(ss[key])  # the user's latest choice
    value = valid(store[param])
    ss[key] = value

    where = container or st
    kw = {"key": key, "help": help}
    if kind == "selectbox":
        where.selectbox(label, options, format_func=format_func, **kw)
    elif kind == "radio":  # radio and segmented options are read as Markdown
        where.radio(
            label, options, format_func=lambda o: as_text(format_func(o)), horizontal=True, **kw
        )
    elif kind == "segmented":
        where.segmented_control(label, options, format_func=lambda o: as_text(format_func(o)), **kw)
    elif multi:
        # wrap: every chosen value stays readable (in a column, chips would scroll out of view)
        where.multiselect(label, options, format_func=format_func, wrap=True, **kw)
    elif toggle:
        where.toggle(label, **kw)
    value = valid(ss[key]) if ss.get(key) is not None else value
    store[param] = value
    if value == default or (multi and list(value) == list(default)):
        if param in st.query_params:
            del st.query_params[param]
    else:
        text = (
            ("1" if value else "0")
            if toggle
            else (",".join(str(v) for v in value) if multi else str(value))
        )
        if st.query_params.get(param) != text:
            st.query_params[param] = text
    return value


def _parse(raw: str, options: list, multi: bool, toggle: bool):
    """(value, bad): the URL text as an option value; bad when something was dropped."""
    by_text = {str(o): o for o in options}
    if toggle:
        if raw in ("0", "1"):
            return raw == "1", False
        return None, True
    if multi:
        items = [x for x in raw.split(",") if x]
        kept = [by_text[x] for x in items if x in by_text]
        return kept, len(kept) != len(items)
    if raw in by_text:
        return by_text[raw], False
    return None, True


# ---------------------------------------------------------------------------------------------
# Sharing


def share_link(state: FilterState, opts: FilterOptions) -> str:
    """The address of this view: the page's URL and its parameters."""
    params = {k: st.query_params.get(k) for k in st.query_params.keys()}  # noqa: SIM118
    params.update(state.to_params(opts))
    base = st.context.url or ""
    query = urlencode(params, safe=",<")  # a bare "+" would be read back as a space (55+)
    return f"{base}?{query}" if query else base


def apply_state(state: FilterState, notices: list[str] = ()) -> None:
    """Put a selection into the sidebar (from a button's callback, before the widgets are
    drawn): opening a saved view."""
    st.session_state[CANON] = state
    st.session_state[NOTICES] = list(notices)
    _put_into_widgets(state)
