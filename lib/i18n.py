"""User-facing text: `t(key_or_text, **fmt)` looks the text up for the current language.

One dict per language. Keys are either short names (`"notice.synthetic"`) or the English text
itself (`"Month"`), so a label can be wrapped in `t()` before it has a catalogue entry. Lookup:
the current language's dict, then English, then the key itself; `{name}` placeholders are
filled from `fmt`. Finnish and Swedish are ready to be filled in; until then they fall back to
English. No Streamlit here: lib/ui.py sets the language per session.
"""

from __future__ import annotations

from contextvars import ContextVar

LANGUAGES = ("en", "fi", "sv")
DEFAULT_LANGUAGE = "en"

_LANGUAGE: ContextVar[str] = ContextVar("trialwatch_language", default=DEFAULT_LANGUAGE)

EN: dict[str, str] = {
    # Product frame
    "app.name": "Trialwatch",
    "app.tagline": "Monitoring of the municipal employment trials",
    "notice.synthetic": "Synthetic demo data — not real persons or official statistics",
    "sidebar.as_of": "Data as of {date}",
    "sidebar.source": "Source: {source}",
    "sidebar.loaded": "Loaded {date}",
    "sidebar.unknown_source": "not stated",
    "store.empty.title": "No data loaded yet",
    "store.empty.body": (
        "The data store is empty. To explore the product with synthetic data, run "
        "`trialwatch demo`. To load a register extract, run `trialwatch import FOLDER`. "
        "Then reload this page."
    ),
    "store.unreachable": (
        "The data store could not be reached ({url}). Check that the database is running and "
        "that TRIALWATCH_DB points to it, then reload this page."
    ),
    "error.page": (
        "Something went wrong while preparing this page. Reload the page; if it happens "
        "again, tell the Trialwatch administrators what you were looking at."
    ),
    "error.query": "This figure cannot be shown: {message}",
    "error.details": "Technical details",
    "spinner.loading": "Preparing the figures…",
    # Formatting
    "suppressed.long": "suppressed (< {n})",
    "suppressed.footnote": (
        "– Suppressed: fewer than {n} persons behind the figure (disclosure control)."
    ),
    "change.vs": "vs {month}",
    "change.vs_pool": "vs {period}",
    "month.1": "Jan",
    "month.2": "Feb",
    "month.3": "Mar",
    "month.4": "Apr",
    "month.5": "May",
    "month.6": "Jun",
    "month.7": "Jul",
    "month.8": "Aug",
    "month.9": "Sep",
    "month.10": "Oct",
    "month.11": "Nov",
    "month.12": "Dec",
    "period.range": "{start}–{end}",
    # Units (as written beside a number or on an axis)
    "unit.persons": "persons",
    "unit.%": "%",
    "unit.FTE": "FTE",
    "unit.clients per FTE": "clients per FTE",
    "unit.contacts": "contacts",
    "unit.contacts per client": "contacts per client",
    "unit.axis.%": "per cent (%)",
    "unit.pp": "pp",
    # Charts
    "chart.month": "Month",
    "chart.trial_starts": "Trial starts",
    "chart.target_band": "Target {low}–{high}",
    "chart.area": "Trial area",
    "chart.series": "Municipalities",
    "chart.suppressed": "suppressed",
    # Definition popover
    "definition.help": "Click for the definition",
    "definition.unit": "Unit",
    "definition.evaluation_day": "Evaluated on",
    "definition.disclosure": (
        "Figures resting on fewer than {n} persons are suppressed (disclosure control)."
    ),
    # Overview page
    "overview.title": "Overview",
    "overview.subtitle": (
        "All trial areas as of {date}. Figures are for the last complete month, {month}, "
        "unless stated otherwise."
    ),
    "overview.headlines": "The trial as a whole",
    "overview.areas": "By trial area",
    "overview.areas.caption": (
        "Figures for {month}; placement at 90 days for coaching episodes ending "
        "{placement_period} (three months pooled: one month is too few episodes in most "
        "areas). Click a column header to sort; hover over it for the definition."
    ),
    "overview.areas.caption_no_placement": (
        "Figures for {month}; no placement outcomes observable yet. Click a column header to "
        "sort; hover over it for the definition."
    ),
    "overview.no_areas": "The loaded extract has no trial areas.",
    "headline.active_caseload": "Active caseload",
    "headline.cumulative_transferred": "Cumulative transferred",
    "headline.client_facing_fte": "Client-facing staff",
    "headline.clients_per_fte": "Clients per client-facing FTE",
    "headline.exit_rate": "Exit to employment rate",
    "headline.placement_rate_90": "Placement at 90 days",
    "caption.month_end": "{unit}, end of {month}",
    "caption.since_start": "{unit} since the trial's start, up to the end of {month}",
    "caption.fte": "coaches and advisors, {unit}, {month}",
    "caption.band": "target band {low}–{high}",
    "caption.placement_single": (
        "coaching episodes ending in {month}, the latest month with every 90-day outcome observed"
    ),
    "caption.placement_pooled": (
        "coaching episodes ending {period}, pooled: {month} alone had too few"
    ),
    "caption.placement_none": "no coaching episode has an observable 90-day outcome yet",
    "caption.no_staff": "no client-facing staff recorded for {month}",
    "caption.unavailable": "not in the loaded extract",
    "caption.episodes": "{n} episodes",
    "metric.trial": "Trial",
    "metric.comparison": "Comparison",
    "caption.exit_rate": "{unit}, {month}; trial and comparison municipalities; change on {prev}",
    "caption.exit_rate_note": (
        "Descriptive only: trial municipalities differ from the others, so the gap is not by "
        "itself the trial's effect."
    ),
    "table.area": "Trial area",
    "table.active_caseload": "Caseload",
    "table.caseload_change": "Change",
    "table.cumulative_transferred": "Transferred",
    "table.client_facing_fte": "Staff FTE",
    "table.clients_per_fte": "Clients / FTE",
    "table.exit_rate": "Exit rate %",
    "table.placement_rate_90": "Placed 90 d %",
    "table.trend": "Caseload trend",
    "table.help.caseload_change": "Change in the active caseload on {month}.",
    "table.help.trend": "Active caseload at each month's end, {start}–{end}.",
    "table.help.client_facing_fte": "Full-time equivalents of coaches and advisors.",
    "table.notes": "Notes",
    "table.no_trend": "No caseload trend is drawn for an area with a suppressed month in it.",
    "table.note.no_staff": "no staff recorded",
}

FI: dict[str, str] = {}
SV: dict[str, str] = {}

CATALOG: dict[str, dict[str, str]] = {"en": EN, "fi": FI, "sv": SV}


def set_language(lang: str) -> None:
    """Use `lang` for this thread / session (unknown languages fall back to English)."""
    _LANGUAGE.set(lang if lang in CATALOG else DEFAULT_LANGUAGE)


def current_language() -> str:
    return _LANGUAGE.get()


def t(key_or_text: str, /, **fmt) -> str:
    """The text for the current language, with `{name}` placeholders filled from `fmt`."""
    lang = _LANGUAGE.get()
    text = CATALOG.get(lang, {}).get(key_or_text)
    if text is None:
        text = EN.get(key_or_text, key_or_text)
    return text.format(**fmt) if fmt else text
