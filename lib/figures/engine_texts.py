"""The texts the layers below lib/figures keep in English, in the reader's language.

The engine keeps each indicator's and group's English label, definition and evaluation day beside
the rules that compute it (lib/engine/indicators.py, no i18n there), the statistics their method
notes (lib/stats), lib/settings.py its settings' help and lib/published its area levels; the
pages show the catalogue texts keyed here by id, whose English in en.po is the lower layer's text
(tests/figures/test_engine_texts.py fails when an id has no key or the two drift apart). The
placement family shares one text per kind with a `{d}` for its days.
"""

from __future__ import annotations

from lib.engine.indicators import GROUPS, INDICATORS, PLACEMENT_DAYS
from lib.figures.i18n import N_, t

_PLACEMENT_LABEL = N_("indicator.placement_rate.label")
_PLACEMENT_DEFINITION = N_("indicator.placement_rate.definition")
_SUBSIDISED_LABEL = N_("indicator.placement_subsidised.label")
_SUBSIDISED_DEFINITION = N_("indicator.placement_subsidised.definition")

LABELS: dict[str, str] = {
    "active_caseload": N_("indicator.active_caseload.label"),
    "transfers_in": N_("indicator.transfers_in.label"),
    "initial_transfer": N_("indicator.initial_transfer.label"),
    "later_transfers_in": N_("indicator.later_transfers_in.label"),
    "transfers_out": N_("indicator.transfers_out.label"),
    "new_clients": N_("indicator.new_clients.label"),
    "cumulative_transferred": N_("indicator.cumulative_transferred.label"),
    "unemployed": N_("indicator.unemployed.label"),
    "exit_rate": N_("indicator.exit_rate.label"),
    **{f"placement_rate_{d}": _PLACEMENT_LABEL for d in PLACEMENT_DAYS},
    **{f"placement_subsidised_{d}": _SUBSIDISED_LABEL for d in PLACEMENT_DAYS},
    "activation_rate": N_("indicator.activation_rate.label"),
    "staff_fte": N_("indicator.staff_fte.label"),
    "clients_per_fte": N_("indicator.clients_per_fte.label"),
    "contact_rate": N_("indicator.contact_rate.label"),
    "weekly_contact_rate": N_("indicator.weekly_contact_rate.label"),
    "contacts_per_client": N_("indicator.contacts_per_client.label"),
    "employer_contacts": N_("indicator.employer_contacts.label"),
    "payments_amount": N_("indicator.payments_amount.label"),
    "cost_per_participant": N_("indicator.cost_per_participant.label"),
    "cost_per_placement": N_("indicator.cost_per_placement.label"),
    "unsupported_payments": N_("indicator.unsupported_payments.label"),
}

DEFINITIONS: dict[str, str] = {
    "active_caseload": N_("indicator.active_caseload.definition"),
    "transfers_in": N_("indicator.transfers_in.definition"),
    "initial_transfer": N_("indicator.initial_transfer.definition"),
    "later_transfers_in": N_("indicator.later_transfers_in.definition"),
    "transfers_out": N_("indicator.transfers_out.definition"),
    "new_clients": N_("indicator.new_clients.definition"),
    "cumulative_transferred": N_("indicator.cumulative_transferred.definition"),
    "unemployed": N_("indicator.unemployed.definition"),
    "exit_rate": N_("indicator.exit_rate.definition"),
    **{f"placement_rate_{d}": _PLACEMENT_DEFINITION for d in PLACEMENT_DAYS},
    **{f"placement_subsidised_{d}": _SUBSIDISED_DEFINITION for d in PLACEMENT_DAYS},
    "activation_rate": N_("indicator.activation_rate.definition"),
    "staff_fte": N_("indicator.staff_fte.definition"),
    "clients_per_fte": N_("indicator.clients_per_fte.definition"),
    "contact_rate": N_("indicator.contact_rate.definition"),
    "weekly_contact_rate": N_("indicator.weekly_contact_rate.definition"),
    "contacts_per_client": N_("indicator.contacts_per_client.definition"),
    "employer_contacts": N_("indicator.employer_contacts.definition"),
    "payments_amount": N_("indicator.payments_amount.definition"),
    "cost_per_participant": N_("indicator.cost_per_participant.definition"),
    "cost_per_placement": N_("indicator.cost_per_placement.definition"),
    "unsupported_payments": N_("indicator.unsupported_payments.definition"),
}

# Keyed by the engine's English: several indicators share an evaluation day.
EVALUATION_DAYS: dict[str, str] = {
    "the month's last day": N_("evaluation_day.month_end"),
    "the day before the spell starts": N_("evaluation_day.before_spell"),
    "the municipal spell's last day": N_("evaluation_day.spell_end"),
    "the last day of the previous month": N_("evaluation_day.previous_month_end"),
    "the day before the episode's start date (municipality as of that day)": N_(
        "evaluation_day.before_episode"
    ),
    "the payment day": N_("evaluation_day.payment_day"),
}

