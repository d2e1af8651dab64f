"""How the contract is read where it leaves room: each choice a statistician made, in words.

Shown on the Data and definitions page and kept beside the code that implements it, so the
wording and the numbers cannot drift apart unnoticed. Each indicator's and group's own
definition is kept with it in lib/engine/indicators.py (tests/engine/test_catalogue.py checks
that every one has it).
"""

from __future__ import annotations

READINGS: tuple[tuple[str, str], ...] = (
    (
        "Complete months only",
        "A month is reported when its last day is on or before the extract's as-of date. A "
        "partly observed month would understate flows and shift stocks, so it is left out.",
    ),
    (
        "The covered period",
        "Indicators start at the extract's first covered month: the optional manifest key "
        "`period_start`, or else the month of the earliest responsibility spell. Spells that "
        "were already open then keep their true start dates, so unemployment durations are "
        "right from the first month, but months before it would count only the survivors.",
    ),
    (
        "Whose municipality",
        "A person counts in a municipality's figures on a day only when a responsibility spell "
        "covers that day (state or municipal). Persons with no responsibility spell on the "
        "evaluation day have no municipality and are counted nowhere, so municipal figures add "
        "up to the regional and national ones.",
    ),
    (
        "Quarters, years and whole periods",
        "Stocks (active caseload, unemployed, staff FTE) are the mean of the month-end values, "
        "as annual averages are published in Finnish employment statistics. Flows (transfers, "
        "new clients, employer contacts) are summed. Rates pool their numerators and "
        "denominators over the months (person-months), so a quarter's exit rate is the share of "
        "all person-months at risk that ended in work. Cumulative transferred is the value at "
        "the period's last month.",
    ),
    (
        "Transfers and moves",
        "A transfer's municipality is that of the municipal spell (the receiving one for a "
        "transfer in, the one left for a transfer out). A move between two trial municipalities "
        "has no state spell before it, so it is a new client of the receiving municipality. "
        "Leaving the register (work, education) is not a transfer out.",
    ),
    (
        "Exit to employment",
        "The numerator counts persons, not spells: a person who starts two employed spells in a "
        "month counts once. Any employed spell starting in the month counts, whether or not it "
        "follows the unemployment spell directly.",
    ),
    (
        "Placement",
        "Only coaching episodes with an end date count. Groups and the municipality are read on "
        "the day before the episode's start date, the person's situation as they entered "
        "coaching; an episode whose person has no responsibility spell that day has no "
        "municipality and is left out. Subsidised employment on day D is reported as its own "
        "indicator beside placement, never added.",
    ),
    (
        "The effect on placement",
        "The Placements page sets placement at the chosen horizon (14, 90 or 180 days) before "
        "the trial's start against after it, trial against comparison municipalities, by the "
        "exit rate's difference-in-differences: an episode counts in the month it ended and in "
        "the municipality its person was in on the day before it started; before is the "
        "episodes that ended before the start month, after those that ended from it on, only "
        "where day D is on or before the as-of date. A municipality counts when it has episodes "
        "on both sides. Each side's before and after means weight its municipalities by their "
        "episodes, the estimate's weights, so the trial's change minus the comparison's is the "
        "estimate. A before or after mean over fewer episodes than the disclosure threshold is "
        "not shown (the estimate is, as the exit rate's is). Besides the exit rate's caveat "
        "(trial areas applied, so the groups differ), who is sent to coaching may have changed "
        "with the trial, which a comparison of episodes cannot remove.",
    ),
    (
        "Compare: the whole country, regions and the ranking",
        "The register covers the trial and the comparison municipalities, not the country, so "
        "their sum is not the whole country. Compare's whole country is Statistics Finland's "
        "published figure where a loaded table has one for the country: the activation rate "
        "(table 12u4, which ends in February 2022); for every other indicator it says the "
        "figure is not available. Over a period the country is the mean of its published "
        "months (published rates come without their numerators and denominators, so they "
        "cannot be pooled as the register's are). A region (maakunta) is the register's "
        "municipalities in it, by the 2023 division. The ranking is over the whole period "
        "(stocks the mean of the month ends, flows the total, rates pooled) or the period's "
        "latest month alone.",
    ),
    (
        "Unemployment duration in services (changed in December 2026)",
        "A person in services or subsidised employment keeps the unemployment duration they "
        "entered with: the run of back-to-back services and subsidised-employment spells "
        "covering the day inherits the duration of the unemployment spell that ended the day "
        "before it began, and does not grow while it lasts; a run not entered from unemployment "
        "has no duration. Before, a service ended the duration, so the long-term unemployed could "
        "never be in services: their activation rate was 0.0 % everywhere and their placement "
        "counts near zero. The contract changed so that the activated long-term unemployed count "
        "as structural-unemployment statistics count them. Repeated unemployment applies to "
        "persons unemployed or in services (or subsidised employment) on the day, and counts "
        "only days unemployed. Placement groups, read before on the episode's start date, are "
        "now read on the day before it.",
    ),
    (
        "Missing attributes",
        "An empty foreign_citizen or reduced_work_capacity is read as false for the groups. An "
        "empty language or education is kept as its own (empty) category in breakdowns.",
    ),
    (
        "Clients per FTE",
        "Caseload and client-facing FTE (coach and advisor) are summed over the municipalities "
        "of a cell before dividing. Where no staff are recorded the ratio is not shown.",
    ),
    (
        "Overlaps",
        "Responsibility spells of one person may not overlap, nor may status spells. Service "
        "episodes may overlap (a person can be in two services).",
    ),
    (
        "Zeros",
        "Every cell of a table appears, zeros included: all months of the period, every "
        "municipality in scope (trial municipalities for trial-only indicators), and the values "
        "of person breakdowns that occur in the data.",
    ),
    (
        "The Explorer's slices",
        "A slice is the indicator table `trialwatch indicators` writes for the same arguments: "
        "the sidebar's areas or municipalities become `--where` filters (an extension of the "
        "contract's command line), and for the whole trial the comparison municipalities are "
        "included while 'show the comparison municipalities' is on. The analytic file behind "
        "the Polars snippet is that disclosure-controlled table (the Parquet download), never "
        "person-level rows: microdata do not leave the store. In the pivot `..` marks a "
        "suppressed cell and `.` a value that is not defined (no one in the denominator), as in "
        "Statistics Finland's tables. A slice of more than 100,000 cells is not computed; the "
        "page asks to narrow it.",
    ),
)

