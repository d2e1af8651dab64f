"""Caseload and transfers: the monthly flows, the active caseload per area or municipality, its
make-up by group, and the cumulative transferred against the planned number."""

import streamlit as st

from lib.figures import caseload
from lib.figures.i18n import t
from lib.web import ui

ui.page_header("caseload.title", t("caseload.subtitle"))
ctx = ui.page_context()

with st.spinner(t("spinner.loading")):
    ui.metric_row(ui.build(caseload.metrics, ctx), per_row=3)

include_initial = ui.page_choice(
    "initial", t("caseload.include_initial"), [False, True], False, kind="toggle"
)
ui.block(ui.build(caseload.flows_block, ctx, include_initial=include_initial))

breakdown = ui.page_choice(
    "view",
    t("caseload.breakdown"),
    caseload.BREAKDOWNS,
    "area",
    kind="segmented",
    format_func=lambda b: t(f"caseload.breakdown.{b}"),
)
ui.block(ui.build(caseload.caseload_block, ctx, breakdown))

ui.block_row([ui.build(caseload.cumulative_block, ctx), ui.build(caseload.makeup_block, ctx)])
