"""Every indicator as a pure Polars function of the analytic snapshot.

`compute(snapshot, query)` is the one implementation behind the dashboard, the CLI and the
exports. The pipeline: the indicator's unit rows (person-months, events or episodes), the
query's filters and groups, aggregation to the requested dimensions, the full grid of cells
(zeros included) with each cell's key, then disclosure control (lib/engine/disclosure.py):
the counts of persons perturbed by their cell keys, then the threshold.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import polars as pl

from lib.engine.disclosure import (
    MISSING_KEY_MESSAGE,
    DisclosureKeyMissing,
    apply_disclosure_control,
    perturbed,
)
from lib.engine.errors import FigureError, FigureUnavailable
from lib.engine.months import month_index, month_label_expr, quarter_label_expr
from lib.engine.snapshot import PLACEMENT_DAYS, UNKNOWN_MUNICIPALITY, Snapshot
from lib.register.contract import CLIENT_FACING_ROLES

TIME_DIMS = ("month", "quarter", "year")
GEO_DIMS = ("municipality_code", "trial_area_id", "region", "trial_or_comparison")
PERSON_DIMS = ("gender", "age_band", "language", "education")
STAFF_DIMS = ("role", "origin")
CONTRACT_DIMS = TIME_DIMS + GEO_DIMS + PERSON_DIMS
ALL_DIMS = CONTRACT_DIMS + STAFF_DIMS + ("provider_id",)
DEFAULT_BY = ("municipality_code", "month")

OLDER_AGE = 55
AGE_BANDS = ("<25", "25-34", "35-44", "45-54", "55+")

# The dimensions an indicator can be broken down by, by what its units are.
PLACE_TIME_DIMS = TIME_DIMS + GEO_DIMS
PERSON_LEVEL_DIMS = PLACE_TIME_DIMS + PERSON_DIMS
EPISODE_DIMS = PERSON_LEVEL_DIMS + ("provider_id",)
PAYMENT_DIMS = PLACE_TIME_DIMS + ("provider_id",)
STAFF_LEVEL_DIMS = PLACE_TIME_DIMS + STAFF_DIMS
PERSON_SOURCES = ("panel", "events", "episodes", "costs")  # sources whose units are persons


@dataclass(frozen=True, kw_only=True)
class Group:
    """A group of persons of the contract, evaluated on each unit row's evaluation day.

    Held by the snapshot as a boolean `column`, or an age rule: under the youth-age setting
    (`below_youth_age`), or `min_age` or over.
    """

    id: str
    definition: str
    column: str | None = None
    below_youth_age: bool = False
    min_age: int | None = None

    def expr(self, youth_age: int) -> pl.Expr:
        """The rows of persons in the group (null where unknown)."""
        if self.column is not None:
            return pl.col(self.column)
        if self.below_youth_age:
            return pl.col("age") < youth_age
        return pl.col("age") >= self.min_age


GROUPS: dict[str, Group] = {
    g.id: g
    for g in [
        Group(
            id="long_term_unemployed",
            column="long_term",
            definition="The unemployment duration is at least 365 days on the evaluation day. "
            "For a person unemployed that day it is the age of the current continuous "
            "unemployment spell (back-to-back spells counted as one); for a person in services "
            "or subsidised employment, the duration they entered them with, which does not grow "
            "while they are in them. So the activated long-term unemployed count too.",
        ),
        Group(
            id="very_long_term_unemployed",
            column="very_long_term",
            definition="The unemployment duration (as for the long-term unemployed) is at least "
            "730 days.",
        ),
        Group(
            id="repeatedly_unemployed",
            column="repeated",
            definition="Not long-term unemployed, unemployed or in services or subsidised "
            "employment on the evaluation day, and at least 365 days unemployed in the 487 days "
            "ending on it (days in services do not count).",
        ),
        Group(
            id="youth",
            below_youth_age=True,
            definition="Age (the evaluation day's year minus birth year) under 25 (a setting: 25 "
            "or 30).",
        ),
        Group(id="older", min_age=OLDER_AGE, definition="Age 55 or over."),
        Group(
            id="foreign",
            column="foreign",
            definition="Not a Finnish citizen (foreign_citizen in the extract).",
        ),
        Group(
            id="reduced_work_capacity",
            column="reduced_work_capacity",
            definition="Reduced work capacity recorded.",
        ),
        Group(
            id="newly_arrived",
            column="newly_arrived",
            definition="Foreign citizen first registered within the 1,095 days ending on the "
            "evaluation day.",
        ),
    ]
}


class IndicatorError(FigureError):
    """A query that cannot be answered, with a message that says why and what to do."""


@dataclass(frozen=True, kw_only=True)
class Indicator:
    """One indicator of the catalogue: what it is, and the rules that make its unit rows."""

    id: str
    label: str
    unit: str  # persons | % | FTE | clients per FTE | contacts | contacts per client | EUR
    kind: str  # count | rate (x100) | ratio
    aggregation: str  # flow (sum) | stock (mean of month ends) | running (value at period end)
    source: str  # panel | events | episodes | costs | payments | staff | employer
    scope: str  # trial: trial municipalities | all: every municipality
    disclosure: str | None  # value | denominator | numerator | None
    definition: str
    evaluation_day: str = "-"
    needs: tuple[str, ...] = ()  # the optional extract tables it reads
    dims: tuple[str, ...] = PLACE_TIME_DIMS  # the dimensions it can be broken down by
    # Row rules (see the unit-row functions below), by source:
    # panel: which person-months are its units, and what each adds to the numerator
    units: str | None = None  # caseload | unemployed | unemployed_or_active
    numerator: str = "one"  # one | active | employed_next | any_contact | weekly_contact | contacts
    lag: int = 0  # months from a unit row to the month it counts in (exit_rate: the next)
    # events: the event kind, and the initial transfer only (True), later ones only (False)
    event: str | None = None
    initial: bool | None = None
    # episodes: the status `days` after the episode's end that counts
    days: int | None = None
    outcome: str | None = None
    # staff: the roles whose FTE divides the caseload (clients_per_fte); none: the FTE itself
    fte_roles: tuple[str, ...] = ()
    # payments: only the unsupported ones (True); costs: per placement at `days` (else per
    # participant)
    unsupported_only: bool = False

    @property
    def per_person(self) -> bool:
        """Counted per person: groups and person dimensions apply."""
        return self.source in PERSON_SOURCES

    @property
    def perturbed(self) -> tuple[str, ...]:
        """Which of num and den are counts of persons (or of their episodes), perturbed by the
        cell-key method; money, FTE and coaching contacts are not."""
        if self.disclosure is None:
            return ()
        if self.kind == "count":
            return ("num",)
        if self.kind == "rate":
            return ("num", "den")
        # ratios: clients per FTE counts persons over FTE; contacts and money over persons
        return ("num",) if self.source == "staff" else ("den",)


INDICATORS: dict[str, Indicator] = {
    i.id: i
    for i in [
        Indicator(
            id="active_caseload",
            label="Active caseload",
            unit="persons",
            kind="count",
            aggregation="stock",
            source="panel",
            units="caseload",
            scope="trial",
            disclosure="value",
            dims=PERSON_LEVEL_DIMS,
            definition="Persons in the trial (an open municipal responsibility spell) in the "
            "municipality on the month's last day. Over a quarter or year: the mean of the "
            "month-end counts.",
            evaluation_day="the month's last day",
        ),
        Indicator(
            id="transfers_in",
            label="Transfers in",
            unit="persons",
            kind="count",
            aggregation="flow",
            source="events",
            event="transfer_in",
            scope="trial",
            disclosure="value",
            dims=PERSON_LEVEL_DIMS,
            definition="Municipal responsibility spells starting in the month whose person's "
            "previous spell was with the state and ended the day before (the initial transfer "
            "included).",
            evaluation_day="the day before the spell starts",
        ),
        Indicator(
            id="initial_transfer",
            label="Initial transfer",
            unit="persons",
            kind="count",
            aggregation="flow",
            source="events",
            event="transfer_in",
            initial=True,
            scope="trial",
            disclosure="value",
            dims=PERSON_LEVEL_DIMS,
            definition="Transfers in that start on the trial's start date (the mass transfer).",
            evaluation_day="the day before the spell starts",
        ),
        Indicator(
            id="later_transfers_in",
            label="Later transfers in",
            unit="persons",
            kind="count",
            aggregation="flow",
            source="events",
            event="transfer_in",
            initial=False,
            scope="trial",
            disclosure="value",
            dims=PERSON_LEVEL_DIMS,
            definition="Transfers in that start after the trial's start date.",
            evaluation_day="the day before the spell starts",
        ),
        Indicator(
            id="transfers_out",
            label="Transfers out",
            unit="persons",
            kind="count",
            aggregation="flow",
            source="events",
            event="transfer_out",
            scope="trial",
            disclosure="value",
            dims=PERSON_LEVEL_DIMS,
            definition="Municipal responsibility spells ending in the month that are followed by "
            "a state spell starting the next day (moved out of the trial area, or the trial "
            "ended).",
            evaluation_day="the municipal spell's last day",
        ),
        Indicator(
            id="new_clients",
            label="New clients",
            unit="persons",
            kind="count",
            aggregation="flow",
            source="events",
            event="new_client",
            scope="trial",
            disclosure="value",
            dims=PERSON_LEVEL_DIMS,
            definition="Municipal responsibility spells starting in the month with no state spell "
            "ending the day before (new registrations, returns after a gap, moves between trial "
            "areas).",
            evaluation_day="the day before the spell starts",
        ),
        Indicator(
            id="cumulative_transferred",
            label="Cumulative transferred",
            unit="persons",
            kind="count",
            aggregation="running",
            source="events",
            event="transfer_in",
            scope="trial",
            disclosure="value",
            dims=PERSON_LEVEL_DIMS,
            definition="Transfers in since the trial's start up to the end of the month (or "
            "period): the initial transfer and the later transfers in together. Not a measure "
            "of the plan, which only the initial transfer is set against (the Caseload page).",
            evaluation_day="the day before the spell starts",
        ),
        Indicator(
            id="unemployed",
            label="Unemployed job seekers",
            unit="persons",
            kind="count",
            aggregation="stock",
            source="panel",
            units="unemployed",
            scope="all",
            disclosure="value",
            dims=PERSON_LEVEL_DIMS,
            definition="Persons unemployed on the month's last day, in the municipality of their "
            "responsibility spell (state or municipal). Over a period: mean of month ends.",
            evaluation_day="the month's last day",
        ),
        Indicator(
            id="exit_rate",
            label="Exit to employment rate",
            unit="%",
            kind="rate",
            aggregation="flow",
            source="panel",
            units="unemployed",
            numerator="employed_next",
            lag=1,
            scope="all",
            disclosure="denominator",
            dims=PERSON_LEVEL_DIMS,
            definition="100 x (of those unemployed on the last day of the previous month, how "
            "many start an employed spell in the month) / (those unemployed on the last day of "
            "the previous month). Over a period: person-months pooled.",
            evaluation_day="the last day of the previous month",
        ),
        *[
            Indicator(
                id=f"placement_rate_{d}",
                label=f"Placement at {d} days",
                unit="%",
                kind="rate",
                aggregation="flow",
                source="episodes",
                days=d,
                outcome="employed",
                scope="all",
                disclosure="denominator",
                dims=EPISODE_DIMS,
                definition=f"Of coaching episodes ending in the month, the share employed (open "
                f"labour market) {d} days after the end date. Episodes whose end date + {d} days "
                f"is after the as-of date are left out. Subsidised employment is reported beside "
                f"it.",
                evaluation_day="the day before the episode's start date (municipality as of that "
                "day)",
                needs=("service_episodes",),
            )
            for d in PLACEMENT_DAYS
        ],
        *[
            Indicator(
                id=f"placement_subsidised_{d}",
                label=f"In subsidised employment at {d} days",
                unit="%",
                kind="rate",
                aggregation="flow",
                source="episodes",
                days=d,
                outcome="subsidised_employment",
                scope="all",
                disclosure="denominator",
                dims=EPISODE_DIMS,
                definition=f"Of coaching episodes ending in the month, the share in subsidised "
                f"employment {d} days after the end date (shown beside placement, never added to "
                f"it).",
                evaluation_day="the day before the episode's start date (municipality as of that "
                "day)",
                needs=("service_episodes",),
            )
            for d in PLACEMENT_DAYS
        ],
        Indicator(
            id="activation_rate",
            label="Activation rate",
            unit="%",
            kind="rate",
            aggregation="stock",
            source="panel",
            units="unemployed_or_active",
            numerator="active",
            scope="all",
            disclosure="denominator",
            dims=PERSON_LEVEL_DIMS,
            definition="100 x persons in services or subsidised employment / persons unemployed, "
            "in services or in subsidised employment, on the month's last day.",
            evaluation_day="the month's last day",
        ),
        Indicator(
            id="staff_fte",
            label="Staff FTE",
            unit="FTE",
            kind="count",
            aggregation="stock",
            source="staff",
            scope="trial",
            disclosure=None,
            dims=STAFF_LEVEL_DIMS,
            definition="Sum of full-time equivalents of the municipality's employment-service "
            "staff in the month, by role and origin. Over a period: mean of the months.",
            evaluation_day="-",
            needs=("staff_months",),
        ),
        Indicator(
            id="clients_per_fte",
            label="Clients per client-facing FTE",
            unit="clients per FTE",
            kind="ratio",
            aggregation="stock",
            source="staff",
            fte_roles=CLIENT_FACING_ROLES,
            scope="trial",
            disclosure="numerator",
            definition="Active caseload / FTE of roles coach and advisor, on the month's last day.",
            evaluation_day="the month's last day",
            needs=("staff_months",),
        ),
        Indicator(
            id="contact_rate",
            label="Contact rate",
            unit="%",
            kind="rate",
            aggregation="stock",
            source="panel",
            units="caseload",
            numerator="any_contact",
            scope="trial",
            disclosure="denominator",
            dims=PERSON_LEVEL_DIMS,
            definition="Share (%) of the active caseload with at least one coaching contact in "
            "the month.",
            evaluation_day="the month's last day",
            needs=("client_contacts",),
        ),
        Indicator(
            id="weekly_contact_rate",
            label="Weekly contact rate",
            unit="%",
            kind="rate",
            aggregation="stock",
            source="panel",
            units="caseload",
            numerator="weekly_contact",
            scope="trial",
            disclosure="denominator",
            dims=PERSON_LEVEL_DIMS,
            definition="Share (%) of the active caseload with at least the weekly-contact number "
            "of coaching contacts in the month (4 by default: about one a week).",
            evaluation_day="the month's last day",
            needs=("client_contacts",),
        ),
        Indicator(
            id="contacts_per_client",
            label="Coaching contacts per client",
            unit="contacts per client",
            kind="ratio",
            aggregation="stock",
            source="panel",
            units="caseload",
            numerator="contacts",
            scope="trial",
            disclosure="denominator",
            dims=PERSON_LEVEL_DIMS,
            definition="Coaching contacts in the month / active caseload on the month's last day.",
            evaluation_day="the month's last day",
            needs=("client_contacts",),
        ),
        Indicator(
            id="employer_contacts",
            label="Employer contacts",
            unit="contacts",
            kind="count",
            aggregation="flow",
            source="employer",
            scope="trial",
            disclosure=None,
            definition="Contacts with employers made by the municipality's employment service in "
            "the month.",
            evaluation_day="-",
            needs=("employer_contacts",),
        ),
        Indicator(
            id="payments_amount",
            label="Payments to providers",
            unit="EUR",
            kind="count",
            aggregation="flow",
            source="payments",
            scope="all",
            disclosure=None,
            dims=PAYMENT_DIMS,
            definition="Sum of the amounts of payments to providers paid in the month, in the "
            "extract's currency. Municipality: the paid person's responsibility spell on the "
            "payment day; a payment without an episode: its provider's municipality if the "
            "provider is municipal, else 'unknown'. Amounts paid to providers are not counts of "
            "persons and are shown as paid.",
            evaluation_day="the payment day",
            needs=("payments",),
        ),
        Indicator(
            id="cost_per_participant",
            label="Cost per participant",
            unit="EUR",
            kind="ratio",
            aggregation="flow",
            source="costs",
            scope="all",
            disclosure="denominator",
            dims=EPISODE_DIMS,
            definition="Of coaching episodes ending in the month that have at least one "
            "payment, the sum of their payments / their number (the denominator). Suppressed "
            "where fewer episodes than the disclosure threshold lie behind it.",
            evaluation_day="the day before the episode's start date (municipality as of that day)",
            needs=("service_episodes", "payments"),
        ),
        Indicator(
            id="cost_per_placement",
            label="Cost per placement at 90 days",
            unit="EUR",
            kind="ratio",
            aggregation="flow",
            source="costs",
            days=90,
            outcome="employed",
            scope="all",
            disclosure="denominator",
            dims=EPISODE_DIMS,
            definition="Of coaching episodes ending in the month that have at least one payment, "
            "the sum of their payments / how many of their persons are employed 90 days after "
            "the end date (the denominator). Episodes whose end date + 90 days is after the "
            "as-of date are left out. Suppressed where fewer placements than the disclosure "
            "threshold lie behind it.",
            evaluation_day="the day before the episode's start date (municipality as of that day)",
            needs=("service_episodes", "payments"),
        ),
        Indicator(
            id="unsupported_payments",
            label="Payments without delivered coaching",
            unit="EUR",
            kind="count",
            aggregation="flow",
            source="payments",
            unsupported_only=True,
            scope="all",
            disclosure=None,
            dims=PAYMENT_DIMS,
            definition="Sum of the amounts of payments paid in the month that have no delivered "
            "coaching behind them: no episode, an episode that starts after the payment day, or "
            "(where client contacts are loaded) an episode whose person has no coaching contact "
            "in any month the episode covers. Municipality as for payments to providers.",
            evaluation_day="the payment day",
            needs=("payments",),
        ),
    ]
}
CONTRACT_INDICATORS = (
    "active_caseload",
    "transfers_in",
    "transfers_out",
    "new_clients",
    "unemployed",
    "exit_rate",
    "placement_rate_14",
    "placement_rate_90",
    "placement_rate_180",
    "activation_rate",
    "staff_fte",
    "clients_per_fte",
    "contact_rate",
    "payments_amount",
    "cost_per_participant",
    "cost_per_placement",
    "unsupported_payments",
)


@dataclass(frozen=True)
class Query:
    """What to compute. Frozen and hashable, so it can key a cache."""

    indicator: str
    by: tuple[str, ...] = DEFAULT_BY
    groups: tuple[str, ...] = ()
    match: str = "all"
    month_from: str | None = None
    month_to: str | None = None
    min_count: int = 5
    # extra filters: (dimension, allowed values) pairs
    where: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())
    youth_age: int = 25
    weekly_contacts: int = 4
    service_type: str = "coaching"

    def with_where(self, dim: str, values) -> Query:
        rest = tuple((d, v) for d, v in self.where if d != dim)
        return replace(self, where=rest + ((dim, tuple(values)),))


# --------------------------------------------------------------------------------------------
# Validation


def validate(snap: Snapshot, q: Query) -> Indicator:
    if q.indicator not in INDICATORS:
        raise IndicatorError(
            f"Unknown indicator '{q.indicator}'. Choose one of: {', '.join(INDICATORS)}."
        )
    ind = INDICATORS[q.indicator]
    for dim in q.by:
        if dim not in ALL_DIMS:
            raise IndicatorError(
                f"Unknown dimension '{dim}' in --by. Choose from: {', '.join(CONTRACT_DIMS)}."
            )
    if len(set(q.by)) != len(q.by):
        raise IndicatorError("A dimension is named twice in --by.")
    if len(set(q.by) & set(TIME_DIMS)) > 1:
        raise IndicatorError("Use at most one of month, quarter, year in --by.")
    for dim, _ in q.where:
        if dim in TIME_DIMS:
            raise IndicatorError(f"Filter on '{dim}' with --from and --to, not --where.")
        if dim not in ALL_DIMS:
            raise IndicatorError(
                f"Unknown dimension '{dim}' in --where. Choose from: {', '.join(ALL_DIMS)}."
            )
    for dim in [*q.by, *(d for d, _ in q.where)]:
        if dim in ind.dims:
            continue
        if dim in PERSON_DIMS:
            raise IndicatorError(
                f"'{dim}' does not apply to {ind.id}: it is not counted per person."
            )
        if dim in STAFF_DIMS:
            raise IndicatorError(f"'{dim}' applies to staff_fte only.")
        if dim == "provider_id":
            raise IndicatorError(
                "'provider_id' applies to the placement and money indicators only."
            )
    validate_groups(q.groups, q.match)
    if q.groups and not ind.per_person:
        raise IndicatorError(f"Groups do not apply to {ind.id}: it is not counted per person.")
    for label in (q.month_from, q.month_to):
        if label is not None:
            _check_month(label)
    if q.month_from and q.month_to and q.month_from > q.month_to:
        raise IndicatorError(f"--from {q.month_from} is after --to {q.month_to}.")
    if q.min_count < 0:
        raise IndicatorError("--min-count must be 0 or more.")
    for table in ind.needs:
        loaded = {
            "service_episodes": snap.episodes.height > 0 or "start" in snap.episodes.columns,
            "staff_months": snap.staff.height > 0,
            "client_contacts": snap.has_client_contacts,
            "employer_contacts": snap.employer_contacts is not None,
            "payments": snap.payments is not None,
        }[table]
        if not loaded:
            raise IndicatorUnavailable(
                f"{ind.label} needs the '{table}' table, which the loaded extract does not have.",
                key="needs_table",
                label=ind.label,
                table=table,
                indicator=ind.id,
            )
    return ind


def validate_groups(groups: tuple[str, ...], match: str) -> None:
    for g in groups:
        if g not in GROUPS:
            raise IndicatorError(f"Unknown group '{g}'. Choose from: {', '.join(GROUPS)}.")
    if match not in ("all", "any"):
        raise IndicatorError("--match must be 'all' or 'any'.")


class IndicatorUnavailable(IndicatorError, FigureUnavailable):
    """The indicator needs an optional table that the extract did not include."""


def _check_month(label: str) -> None:
    import re

    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", label):
        raise IndicatorError(f"'{label}' is not a month: write it as YYYY-MM, e.g. 2021-03.")


# --------------------------------------------------------------------------------------------
# Unit rows per source: columns midx, municipality_code, [person attributes], num, [den]


_ACTIVE = pl.col("status").is_in(["services", "subsidised_employment"])
# Indicator.units: the person-months that are an indicator's units.
PANEL_UNITS = {
    "caseload": pl.col("organisation") == "municipal",
    "unemployed": pl.col("status") == "unemployed",
    "unemployed_or_active": _ACTIVE | (pl.col("status") == "unemployed"),
}


def _panel_numerator(ind: Indicator, q: Query) -> pl.Expr:
    """What one person-month adds to the numerator (Indicator.numerator)."""
    contacts = pl.col("coaching_contacts")
    return {
        "one": pl.lit(1),
        "active": _ACTIVE.cast(pl.Int32),
        "employed_next": pl.col("employed_next").cast(pl.Int32),
        "any_contact": (contacts >= 1).cast(pl.Int32),
        "weekly_contact": (contacts >= q.weekly_contacts).cast(pl.Int32),
        "contacts": contacts,
    }[ind.numerator]


def _person_rows(snap: Snapshot, ind: Indicator, q: Query) -> pl.LazyFrame:
    # lazy, so the indicator's filter runs fused with the query's filters and aggregation
    rows = snap.panel.lazy().filter(PANEL_UNITS[ind.units])
    if ind.lag:
        # the row of month t - lag tells month t's units and outcome (exit_rate: risk set)
        rows = rows.with_columns(midx=pl.col("midx") + ind.lag)
    den = {"den": pl.lit(1)} if ind.kind in ("rate", "ratio") else {}
    rows = rows.with_columns(num=_panel_numerator(ind, q), **den)
    return rows.filter(pl.col("midx") <= snap.last_month) if ind.lag else rows


def _event_rows(snap: Snapshot, ind: Indicator) -> pl.LazyFrame:
    kind = pl.col("kind") == ind.event
    if ind.initial is not None:
        kind = kind & (pl.col("initial") if ind.initial else ~pl.col("initial"))
    return snap.events.lazy().filter(kind).with_columns(num=pl.lit(1))


def _episode_rows(snap: Snapshot, ind: Indicator, q: Query) -> pl.LazyFrame:
    d, target = ind.days, ind.outcome
    ep = snap.episodes.lazy().filter(
        (pl.col("service_type") == q.service_type)
        & pl.col(f"observable_{d}")
        & pl.col("municipality_code").is_not_null()
        & (pl.col("midx") <= snap.last_month)
    )
    return ep.with_columns(
        num=(pl.col(f"status_{d}") == target).fill_null(False).cast(pl.Int32), den=pl.lit(1)
    )


def _payment_rows(snap: Snapshot, ind: Indicator) -> pl.LazyFrame:
    """One row per payment paid by the last complete month: num = its amount."""
    pay = snap.payments.lazy().filter(pl.col("midx") <= snap.last_month)
    if ind.unsupported_only:
        pay = pay.filter(pl.col("unsupported"))
    return pay.with_columns(num=pl.col("amount"))


def _cost_rows(snap: Snapshot, ind: Indicator, q: Query) -> pl.LazyFrame:
    """One row per ended episode of the service type with at least one payment, in the month
    it ended: num = the sum of its payments; den = 1 (per participant) or 1 where its person
    is employed `days` after the end (per placement, observable episodes only)."""
    paid = (
        snap.payments.lazy()
        .filter(pl.col("episode_id").is_not_null())
        .group_by("episode_id")
        .agg(num=pl.col("amount").sum())
    )
    ep = snap.episodes.lazy().filter(
        (pl.col("service_type") == q.service_type)
        & pl.col("end").is_not_null()
        & pl.col("municipality_code").is_not_null()
        & (pl.col("midx") <= snap.last_month)
    )
    ep = ep.join(paid, on="episode_id", how="inner")
    if ind.days is None:
        return ep.with_columns(den=pl.lit(1))
    d = ind.days
    return ep.filter(pl.col(f"observable_{d}")).with_columns(
        den=(pl.col(f"status_{d}") == ind.outcome).fill_null(False).cast(pl.Int32)
    )


def _staff_rows(snap: Snapshot, ind: Indicator) -> pl.DataFrame:
    s = snap.staff.filter(pl.col("midx") <= snap.last_month)
    if not ind.fte_roles:
        return s.with_columns(num=pl.col("fte"))
    # clients_per_fte: caseload and client-facing FTE per municipality-month
    fte = (
        s.filter(pl.col("role").is_in(list(ind.fte_roles)))
        .group_by("municipality_code", "midx")
        .agg(den=pl.col("fte").sum())
    )
    caseload = (
        snap.panel.filter(pl.col("organisation") == "municipal")
        .with_columns(rkey=pl.lit(snap.record_keys()).gather(pl.col("pid")))
        .group_by("municipality_code", "midx")
        .agg(num=pl.len().cast(pl.Float64), nk=pl.col("rkey").sum())
        .with_columns(pl.col("municipality_code").cast(pl.String))  # the panel's: categorical
    )
    return fte.join(
        caseload, on=["municipality_code", "midx"], how="full", coalesce=True
    ).with_columns(
        pl.col("num").fill_null(0.0), pl.col("den").fill_null(0.0), pl.col("nk").fill_null(0)
    )


def _employer_rows(snap: Snapshot) -> pl.DataFrame:
    return snap.employer_contacts.filter(pl.col("midx") <= snap.last_month).with_columns(
        num=pl.col("employer_contacts")
    )


def unit_rows(snap: Snapshot, ind: Indicator, q: Query) -> pl.DataFrame | pl.LazyFrame:
    if ind.source == "panel":
        return _person_rows(snap, ind, q)
    if ind.source == "events":
        return _event_rows(snap, ind)
    if ind.source == "episodes":
        return _episode_rows(snap, ind, q)
    if ind.source == "costs":
        return _cost_rows(snap, ind, q)
    if ind.source == "payments":
        return _payment_rows(snap, ind)
    if ind.source == "staff":
        return _staff_rows(snap, ind)
    return _employer_rows(snap)


# --------------------------------------------------------------------------------------------
# Filters and dimensions


def group_expr(groups: tuple[str, ...], match: str, youth_age: int) -> pl.Expr | None:
    """The person filter for a set of groups, all or any of them."""
    if not groups:
        return None
    exprs = [GROUPS[g].expr(youth_age).fill_null(False) for g in groups]
    return pl.all_horizontal(exprs) if match == "all" else pl.any_horizontal(exprs)


def age_band_expr() -> pl.Expr:
    age = pl.col("age")
    return (
        pl.when(age < 25)
        .then(pl.lit("<25"))
        .when(age < 35)
        .then(pl.lit("25-34"))
        .when(age < 45)
        .then(pl.lit("35-44"))
        .when(age < 55)
        .then(pl.lit("45-54"))
        .otherwise(pl.lit("55+"))
    )


# The person-month panel narrowed to a selection's persons (its groups and person filters), kept
# with the snapshot's other tables (Snapshot.aggregates) for the next queries of the same
# selection: a page reads a dozen indicators for one sidebar selection, and each would otherwise
# scan the whole panel again. The filters compute() applies afterwards are the same, so they
# keep every row: the subset changes the work, never the numbers.
SUBSET_MAX_PANEL_ROWS = 5_000_000  # national panels are not copied (memory)


def panel_subset(snap: Snapshot, q: Query) -> pl.DataFrame:
    """The panel rows the query's groups and person filters keep."""
    panel = snap.panel
    person_where = tuple((d, v) for d, v in q.where if d in PERSON_DIMS)
    if not (q.groups or person_where) or panel.height > SUBSET_MAX_PANEL_ROWS:
        return panel
    groups = (q.groups, q.match, q.youth_age) if q.groups else None

    def make() -> pl.DataFrame:
        preds = []
        g = group_expr(q.groups, q.match, q.youth_age)
        if g is not None:
            preds.append(g)
        for dim, values in person_where:
            col = age_band_expr() if dim == "age_band" else pl.col(dim)
            preds.append(col.cast(pl.String).is_in(list(values)))
        return panel.filter(*preds)

    return snap.aggregates.get(("subset", groups, person_where), make)


