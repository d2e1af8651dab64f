"""Data and definitions: the loaded extract, its load history, every indicator's and group's
definition, the contract readings and the disclosure rule, as tables. Pure (no Streamlit).
"""

from __future__ import annotations

import polars as pl

from lib.engine.indicators import GROUPS, INDICATORS
from lib.figures.definitions import ACCESS_RULES, AGE_BANDS_NOTE, DISCLOSURE_RULE, READINGS
from lib.figures.engine_texts import (
    evaluation_day,
    group_definition,
    indicator_definition,
    indicator_label,
    setting_text,
)
from lib.figures.exports import Column
from lib.figures.format import format_date, unit_text
from lib.figures.i18n import N_, t
from lib.figures.text import as_text
from lib.figures.view import Columns, Expander, Heading, Stat, Table, Text, View
from lib.register.contract import TABLES
from lib.settings import SETTINGS_HELP, Settings

# The keys `t(f"about.{...}")` computes, written out for the catalogue's extraction.
_ABOUT_KEYS = (
    N_("about.tables.trials"),
    N_("about.tables.trial_areas"),
    N_("about.tables.municipalities"),
    N_("about.tables.job_seekers"),
    N_("about.tables.responsibility_spells"),
    N_("about.tables.status_spells"),
    N_("about.tables.service_episodes"),
    N_("about.tables.providers"),
    N_("about.tables.staff_months"),
    N_("about.tables.client_contacts"),
    N_("about.tables.employer_contacts"),
    N_("about.tables.payments"),
    N_("about.scope.trial"),
    N_("about.scope.all"),
    N_("about.disclosure.value"),
    N_("about.disclosure.denominator"),
    N_("about.disclosure.numerator"),
    N_("about.disclosure.None"),
)


def row_counts(counts: dict[str, int]) -> tuple[pl.DataFrame, tuple[Column, ...]]:
    """Rows per register table, in the contract's order; tables not loaded say so."""
    names = [tbl.name for tbl in TABLES]
    names += [n for n in counts if n not in names]
    df = pl.DataFrame(
        {
            "table": names,
            "table_name": [t(f"about.tables.{n}") for n in names],
            "rows": [counts.get(n) for n in names],
            "loaded": [n in counts and counts[n] is not None for n in names],
        },
        schema={
            "table": pl.String,
            "table_name": pl.String,
            "rows": pl.Int64,
            "loaded": pl.Boolean,
        },
    )
    cols = (
        Column("table", t("about.file"), "code", description=t("about.table.help"), shown=False),
        Column("table_name", t("about.table"), "text"),
        Column("rows", t("about.rows"), "number", "persons", description=t("about.rows.help")),
        Column("loaded", t("about.loaded"), "flag", description=t("about.loaded.help")),
    )
    return df, cols


def history(batches) -> tuple[pl.DataFrame, tuple[Column, ...]]:
    """The load history, newest first (LoadBatch rows)."""
    df = pl.DataFrame(
        {
            "batch_id": [b.batch_id for b in batches],
            "loaded_at": [b.loaded_at.strftime("%Y-%m-%d %H:%M") for b in batches],
            "as_of": [b.as_of.isoformat() for b in batches],
            "source": [b.source or "" for b in batches],
            "source_path": [b.source_path for b in batches],
            "same_as": [
                t("about.same_as", n=b.same_as_batch) if b.same_as_batch else "" for b in batches
            ],
        },
        schema={
            "batch_id": pl.Int64,
            "loaded_at": pl.String,
            "as_of": pl.String,
            "source": pl.String,
            "source_path": pl.String,
            "same_as": pl.String,
        },
    )
    cols = (
        Column("batch_id", t("about.batch"), "number", "persons"),
        Column("loaded_at", t("about.loaded_at"), "text"),
        Column("as_of", t("about.as_of"), "text"),
        Column("source", t("about.source"), "text"),
        Column("source_path", t("about.source_path"), "text"),
        Column("same_as", t("about.note"), "text"),
    )
    return df, cols


def indicators() -> tuple[pl.DataFrame, tuple[Column, ...]]:
    """Every indicator: name, unit, definition, evaluation day, disclosure basis, id."""
    rows = list(INDICATORS.values())
    df = pl.DataFrame(
        {
            "indicator": [i.id for i in rows],
            "label": [indicator_label(i.id) for i in rows],
            "unit": [unit_text(i.unit) for i in rows],
            "definition": [indicator_definition(i.id) for i in rows],
            "evaluation_day": [
                evaluation_day(i.id) if i.evaluation_day != "-" else "" for i in rows
            ],
            "scope": [t(f"about.scope.{i.scope}") for i in rows],
            "disclosure": [t(f"about.disclosure.{i.disclosure}") for i in rows],
            "needs": [", ".join(i.needs) for i in rows],
        }
    )
    cols = (
        Column("label", t("about.indicator"), "text"),
        Column("unit", t("definition.unit"), "text"),
        Column("definition", t("about.definition"), "text"),
        Column("evaluation_day", t("definition.evaluation_day"), "text"),
        Column("scope", t("about.scope"), "text", shown=False),
        Column("disclosure", t("about.disclosure"), "text"),
        Column("needs", t("about.needs"), "text", shown=False),
        Column("indicator", t("about.indicator_id"), "code", shown=False),
    )
    return df, cols