DISCLOSURE_RULE = (
    "Figures come from person-level registers, so every count of persons that leaves the "
    "engine is **perturbed by at most 2** with the **cell-key method** of statistics offices' "
    "table builders (ABS TableBuilder, ONS, DWP Stat-Xplore), and then the threshold (5 by "
    "default) applies. "
    "**Record keys.** Each person has a key from 0 to 255: the last byte of HMAC-SHA256 of "
    "their `person_id` under the deployment's secret (`TRIALWATCH_DISCLOSURE_KEY`; the "
    "synthetic demo store uses its own public key). The same person keeps the key in every "
    "import. "
    "**Cell keys.** A cell's key is the sum, modulo 256, of the keys of the units it counts: "
    "persons for a month's stock, events (transfers, new clients), coaching episodes, or "
    "person-months for a rate's denominator. A stock over several months (a quarter's mean "
    "caseload) counts its person-months: the perturbed total of month-end counts, divided by "
    "the months, is the mean shown. It is not rounded further: the total behind it is already "
    "perturbed, and rounding would only blur a quarter against its months. "
    "**Noise.** The perturbation table (`data/reference/ptable.csv`) gives the noise for the "
    "count and the cell key: for a count of 1, -1 for keys 0-95, 0 for 96-191, +1 for 192-223 "
    "and +2 for 224-255; for 2 or more, -2 (keys 0-31), -1 (32-79), 0 (80-175), +1 (176-223) "
    "and +2 (224-255). Over the keys the noise averages 0, so totals stay unbiased; no count "
    "goes below zero, a 1 or a 2 may become 0, and zero stays zero. The same persons give the "
    "same noise in every table, page and export, so asking again, or by another route, gives "
    "the same figure, and subtracting tables from each other gives differences that are off by "
    "up to 4 or more, not small counts. "
    "**Rates** are the perturbed numerator over the perturbed denominator, each with its own "
    "cell key; the numerator is kept at most the denominator, so no share is over 100 %. "
    "**Threshold.** After perturbation a count under the threshold, or a rate whose "
    "denominator is under it, is suppressed. Nothing else is: since every cell is perturbed, "
    "no complementary cells are hidden, and totals are perturbed as cells of their own, so "
    "**cells need not add up to their totals**. "
    "Money (payments, costs) and staff FTE are not counts of persons and are shown as "
    "computed, suppressed where fewer persons (or episodes, placements) than the threshold lie "
    "behind them; coaching contacts per client divide exact contacts by the perturbed "
    "caseload. The operator alone may ask for exact counts (`--min-count 0`). "
    "**Statistics.** The evaluation's counts are perturbed the same way: the person-months "
    "and episodes behind the difference-in-differences and each month of the event study; "
    "the persons, starts and events of time to employment and, on each day of a curve, those "
    "still followed, found work and censored; the n and numerator of actual against expected "
    "(the actual rate is their ratio, the expected count the expected rate times the shown n); "
    "the peers' unemployed and shares. Their estimates (differences, curves, medians, expected "
    "rates, intervals, distances) are not counts and are shown as computed, but only where "
    "each side or stratum has at least the threshold of persons (person-months, episodes, "
    "persons at risk) after perturbation: a curve stops where fewer are still followed. "
    "Why not the ONS `cell-key-perturbation` package: it builds whole tables from a pandas "
    "frame of microdata, while here the keys are summed inside the engine's own Polars "
    "aggregations (per municipality and month, then to the asked cells), which takes a few "
    "lines (`lib/engine/disclosure.py`)."
)