# An indicator's numerator and denominator per municipality and month, over every municipality
# and month, kept on the snapshot (Snapshot.aggregates, 256 MB at most) for the next query that
# differs only in its places or period: switching trial areas, municipalities, the
# trial/comparison side or the months then filters a table of municipality-months instead of
# scanning the unit rows again.
# Places and months act on the aggregation's own keys (municipality_code, midx), so filtering
# after aggregating keeps exactly the cells that filtering before it would.


def _per_municipality(snap: Snapshot, ind: Indicator, q: Query, other_by: list[str]):
    """municipality_code, the `other_by` columns, midx, num, den: the indicator's unit rows
    after the query's groups and non-geographic filters, summed, for every place and month."""
    row_where = tuple((d, v) for d, v in q.where if d not in GEO_DIMS)
    key = (ind.id, tuple(other_by), q.groups, q.match, q.youth_age, q.weekly_contacts,
           q.service_type, row_where)  # fmt: skip

    def make() -> pl.DataFrame:
        source = replace(snap, panel=panel_subset(snap, q)) if ind.source == "panel" else snap
        rows = unit_rows(source, ind, q).lazy()
        if ind.source in PERSON_SOURCES:  # each unit's record key, by its person (cell keys)
            rows = rows.with_columns(rkey=pl.lit(snap.record_keys()).gather(pl.col("pid")))
        if "age_band" in other_by or any(d == "age_band" for d, _ in row_where):
            rows = rows.with_columns(age_band=age_band_expr())
        g = group_expr(q.groups, q.match, q.youth_age)
        if g is not None:
            rows = rows.filter(g)
        for dim, values in row_where:
            rows = rows.filter(pl.col(dim).cast(pl.String).is_in(list(values)))
        rate = ind.kind in ("rate", "ratio")
        den = pl.col("den").sum() if rate else pl.lit(0).alias("den")
        # the cell keys: sums of the record keys of the units each of num and den counts
        if ind.source in PERSON_SOURCES:
            rk = pl.col("rkey")
            nk = (rk * pl.col("num").cast(pl.Int64)).sum() if ind.kind != "ratio" else pl.lit(0)
            dk = (rk * pl.col("den").cast(pl.Int64)).sum() if rate else pl.lit(0)
        else:  # clients per FTE: the caseload's keys come with it (_staff_rows)
            nk = pl.col("nk").sum() if ind.fte_roles else pl.lit(0)
            dk = pl.lit(0)
        return (
            rows.group_by("municipality_code", *other_by, "midx")
            .agg(num=pl.col("num").sum(), den=den, nk=nk.cast(pl.Int64), dk=dk.cast(pl.Int64))
            .collect()
            .with_columns(pl.col("municipality_code").cast(pl.String))
        )

    return snap.aggregates.get(key, lambda: snap.on_disk(("per municipality", *key), make))


