"""Published statistics: Statistics Finland's figures beside the register's own, per area."""

import streamlit as st

from lib.figures import published
from lib.figures.format import format_month
from lib.figures.i18n import t
from lib.web import data, frame, render

ctx = data.page_context()
offer = published.offer(ctx)
slots = frame.slots()  # the view puts the choices under its caption
choices = {}
if offer is not None:
    where = slots.columns("choices", [1.1, 2.0, 1.4], vertical_alignment="bottom")
    level = frame.page_choice(
        "level",
        t("Area level"),
        offer.levels,
        offer.levels[0],
        format_func=published.level_label,
        container=where[0],
        key="published-level",
    )
    labels = {a.key: a.label for a in offer.areas[level]}
    area = frame.page_choice(
        f"area_{level}",  # each level keeps its own area
        t("Area"),
        list(labels),
        offer.default_area(level),
        format_func=labels.get,
        container=where[1],
        key=f"published-{level}",
    )
    scaled = bool(offer.scale) and frame.page_choice(
        "scaled",
        t("Register ÷ k"),
        [False, True],
        True,
        kind="toggle",
        help=t(
            "The synthetic demo register is simulated at k = {k} of the published size: "
            "divide it by k to compare levels."
        ).format(k=offer.scale),
        container=where[2],
        key="published-scaled",
    )
    full_history = frame.page_choice(
        "history",
        t("From {month}").format(month=format_month(offer.first_month)),
        [False, True],
        False,
        kind="toggle",
        help=t("Show every published month, not only the register's."),
        container=where[2],
        key="published-history",
    )
    choices = {"level": level, "area": area, "scaled": scaled, "full_history": full_history}

with st.spinner(t("spinner.loading")):
    view = data.build(published.build, ctx, **choices)
render.view(view, slots)
