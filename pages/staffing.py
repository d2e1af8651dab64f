"""Staffing: FTE by role and origin, clients per client-facing FTE against the target band (and
who is outside it), contacts against the weekly-contact target, employer contacts."""

import streamlit as st

from lib.figures import staffing
from lib.figures.i18n import t
from lib.web import ui

ui.page_header("staffing.title", t("staffing.subtitle"))
ctx = ui.page_context()

with st.spinner(t("spinner.loading")):
    view = ui.build(staffing.build, ctx)

ui.metric_row(view.metrics, per_row=3)
ui.block_row([view.by_role, view.by_origin, view.ratio, view.ratio_areas])
ui.block(view.outside)
ui.block_row([view.contacts, view.contacts_per_client])
ui.block(view.employer)
