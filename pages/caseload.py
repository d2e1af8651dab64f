"""Caseload and transfers: the monthly flows, the active caseload per area or municipality, its
make-up by group, and the cumulative transferred against the planned number."""

import streamlit as st

from lib.figures import caseload
from lib.figures.i18n import t
from lib.web import data, frame, render

frame.page_header("caseload.title", t("caseload.subtitle"))
ctx = data.page_context()

with st.spinner(t("spinner.loading")):
    render.metric_row(data.build(caseload.metrics, ctx), per_row=3)

include_initial = frame.page_choice(
    "initial", t("caseload.include_initial"), [False, True], False, kind="toggle"
)
render.block(data.build(caseload.flows_block, ctx, include_initial=include_initial))

breakdown = frame.page_choice(
    "view",
    t("caseload.breakdown"),
    caseload.BREAKDOWNS,
    "area",
    kind="segmented",
    format_func=lambda b: t(f"caseload.breakdown.{b}"),
)
render.block(data.build(caseload.caseload_block, ctx, breakdown))

render.block_row(
    [data.build(caseload.cumulative_block, ctx), data.build(caseload.makeup_block, ctx)]
)
