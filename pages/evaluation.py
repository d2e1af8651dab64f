"""Evaluation: did the trial work? The effect on the exit rate with its uncertainty, the event
study behind it, time to employment, peers, and expected against actual."""

import streamlit as st

from lib.figures import evaluation as ev
from lib.figures.i18n import N_, t
from lib.web import data, frame, render

frame.page_header(
    N_("Evaluation"), t("Did the trial work? The counterfactual comparison, with its uncertainty.")
)
ctx = data.page_context()
slots = frame.slots()  # the view puts each control above the figure it changes

area = frame.page_choice(
    "effect_area",
    t("Result and event study for"),
    [ev.WHOLE_TRIAL, *sorted(ctx.area_names)],
    ev.WHOLE_TRIAL,
    format_func=lambda a: t("The whole trial") if a == ev.WHOLE_TRIAL else ctx.area_names.get(a, a),
    container=slots.columns("effect_area", [1, 2])[0],
)
survival = slots.columns("survival", [1, 1])
km_start = frame.page_choice(
    "km_start",
    t("Time to employment from"),
    list(ev.KM_STARTS),
    "coaching",
    kind="segmented",
    format_func=lambda s: t("Start of coaching") if s == "coaching" else t("Transfer in"),
    container=survival[0],
)
km_by = frame.page_choice(
    "km_by",
    t("Time to employment by"),
    list(ev.KM_BY),
    "trial_or_comparison",
    format_func=ev.km_by_label,
    container=survival[1],
)
names = ctx.municipality_names
peer_of = frame.page_choice(
    "peer_of",
    t("Peers of"),
    ev.peer_choices(ctx, sorted(names, key=lambda c: names[c])),
    ev.default_peer(ctx),
    format_func=lambda c: names.get(c, c),
    container=slots.columns("peers", [1, 2])[0],
)

with st.spinner(t("spinner.loading")):
    view = data.build(
        ev.build,
        ctx,
        area=None if area == ev.WHOLE_TRIAL else area,
        km_start=km_start,
        km_by=km_by,
        peer_of=peer_of,
    )
render.view(view, slots)
