"""The one door figures are read through: every read names its viewer.

`Reader(viewer, source)` reads, for one viewer, every figure a person can see: indicator tables,
the trial effect on the exit rate and on placement, the event study, time to employment, peers,
actual against expected, the state office's caseload, and the reference facts that are not
person data (trials, areas, municipalities, providers, the months and the as-of date). The
page builders (lib/figures), the web layer (lib/web, which caches these reads) and the command
line (lib/cli) read through it and never touch the analytic snapshot or the store; the
statistics (lib/stats) stay pure functions of a snapshot that only this module calls.
lib/engine/door.py is the same door for changes to the store (imports, saved views, published
tables).

The viewer's rule (../shared/DATA_CONTRACT.md, "Users and access") lives here and nowhere else:
`permit` for what a viewer may do at all, `restrict` for an indicator query, and `read_figure`
(which `Reader.figure` calls) for the statistics. A `Viewer` comes from a user row
(`viewer_for`, `viewer_for_subject`), the demo visitor's choice (`demo_viewer`) or is the
operator's `FULL_ACCESS`. A refusal is a `Refused` (`NoAccess` for a person without a user row)
whose message says, in one sentence, what to narrow or whom to ask.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, replace

import polars as pl

from lib.engine import money as _money
from lib.engine.cache import snapshot_for
from lib.engine.caseload import state_caseload_before, state_caseload_table
from lib.engine.cohort import EVERYONE, Cohort
from lib.engine.errors import Refused
from lib.engine.indicators import PERSON_DIMS, IndicatorError, Query, compute, validate
from lib.engine.months import month_label
from lib.engine.snapshot import Snapshot
from lib.register.schema import Municipality
from lib.register.store import get_engine, latest_batch
from lib.register.users import get_user
from lib.settings import get_settings
from lib.stats import effect as _effect
from lib.stats import expected as _expected
from lib.stats import peers as _peers
from lib.stats import survival as _survival
from lib.stats.memo import PerSnapshot


class NoData(RuntimeError):
    """The store holds no loaded extract yet."""


@dataclass(frozen=True)
class DataInfo:
    db_url: str
    batch_id: int
    loaded_at: dt.datetime
    as_of: dt.date
    source: str | None
    description: str | None
    source_path: str
    row_counts: dict
    content_hash: str

    @property
    def synthetic(self) -> bool:
        text = f"{self.source or ''} {self.description or ''}".lower()
        return "synthetic" in text


def data_info(db_url: str | None = None) -> DataInfo | None:
    """What is loaded: the latest batch, or None for an empty store."""
    url = get_settings(db_url).db_url
    b = latest_batch(get_engine(url))
    if b is None:
        return None
    return DataInfo(
        db_url=url,
        batch_id=b.batch_id,
        loaded_at=b.loaded_at,
        as_of=b.as_of,
        source=b.source,
        description=b.description,
        source_path=b.source_path,
        row_counts=json.loads(b.row_counts),
        content_hash=b.content_hash,
    )


def snapshot(db_url: str | None = None) -> Snapshot:
    """The analytic snapshot of the loaded extract (cached per batch). Only the access layer
    and the store door use it; everything else reads through a `Reader`."""
    url = get_settings(db_url).db_url
    snap = snapshot_for(get_engine(url), url)
    if snap is None:
        raise NoData(
            "The store is empty: load an extract with `trialwatch import FOLDER` "
            "or build the demo register with `trialwatch demo`."
        )
    return snap


@dataclass(frozen=True)
class Viewer:
    """Who reads: the rule below decides from `role` and, for a municipal viewer, their own
    places (`municipalities`: their own municipalities, those of their areas included when
    known; `areas`: their own trial areas, whose municipalities are added at read time).

    role: "full" (the operator at a shell with the store's credentials, and tests), "ministry",
    "evaluator", "admin" (everything), "municipal" (headline for every area, detail for their own
    places), "nobody" (signed in without a user row, or removed: no figures at all).
    subject: the signed-in user's e-mail address (None: the operator or a demo visitor)."""

    name: str = "Full access"
    role: str = "full"
    municipalities: tuple[str, ...] | None = None  # None: all
    areas: tuple[str, ...] = ()
    subject: str | None = None


FULL_ACCESS = Viewer()

ROLES = ("full", "ministry", "evaluator", "municipal", "admin", "nobody")
SEES_EVERYTHING = ("full", "ministry", "evaluator", "admin")
# What an admin (and the operator) may do to the store beyond reading figures.
ADMIN_ONLY = ("load register", "load published", "manage users", "read audit")
# Figures only ministry and admin users (and the operator) may see: the list of flagged payments
# (issue 19), which names providers' payments one by one for follow-up.
MINISTRY_AND_ADMIN = ("flagged_payments",)
# A query is headline (answered for every area) when its indicator is one of these, it has no
# group, no person dimension in by or where, and it is not by municipality_code or provider
# (../shared/DATA_CONTRACT.md, "Users and access").
HEADLINE_INDICATORS = (
    "active_caseload",
    "transfers_in",
    "transfers_out",
    "new_clients",
    "unemployed",
    "exit_rate",
    "activation_rate",
    "placement_rate_14",
    "placement_rate_90",
    "placement_rate_180",
)
PLACE_DIMS = ("municipality_code", "trial_area_id")
NO_ACCESS_MESSAGE = (
    "You have no access to the figures: ask your organisation's Trialwatch administrator "
    "(an admin user) to add your e-mail address as a user."
)


class NoAccess(Refused):
    """The viewer has no user row (or was removed): no figures at all; the message says whom
    to ask."""


def _places(areas, municipalities, facts_municipalities: pl.DataFrame | None):
    """(areas, municipalities): the municipalities include those of the areas where the
    municipalities table (municipality_code, trial_area_id) is given."""
    areas = tuple(dict.fromkeys(areas))
    munis = list(dict.fromkeys(municipalities))
    if facts_municipalities is not None and areas:
        in_areas = facts_municipalities.filter(pl.col("trial_area_id").is_in(list(areas)))
        munis += [m for m in sorted(in_areas["municipality_code"]) if m not in munis]
    return areas, tuple(munis)


def viewer_for(user, facts=None) -> Viewer:
    """The viewer a user row (lib.register.users.User) reads as; None (no row, or removed):
    role "nobody", for whom every read is refused with a message saying whom to ask.

    facts: the loaded extract's Facts (or its municipalities table), to list a municipal
    user's own municipalities (those of their areas plus their municipalities); without it the
    areas' municipalities are added where the figure is read."""
    if user is None:
        return Viewer(name="No access", role="nobody", municipalities=())
    name = user.name or user.subject
    if user.role != "municipal":
        if user.role not in SEES_EVERYTHING:
            return Viewer(name=name, role="nobody", municipalities=(), subject=user.subject)
        return Viewer(name=name, role=user.role, subject=user.subject)
    table = getattr(facts, "municipalities", facts)
    areas, munis = _places(user.areas, user.municipalities, table)
    return Viewer(name, "municipal", munis, areas, user.subject)


def viewer_for_subject(subject: str | None, db_url: str | None = None) -> Viewer:
    """The viewer for a signed-in subject (the verified e-mail address), looked up in the store:
    "nobody" without a user row."""
    engine = get_engine(db_url)
    user = get_user(engine, subject) if subject else None
    if user is None:
        if subject:
            return Viewer(name=subject, role="nobody", municipalities=(), subject=subject)
        return viewer_for(None)
    table = None
    if user.role == "municipal" and user.areas:
        from sqlalchemy import select

        with engine.connect() as conn:
            rows = conn.execute(
                select(Municipality.municipality_code, Municipality.trial_area_id)
            ).all()
        table = pl.DataFrame(
            [tuple(r) for r in rows],
            schema={"municipality_code": pl.String, "trial_area_id": pl.String},
            orient="row",
        )
    return viewer_for(user, table)


def demo_viewer(role: str, areas=(), municipalities=(), facts=None) -> Viewer:
    """The demo visitor viewing as `role` (a ministry sees what each user would see); for
    "municipal", as a user whose own places are these areas (and municipalities)."""
    if role not in ROLES or role == "full":
        raise ValueError(f"a demo visitor views as one of {', '.join(ROLES[1:])}, not {role!r}")
    name = f"Demo visitor (as {role})"
    if role != "municipal":
        return Viewer(name=name, role=role, municipalities=() if role == "nobody" else None)
    if not (areas or municipalities):
        raise ValueError("a demo visitor viewing as municipal needs an area or a municipality")
    table = getattr(facts, "municipalities", facts)
    areas, munis = _places(tuple(areas), tuple(municipalities), table)
    return Viewer(name, "municipal", munis, areas)


# ---------------------------------------------------------------------------------------------
# The rule


def _check(viewer) -> None:
    if not isinstance(viewer, Viewer):
        raise TypeError(f"a read names its viewer (a Viewer), not {viewer!r}")


def permit(viewer: Viewer, what: str) -> None:
    """Raise Refused unless `viewer` may do `what` at all (a figure's kind, or a change to the
    store: lib/engine/door.py). Which rows and which arguments a municipal viewer gets is
    decided per figure (`restrict` and `Reader.figure`).

    full, ministry, evaluator, admin: every figure; loads, users and the audit trail only for
    the operator and an admin; nobody: nothing."""
    _check(viewer)
    if viewer.role == "nobody":
        raise NoAccess(NO_ACCESS_MESSAGE, key="no_access")
    if what in ADMIN_ONLY and viewer.role not in ("full", "admin"):
        action = what.replace("load", "load the")
        raise Refused(
            f"Only an admin may {action}; ask an admin user.",
            key="admin_only",
            action=action,
            what=what,
        )
    if what in MINISTRY_AND_ADMIN and viewer.role not in ("full", "ministry", "admin"):
        raise Refused(
            "The list of flagged payments is shown to ministry and admin users only; ask one of "
            "them for it.",
            key="payments_flagged",
        )
    if viewer.role not in ROLES:
        role = repr(viewer.role)
        raise Refused(
            f"Unknown role {role}: no figures until an admin sets the role.",
            key="unknown_role",
            role=role,
        )


def is_limited(viewer: Viewer) -> bool:
    """Whether the viewer sees only some places in detail (a municipal viewer)."""
    return viewer.role not in SEES_EVERYTHING


class _Own:
    """A municipal viewer's own places in the loaded extract: their municipalities (with those of
    their areas) and the areas all of whose municipalities are their own."""

    def __init__(self, viewer: Viewer, municipalities: pl.DataFrame):
        table = municipalities.select("municipality_code", "trial_area_id")
        _, munis = _places(viewer.areas, viewer.municipalities or (), table)
        self.municipalities = set(munis)
        by_area: dict[str, set[str]] = {}
        for code, area in table.iter_rows():
            if area is not None:
                by_area.setdefault(area, set()).add(code)
        self.areas_of = by_area
        self.areas = {a for a, ms in by_area.items() if ms <= self.municipalities}

    def covers(self, dim: str, values) -> bool:
        own = self.municipalities if dim == "municipality_code" else self.areas
        return set(values) <= own

    def describe(self) -> str:
        parts = sorted(self.areas) + sorted(self.municipalities)
        return ", ".join(dict.fromkeys(parts)) or "none"


def _min_count_rule(viewer: Viewer, min_count: int) -> None:
    threshold = get_settings().min_count
    if viewer.role != "full" and min_count < threshold:
        raise Refused(
            f"Counts under {threshold} are shown only to the operator: keep the threshold at "
            f"{threshold} or above (no --min-count below it with --as).",
            key="min_count",
            threshold=threshold,
        )


def is_headline(query: Query) -> bool:
    """A headline query (answered for every area): the contract's indicator list, no group, no
    person dimension in by or where, not by (nor limited to a) municipality or provider."""
    where_dims = {d for d, _ in query.where}
    return (
        query.indicator in HEADLINE_INDICATORS
        and not query.groups
        and not (set(query.by) | where_dims) & set(PERSON_DIMS)
        and not {"municipality_code", "provider_id"} & (set(query.by) | where_dims)
    )


def restrict(query: Query, viewer: Viewer, municipalities: pl.DataFrame | None = None) -> Query:
    """The query as this viewer may have it answered, or Refused saying how to narrow it.

    Everything for full/ministry/evaluator/admin. For a municipal viewer: a headline query as it
    is; any other query when every place it covers is their own: its where limits it to their
    own municipalities or areas, or it is by municipality_code or trial_area_id and the rows of
    other places are left out (a where added here). `municipalities`: the extract's
    municipalities table (municipality_code, trial_area_id), needed for a municipal viewer."""
    _check(viewer)
    permit(viewer, "indicator")
    _min_count_rule(viewer, query.min_count)
    if not is_limited(viewer):
        return query
    if municipalities is None:
        raise TypeError("restrict needs the extract's municipalities for a municipal viewer")
    if is_headline(query):
        return query
    own = _Own(viewer, municipalities)
    where = dict(query.where)
    # the where already limits the query to their own places
    for dim in PLACE_DIMS:
        if dim in where and own.covers(dim, where[dim]):
            return query
    if "municipality_code" in query.by:
        keep = own.municipalities & set(where.get("municipality_code", own.municipalities))
        if keep:
            return query.with_where("municipality_code", sorted(keep))
    elif "trial_area_id" in query.by:
        keep = own.areas & set(where.get("trial_area_id", own.areas))
        if keep:
            return query.with_where("trial_area_id", sorted(keep))
    raise Refused(
        "This table shows detail (a group, a person dimension, an indicator outside the "
        "headline list, or a breakdown by municipality or provider) beyond your own places: "
        f"limit it to your own areas or municipalities ({own.describe()}), or break it down by "
        "municipality or trial area.",
        key="detail",
        places=own.describe(),
    )


# ---------------------------------------------------------------------------------------------
# The reader


@dataclass(frozen=True)
class Facts:
    """What the loaded extract is about, not person data: the trials, trial areas,
    municipalities and providers as loaded, the months it covers and its as-of date."""

    as_of: dt.date
    source: str | None
    description: str | None
    first_month: str  # 'YYYY-MM'
    last_month: str  # the last complete month on or before as_of
    trials: pl.DataFrame
    trial_areas: pl.DataFrame
    municipalities: pl.DataFrame  # + trial_id, area_name, trial_or_comparison, trial_start
    providers: pl.DataFrame | None  # None: the extract has no providers table


class Source:
    """The loaded data behind a Reader: one batch's analytic snapshot, opaque outside this
    module (lib/web/data.py keeps one per process and batch)."""

    def __init__(self, snap: Snapshot):
        self._snap = snap


def open_source(db_url: str | None = None) -> Source:
    """The store's loaded batch as a Source (raises NoData for an empty store)."""
    return Source(snapshot(db_url))


def _facts(snap: Snapshot) -> Facts:
    return Facts(
        as_of=snap.as_of,
        source=snap.source,
        description=snap.description,
        first_month=month_label(snap.first_month),
        last_month=month_label(snap.last_month),
        trials=snap.trials,
        trial_areas=snap.trial_areas,
        municipalities=snap.municipalities,
        providers=snap.providers,
    )


def _restricted(snap: Snapshot, viewer: Viewer, query: Query) -> Query:
    # a bad query is a bad argument (exit 2) before it is a question of rights (exit 3)
    validate(snap, query)
    return restrict(query, viewer, snap.municipalities)


# Each kind of figure: (snapshot, viewer, *arguments) -> its result. The statistics are called
# here and nowhere else.
FIGURES: dict[str, Callable] = {
    "facts": lambda snap, viewer: _facts(snap),
    "indicator": lambda snap, viewer, query: compute(snap, _restricted(snap, viewer, query)),
    "effect": lambda snap, viewer, cohort, by, min_count: _effect.effect_table(
        snap, by, cohort, min_count
    ),
    "event_study": lambda snap, viewer, cohort, area, min_count: _effect.event_study(
        snap, area, cohort, min_count
    ),
    "placement_effect": lambda snap, viewer, cohort, by, days, min_count: (
        _effect.placement_effect_table(snap, by, cohort, days, min_count)
    ),
    "survival": lambda snap, viewer, cohort, start, by, min_count: _survival.curve_and_median(
        snap, start, by, cohort, min_count
    ),
    "peers": lambda snap, viewer, code, n, min_count: _peers.peers(
        snap, code, n, min_count=min_count
    ),
    "peer_codes": lambda snap, viewer, code, n: _peers.peer_codes(snap, code, n),
    "expected_exit": lambda snap, viewer, cohort, by, min_count: _expected.expected_exit(
        snap, by=by, cohort=cohort, min_count=min_count
    ),
    "expected_placement": lambda snap, viewer, cohort, by, min_count: _expected.expected_placement(
        snap, by=by, cohort=cohort, min_count=min_count
    ),
    "state_caseload": lambda snap, viewer, month, municipalities, cohort, min_count: (
        state_caseload_before(snap, month, municipalities, cohort, min_count)
    ),
    "state_caseload_table": lambda snap, viewer, month, units, cohort, min_count: (
        state_caseload_table(snap, month, units, cohort, min_count)
    ),
    "payments_audit": lambda snap, viewer, by, period, municipalities: _money.payments_audit(
        snap, by, period, municipalities
    ),
    "flagged_payments": lambda snap, viewer, period, municipalities: _money.flagged_payments(
        snap, period, municipalities
    ),
    "provider_ratings": lambda snap, viewer, cohort, period, min_count: (
        _expected.expected_placement(
            snap, period=period, by="provider_id", cohort=cohort, min_count=min_count
        )
    ),
}


# The statistics' results, kept per snapshot and arguments (issue 18). They do not depend on
# the viewer (the viewer's rule below narrows or refuses a result; it never changes one), and
# their disclosure control is their own (min_count is one of the arguments), so one result
# serves every viewer and session of the process; the start-up warm-up (lib/web/warmup.py)
# makes the default pages' ones. Frames and tuples of frames only (a list could be changed by
# its reader); 64 results at most (the largest, a national survival curve, is a few MB).
KEPT_RESULTS = (
    "effect",
    "event_study",
    "placement_effect",
    "survival",
    "peers",
    "expected_exit",
    "expected_placement",
    "provider_ratings",
)
_RESULTS = PerSnapshot(kept=64)


def _kept(kind: str, fn: Callable) -> Callable:
    def read(snap, viewer, *args):
        try:
            hash(args)
        except TypeError:  # an argument that cannot key a cache: computed as it is
            return fn(snap, viewer, *args)
        return _RESULTS.get(snap, (kind, args), lambda: fn(snap, viewer, *args))

    return read


for _kind in KEPT_RESULTS:
    FIGURES[_kind] = _kept(_kind, FIGURES[_kind])

# ---------------------------------------------------------------------------------------------
# The statistics for a municipal viewer
#
# The same spirit as the indicator rule: a figure about a whole area (or the whole trial) for
# everyone is headline and answered for every area; a figure for a group or a person filter, by
# municipality or by provider is detail and answered only for their own places (the rows of
# other places left out, or refused when the figure cannot be limited to them). Written on the
# Data and definitions page (lib/figures/definitions.py).


def _plain(cohort: Cohort) -> bool:
    return not cohort.groups and not cohort.where


def _own_rows(frame: pl.DataFrame, column: str, own: set[str]) -> pl.DataFrame:
    return frame.filter(pl.col(column).cast(pl.String).is_in(sorted(own)))


def _limited_effect(snap, viewer, own, cohort, by, *args, kind="effect"):
    if _plain(cohort):
        return FIGURES[kind](snap, viewer, cohort, by, *args)
    if by == "trial_area_id" and own.areas:
        return _own_rows(FIGURES[kind](snap, viewer, cohort, by, *args), "trial_area_id", own.areas)
    raise Refused(
        "The effect for a group or a person filter is shown for your own areas only: break it "
        f"down by trial area ({own.describe()} are yours).",
        key="effect",
        places=own.describe(),
    )


def _limited_placement_effect(snap, viewer, own, cohort, by, days, min_count):
    """The effect on placement follows the effect's rule (a whole area or the whole trial for
    everyone is headline; a group or a person filter for their own areas only)."""
    return _limited_effect(snap, viewer, own, cohort, by, days, min_count, kind="placement_effect")


def _limited_event_study(snap, viewer, own, cohort, area, min_count):
    if _plain(cohort) or area in own.areas:
        return FIGURES["event_study"](snap, viewer, cohort, area, min_count)
    raise Refused(
        "The effect month by month for a group or a person filter is shown for your own areas "
        f"only: choose one of your areas ({own.describe()}).",
        key="event_study",
        places=own.describe(),
    )


def _limited_survival(snap, viewer, own, cohort, start, by, min_count):
    mine = {"municipality_code": own.municipalities, "trial_area_id": own.areas}.get(by)
    if not mine:
        raise Refused(
            "Time to employment is shown to a municipal user for their own places only: break "
            f"it down by trial area or municipality ({own.describe()} are yours).",
            key="survival",
            places=own.describe(),
        )
    curve, median = FIGURES["survival"](snap, viewer, cohort, start, by, min_count)
    return _own_rows(curve, "stratum", mine), _own_rows(median, "stratum", mine)


# The peers' own register figures; the rest (name, region, distance, population) is public.
PEER_FIGURES = ("unemployed", "unemployment_rate", "long_term_share", "foreign_share")


def _limited_peers(snap, viewer, own, code, n, min_count):
    _own_municipality(own, code)
    out = FIGURES["peers"](snap, viewer, code, n, min_count)
    other = ~pl.col("municipality_code").is_in(sorted(own.municipalities))
    cols = [c for c in PEER_FIGURES if c in out.columns]
    return out.with_columns(
        *[pl.when(other).then(None).otherwise(pl.col(c)).alias(c) for c in cols],
        (pl.col("suppressed") | other).alias("suppressed"),
    )


def _limited_peer_codes(snap, viewer, own, code, n):
    _own_municipality(own, code)
    return FIGURES["peer_codes"](snap, viewer, code, n)


def _own_municipality(own, code):
    if code not in own.municipalities:
        mine = ", ".join(sorted(own.municipalities)) or "yours"
        raise Refused(
            f"Peers are shown for your own municipalities only: choose one of {mine}.",
            key="peers",
            municipalities=mine,
        )


def _limited_expected(kind):
    def read(snap, viewer, own, cohort, by, min_count):
        if by == "trial_area_id" and _plain(cohort):
            return FIGURES[kind](snap, viewer, cohort, by, min_count)
        mine = {"municipality_code": own.municipalities, "trial_area_id": own.areas}.get(by)
        if not mine:
            raise Refused(
                "Actual against expected is shown to a municipal user per trial area, or for a "
                f"group or by municipality for their own places only ({own.describe()}); not "
                "by provider.",
                key="expected",
                places=own.describe(),
            )
        return _own_rows(FIGURES[kind](snap, viewer, cohort, by, min_count), by, mine)

    return read


def _state_caseload_allowed(own, municipalities, cohort) -> bool:
    asked = set(municipalities)
    whole_areas = set().union(*[ms for ms in own.areas_of.values() if ms <= asked])
    return asked <= own.municipalities or (_plain(cohort) and bool(asked) and asked == whole_areas)


def _limited_state_caseload(snap, viewer, own, month, municipalities, cohort, min_count):
    if _state_caseload_allowed(own, municipalities, cohort):
        return FIGURES["state_caseload"](snap, viewer, month, municipalities, cohort, min_count)
    raise Refused(
        "The state office's caseload is shown for whole trial areas, or for a group or single "
        f"municipalities of your own places only ({own.describe()}).",
        key="state_caseload",
        places=own.describe(),
    )


def _limited_state_caseload_table(snap, viewer, own, month, units, cohort, min_count):
    """Per unit the same rule as the whole: the units the user may not see are left out."""
    allowed = tuple(u for u in units if _state_caseload_allowed(own, u[1], cohort))
    return FIGURES["state_caseload_table"](snap, viewer, month, allowed, cohort, min_count)


def _limited_payments_audit(snap, viewer, own, by, period, municipalities):
    mine = own.municipalities & set(municipalities or own.municipalities)
    if not mine:
        raise Refused(
            "The payments audit is shown to a municipal user for their own places only "
            f"({own.describe()}).",
            key="payments_audit",
            places=own.describe(),
        )
    return FIGURES["payments_audit"](snap, viewer, by, period, tuple(sorted(mine)))


def _limited_provider_ratings(snap, viewer, own, cohort, period, min_count):
    raise Refused(
        "Provider ratings cover every municipality a provider serves, so they are shown to "
        "ministry, evaluator and admin users only; your own places' costs and placements are on "
        "the Money page.",
        key="provider_ratings",
    )


LIMITED: dict[str, Callable] = {
    "payments_audit": _limited_payments_audit,
    "provider_ratings": _limited_provider_ratings,
    "effect": _limited_effect,
    "placement_effect": _limited_placement_effect,
    "event_study": _limited_event_study,
    "survival": _limited_survival,
    "peers": _limited_peers,
    "peer_codes": _limited_peer_codes,
    "expected_exit": _limited_expected("expected_exit"),
    "expected_placement": _limited_expected("expected_placement"),
    "state_caseload": _limited_state_caseload,
    "state_caseload_table": _limited_state_caseload_table,
}


# The figures whose last argument is their disclosure threshold: every kept statistic, and the
# state caseload's tables (thresholded too, but read per page rather than kept).
MIN_COUNT_LAST = (*KEPT_RESULTS, "state_caseload", "state_caseload_table")


def read_figure(snap: Snapshot, viewer: Viewer, kind: str, *args):
    """The one place every figure is read: the viewer's rule, then the figure."""
    permit(viewer, kind)
    if kind in MIN_COUNT_LAST:
        _min_count_rule(viewer, args[-1])
    if kind in ("facts", "indicator") or not is_limited(viewer):
        return FIGURES[kind](snap, viewer, *args)
    if kind not in LIMITED:
        raise Refused(f"'{kind}' is not available to {viewer.name}.")
    return LIMITED[kind](snap, viewer, _Own(viewer, snap.municipalities), *args)


class Reader:
    """Every figure a person can see, read for one viewer.

    source: a `Source` (the web layer's cached batch), a db URL or None (the settings' store:
    the command line), or a snapshot (tests and benchmarks). The snapshot is loaded on the
    first read. Every read goes through `figure`, the one place the viewer's rule is applied
    (and the one place lib/web/data.py's cached reader hooks into).
    """

    def __init__(self, viewer: Viewer, source: Source | Snapshot | str | None = None):
        if not isinstance(viewer, Viewer):
            raise TypeError(f"a Reader names its viewer (a Viewer), not {viewer!r}")
        self.viewer = viewer
        self._source = source

    def _snapshot(self) -> Snapshot:
        if isinstance(self._source, Source):
            return self._source._snap
        if isinstance(self._source, Snapshot):
            return self._source
        self._source = open_source(self._source)
        return self._source._snap

    def figure(self, kind: str, *args):
        """The figure of this kind (a key of FIGURES) for these arguments, if the viewer may
        see it: the one place every read passes."""
        return read_figure(self._snapshot(), self.viewer, kind, *args)

    # --- reference facts and indicators --------------------------------------------------

    def facts(self) -> Facts:
        """The trials, areas, municipalities and providers, the months and the as-of date."""
        return self.figure("facts")

    def indicator(self, query: Query) -> pl.DataFrame:
        """The indicator table: the same numbers the dashboard and the command line show."""
        return self.figure("indicator", query)

    def indicators(self, queries: list[Query]) -> list[pl.DataFrame | None]:
        """Several indicator tables; None for a query the extract cannot answer."""
        out = []
        for query in queries:
            try:
                out.append(self.indicator(query))
            except IndicatorError:
                out.append(None)
        return out

    def prefetch(self, queries: list[Query]) -> None:
        """Read these queries ahead of time where that saves time (a cached reader reads them
        side by side); nothing to gain without a cache."""

    # --- the statistics --------------------------------------------------------------------

    def effect(
        self, cohort: Cohort = EVERYONE, by: str | None = None, min_count: int = 5
    ) -> pl.DataFrame:
        """The trial effect on the exit rate: one row, or one per trial area (person-months
        perturbed, an estimate with a side under min_count left out)."""
        return self.figure("effect", cohort, by, min_count)

    def placement_effect(
        self,
        cohort: Cohort = EVERYONE,
        by: str | None = None,
        days: int = 90,
        min_count: int = 5,
    ) -> pl.DataFrame:
        """The trial effect on placement at `days` days with each side's before and after
        means (a mean over fewer than min_count episodes left out): one row, or one per area."""
        return self.figure("placement_effect", cohort, by, days, min_count)

    def event_study(
        self, cohort: Cohort = EVERYONE, area: str | None = None, min_count: int = 5
    ) -> pl.DataFrame:
        """The effect month by month around the start, for the trial or one trial area."""
        return self.figure("event_study", cohort, area, min_count)

    def survival(
        self,
        cohort: Cohort = EVERYONE,
        start: str = "coaching",
        by: str | None = "trial_or_comparison",
        min_count: int = 5,
    ) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Time to employment: the Kaplan-Meier curves and the medians per stratum."""
        return self.figure("survival", cohort, start, by, min_count)

    def peers(self, municipality_code: str, n: int = 5, min_count: int = 5) -> pl.DataFrame:
        """The n municipalities most similar to this one, nearest first."""
        return self.figure("peers", municipality_code, n, min_count)

    def peer_codes(self, municipality_code: str, n: int = 5) -> list[str]:
        """The codes of those peers (the Compare page's default peer set)."""
        return self.figure("peer_codes", municipality_code, n)

    def expected_exit(
        self, cohort: Cohort = EVERYONE, by: str = "trial_area_id", min_count: int = 5
    ) -> pl.DataFrame:
        """The exit rate, actual against expected, per `by` unit."""
        return self.figure("expected_exit", cohort, by, min_count)

    def expected_placement(
        self, cohort: Cohort = EVERYONE, by: str = "provider_id", min_count: int = 5
    ) -> pl.DataFrame:
        """Placement at 90 days, actual against expected, per `by` unit."""
        return self.figure("expected_placement", cohort, by, min_count)

    def state_caseload(
        self,
        month: str,
        municipalities: tuple[str, ...],
        cohort: Cohort = EVERYONE,
        min_count: int = 5,
    ) -> tuple[float | None, bool]:
        """(number, suppressed): job seekers served by the state office in these
        municipalities at the end of the month before `month`."""
        return self.figure("state_caseload", month, tuple(municipalities), cohort, min_count)

    def state_caseload_table(
        self,
        month: str,
        units: tuple[tuple[str, tuple[str, ...]], ...],
        cohort: Cohort = EVERYONE,
        min_count: int = 5,
    ) -> pl.DataFrame:
        """unit, value, suppressed: the same per unit (an id and its municipalities); a
        municipal user's units they may not see are left out."""
        units = tuple((u, tuple(ms)) for u, ms in units)
        return self.figure("state_caseload_table", month, units, cohort, min_count)

    # --- money (issue 19) -----------------------------------------------------------------

    def payments_audit(
        self,
        by: tuple[str, ...] = ("provider_id", "month"),
        period: tuple[str | None, str | None] | None = None,
        municipalities: tuple[str, ...] | None = None,
    ) -> pl.DataFrame:
        """Payments and the unsupported ones per provider and month: counts, amounts, share,
        reasons (lib/engine/money.py); `municipalities`: only payments placed there."""
        return self.figure("payments_audit", tuple(by), period, municipalities)

    def flagged_payments(
        self,
        period: tuple[str | None, str | None] | None = None,
        municipalities: tuple[str, ...] | None = None,
    ) -> pl.DataFrame:
        """The unsupported payments one by one (no person identifiers): ministry and admin."""
        return self.figure("flagged_payments", period, municipalities)

    def provider_ratings(
        self,
        cohort: Cohort = EVERYONE,
        period: tuple[str | None, str | None] | None = None,
        min_count: int = 5,
    ) -> pl.DataFrame:
        """Placement at 90 days per provider, actual against expected given the participants'
        starting position, rated from 18 episodes ending in the period."""
        return self.figure("provider_ratings", cohort, period, min_count)


# What the statistics say about their methods and results, for the pages (no reads).
pre_trend = _effect.pre_trend
PreTrend = _effect.PreTrend


def default_query(indicator: str, **kw) -> Query:
    """A query with the deployment's settings (threshold, youth age, weekly contacts)."""
    s = get_settings()
    base = Query(
        indicator, min_count=s.min_count, youth_age=s.youth_age, weekly_contacts=s.weekly_contacts
    )
    return replace(base, **kw)
