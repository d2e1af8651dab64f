"""Overview: the whole trial (or the sidebar's selection) at a glance, then each trial area."""

import streamlit as st

from lib.figures import overview
from lib.figures.i18n import N_, t
from lib.web import data, frame, render

# The keys `t(f"overview.sort.{o}")` computes, written out for the catalogue's extraction.
_ORDER_KEYS = (
    N_("overview.sort.asc"),
    N_("overview.sort.desc"),
)

ctx = data.page_context()
slots = frame.slots()  # the view puts the sort above the area table
where = slots.columns("sort", [2, 2.4, 4.6], vertical_alignment="bottom")
sort_by = frame.page_choice(
    "sort",
    t("overview.sort"),
    list(overview.AREA_SORTS),
    "area_name",
    format_func=lambda c: t("table.area") if c == "area_name" else t(f"table.{c}"),
    help=t("overview.sort.help"),
    container=where[0],
)
order = frame.page_choice(
    "order",
    t("overview.sort.order"),
    ["asc", "desc"],
    "asc",
    kind="segmented",
    format_func=lambda o: t(f"overview.sort.{o}"),
    container=where[1],
)

with st.spinner(t("spinner.loading")):
    view = data.build(overview.build, ctx, sort_by=sort_by, descending=order == "desc")
render.view(view, slots)
