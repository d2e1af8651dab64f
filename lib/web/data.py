"""Cached reads for the pages: the store's state, the extract's options, every figure the
access layer reads and whole page views, each cached by kind (see STYLE.md).

- the loaded batch (lib/engine/access.Source, the analytic snapshot) once per process and
  batch: `st.cache_resource`, keyed by the store URL and the batch's content hash (a new import
  changes the hash, so it is picked up);
- every read of the viewer's reader (`CachedReader`: indicator tables, the effect, survival,
  peers, expected, ...): `st.cache_data`, keyed by the figure's kind, its arguments (frozen
  Query and Cohort, scalars), the viewer, the URL and the content hash. A DataFrame is never a
  cache key; the reference facts are kept once per batch (`st.cache_resource`);
- a page's figures (`build`: Blocks with their charts as Vega-Lite dicts) per frozen
  FilterState, page arguments, language, settings and batch, so that going back to a selection
  redraws without computing or building a chart.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import polars as pl
import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from lib.engine import access, door
from lib.engine.indicators import IndicatorError, Query
from lib.figures import charts
from lib.figures.blocks import Block, PageContext
from lib.figures.filters import FilterOptions, FilterState, Selection, options_from_facts
from lib.figures.format import localized_chart
from lib.figures.i18n import current_language, t
from lib.published import comparison, storage
from lib.settings import get_settings
from lib.web import sidebar, workarounds

log = logging.getLogger("trialwatch")


# The viewer of a session that has not set one (see viewer()): no figures. The frame sets a
# viewer on every run before any page reads (lib/web/signin.py), so this only keeps a mistake
# from reading as anyone.
VIEWER = access.viewer_for(None)
# The filters' options are the extract's reference facts (trials, areas, municipalities and
# months: no person data), the same for every viewer.
OPTIONS_VIEWER = access.FULL_ACCESS
VIEWER_KEY = "trialwatch.viewer"
PAGE_KEY = "trialwatch.page"
REFUSALS_KEY = "trialwatch.refusals"


def viewer() -> access.Viewer:
    """The session's viewer: the one the sign-in or the demo visitor's choice
    set with `set_viewer`, else VIEWER. Kept in the session's state on the server, so no URL
    parameter or widget can change it; every read, cached build and audit row names it."""
    found = st.session_state.get(VIEWER_KEY)
    return found if isinstance(found, access.Viewer) else VIEWER


def set_viewer(new: access.Viewer) -> None:
    """The viewer this session reads as from now on (the sign-in, or the demo visitor's role)."""
    if not isinstance(new, access.Viewer):
        raise TypeError(f"a session's viewer is a Viewer, not {new!r}")
    if st.session_state.get(VIEWER_KEY) != new:
        st.session_state[VIEWER_KEY] = new
        st.session_state.pop(REFUSALS_KEY, None)


def current_page() -> str:
    """The page this run shows (its URL path), for the audit trail."""
    return str(st.session_state.get(PAGE_KEY) or "dashboard")


def audit(action: str, target: str | None = None, detail: dict | None = None, rows=None) -> None:
    """Append an event for this session's viewer to the audit trail; a store that cannot take
    it is logged, never shown as a failure of the page."""
    try:
        door.record(viewer(), action, target or current_page(), detail, rows, get_settings().db_url)
    except Exception:  # noqa: BLE001 -- the audit trail must not break a page
        log.exception("could not record %s in the audit trail", action)


def refused(exc: access.Refused, what: dict | None = None) -> None:
    """Record a refused request of this session in the audit trail, once per distinct refusal
    (page and message) per session."""
    seen = st.session_state.setdefault(REFUSALS_KEY, set())
    key = (current_page(), str(exc))
    if key in seen:
        return
    seen.add(key)
    audit("refused", detail={**(what or {}), "reason": str(exc)})


@dataclass(frozen=True)
class DataState:
    """What the store holds: 'ok' with its DataInfo, 'empty', or 'unreachable' with a reason."""

    status: str
    info: access.DataInfo | None = None
    detail: str | None = None


@st.cache_data(ttl=5, show_spinner=False)
def _data_info(db_url: str) -> access.DataInfo | None:
    # A short TTL: a new import shows up within seconds without a query on every widget change.
    return access.data_info(db_url)


def store_changed() -> None:
    """A new batch was loaded by this session (the Import page): read the store's state again
    now rather than within the cache's few seconds."""
    _data_info.clear()
    _history.clear()


def data_state() -> DataState:
    """The store's state for this run: never raises."""
    url = get_settings().db_url
    try:
        info = _data_info(url)
    except Exception as exc:  # noqa: BLE001 -- any failure to reach the store is reported
        log.warning("data store unreachable: %s", exc)
        return DataState("unreachable", detail=f"{type(exc).__name__}: {exc}")
    return DataState("ok", info) if info is not None else DataState("empty")


def current_info() -> access.DataInfo:
    """The loaded batch's DataInfo (the frame has already checked that there is one)."""
    require_frame()
    state = data_state()
    if state.info is None:
        raise access.NoData(t("store.empty.body"))
    return state.info


@st.cache_resource(show_spinner=False, max_entries=4)
def _source(db_url: str, content_hash: str) -> access.Source:
    # content_hash is part of the key only: a new batch gets its own entry.
    return access.open_source(db_url)


@st.cache_data(show_spinner=False, max_entries=1024)
def _figure(kind: str, args: tuple, viewer: access.Viewer, db_url: str, content_hash: str):
    return access.Reader(viewer, _source(db_url, content_hash)).figure(kind, *args)


@st.cache_resource(show_spinner=False, max_entries=8)
def _facts(viewer: access.Viewer, db_url: str, content_hash: str) -> access.Facts:
    # Reference facts are read on every run and never changed: kept, not copied per read.
    return access.Reader(viewer, _source(db_url, content_hash)).facts()


_POOL = ThreadPoolExecutor(max_workers=3, thread_name_prefix="trialwatch-read")


class CachedReader(access.Reader):
    """The viewer's reader for this session: each read (a figure's kind and its arguments)
    cached per viewer and loaded batch, as lib/engine/access.py computes it."""

    def __init__(self, viewer: access.Viewer, info: access.DataInfo):
        super().__init__(viewer, info.db_url)
        self.db_url, self.content_hash = info.db_url, info.content_hash

    def figure(self, kind: str, *args):
        try:
            return _figure(kind, args, self.viewer, self.db_url, self.content_hash)
        except access.Refused as e:
            refused(e, {"figure": kind, "arguments": [repr(a) for a in args]})
            raise

    def facts(self) -> access.Facts:
        try:
            return _facts(self.viewer, self.db_url, self.content_hash)
        except access.Refused as e:
            refused(e, {"figure": "facts"})
            raise

    def indicators(self, queries: list[Query]) -> list[pl.DataFrame | None]:
        """Several indicator tables read side by side (Polars releases the GIL), each cached
        as by `indicator`; None for a query the extract cannot answer."""
        run_ctx = get_script_run_ctx()

        def one(query: Query):
            add_script_run_ctx(threading.current_thread(), run_ctx)
            try:
                return self.indicator(query)
            except IndicatorError:
                return None

        return list(_POOL.map(one, queries))

    def prefetch(self, queries: list[Query]) -> None:
        self.indicators(queries)


def reader() -> CachedReader:
    """The viewer's cached reader over the loaded batch."""
    return CachedReader(viewer(), current_info())


def read(query: Query) -> pl.DataFrame:
    """The indicator table for `query`, cached per query and loaded batch."""
    return reader().indicator(query)


@st.cache_resource(show_spinner=False, max_entries=4)
def _options(db_url: str, content_hash: str) -> FilterOptions:
    return options_from_facts(_facts(OPTIONS_VIEWER, db_url, content_hash))


def options() -> FilterOptions:
    """What the loaded extract offers to filter by (cached per batch)."""
    return options_of(current_info())


def options_of(info: access.DataInfo) -> FilterOptions:
    """What the batch `info` offers to filter by, outside a page (the frame's sidebar)."""
    return _options(info.db_url, info.content_hash)


def filters_sidebar() -> FilterState:
    """The sidebar's filters for this run (the frame calls it once, before the page)."""
    return sidebar.sidebar(options(), start=own_places)


def own_places(state: FilterState, opts: FilterOptions) -> FilterState:
    """Where a municipal viewer's session starts: their own areas of the trial, else their own
    municipalities; everyone else starts on the whole trial."""
    who = viewer()
    if not access.is_limited(who) or who.role == "nobody":
        return state
    areas = tuple(a.id for a in opts.areas_of(state.trial) if a.id in who.areas)
    if areas:
        return replace(state, areas=areas)
    mine = set(who.municipalities or ())
    codes = tuple(m.code for m in opts.municipalities_of(state.trial) if m.code in mine)
    return replace(state, municipalities=codes) if codes else state


def selection() -> Selection:
    """The selection the sidebar holds, checked against the loaded extract."""
    require_frame()
    opts = options()
    state = st.session_state.get(sidebar.CANON) or opts.default_state()

    return Selection(state, opts, current_language())


def page_context() -> PageContext:
    """What a page's figures depend on: the selection, the cached reader, the settings."""
    return _context(selection())


def _context(sel: Selection) -> PageContext:
    s = get_settings()
    info = current_info()
    return PageContext(
        sel=sel,
        reader=CachedReader(viewer(), info),
        as_of=info.as_of,
        min_count=s.min_count,
        fte_band=s.fte_band,
        weekly_contacts=s.weekly_contacts,
        youth_age=s.youth_age,
        source=current_info().source,
        published=published_view,
    )


def _settings_key() -> tuple:
    s = get_settings()
    return (s.min_count, s.youth_age, s.fte_band, s.weekly_contacts)


def build(fn, ctx: PageContext, *args, **kw):
    """`fn(ctx, *args, **kw)` (a page module's builder), cached per selection, arguments and
    loaded batch. Its Altair charts come back as Vega-Lite dicts, so a page shown again (or a
    filter switched back) is drawn without building a chart."""
    info = current_info()
    name = f"{fn.__module__}:{fn.__qualname__}"
    return _build(
        fn,
        name,
        ctx.state,
        args,
        tuple(sorted(kw.items())),
        ctx.lang,
        info.db_url,
        info.content_hash,
        _settings_key(),
        published_version(),
        ctx.reader.viewer,
    )


@st.cache_data(show_spinner=False, max_entries=512)
def _build(_fn, name, state, args, kw, lang, db_url, content_hash, settings_key, published, who):
    # The builder is keyed by its name (`_fn` is not hashed); `published` (the loaded published
    # tables' version) is part of the key only; `who` (the viewer) keys it and reads with it, so
    # one viewer's page is never another's.
    fn = _fn
    ctx = replace(
        _context(Selection(state, _options(db_url, content_hash), lang)),
        reader=CachedReader(who, current_info()),
    )
    return _freeze(fn(ctx, *args, **dict(kw)))


def frozen(value):
    """A builder's result with its charts as the Vega-Lite dicts the page draws (as `build`
    returns it, without a cache: the start-up warm-up, lib/web/warmup.py)."""
    return _freeze(value)


def _freeze(value):
    """Charts inside a result (a Block, a view and its parts, lists of them) as Vega-Lite
    dicts."""
    if isinstance(value, Block):
        value.chart = _vega_lite(value.chart)
        return value
    if isinstance(value, list):
        return [_freeze(v) for v in value]
    if isinstance(value, tuple):
        items = tuple(_freeze(v) for v in value)
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            new = _vega_lite(item) if f.name == "chart" else _freeze(item)
            if new is not item:
                object.__setattr__(value, f.name, new)  # a frozen dataclass too
        return value
    return value


def _vega_lite(chart):
    """A chart (lib.figures.charts.Spec or Altair) as the dict st.vega_lite_chart takes, in the
    reader's language (format.localized_chart: Vega-Lite's config.locale); None as it is."""
    if isinstance(chart, charts.Spec):
        return localized_chart(chart.vega_lite())
    if chart is not None and not isinstance(chart, dict) and hasattr(chart, "to_dict"):
        return localized_chart(chart.to_dict(validate=False))
    return localized_chart(chart)


@st.cache_data(ttl=5, show_spinner=False)
def _history(db_url: str, who: access.Viewer):
    return door.history(who, db_url)


def load_history():
    """Every load of the store, newest first."""
    return _history(current_info().db_url, viewer())


_frame = threading.local()


@contextlib.contextmanager
def inside_frame():
    """Mark this script run as running inside dashboard.py's frame (see require_frame)."""
    _frame.active = True
    try:
        yield
    finally:
        _frame.active = False


def require_frame() -> None:
    """Make sure the page runs inside dashboard.py's frame (a deep link on a server's first
    run may not be: see workarounds.navigation_only); if not, switch and run again."""
    if getattr(_frame, "active", False):
        return
    workarounds.navigation_only()
    st.rerun()


@st.cache_data(ttl=5, show_spinner=False)
def _published_version(db_url: str) -> str:
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return storage.loaded_version(db_url)
    except SQLAlchemyError:  # a store without the published tables: none loaded
        return ""


def published_version() -> str:
    """A key that changes whenever a published table is loaded ('' when none is)."""
    return _published_version(current_info().db_url)


@st.cache_resource(show_spinner=False, max_entries=2)
def _published_view(db_url: str, version: str):
    # `version` keys the cache only: a new published load gets its own entry.

    return comparison.published_view(db_url) if version else None


def published_view():
    """The loaded published tables (lib/published/comparison.py PublishedView), or None."""
    db_url = current_info().db_url
    return _published_view(db_url, _published_version(db_url))


@st.cache_data(show_spinner=False, ttl=300)
def _national_activation(db_url: str, month: str):
    try:
        return comparison.national_activation(db_url, month)
    except Exception:  # noqa: BLE001 - published tables not loaded: no context line
        return None


@st.cache_data(show_spinner=False, max_entries=8)
def _country(db_url: str, version: str, indicator: str) -> tuple[tuple[str, float], ...]:
    # `version` (the published tables' load) keys the cache only
    from sqlalchemy.exc import SQLAlchemyError

    if not version:
        return ()
    try:
        return comparison.country_series(db_url, indicator)
    except SQLAlchemyError:  # a store without the published tables
        return ()


def country_series(indicator: str) -> tuple[tuple[str, float], ...]:
    """The published whole-country figure of a register indicator, month by month (the
    Compare page's whole country); () where none is published or loaded."""
    db_url = current_info().db_url
    return _country(db_url, _published_version(db_url), indicator)
