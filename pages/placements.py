"""Placements and exits: exit to employment, trial against comparison; placement 14, 90 and 180
days after coaching by month of ending, per trial area and per provider, subsidised beside."""

import streamlit as st

from lib.figures import placements
from lib.figures.i18n import t
from lib.web import data, frame, render

frame.page_header("placements.title", t("placements.subtitle"))
ctx = data.page_context()

days = frame.page_choice(
    "days",
    t("placements.days"),
    list(placements.PLACEMENT_DAYS),
    90,
    kind="segmented",
    format_func=lambda d: t("placements.days.option", d=d),
    help=t("placements.days.help"),
)

with st.spinner(t("spinner.loading")):
    view = data.build(placements.build, ctx, days=days)
render.view(view)
