"""Overview: the whole trial at a glance for ministry officials, then each trial area."""

import streamlit as st

from lib import overview, ui
from lib.format import format_date, format_month
from lib.i18n import t
from lib.settings import get_settings

ctx = ui.overview_context()

st.title(t("overview.title"))
st.caption(t("overview.subtitle", date=format_date(ctx.as_of), month=format_month(ctx.last_month)))

with st.spinner(t("spinner.loading")):
    view = overview.build(ui.read, ctx, fte_band=get_settings().fte_band)

st.subheader(t("overview.headlines"))
ui.headline_grid(view.headlines, ctx)

st.subheader(t("overview.areas"))
ui.area_table(view.areas, ctx, view.placement)
