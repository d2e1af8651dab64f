"""The Published statistics page: Statistics Finland's figures beside the register's own, per
area (the data: lib/published/comparison.py; the charts: lib/figures/published_charts.py)."""

from __future__ import annotations

GAP_EXPLAINED = (
    "**Why the register and the published count differ.** "
    "*Different populations:* the published figure counts every unemployed job seeker in the "
    "employment service's register on the last working day of the month, by municipality of "
    "residence, fully laid-off persons included (TEM employment service statistics); the "
    "register counts the persons in the loaded extract with an unemployed status on the "
    "month's last day, in the municipality of their responsibility spell. "
    "*Different definitions and days:* status categories, the reference day and later "
    "corrections differ, so the two are not expected to match exactly; compare their levels "
    "and turns, not single persons."
)
DEMO_GAP = (
    "*Synthetic demo register:* it is simulated at a scale of k = {k} of the published stock "
    "(each municipality follows its published count times k; docs/demo_register.md), so the "
    "register ÷ k line should run close to the published one up to {last}; after that the "
    "demo repeats the year before."
)
SUM_EXPLAINED = (
    "**Sums over municipalities.** The published country total is above the sum over its "
    "municipalities by about 100-600 persons a month from 2019 on (persons whose municipality "
    "is unknown, and small counts left empty). Trialwatch shows that difference instead of "
    "spreading it over municipalities; a trial area's published figure is the sum over its "
    "municipalities."
)
RATE_EXPLAINED = (
    "**Unemployment rate** = 100 x unemployed job seekers / labour force (Statistics Finland's "
    "employment statistics, an annual figure repeated for every month). It is left empty "
    "wherever either is missing (e.g. small Åland municipalities' empty cells). This is the "
    "employment service's register-based rate, not the Labour Force Survey's."
)
