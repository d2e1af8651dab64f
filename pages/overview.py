"""Overview: the whole trial (or the sidebar's selection) at a glance, then each trial area."""

import streamlit as st

from lib.figures.format import format_date, format_month
from lib.figures.i18n import t
from lib.settings import get_settings
from lib.web import data, overview, render

sel = data.selection()

with st.spinner(t("spinner.loading")):
    ctx, view, specs = overview.overview_view(sel)

st.title(t("overview.title"))
summary = sel.state.summary(sel.options, sel.lang)
subtitle = t("overview.subtitle", date=format_date(ctx.as_of), month=format_month(ctx.last_month))
st.caption(f"{subtitle} {summary}" if summary else subtitle)

st.subheader(t("overview.headlines"))
overview.headline_grid(view.headlines, ctx, specs=specs)
render.national_context(ctx.last_month)

st.subheader(t("overview.areas"))
overview.area_table(
    view.areas,
    ctx,
    view.placement,
    fte_band=get_settings().fte_band,
    meta_filters=tuple(sel.state.describe(sel.options, sel.lang)),
)
