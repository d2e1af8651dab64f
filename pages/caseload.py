"""Caseload and transfers: the monthly flows, the active caseload per area or municipality, its
make-up by group, the initial transfer against its plan and the cumulative transferred."""

import streamlit as st

from lib.figures import caseload
from lib.figures.i18n import N_, t
from lib.web import data, frame, render

# The keys `t(f"caseload.breakdown.{b}")` computes, written out for the catalogue's extraction.
_BREAKDOWN_KEYS = (
    N_("caseload.breakdown.area"),
    N_("caseload.breakdown.municipality"),
)

frame.page_header("caseload.title", t("caseload.subtitle"))
ctx = data.page_context()
slots = frame.slots()  # the view puts each control above the figure it changes

include_initial = frame.page_choice(
    "initial",
    t("caseload.include_initial"),
    [False, True],
    False,
    kind="toggle",
    container=slots.at("initial"),
)
breakdown = frame.page_choice(
    "view",
    t("caseload.breakdown"),
    caseload.BREAKDOWNS,
    "area",
    kind="segmented",
    format_func=lambda b: t(f"caseload.breakdown.{b}"),
    container=slots.at("view"),
)

with st.spinner(t("spinner.loading")):
    view = data.build(caseload.build, ctx, breakdown=breakdown, include_initial=include_initial)
render.view(view, slots)
