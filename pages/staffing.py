"""Staffing: FTE by role and origin, clients per client-facing FTE against the target band (and
who is outside it), contacts against the weekly-contact target, employer contacts."""

import streamlit as st

from lib import staffing, ui
from lib.i18n import t

ui.page_header("staffing.title", t("staffing.subtitle"))
ctx = ui.page_context()

with st.spinner(t("spinner.loading")):
    view = ui.build(staffing.build, ctx)

ui.metric_row(view.metrics, per_row=3)
left, right = st.columns(2)
with left:
    ui.block(view.by_role)
with right:
    ui.block(view.by_origin)
left, right = st.columns(2)
with left:
    ui.block(view.ratio)
with right:
    ui.block(view.ratio_areas)
ui.block(view.outside)
left, right = st.columns(2)
with left:
    ui.block(view.contacts)
with right:
    ui.block(view.contacts_per_client)
ui.block(view.employer)
