"""How the contract is read where it leaves room: each choice a statistician made, in words.

Shown on the Data and definitions page. The texts are catalogue keys (lib/figures/i18n.py): their
English is in lib/figures/locale/en/LC_MESSAGES/trialwatch.po, the source every translation is
made from, and tests/figures/test_catalog.py checks that each has its text in every catalogue. Each
indicator's and group's own definition is kept with it in lib/engine/indicators.py and shown
through lib/figures/engine_texts.py.
"""

from __future__ import annotations

from lib.figures.i18n import N_

# (heading, text) of each reading of the contract.
READINGS: tuple[tuple[str, str], ...] = (
    (N_("reading.complete_months.heading"), N_("reading.complete_months")),
    (N_("reading.covered_period.heading"), N_("reading.covered_period")),
    (N_("reading.whose_municipality.heading"), N_("reading.whose_municipality")),
    (N_("reading.periods.heading"), N_("reading.periods")),
    (N_("reading.transfers.heading"), N_("reading.transfers")),
    (N_("reading.plan.heading"), N_("reading.plan")),
    (N_("reading.exit.heading"), N_("reading.exit")),
    (N_("reading.placement.heading"), N_("reading.placement")),
    (N_("reading.placement_effect.heading"), N_("reading.placement_effect")),
    (N_("reading.compare.heading"), N_("reading.compare")),
    (N_("reading.duration_in_services.heading"), N_("reading.duration_in_services")),
    (N_("reading.missing.heading"), N_("reading.missing")),
    (N_("reading.clients_per_fte.heading"), N_("reading.clients_per_fte")),
    (N_("reading.overlaps.heading"), N_("reading.overlaps")),
    (N_("reading.zeros.heading"), N_("reading.zeros")),
    (N_("reading.explorer.heading"), N_("reading.explorer")),
)

# The disclosure rule, one paragraph shown as one text (its parts joined by a space), kept in
# parts so that a translator has a paragraph's sentence or two at a time.
DISCLOSURE_RULE: tuple[str, ...] = (
    N_("disclosure.rule.intro"),
    N_("disclosure.rule.record_keys"),
    N_("disclosure.rule.cell_keys"),
    N_("disclosure.rule.noise"),
    N_("disclosure.rule.rates"),
    N_("disclosure.rule.threshold"),
    N_("disclosure.rule.money"),
    N_("disclosure.rule.statistics"),
    N_("disclosure.rule.why_not"),
)

AGE_BANDS_NOTE = N_("definitions.age_bands")

# Who may see what (../shared/DATA_CONTRACT.md, "Users and access"), as lib/engine/access.py
# applies it wherever a figure is read: every page, download, saved view and `--as` command.
ACCESS_RULES: tuple[tuple[str, str], ...] = (
    (N_("access.roles.heading"), N_("access.roles")),
    (N_("access.headline_detail.heading"), N_("access.headline_detail")),
    (N_("access.statistics.heading"), N_("access.statistics")),
    (N_("access.threshold.heading"), N_("access.threshold")),
    (N_("access.saved_views.heading"), N_("access.saved_views")),
    (N_("access.signing_in.heading"), N_("access.signing_in")),
    (N_("access.demo.heading"), N_("access.demo")),
    (N_("access.upload.heading"), N_("access.upload")),
)