AGE_BANDS_NOTE = (
    "Age bands: under 25, 25-34, 35-44, 45-54, 55 and over (age = year minus birth year)."
)

# Who may see what (../shared/DATA_CONTRACT.md, "Users and access"), as lib/engine/access.py
# applies it wherever a figure is read: every page, download, saved view and `--as` command.
ACCESS_RULES: tuple[tuple[str, str], ...] = (
    (
        "Roles",
        "Ministry, evaluator and admin users see every area, municipality, indicator, dimension "
        "and group; an admin also loads extracts and published tables, manages users and reads "
        "the audit trail. A municipal user's own places are their trial areas, the "
        "municipalities in them, and the municipalities given to them. Someone signed in without "
        "a user row, or removed, sees no figures and is told to ask an admin.",
    ),
    (
        "Headline and detail (indicator tables)",
        "A headline query (active caseload, transfers in and out, new clients, unemployed, exit, "
        "activation and placement rates; no group, no gender, age band, language or education "
        "in the breakdown or the filters; not by municipality or provider, nor filtered to "
        "one) is answered for a municipal user for every area. Any other query is answered "
        "when every place it covers is their own: its filters keep only their own areas or "
        "municipalities, or it is broken down by municipality or trial area and the other "
        "places' rows are left out. Otherwise it is refused, with what to narrow, and the "
        "refusal is recorded. A page that would need such detail says so in one sentence.",
    ),
    (
        "Statistics for a municipal user",
        "The same spirit: a figure about a whole area or the whole trial for everyone is "
        "headline, a figure for a group or a person filter, by municipality or by provider is "
        "detail. So: the trial effect (on the exit rate and on placement) and the effect month by"
        " month for everyone, overall and per area; for a group, only their own areas' rows (no "
        "trial-wide figure). Time to employment only by trial area or municipality, their own "
        "rows. Actual against expected exit per trial area for everyone; for a group or by "
        "municipality only their own rows; never by provider (a provider serves several "
        "municipalities). Peers only of their own municipality: the peers' names, regions, "
        "populations and distances show, their register figures (unemployed, unemployment rate, "
        "long-term and foreign shares) do not. The state office's caseload for whole trial areas,"
        " or for a group or single municipalities of their own only.",
    ),
    (
        "Disclosure threshold",
        "Only the operator (a command run without `--as` with the store's credentials) may lower "
        "the threshold below the deployment's setting; `--min-count 0` with `--as`, or any "
        "lower threshold for a signed-in user, is refused.",
    ),
    (
        "Saved views, downloads and the audit trail",
        "A saved view is its page's parameters: opened by anyone, it is read with that person's "
        "rights, so a view made by someone else shows nothing more than they may see. It "
        "records the signed-in user who saved it; only they or an admin rename, update or "
        "delete it. Every download (CSV, Excel, Parquet), every `indicators` or `effect` "
        "command with `--as` or `--out`, every saved-view change and every refused request "
        "writes a row in the audit trail: who, when, what (its parameters) and how many rows.",
    ),
    (
        "Signing in",
        "Sign-in is OpenID Connect through the organisation's identity provider (Streamlit's "
        "st.login). A person counts as signed in only when the provider's ID token says their "
        "e-mail address is verified (email_verified true; an absent claim or the text 'true' "
        "does not count), and their rights are those of the user row of that address, compared "
        "in lower case. No row, or a removed user: no figures, and a page that says whom to ask. "
        "Sign-in, sign-out, an unverified address and a person without a row each write a row "
        "in the audit trail, once per session. Rights are looked up on every run, so a removed "
        "user or a changed role takes effect on their next click.",
    ),
    (
        "Demo visitor",
        "Without sign-in configured, Trialwatch opens only a synthetic store (one whose extract "
        "says it is synthetic), for a labelled demo visitor who chooses whose view to see "
        "(ministry, evaluator, the municipal lead of one area, admin), so that anyone can see "
        "what each user would see. The figures are then the rule's for that role. A store "
        "holding any other extract does not open without sign-in, and the page says what to "
        "set: there is never a real store without sign-in. The demo visitor may read the demo's "
        "audit trail as admin but not import: replacing the store needs a signed-in admin.",
    ),
    (
        "Importing through the browser",
        "An admin may upload an extract as a zip of its folder (manifest.toml and its tables, "
        "at the zip's top or in its one top folder), at most TRIALWATCH_UPLOAD_MB (500 MB by "
        "default) zipped and again unpacked, counted as it is written. A zip entry whose name "
        "is absolute or leaves the folder, a symbolic link, an encrypted entry or more than "
        "1,000 entries refuses the whole upload before anything is unpacked. The extract is "
        "then checked and loaded exactly as `trialwatch import` does: a refused extract lists "
        "every problem and leaves the store as it was, a loaded one replaces the register in "
        "one transaction. Every import, loaded or refused, through the page or the command "
        "line, is a row in the audit trail.",
    ),
)
