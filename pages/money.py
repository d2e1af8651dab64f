"""Money and providers: spending per month and per area, cost per participant and per placement,
providers ranked with the placement rate beside the cost, the payments audit and the provider
ratings (lib/figures/money.py builds it; the reader decides what this viewer may see)."""

import streamlit as st

from lib.figures import money
from lib.figures.i18n import t
from lib.web import data, frame, render

frame.page_header("money.title", t("money.subtitle"))
ctx = data.page_context()

with st.spinner(t("spinner.loading")):
    view = data.build(money.build, ctx)
render.view(view)