GROUP_DEFINITIONS: dict[str, str] = {
    "long_term_unemployed": N_("group.long_term_unemployed.definition"),
    "very_long_term_unemployed": N_("group.very_long_term_unemployed.definition"),
    "repeatedly_unemployed": N_("group.repeatedly_unemployed.definition"),
    "youth": N_("group.youth.definition"),
    "older": N_("group.older.definition"),
    "foreign": N_("group.foreign.definition"),
    "reduced_work_capacity": N_("group.reduced_work_capacity.definition"),
    "newly_arrived": N_("group.newly_arrived.definition"),
}


def _fmt(indicator_id: str) -> dict[str, int]:
    days = INDICATORS[indicator_id].days
    return {} if days is None else {"d": days}


def indicator_label(indicator_id: str) -> str:
    """The indicator's name ("Placement at 90 days")."""
    return t(LABELS[indicator_id], **_fmt(indicator_id))


def indicator_definition(indicator_id: str) -> str:
    return t(DEFINITIONS[indicator_id], **_fmt(indicator_id))


def evaluation_day(indicator_id: str) -> str:
    """The day its groups and municipality are read on; empty where it has none."""
    day = INDICATORS[indicator_id].evaluation_day
    return "" if not day or day == "-" else t(EVALUATION_DAYS[day])


def group_definition(group_id: str, youth_age: int = 25) -> str:
    """The group's definition; the youth group's age limit is the deployment's setting."""
    if GROUPS[group_id].below_youth_age:
        return t(GROUP_DEFINITIONS[group_id], age=youth_age)
    return t(GROUP_DEFINITIONS[group_id])


# The statistics' method notes (lib/stats/survival.py, peers.py, expected.py METHOD).
METHOD_TEXTS: dict[str, str] = {
    "survival": N_("method.survival"),
    "peers": N_("method.peers"),
    "expected": N_("method.expected"),
}

# The settings the Data and definitions page lists, with the help of lib/settings.py.
SETTING_TEXTS: dict[str, str] = {
    "TRIALWATCH_MIN_COUNT": N_("setting.min_count"),
    "TRIALWATCH_YOUTH_AGE": N_("setting.youth_age"),
    "TRIALWATCH_FTE_BAND": N_("setting.fte_band"),
    "TRIALWATCH_WEEKLY_CONTACTS": N_("setting.weekly_contacts"),
}

# The published page's area levels (lib/published/comparison.py LEVEL_LABELS).
LEVEL_TEXTS: dict[str, str] = {
    "municipality": N_("Municipality"),
    "trial_area": N_("Trial area"),
    "region": N_("Region"),
    "country": N_("Whole country"),
}


def method_text(name: str) -> str:
    return t(METHOD_TEXTS[name])


def setting_text(name: str) -> str:
    return t(SETTING_TEXTS[name])


# The engine's refusals and errors a reader meets on a page, by the key they are raised with
# (lib/engine/errors.py FigureError): the English is the engine's message with `{name}` for
# each of its params (an `indicator` param, an id, gives the `label` in the reader's language,
# a `what` the `action`).
ERROR_TEXTS: dict[str, str] = {
    "no_access": N_("error.no_access"),
    "payments_flagged": N_("error.payments_flagged"),
    "unknown_role": N_("error.unknown_role"),
    "min_count": N_("error.min_count"),
    "detail": N_("error.detail"),
    "effect": N_("error.effect"),
    "event_study": N_("error.event_study"),
    "survival": N_("error.survival"),
    "peers": N_("error.peers"),
    "expected": N_("error.expected"),
    "state_caseload": N_("error.state_caseload"),
    "payments_audit": N_("error.payments_audit"),
    "provider_ratings": N_("error.provider_ratings"),
    "view_owner": N_("error.view_owner"),
    "needs_table": N_("error.needs_table"),
    "no_trial": N_("error.no_trial"),
    "no_before": N_("error.no_before"),
    "missing_key": N_("error.missing_key"),
    "admin_only": N_("error.admin_only"),
}

# What only an admin may do (lib/engine/access.py ADMIN_ONLY), as the admin_only refusal says it.
ADMIN_ACTIONS: dict[str, str] = {
    "load register": N_("error.admin_only.load_register"),
    "load published": N_("error.admin_only.load_published"),
    "manage users": N_("error.admin_only.manage_users"),
    "read audit": N_("error.admin_only.read_audit"),
}


def error_text(exc: BaseException) -> str:
    """What an engine error says, in the reader's language where it is keyed; else its message."""
    key = getattr(exc, "key", None)
    if key not in ERROR_TEXTS:
        return str(exc)
    params = dict(getattr(exc, "params", {}))
    if params.get("indicator") in INDICATORS:  # the indicator's name in the reader's language
        params["label"] = indicator_label(params["indicator"])
    if params.get("what") in ADMIN_ACTIONS:
        params["action"] = t(ADMIN_ACTIONS[params["what"]])
    return t(ERROR_TEXTS[key], **params)