def groups(youth_age: int = 25) -> tuple[pl.DataFrame, tuple[Column, ...]]:
    df = pl.DataFrame(
        {
            "group": list(GROUPS),
            "label": [t(f"group.{g}") for g in GROUPS],
            "definition": [group_definition(g, youth_age) for g in GROUPS],
        }
    )
    cols = (
        Column("label", t("about.group"), "text"),
        Column("definition", t("about.definition"), "text"),
        Column("group", t("about.group_id"), "code", shown=False),
    )
    return df, cols


def settings_table(settings: Settings) -> tuple[pl.DataFrame, tuple[Column, ...]]:
    """The settings in force, with their help text (the database URL is left out)."""
    current = {
        "TRIALWATCH_MIN_COUNT": str(settings.min_count),
        "TRIALWATCH_YOUTH_AGE": str(settings.youth_age),
        "TRIALWATCH_FTE_BAND": f"{settings.fte_band[0]:g}-{settings.fte_band[1]:g}",
        "TRIALWATCH_WEEKLY_CONTACTS": str(settings.weekly_contacts),
    }
    names = [n for n in SETTINGS_HELP if n in current]
    df = pl.DataFrame(
        {
            "setting": names,
            "value": [current[n] for n in names],
            "default": [str(SETTINGS_HELP[n][0]) for n in names],
            "meaning": [setting_text(n) for n in names],
        }
    )
    cols = (
        Column("setting", t("about.setting"), "text"),
        Column("value", t("about.value"), "text"),
        Column("default", t("about.default"), "text"),
        Column("meaning", t("about.meaning"), "text"),
    )
    return df, cols


# ---------------------------------------------------------------------------------------------
# The page


def build(info, loads, settings: Settings) -> View:
    """The Data and definitions page: the loaded extract (`info`: lib/engine/access.py
    DataInfo), its load history (`loads`: newest first), the disclosure rule, every indicator's
    and group's definition, the contract readings and the settings in force."""
    facts = (
        f"**{t('definitions.source')}:** "
        f"{as_text(info.source) if info.source else t('sidebar.unknown_source')}  \n"
        f"**{t('definitions.description')}:** {as_text(info.description or '–')}  \n"
        f"**{t('definitions.path')}:** {as_text(info.source_path)}"
    )  # the manifest's and the folder's own text, shown as text (lib/figures/text.py)

    def table(key: str, title: str, found, **kw) -> Table:
        return Table(*found, key=key, title=title, **kw)

    rows_title, history_title = t("definitions.rows"), t("definitions.history")
    readings = [Expander(t(head), [Text(t(text), kind="markdown")]) for head, text in READINGS]
    return View(
        [
            Heading(t("definitions.title"), level=1),
            Text(t("definitions.subtitle")),
            Heading(t("definitions.extract")),
            Columns(
                [
                    [Stat(t("definitions.as_of"), format_date(info.as_of))],
                    [Stat(t("definitions.loaded"), format_date(info.loaded_at))],
                    [Stat(t("definitions.batch"), str(info.batch_id))],
                ]
            ),
            Text(facts, kind="markdown"),
            Columns(
                [
                    [
                        Text(f"**{rows_title}**", kind="markdown"),
                        table("rows", rows_title, row_counts(info.row_counts)),
                    ],
                    [],
                ],
                widths=(1, 1),
            ),
            Text(f"**{history_title}**", kind="markdown"),
            table("history", history_title, history(loads)),
            Heading(t("definitions.disclosure")),
            Text(" ".join(t(part) for part in DISCLOSURE_RULE), kind="markdown"),
            Text(t("definitions.threshold", n=settings.min_count)),
            Heading(t("definitions.indicators")),
            table("indicators", t("definitions.indicators"), indicators(), list_body="definition"),
            Heading(t("definitions.groups")),
            table(
                "groups",
                t("definitions.groups"),
                groups(settings.youth_age),
                list_body="definition",
            ),
            Text(t(AGE_BANDS_NOTE)),
            Heading(t("definitions.readings")),
            *readings,
            Heading(t("definitions.access")),
            *[Expander(t(head), [Text(t(text), kind="markdown")]) for head, text in ACCESS_RULES],
            Heading(t("definitions.settings")),
            table("settings", t("definitions.settings"), settings_table(settings), wrap=True),
            Heading(t("definitions.exports")),
            Text(t("definitions.exports.text"), kind="markdown"),
        ]
    )