def _time_columns(midx: pl.Expr) -> dict[str, pl.Expr]:
    return {
        "month": month_label_expr(midx),
        "quarter": quarter_label_expr(midx),
        "year": (midx // 12).cast(pl.Int32),
    }


def _places(snap: Snapshot, where) -> pl.DataFrame:
    """The municipalities (with their geographic dimensions) the where clause's geographic
    filters keep; its other filters are left to the caller."""
    geo = snap.municipalities.select(*GEO_DIMS)
    for dim, values in where:
        if dim in GEO_DIMS:
            geo = geo.filter(pl.col(dim).is_in(list(values)))
    return geo


def _with_unknown(geo: pl.DataFrame, where) -> pl.DataFrame:
    """The places plus "unknown" (payments without a place, see snapshot._payments) in every
    geographic dimension, unless a geographic filter leaves it out."""
    unknown = pl.DataFrame(
        {d: [UNKNOWN_MUNICIPALITY] for d in GEO_DIMS}, schema={d: pl.String for d in GEO_DIMS}
    )
    for dim, values in where:
        unknown = unknown.filter(pl.col(dim).is_in(list(values)))
    return pl.concat([geo.with_columns(pl.col(d).cast(pl.String) for d in GEO_DIMS), unknown])


def _month_range(snap: Snapshot, ind: Indicator, q: Query) -> list[int]:
    first = snap.first_month + ind.lag
    lo = max(first, month_index(q.month_from)) if q.month_from else first
    hi = min(snap.last_month, month_index(q.month_to)) if q.month_to else snap.last_month
    return list(range(lo, hi + 1))


def compute(snap: Snapshot, q: Query) -> pl.DataFrame:
    """The indicator table: the `by` dimensions, value, [numerator, denominator], suppressed.

    With a threshold (min_count > 0) the counts of persons are perturbed (cell-key method,
    lib/engine/disclosure.py) and then the threshold applies; min_count 0 gives exact counts
    (the operator's)."""
    ind = validate(snap, q)
    by = list(q.by)
    cells = _cells(snap, ind, q)
    if q.min_count > 0:
        cells = perturb_cells(snap, ind, cells)
    if ind.aggregation == "stock":  # a mean of month ends: the person-months over the months
        cells = cells.with_columns(num=pl.col("num") / pl.col("n"), den=pl.col("den") / pl.col("n"))
    result = _values(cells.drop("nk", "dk", "n"), ind)
    result = apply_disclosure_control(result, ind.disclosure, q.min_count)
    months = _month_range(snap, ind, q)
    single_months = "month" in by or len(months) == 1
    has_den = ind.kind in ("rate", "ratio")
    return _finish(result, by, ind, has_den, whole=ind.aggregation != "stock" or single_months)


def perturb_cells(snap: Snapshot, ind: Indicator, cells: pl.DataFrame) -> pl.DataFrame:
    """num and den, where they count persons, perturbed by their own cell keys (nk, dk). A
    rate's numerator is kept at most its denominator, so no share is over 100 %."""
    if not ind.perturbed:
        return cells
    if snap.disclosure_key is None:
        raise DisclosureKeyMissing(MISSING_KEY_MESSAGE, key="missing_key")
    out = cells.with_columns(
        **{
            c: perturbed(pl.col(c), pl.col(k)).cast(pl.Float64)
            for c, k in (("num", "nk"), ("den", "dk"))
            if c in ind.perturbed
        }
    )
    if ind.kind == "rate":
        out = out.with_columns(num=pl.min_horizontal("num", "den"))
    return out


def _cells(snap: Snapshot, ind: Indicator, q: Query) -> pl.DataFrame:
    """Every cell of the table (zeros included): the `by` dimensions, num, den (totals over the
    cell's units: person-months for a stock), nk, dk (their cell keys, unreduced sums of record
    keys) and n (the months a stock's totals are a mean over; 1 otherwise). Kept with the
    snapshot's aggregates, for the next query with another threshold."""
    # The threshold does not change the cells; the query without it is the key.
    key = ("cells", replace(q, min_count=0))
    return snap.aggregates.get(key, lambda: _make_cells(snap, ind, q))


def _make_cells(snap: Snapshot, ind: Indicator, q: Query) -> pl.DataFrame:
    months = _month_range(snap, ind, q)
    by = list(q.by)
    time_dim = next((d for d in by if d in TIME_DIMS), None)
    geo_by = [d for d in by if d in GEO_DIMS]
    other_by = [d for d in by if d not in TIME_DIMS and d not in GEO_DIMS]

    # Unit rows, filtered, then aggregated per municipality and month before anything is
    # joined to them: the person-month panel has millions of rows at national scale.
    per_muni = _per_municipality(snap, ind, q, other_by)

    # Geography: scope municipalities, restricted by geographic filters; then the months (the
    # running indicator accumulates from the start and is cut afterwards).
    geo_where = tuple((d, v) for d, v in q.where if d in GEO_DIMS)
    if ind.scope == "trial":
        geo_where += (("trial_or_comparison", ("trial",)),)
    geo = snap.aggregates.get(("places", geo_where), lambda: _places(snap, geo_where))
    if ind.source == "payments":
        geo = _with_unknown(geo, geo_where)
    per_muni = per_muni.join(geo, on="municipality_code", how="inner")
    if ind.aggregation != "running":
        in_range = pl.col("midx").is_between(months[0], months[-1]) if months else pl.lit(False)
        per_muni = per_muni.filter(in_range)
    keys_no_time = geo_by + other_by
    sums = [pl.col(c).sum() for c in ("num", "den", "nk", "dk")]
    monthly = per_muni.group_by(*keys_no_time, "midx").agg(*sums)

    if ind.aggregation == "running":
        monthly = _running(monthly, keys_no_time, snap, months)

    # Time periods
    period_of = pl.DataFrame({"midx": months}, schema={"midx": pl.Int32})
    period_of = (
        period_of.with_columns(**{time_dim: _time_columns(pl.col("midx"))[time_dim]})
        if time_dim
        else period_of
    )
    tkeys = [time_dim] if time_dim else []
    n_months = (
        period_of.group_by(*tkeys).agg(n=pl.len(), last=pl.col("midx").max())
        if tkeys
        else pl.DataFrame({"n": [len(months)], "last": [months[-1] if months else None]})
    )
    monthly = monthly.join(period_of, on="midx", how="inner")
    if ind.aggregation == "running":
        # value at the last month of each period
        if tkeys:
            monthly = monthly.join(n_months.select(*tkeys, "last"), on=tkeys).filter(
                pl.col("midx") == pl.col("last")
            )
        else:
            monthly = monthly.filter(pl.col("midx") == (months[-1] if months else -1))
    agg = monthly.group_by(*tkeys, *keys_no_time).agg(*sums)

    # The full grid of cells, zeros included.
    if by:
        grid = _grid(geo, geo_by, other_by, tkeys, n_months, per_muni)
        result = grid.join(agg, on=by, how="left", nulls_equal=True)
    else:
        zero = {"num": [0.0], "den": [0.0], "nk": [0], "dk": [0]}
        result = agg if agg.height else pl.DataFrame(zero)
    result = result.with_columns(pl.col(c).fill_null(0) for c in ("num", "den", "nk", "dk"))
    # A stock over several months is a mean of month ends: its totals count person-months
    # (each person once per month end), and n says over how many months.
    if ind.aggregation != "stock":
        n = pl.lit(1)
    elif tkeys:
        result = result.join(n_months.select(*tkeys, "n"), on=tkeys, how="left")
        n = pl.col("n")
    else:
        n = pl.lit(len(months))
    return result.with_columns(n=n.cast(pl.Int64))


def _running(
    monthly: pl.DataFrame, keys: list[str], snap: Snapshot, months: list[int]
) -> pl.DataFrame:
    """Cumulative sums over all months from the start of the data, per cell."""
    all_months = pl.DataFrame(
        {"midx": list(range(snap.first_month, snap.last_month + 1))}, schema={"midx": pl.Int32}
    )
    cells = monthly.select(keys).unique() if keys else pl.DataFrame()
    full = cells.join(all_months, how="cross") if keys else all_months
    full = (
        full.join(monthly, on=[*keys, "midx"], how="left", nulls_equal=True)
        .with_columns(pl.col(c).fill_null(0) for c in ("num", "den", "nk", "dk"))
        .sort(*keys, "midx")
    )
    cums = {c: pl.col(c).cum_sum() for c in ("num", "nk")}
    return full.with_columns(**{c: e.over(keys) if keys else e for c, e in cums.items()})


def _grid(geo, geo_by, other_by, tkeys, n_months, rows) -> pl.DataFrame:
    """Every cell: periods x the geographic combinations in scope x the other values observed."""
    parts = []
    if tkeys:
        parts.append(n_months.select(tkeys))
    if geo_by:
        parts.append(geo.select(geo_by).unique())
    if other_by:
        parts.append(rows.select(other_by).unique())
    grid = parts[0]
    for p in parts[1:]:
        grid = grid.join(p, how="cross")
    return grid


def _values(df: pl.DataFrame, ind: Indicator) -> pl.DataFrame:
    if ind.kind == "count":
        return df.with_columns(value=pl.col("num").cast(pl.Float64))
    scale = 100.0 if ind.kind == "rate" else 1.0
    return df.with_columns(
        value=pl.when(pl.col("den") > 0).then(scale * pl.col("num") / pl.col("den")).otherwise(None)
    )


def _finish(
    df: pl.DataFrame, by: list[str], ind: Indicator, has_den: bool, whole: bool
) -> pl.DataFrame:
    """Contract column order; hidden values nulled; whole numbers of persons as integers."""
    cols = [*by, "value"] + (["numerator", "denominator"] if has_den else []) + ["suppressed"]
    df = df.rename({"num": "numerator", "den": "denominator"})
    hide = pl.col("suppressed")
    out = df.with_columns(
        value=pl.when(hide).then(None).otherwise(pl.col("value")),
        numerator=pl.when(hide).then(None).otherwise(pl.col("numerator")),
        denominator=pl.when(hide).then(None).otherwise(pl.col("denominator")),
    )
    if whole and ind.kind == "count" and ind.unit in ("persons", "contacts"):
        out = out.with_columns(pl.col("value").round(0).cast(pl.Int64))
    if whole and ind.kind == "rate":
        out = out.with_columns(
            pl.col("numerator").round(0).cast(pl.Int64),
            pl.col("denominator").round(0).cast(pl.Int64),
        )
    out = out.select(cols)
    return out.sort(by, nulls_last=True) if by else out
