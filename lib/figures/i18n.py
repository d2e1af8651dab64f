"""User-facing text: `t(key_or_text, **fmt)` looks the text up for the current language.

One dict per language. Keys are either short names (`"notice.synthetic"`) or the English text
itself (`"Month"`), so a label can be wrapped in `t()` before it has a catalogue entry. Lookup:
the current language's dict, then English, then the key itself; `{name}` placeholders are
filled from `fmt`. Finnish and Swedish are ready to be filled in; until then they fall back to
English. No Streamlit here: lib/web/frame.py sets the language per session.
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
    "role.ministry": "Ministry",
    "role.evaluator": "Evaluator",
    "role.municipal": "Municipal lead",
    "role.admin": "Admin",
    "role.nobody": "no access",
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
        "– Suppressed: fewer than {n} persons behind the figure. Counts are perturbed by at "
        "most 2 (cell-key method), so cells need not add up to totals."
    ),
    "sidebar.disclosure": (
        "Counts of persons are perturbed by at most 2 (cell-key method), so cells need not add "
        "up to totals; figures resting on fewer than {n} persons are suppressed."
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
    "unit.EUR": "EUR",
    "unit.axis.%": "per cent (%)",
    "unit.pp": "pp",
    "unit.axis.pp": "percentage points (pp)",
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
        "Counts of persons are perturbed by at most 2 (cell-key method), so cells need not add "
        "up to totals; figures resting on fewer than {n} persons are suppressed."
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
        "areas). Hover over a column header for the definition."
    ),
    "overview.areas.caption_no_placement": (
        "Figures for {month}; no placement outcomes observable yet. Hover over a column header "
        "for the definition."
    ),
    "overview.sort": "Sort areas by",
    "overview.sort.help": (
        "Kept in the address and in a shared link. Clicking a column header also sorts, but "
        "only on your screen: a shared link does not carry it."
    ),
    "overview.sort.order": "Order",
    "overview.sort.asc": "Ascending",
    "overview.sort.desc": "Descending",
    "overview.no_areas": "The loaded extract has no trial areas.",
    "overview.off_target.title": "Off target in {month}: {n} of {of} areas",
    "overview.off_target.line": (
        "**{area}**: {indicator} {side} since {since} ({months}), {value} against the band "
        "{low}–{high}"
    ),
    "overview.off_target.line_from_start": (
        "**{area}**: {indicator} {side} since at least {since}, the first month with data "
        "({months}), {value} against the band {low}–{high}"
    ),
    "overview.off_target.ind.clients_per_fte": "clients per client-facing FTE",
    "overview.off_target.above": "above the band",
    "overview.off_target.below": "below the band",
    "overview.off_target.month": "1 month",
    "overview.off_target.months": "{n} months",
    "overview.off_target.more": "and {n} more, marked in the table by trial area below.",
    "overview.off_target.none": (
        "On target in {month}: every area with staff recorded has {indicator} inside the band "
        "{low}–{high}."
    ),
    "overview.off_target.rule": (
        "Since: the first month of the unbroken run of months on the same side of the band; a "
        "month inside the band, on the other side or without a figure ends the run."
    ),
    "headline.active_caseload": "Active caseload",
    "headline.cumulative_transferred": "Cumulative transferred",
    "headline.client_facing_fte": "Client-facing staff",
    "headline.clients_per_fte": "Clients per client-facing FTE",
    "headline.exit_rate": "Exit to employment rate",
    # Three figures are placement at 90 days; each label names its period (the card: the
    # latest month, or three; the Placements page: the sidebar's period; the area table: the
    # three months its caption names), so that they are not read as one figure that differs.
    "headline.placement_rate_90": "Placement at 90 days, latest month",
    "headline.placement_rate_90.pooled": "Placement at 90 days, latest 3 months",
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
    "table.cumulative_transferred": "Transferred",
    "table.client_facing_fte": "Staff FTE",
    "table.clients_per_fte": "Clients / FTE",
    "table.exit_rate": "Exit rate %",
    "table.placement_rate_90": "Placed 90 d %",
    "table.trend": "Caseload trend",
    "table.help.trend": "Active caseload at each month's end, {start}–{end}.",
    "table.help.client_facing_fte": "Full-time equivalents of coaches and advisors.",
    "table.notes": "Notes",
    "table.no_trend": "No caseload trend is drawn for an area with a suppressed month in it.",
    "table.note.no_staff": "no staff recorded",
    # --- Filters (the sidebar) -----------------------------------------------------------
    "filter.heading": "Filters",
    "filter.trial": "Trial",
    "filter.trial.none": "No trial in the loaded extract",
    "filter.areas": "Trial areas",
    "filter.areas.all": "All trial areas",
    "filter.municipalities": "Municipalities",
    "filter.municipalities.all": "All municipalities of the areas",
    "filter.municipalities.help": "Type the start of the name (Finnish or Swedish).",
    "filter.municipalities.find": "Find a municipality",
    "filter.municipalities.find.placeholder": "start of a name, e.g. hameen",
    "filter.municipalities.find.help": (
        "Narrows the list below to names (Finnish or Swedish) with a word starting so; "
        "accents need not be typed: a finds ä and å."
    ),
    "filter.period": "Period",
    "filter.period.from": "From",
    "filter.period.to": "To",
    "filter.period.presets": "Period",
    "filter.period.presets.help": (
        "A click sets the months below; choose the first and last month there for any other "
        "period. The period is kept in the address (from=, to=)."
    ),
    "filter.period.trial": "Whole trial",
    "filter.period.last12": "Last 12 months",
    "filter.groups": "Groups",
    "filter.groups.none": "Everyone",
    "filter.match": "A person must be in",
    "filter.match.all": "all of them",
    "filter.match.any": "any of them",
    "filter.match.help": "With two or more groups: in every group picked, or in at least one.",
    "filter.match.all_join": " and ",
    "filter.match.any_join": " or ",
    "filter.persons": "Gender, age, language, education",
    "filter.gender": "Gender",
    "filter.age_band": "Age band",
    "filter.language": "Language",
    "filter.education": "Education",
    "filter.comparison": "Show the comparison municipalities",
    "filter.comparison.help": (
        "Municipalities outside the trial, served by the state office: shown beside the trial "
        "where an indicator covers them."
    ),
    "filter.reset": "Reset filters",
    "filter.all": "all",
    "filter.shown": "shown",
    "filter.hidden": "hidden",
    "group.long_term_unemployed": "Long-term unemployed",
    "group.very_long_term_unemployed": "Very long-term unemployed",
    "group.repeatedly_unemployed": "Repeatedly unemployed",
    "group.youth": "Youth",
    "group.older": "Older (55+)",
    "group.foreign": "Foreign citizens",
    "group.reduced_work_capacity": "Reduced work capacity",
    "group.newly_arrived": "Newly arrived",
    "value.gender.F": "Women",
    "value.gender.M": "Men",
    "value.gender.X": "Other / not stated",
    "value.age_band.<25": "Under 25",
    "value.age_band.25-34": "25–34",
    "value.age_band.35-44": "35–44",
    "value.age_band.45-54": "45–54",
    "value.age_band.55+": "55 and over",
    "value.language.fi": "Finnish",
    "value.language.sv": "Swedish",
    "value.language.other": "Other language",
    "value.education.basic": "Basic",
    "value.education.upper_secondary": "Upper secondary",
    "value.education.tertiary": "Tertiary",
    "value.education.unknown": "Unknown",
    "value.role.coach": "Coaches",
    "value.role.advisor": "Advisors",
    "value.role.employer_services": "Employer services",
    "value.role.management": "Management",
    "value.role.other": "Other staff",
    "value.origin.transferred": "Transferred from the state office",
    "value.origin.municipal": "Recruited by the municipality",
    "value.provider_kind.municipal": "municipal",
    "value.provider_kind.state": "state",
    "value.provider_kind.external": "external",
    "notice.param.trial": "The link names a trial that is not in the loaded data ({value}); "
    "the first trial is shown instead.",
    "notice.param.area": "The link names trial areas that are not in the loaded data "
    "({values}); they were left out.",
    "notice.param.muni": "The link names municipalities that are not in the chosen trial areas "
    "({values}); they were left out.",
    "notice.param.group": "The link names groups that do not exist ({values}); they were left out.",
    "notice.param.gender": "The link names genders that do not exist ({values}); left out.",
    "notice.param.age_band": "The link names age bands that do not exist ({values}); left out.",
    "notice.param.language": "The link names languages that do not exist ({values}); left out.",
    "notice.param.education": "The link names education levels that do not exist ({values}); "
    "left out.",
    "notice.param.match": "The link's 'match' must be all or any, not '{value}'; all is used.",
    "notice.param.comparison": "The link's 'comparison' must be 0 or 1, not '{value}'; the "
    "comparison municipalities are shown.",
    "notice.param.month": "The link's month '{value}' is not a month (write YYYY-MM); the "
    "default period is used for it.",
    "notice.param.month_outside": "The link's month {value} is outside the loaded data; "
    "{month} is used instead.",
    "notice.param.period": "The link's period starts ({start}) after it ends ({end}); the "
    "default period is shown.",
    "notice.param.page": "The link's value for '{name}' ({value}) is not one this page "
    "offers; it was left out.",
    "share.button": "Share this view",
    "share.help": "This address opens the page exactly as shown: the filters and the page's "
    "own choices are in it. The address bar of your browser holds the same.",
    # --- Blocks (a figure with its table and downloads) -----------------------------------
    "block.as_of": "data as of {date}",
    "block.table": "Table",
    "block.unavailable": "Not in the loaded extract: it has no {table} table.",
    "block.not_applied": "Not counted per person: the {filters} filter does not apply here.",
    "download.csv": "CSV",
    "download.excel": "Excel",
    "caption.end_of": "end of {month}",
    "caption.month_ends": "month ends",
    "chart.flow": "Flow",
    "chart.flow_axis": "persons (out below zero)",
    "chart.name": "Name",
    "chart.series_kind": "Series",
    "series.selection": "Selected areas",
    "series.trial": "Trial",
    "series.comparison": "Comparison municipalities",
    "series.comparison_short": "Comparison",
    "unit.per 1,000": "per 1,000 unemployed job seekers",
    "unit.axis.per 1,000": "per 1,000",
    "column.month": "The month, YYYY-MM.",
    "column.numerator": "Numerator",
    "column.numerator.help": "The count the value is a share or ratio of.",
    "column.denominator": "Denominator",
    "column.denominator.help": "The count the numerator is divided by.",
    "column.suppressed": "Suppressed",
    "column.suppressed.help": (
        "True where disclosure control hid the value: fewer persons behind it than the "
        "threshold, after perturbation."
    ),
    "column.series": "Series",
    "column.series_id": "Series id",
    "column.series_id.help": "The indicator, group or role of the row, as the CLI names it.",
    "column.trial_area_id": "Trial area id",
    "column.municipality_code": "Municipality code",
    "column.municipality": "Municipality",
    "column.provider_id": "Provider id",
    "column.ci": "95 % interval",
    "column.ci.range": "{low}–{high}",
    "column.ci_low": "95 % low",
    "column.ci_high": "95 % high",
    "column.ci.help": "95 % Wilson score interval of the share, in per cent.",
    # --- Exports ----------------------------------------------------------------------------
    "export.warning": "Warning",
    "export.indicator": "Indicator",
    "export.unit": "unit",
    "export.definition": "Definition",
    "export.evaluation_day": "Evaluated on",
    "export.filter": "Filter",
    "export.as_of": "Data as of",
    "export.source": "Source",
    "export.batch": "Load batch",
    "export.disclosure": "Disclosure control",
    "export.disclosure.on": (
        "Every count of persons is perturbed by at most 2 (the same persons always give the "
        "same figure), so cells need not add up to totals; rates are the perturbed numerator "
        "over the perturbed denominator. Then counts under {n}, and rates whose denominator is "
        "under {n}, are suppressed: value empty and suppressed = true."
    ),
    "export.disclosure.off": (
        "Off (threshold 0): exact counts, nothing perturbed or suppressed (the operator's)."
    ),
    "export.disclosure.method": "Disclosure method",
    "export.disclosure.method.text": (
        "Cell-key perturbation (the method of the ABS, ONS and DWP table builders): record keys "
        "HMAC-SHA256 of the person id mod 256, cell key the sum of the record keys mod 256, "
        "noise -2..+2 with mean 0 from the perturbation table ptable.csv; no secondary "
        "suppression."
    ),
    "export.note": "Note",
    "export.column": "Column",
    "export.generated": "Generated",
    "export.link": "Link to this view",
    "export.read_back": "Read back with",
    "export.column.name": "as named by trialwatch indicators and in the CSV",
    "export.about.item": "About this file",
    "export.about.text": "",
    "export.excel": "Using it in Excel",
    "export.excel.advice": (
        "Sheet 'data' is the table as the page shows it, headed as on the page: numbers are "
        "numbers, months are dates shown as month and year (sort and filter them as dates), "
        "yes/no columns are TRUE/FALSE. An empty cell is a figure suppressed (see the "
        "Suppressed column) or not defined. Data ▸ Filter sorts and filters; a pivot table "
        "(Insert ▸ PivotTable) works on the whole sheet. Percentages are per cent (12.5 means "
        "12.5 %), not fractions."
    ),
    "export.excel.python": 'polars.read_excel(path, sheet_name="data")',
    # --- Caseload page ----------------------------------------------------------------------
    "caseload.title": "Caseload and transfers",
    "caseload.subtitle": "Who came into the trial, who left, and who is served now.",
    "caseload.breakdown": "Active caseload by",
    "caseload.breakdown.area": "Trial area",
    "caseload.breakdown.municipality": "Municipality",
    "caseload.include_initial": "Draw the initial transfer in the flow chart",
    "caseload.flows": "Monthly flows into and out of the trial",
    "caseload.flows.caption": "transfers out drawn below zero",
    "caseload.flows.no_initial": (
        "The initial transfer (the mass transfer at the trial's start) is left out of the chart "
        "so that the later flows can be read; its number is in the figures above. Switch on "
        "'Draw the initial transfer' to add it."
    ),
    "caseload.by_area": "Active caseload per trial area",
    "caseload.by_municipality": "Active caseload per municipality",
    "caseload.top_lines": "The {n} largest of {total} municipalities are drawn; the table lists "
    "every one. Pick municipalities in the sidebar to draw others.",
    "caseload.highlight.area": "The {n} largest trial areas at the end of {month} are drawn in "
    "colour, the other {others} in grey: point at a line for its name. Pick up to {most} areas "
    "in the sidebar to draw each in its colour.",
    "caseload.highlight.municipality": "The {n} largest municipalities at the end of {month} are "
    "drawn in colour, the next {others} in grey: point at a line for its name. Pick up to {most} "
    "municipalities in the sidebar to draw each in its colour.",
    "caseload.lines_cut": "The chart draws the {n} largest of {total}; the table lists every one.",
    "caseload.cumulative": "Cumulative transferred against the plan",
    "caseload.cumulative.value": "Transferred",
    "caseload.cumulative.caption": "since the trial's start",
    "caseload.planned": "Planned",
    "caseload.planned_line": "Planned: {n}",
    "caseload.planned.help": (
        "Planned: the job seekers the state office served in the selected municipalities at "
        "the end of the month before the trial's start, whom the trial was to take over "
        "(groups and person filters applied on that day)."
    ),
    "caseload.planned.share": "{share} of the plan transferred by the end of {month}.",
    "caseload.planned.suppressed": "The planned number rests on fewer than {n} persons and is "
    "not shown.",
    "caseload.makeup": "The caseload's make-up by group",
    "caseload.makeup.caption": "share of the active caseload at each month's end",
    "caseload.makeup.overlap": "Groups overlap (a person can be in several), so the shares do "
    "not add up to 100 %.",
    "caseload.makeup.no_group_filter": "The sidebar's group filter is not applied here: every "
    "group is shown as a share of the whole caseload.",
    "caseload.makeup.persons": "Persons in the group",
    "caseload.makeup.persons.help": "Active caseload in the group at the month's end.",
    "caseload.makeup.total": "Active caseload",
    "caseload.makeup.total.help": "The whole active caseload at the month's end.",
    "caseload.makeup.share": "Share %",
    "caseload.makeup.share.help": "Persons in the group / active caseload x 100.",
    # --- Staffing page ----------------------------------------------------------------------
    "staffing.title": "Staffing",
    "staffing.subtitle": "Whether staffing keeps up with the caseload, and how often clients "
    "are met.",
    "staffing.by_role": "Staff FTE by role",
    "staffing.by_origin": "Staff FTE by origin",
    "staffing.role": "Role",
    "staffing.origin": "Origin",
    "staffing.fte.caption": "from the trial's start",
    "staffing.recorded_from": "Staff are recorded from {month}.",
    "staffing.metric.fte": "Staff FTE",
    "staffing.metric.contact_rate": "Clients with a coaching contact",
    "staffing.metric.employer": "Employer contacts",
    "staffing.ratio": "Clients per client-facing FTE",
    "staffing.ratio_areas": "Clients per client-facing FTE by trial area, {month}",
    "staffing.caseload": "Active caseload",
    "staffing.caseload.help": "Persons in the trial at the month's end.",
    "staffing.client_facing_fte": "Coach and advisor FTE",
    "staffing.no_staff_months": "Months without coach or advisor FTE recorded have no ratio.",
    "staffing.no_staff_rows": "Areas without coach or advisor FTE recorded have no ratio.",
    "staffing.outside_marked": "Areas outside the target band are drawn in orange-red.",
    "staffing.below": "below the band",
    "staffing.above": "above the band",
    "staffing.target": "Against the band",
    "staffing.target.help": "Whether the ratio is below or above the target band.",
    "staffing.outside": "Municipalities outside the target band, {month}",
    "staffing.outside.note": "{n} municipalities in the selection.",
    "staffing.none_outside": "Every municipality with staff recorded is inside the band.",
    "staffing.contacts": "Clients with coaching contacts",
    "staffing.contacts.caption": "weekly contact: at least {n} coaching contacts in the month",
    "staffing.series.any_contact": "At least one contact",
    "staffing.series.weekly": "Weekly contact ({n}+ a month)",
    "staffing.contacts_per_client": "Coaching contacts per client",
    "staffing.weekly_target": "Weekly contact: {n} a month",
    "staffing.contacts_n": "Coaching contacts",
    "staffing.contacts_n.help": "Coaching contacts in the month with the active caseload.",
    "staffing.employer": "Employer contacts",
    "staffing.employer.caption": "contacts with employers made in the month",
    # --- Placements page --------------------------------------------------------------------
    "placements.title": "Placements and exits",
    "placements.subtitle": "Whether clients find work, and how that compares.",
    "placements.days": "Days after coaching",
    "placements.days.option": "{d} days",
    "placements.days.help": "Placement is measured this many days after a coaching episode ends.",
    "placements.metric.exit": "{month}",
    "placements.metric.exit_of": "Exit rate: {side}",
    "placements.metric.open": "Placement at {d} days",
    "placements.metric.subsidised": "Subsidised at {d} days",
    "placements.metric.open.period": "Placement at {d} days over the period",
    "placements.metric.subsidised.period": "Subsidised at {d} days over the period",
    "placements.metric.pooled": "coaching ending {period}",
    "placements.exit": "Exit to employment rate",
    "placements.exit.caption": "unemployed at the previous month's end who start work",
    "placements.exit.before": "Widen the period in the sidebar to before the trial's start to "
    "see whether trial and comparison municipalities moved alike beforehand.",
    "placements.by_month": "Placement after coaching, by month of ending",
    "placements.by_month.caption": "coaching episodes ending in the month",
    "placements.series.open": "{d} days: in work",
    "placements.series.subsidised": "{d} days: subsidised",
    "placements.subsidised_beside": "Subsidised employment is shown beside open-market "
    "employment, never added to it.",
    "placements.observable": "Months whose outcomes lie after the as-of date are left out.",
    "placements.by_area": "Placement at {d} days by trial area",
    "placements.by_provider": "Placement at {d} days by provider",
    "placements.pooled": "coaching episodes ending in the period, pooled",
    "placements.ci": "95 % Wilson intervals: the lines across the bars, and the interval column.",
    "placements.provider": "Provider",
    "placements.episodes": "Episodes",
    "placements.episodes.help": "Coaching episodes ending in the period whose outcome {d} days "
    "on is observed.",
    "placements.placed": "In work",
    "placements.placed.help": "Of those, in open-market work {d} days after the end.",
    "placements.provider_kind": "Kind",
    "placements.providers.note": "Providers are compared on their clients' results without "
    "adjustment for whom they serve; Sweden rates providers only from 18 participants up.",
    "placements.no_providers": "The loaded extract has no providers table.",
    # --- Compare page -----------------------------------------------------------------------
    "compare.title": "Compare regions",
    "compare.subtitle": "A municipality or trial area beside its peers, its region, the whole "
    "trial and the comparison group.",
    "compare.focus": "Compare",
    "compare.focus.help": "A trial area or any municipality (trial or comparison).",
    "compare.peers": "Peers",
    "compare.peers.help": "Suggested: the nearest in population. Add or remove any.",
    "compare.peers.help.kind": (
        "Suggested for a municipality: the municipalities most like it (population, "
        "unemployment, long-term unemployed and foreign citizens among the unemployed, region). "
        "For a trial area: the areas nearest in population. Add or remove any."
    ),
    "compare.level": "Rank among",
    "compare.level.municipality": "Municipalities",
    "compare.level.area": "Trial areas",
    "compare.indicators": "Indicators",
    "compare.rank_by": "Rank by",
    "compare.unit.area": "{name} (trial area)",
    "compare.unit.comparison": "{name} (comparison)",
    "compare.region": "Region: {region}",
    "compare.whole_trial": "Whole trial",
    "compare.per_1000": "{unit} per 1,000 unemployed job seekers",
    "compare.per_1000_short": "per 1,000",
    "compare.per_1000.help": "Counts are per 1,000 unemployed job seekers of the same unit and "
    "months (mean of the month ends); rates are shown as they are. The active caseload can "
    "exceed 1,000 per 1,000: it also counts clients in services and subsidised employment, "
    "who are not unemployed.",
    "compare.jobseekers": "Unemployed job seekers",
    "compare.jobseekers.help": "Unemployed job seekers of the unit (mean of the month ends).",
    "compare.multiples": "Indicator by indicator",
    "compare.ranking": "Ranking",
    "compare.ranked": "Ranked by {name}",
    "compare.ranked.caption": "the whole period",
    "compare.rank": "Rank",
    "compare.short.active_caseload": "Caseload /1,000",
    "compare.short.transfers_in": "Transfers in /1,000",
    "compare.short.new_clients": "New clients /1,000",
    "compare.short.exit_rate": "Exit rate %",
    "compare.short.placement_rate_90": "Placed 90 d %",
    "compare.short.activation_rate": "Activation %",
    "compare.short.clients_per_fte": "Clients / FTE",
    "compare.short.staff_fte": "Staff FTE /1,000",
    "compare.short.contact_rate": "Contact rate %",
    "compare.rank.help": "Rank by {name}, highest first.",
    "compare.unit": "Compared",
    "compare.role": "Role",
    "compare.role.help": "focus, peer, region, trial, comparison or country.",
    "compare.unit_id": "Unit id",
    "compare.unit_id.help": "Municipality code, trial area id or region name.",
    "compare.suppressed": "{name}: suppressed",
    "compare.trial_only": "Counted for trial municipalities only: the comparison group has none.",
    "compare.bars.municipality": "{name} in every municipality",
    "compare.bars.area": "{name} in every trial area",
    "compare.bars.region": "{name} in every region",
    "compare.level.region": "Regions",
    "compare.bars.note": "The compared unit is black, its peers in colour.",
    "compare.map": "{name} by municipality, on the map",
    "compare.map.note": (
        "Trial areas are outlined; a municipality outside every outline is a comparison "
        "municipality. Hover a municipality for its name, figure and status."
    ),
    "compare.map.missing": "Not on the map (no border in the shipped map): {codes}.",
    "compare.map.place": "Trial area or comparison",
    "map.no_data": "no data",
    "map.trial_area": "in trial area {name}",
    "map.comparison": "comparison municipality",
    "map.not_in_extract": "not in the loaded extract",
    "map.status": "Status",
    "map.trial_border": "Trial area border",
    "map.outline": "Outline of",
    "map.own": "{name} (compared)",
    "map.credit": "Borders: National Land Survey\nof Finland, CC BY 4.0",  # two lines: fits
    "compare.sidebar_geo": "The sidebar's trial areas and municipalities do not apply on this "
    "page: pick what to compare above. Its period and person filters do.",
    # --- Data and definitions page ----------------------------------------------------------
    "definitions.title": "Data and definitions",
    "definitions.subtitle": "What is loaded, how every figure is defined, and what is hidden.",
    "definitions.extract": "The loaded extract",
    "definitions.as_of": "Data as of",
    "definitions.loaded": "Loaded",
    "definitions.batch": "Load batch",
    "definitions.source": "Source",
    "definitions.description": "Description",
    "definitions.path": "Loaded from",
    "definitions.rows": "Rows per table",
    "definitions.history": "Load history",
    "definitions.disclosure": "Disclosure control",
    "definitions.threshold": "Threshold in force: {n}.",
    "definitions.indicators": "Indicators",
    "definitions.groups": "Groups",
    "definitions.access": "Who may see what",
    "definitions.readings": "How the contract is read",
    "definitions.settings": "Settings in force",
    "definitions.exports": "Downloads",
    "definitions.exports.text": (
        "Every chart's table can be downloaded as CSV or Excel, exactly as shown. The file says "
        "what it is: the indicators' definitions, every filter, the as-of date, the source, the "
        "disclosure rule, what each column means and a link back to the view. In a CSV these "
        "come first, as lines starting with `# `; read the table with "
        '`polars.read_csv(path, comment_prefix="#")` or `pandas.read_csv(path, comment="#")`. '
        "An Excel file has the table on the sheet *data* and the same notes on the sheet "
        "*about*. Column names are those of `trialwatch indicators`. In a CSV file, a text "
        "cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is written with a "
        "leading single quote (`'`), so that a spreadsheet shows it as text instead of running "
        "it as a formula (the OWASP guidance on CSV injection); so is each comma-separated part "
        "of a `# ` line. `trialwatch indicators --format csv` does the same. Excel files hold "
        "such cells as text already, and Parquet files keep every value exactly."
    ),
    "about.table": "Table",
    "about.file": "File",
    "about.tables.trials": "Trials",
    "about.tables.trial_areas": "Trial areas",
    "about.tables.municipalities": "Municipalities",
    "about.tables.job_seekers": "Job seekers",
    "about.tables.responsibility_spells": "Responsibility spells",
    "about.tables.status_spells": "Status spells",
    "about.tables.service_episodes": "Service episodes",
    "about.tables.providers": "Providers",
    "about.tables.staff_months": "Staff months",
    "about.tables.client_contacts": "Client contacts",
    "about.tables.employer_contacts": "Employer contacts",
    "about.tables.payments": "Payments",
    "about.table.help": "The register table of the data contract (its file in an extract).",
    "about.rows": "Rows",
    "about.rows.help": "Rows loaded from the extract.",
    "about.loaded": "Loaded",
    "about.loaded.help": "Whether the extract included the table (optional tables may be absent).",
    "about.batch": "Batch",
    "about.loaded_at": "Loaded at",
    "about.as_of": "As of",
    "about.source": "Source",
    "about.source_path": "From",
    "about.note": "Note",
    "about.same_as": "identical to batch {n}",
    "about.indicator": "Indicator",
    "about.indicator_id": "Id",
    "about.definition": "Definition",
    "about.scope": "Covers",
    "about.scope.trial": "trial municipalities",
    "about.scope.all": "all municipalities",
    "about.disclosure": "Suppressed when",
    "about.disclosure.value": "the count is under the threshold",
    "about.disclosure.denominator": "the denominator is under the threshold",
    "about.disclosure.numerator": "the caseload is under the threshold",
    "about.disclosure.None": "never (no persons counted)",
    "about.needs": "Needs table",
    "about.group": "Group",
    "about.group_id": "Id",
    "about.setting": "Setting",
    "about.value": "Value",
    "about.default": "Default",
    "about.meaning": "Meaning",
    # --- Overview table additions -----------------------------------------------------------
    "table.tab.values": "Latest values",
    "table.tab.month": "Change on {month}",
    "table.tab.year": "Change on {month}",
    "table.off_target": "Off target",
    "table.mark.below": "▼ below band",
    "table.mark.above": "▲ above band",
    "table.help.off_target": "Marked where an indicator with a target is outside it: clients "
    "per client-facing FTE above or below the target band.",
    "table.help.change_on": "Change on {month}.",
    "table.help.change_pooled": "Change on the three months before the pooled period.",
    "table.help.change_month": "Change on the previous month (placement: on the three months "
    "before the pooled period).",
    "table.help.change_year": "Change on the same month (or months) a year earlier.",
    "table.change_month_of": "{name}: change on previous month",
    "table.change_year_of": "{name}: change on a year earlier",
    "table.suppressed_of": "{name}: suppressed",
    "overview.areas.marks": "Off target: clients per client-facing FTE outside the band "
    "{low}–{high}.",
    # Money and providers (issue 19)
    "money.title": "Money and providers",
    "money.subtitle": "What coaching costs, payments without coaching, provider ratings.",
    "money.note": (
        "Amounts are in the extract's currency, as paid to providers: they are not counts of "
        "persons, so they are shown as paid. A cost per participant or per placement is "
        "suppressed where fewer persons than the threshold are behind it."
    ),
    "money.refused": (
        "Money is shown to a municipal user for their own places only: pick your own areas or "
        "municipalities in the sidebar. ({why})"
    ),
    "money.no_payments": (
        "The loaded extract has no payments table, so there is nothing to show here: load an "
        "extract with payments.csv (payment_id, provider_id, episode_id, amount, currency, "
        "paid_on)."
    ),
    "money.metric.paid": "Paid to providers, {side}",
    "money.metric.per_participant": "Cost per participant, {side}",
    "money.metric.per_placement": "Cost per placement, {side}",
    "money.metric.unsupported": "Without coaching, {side}",
    "money.metric.pooled": "{period}",
    "money.month": "Spending per month",
    "money.month.caption": "by the month paid",
    "money.area": "Spending per trial area",
    "money.area.caption": (
        "every area, the comparison municipalities and payments without a place, over the period"
    ),
    "money.area.comparison": "Comparison municipalities",
    "money.area.unknown": "No place (no episode, or the person had left the register)",
    "money.paid": "Paid",
    "money.paid.help": "Sum of the payments to providers (EUR).",
    "money.cost": "Cost",
    "money.costs": "Cost per participant and per placement at {d} days",
    "money.costs.caption": "coaching episodes ending in the period",
    "money.costs.note": (
        "Of coaching episodes ending in the period that have at least one payment: their payments "
        "divided by their number (per participant) or by how many of their persons were employed "
        "90 days after the end (per placement; episodes whose 90th day is after the as-of date "
        "are left out)."
    ),
    "money.per_participant": "Cost per participant",
    "money.per_participant.help": "Payments of the paid coaching episodes / their number (EUR).",
    "money.per_placement": "Cost per placement at {d} days",
    "money.per_placement.help": (
        "Payments of the paid coaching episodes / their persons employed {d} days after the end "
        "(EUR)."
    ),
    "money.episodes": "Episodes",
    "money.episodes.help": "Paid coaching episodes ending in the period behind the cost.",
    "money.placements": "Placed at {d} days",
    "money.placements.help": "Persons of those episodes employed {d} days after the end.",
    "money.providers": "Providers ranked by cost per placement at {d} days",
    "money.providers.caption": "providers paid in the period, cheapest placement first",
    "money.providers.note": (
        "The rank says what a placement cost, not how good the coaching was: providers serve "
        "different clients. The ratings below allow for the participants' starting position."
    ),
    "money.rank": "Rank",
    "money.rank.help": "By cost per placement, cheapest first (none where a figure is suppressed).",
    "money.audit.heading": "Payments audit",
    "money.audit": "Payments without delivered coaching, per provider",
    "money.audit.months": "Provider-months with a payment without delivered coaching",
    "money.audit.caption": "payments paid in the period",
    "money.audit.note": (
        "A payment has no delivered coaching behind it when it has no episode, its episode "
        "starts after the payment day, or (where client contacts are loaded) its person had no "
        "coaching contact in any month the episode covers. Counts are counts of payments."
    ),
    "money.audit.none": "No payment without delivered coaching in the period.",
    "money.payments": "Payments",
    "money.payments.help": "Number of payments to the provider.",
    "money.unsupported": "Without coaching",
    "money.unsupported.help": "Payments with no delivered coaching behind them.",
    "money.unsupported_amount": "Amount without coaching",
    "money.share": "Share of amount",
    "money.share.help": "Amount without coaching / amount paid (%).",
    "money.reason.no_episode": "No episode",
    "money.reason.no_episode.help": "Payments that name no service episode.",
    "money.reason.starts_after_payment": "Paid before the start",
    "money.reason.starts_after_payment.help": "Payments whose episode starts after they are paid.",
    "money.reason.no_coaching_contact": "No contact",
    "money.reason.no_coaching_contact.help": (
        "Payments whose episode's person had no coaching contact in any month the episode covers."
    ),
    "money.flagged": "Flagged payments, for follow-up",
    "money.flagged.caption": "payments paid in the period, oldest first",
    "money.flagged.note": (
        "No person identifiers: follow each payment up with the provider by its payment number."
    ),
    "money.flagged.refused": (
        "The list of flagged payments is shown to ministry and admin users only."
    ),
    "money.payment_id": "Payment",
    "money.amount": "Amount",
    "money.amount.help": "The payment's amount (EUR).",
    "money.currency": "Currency",
    "money.paid_on": "Paid on",
    "money.reasons": "Why flagged",
    "money.reasons.help": "Each reason the payment has no delivered coaching behind it.",
    "money.ratings.heading": "Provider ratings",
    "money.ratings": "Placement at {d} days against the participants' starting position",
    "money.ratings.caption": "actual minus expected, coaching episodes ending in the period",
    "money.ratings.note": (
        "As the Swedish employment service rates coaching providers: each provider's placement "
        "rate beside the rate its own participants would be expected to reach given their age, "
        "unemployment duration, citizenship, education and work capacity (the model of Data and "
        "definitions), with its 95 % interval; only providers with at least {n} episodes ending "
        "in the period are rated ({unrated} not rated). Listed by name: read the interval, not "
        "the order."
    ),
    "money.ratings.n.help": "Coaching episodes ending in the period whose 90th day is observed.",
    "money.ratings.actual": "Placed (%)",
    "money.ratings.expected": "Expected (%)",
    "money.ratings.difference": "Difference (pp)",
    "money.ratings.difference.help": "Actual minus expected placement, percentage points.",
    "money.ratings.verdict": "Reading",
    "money.rating.above": "above expected",
    "money.rating.below": "below expected",
    "money.rating.expected": "as expected (the interval covers 0)",
    "money.ratings.none": "No provider has enough episodes in the period to be rated.",
}

# The Explorer (lib/figures/explorer.py, lib/web/explorer_ui.py, pages/explorer.py)
EN.update(
    {
        "explorer.title": "Explorer",
        "explorer.subtitle": "Any indicator by up to three dimensions, for the sidebar's selection",
        "explorer.indicator": "Indicator",
        "explorer.rows": "Rows",
        "explorer.cols": "Columns",
        "explorer.colour": "Colour",
        "explorer.rows.help": "Down the table; the x-axis when it is a time dimension.",
        "explorer.cols.help": "Across the table.",
        "explorer.colour.help": "The lines or colours of the chart; a second row heading in "
        "the table.",
        "explorer.dim.none": "(none)",
        "explorer.dim.month": "Month",
        "explorer.dim.quarter": "Quarter",
        "explorer.dim.year": "Year",
        "explorer.dim.municipality_code": "Municipality",
        "explorer.dim.trial_area_id": "Trial area",
        "explorer.dim.region": "Region",
        "explorer.dim.trial_or_comparison": "Trial or comparison",
        "explorer.dim.gender": "Gender",
        "explorer.dim.age_band": "Age band",
        "explorer.dim.language": "Language",
        "explorer.dim.education": "Education",
        "explorer.dim.role": "Staff role",
        "explorer.dim.origin": "Staff origin",
        "explorer.dim.provider_id": "Provider",
        "explorer.code": "{dim} (code)",
        "explorer.no_area": "No trial area (comparison)",
        "explorer.scope": "Municipalities",
        "explorer.scope.help": "Which municipalities the slice counts. The Overview counts the "
        "trial's; both sides are pooled into one figure unless the slice is split by trial or "
        "comparison.",
        "explorer.scope.trial": "Trial",
        "explorer.scope.both": "Trial and comparison",
        "explorer.scope.comparison": "Comparison",
        "explorer.scope.caption.trial": "trial municipalities (as on the Overview)",
        "explorer.scope.caption.pooled": "trial and comparison municipalities pooled",
        "explorer.scope.caption.apart": "trial and comparison municipalities, apart",
        "explorer.scope.caption.comparison": "comparison municipalities",
        "explorer.scope.caption.selection": "the sidebar's areas or municipalities",
        "explorer.ci": "95 % intervals",
        "explorer.ci.help": "The 95 % Wilson score interval of the rate (as trialwatch "
        "indicators --ci); none for a suppressed cell.",
        "explorer.ci.off": "Intervals are for rates; this indicator is not one.",
        "explorer.ci.caption": "in brackets: the 95 % Wilson interval",
        "explorer.ci.low": "95 % interval, low",
        "explorer.ci.high": "95 % interval, high",
        "explorer.unknown": "Not known",
        "explorer.all_rows": "Indicator",
        "explorer.too_large": "This slice would have about {cells} cells, more than the "
        "{max} the Explorer shows at once. Narrow it: fewer months (or quarters instead of "
        "months), fewer areas or municipalities, or one dimension less.",
        "explorer.suppressed": "{n} cells are suppressed (..): fewer than {min} persons behind "
        "them or behind their difference from the unfiltered figure, or needed to protect "
        "such a cell (disclosure control).",
        "explorer.symbols": "`..` suppressed (disclosure control) · `.` not defined (no one in "
        "the denominator)",
        "explorer.symbol.suppressed": "..",
        "explorer.undefined": "not defined",
        "explorer.chart_limit": "The chart shows the {n} {dim} values with the highest mean; "
        "all {total} are in the table and the downloads.",
        "explorer.single": "One number: the whole selection and period",
        "explorer.cells": "{rows} rows, {cells} cells",
        "explorer.empty_panels": "No panel for {names}: every cell is suppressed or not "
        "defined (see the table).",
        "explorer.reproduce": "Reproduce",
        "explorer.reproduce.help": "The same table from the command line, and laid out as "
        "above in Polars from the Parquet download (or the command's output file).",
        "explorer.reproduce.cli": "Command line (writes the long table):",
        "explorer.reproduce.polars": "Polars, from the Parquet download:",
        "explorer.download.parquet": "Parquet",
        "explorer.progress.read": "Computing the table ({cells} cells at most)…",
        "explorer.progress.chart": "Drawing the chart…",
        "explorer.progress.done": "Ready in {seconds} s",
        "explorer.views": "Saved views",
        "explorer.views.none": "No saved views yet: name the slice below and save it.",
        "explorer.views.open": "Open",
        "explorer.views.open.help": "Open this view: its link sets the page and the sidebar.",
        "explorer.views.by": "saved by {who}, {when}",
        "explorer.views.name": "Name",
        "explorer.views.name.placeholder": "e.g. Exit rate of youth by area, 2023",
        "explorer.views.who": "Your name",
        "explorer.views.saving_as": "Saved as {who} (the signed-in user).",
        "explorer.views.not_yours": "Only who saved this view, or an admin, may change it.",
        "explorer.views.save": "Save this view",
        "explorer.views.saved": "Saved '{name}'.",
        "explorer.views.rename": "Rename",
        "explorer.views.renamed": "Renamed to '{name}'.",
        "explorer.views.delete": "Delete",
        "explorer.views.delete.confirm": "Delete the saved view '{name}' for everyone? Its "
        "link stops working; this cannot be undone.",
        "explorer.views.delete.yes": "Yes, delete it",
        "explorer.views.delete.no": "Keep it",
        "explorer.views.deleted": "Deleted '{name}'.",
        "explorer.views.current": "Saved view: {name}",
        "explorer.views.changed": "Changed since the saved view '{name}' (the link no longer "
        "shows that view).",
        "explorer.views.update": "Update the view",
        "explorer.views.updated": "Updated '{name}' with this slice.",
        "explorer.views.link": "Link",
        "explorer.views.gone": "The saved view in the link (number {id}) no longer exists; "
        "the link's own settings are shown.",
    }
)

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
