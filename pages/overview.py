"""Overview: the whole trial (or the sidebar's selection) at a glance, then each trial area."""

import streamlit as st

from lib.figures import overview
from lib.figures.i18n import t
from lib.web import data, render

ctx = data.page_context()

with st.spinner(t("spinner.loading")):
    view = data.build(overview.build, ctx)
render.view(view)
