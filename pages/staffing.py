"""Staffing: FTE by role and origin, clients per client-facing FTE against the target band (and
who is outside it), contacts against the weekly-contact target, employer contacts."""

import streamlit as st

from lib.figures import staffing
from lib.figures.i18n import t
from lib.web import data, frame, render

frame.page_header("staffing.title", t("staffing.subtitle"))
ctx = data.page_context()

with st.spinner(t("spinner.loading")):
    view = data.build(staffing.build, ctx)
render.view(view)
