"""Compare regions: a municipality, trial area or region beside its peers, its region, the whole
trial, the comparison group and the whole country; small multiples, a ranked table per 1,000 job
seekers (over the period or in its last month), and a ranked bar chart of every unit."""

import streamlit as st

from lib.figures import compare
from lib.figures.i18n import N_, t
from lib.web import data, frame, layout, render

# The keys `t(f"compare.level.{x}")` computes, written out for the catalogue's extraction.
_LEVEL_KEYS = (
    N_("compare.level.municipality"),
    N_("compare.level.area"),
    N_("compare.level.region"),
)

frame.page_header("compare.title", t("compare.subtitle"))
ctx = data.page_context()
units = compare.units(ctx.options, ctx.lang)


def unit_label(key: str) -> str:
    return compare.unit_label(units[key])


# Top-aligned: a control that wraps its chosen values grows downwards, the labels stay in line.
top = layout.row([2, 3, 2])
focus = frame.page_choice(
    "focus",
    t("compare.focus"),
    list(units),
    compare.default_focus(ctx),
    format_func=unit_label,
    help=t("compare.focus.help"),
    container=top[0],
)
kind = units[focus].kind
peers = frame.page_choice(
    "peers",
    t("compare.peers"),
    [k for k, u in units.items() if u.kind == kind and k != focus],
    compare.suggest_peers(units, focus, reader=ctx.reader),
    kind="multiselect",
    format_func=lambda key: compare.peer_label(units[key]),
    help=t("compare.peers.help.kind"),
    container=top[1],
    depends_on=focus,
)
level = frame.page_choice(
    "level",
    t("compare.level"),
    list(compare.LEVELS),
    kind,
    kind="segmented",
    format_func=lambda x: t(f"compare.level.{x}"),
    container=top[2],
    depends_on=kind,
)
# The indicators on a line of their own and the ranking's choices under them: a chip or a
# select box of a third of the width cut the Finnish "Asiakkaita per asiakastyön htv
# (asiakkaita per htv)".
bottom = layout.row([1]) + layout.row([3, 2])
offered, defaults = compare.indicator_choices(ctx.reader)
indicators = frame.page_choice(
    "ind",
    t("compare.indicators"),
    offered,
    defaults,
    kind="multiselect",
    format_func=lambda i: compare.indicator_label(i),
    container=bottom[0],
)
rank_by = frame.page_choice(
    "rank",
    t("compare.rank_by"),
    indicators or defaults,
    (indicators or defaults)[0],
    format_func=lambda i: compare.indicator_label(i),
    container=bottom[1],
)
rank_on = frame.page_choice(
    "rank_on",
    t("Rank on"),
    list(compare.RANK_ON),
    "period",
    kind="segmented",
    format_func=lambda r: t("Whole period") if r == "period" else t("Latest month"),
    help=t(
        "Whole period: stocks the mean of the month ends, flows the total, rates pooled over "
        "the months. Latest month: the period's last month alone."
    ),
    container=bottom[2],
)

with st.spinner(t("spinner.loading")):
    view = data.build(
        compare.build,
        ctx.without_geo(),
        focus=focus,
        peers=tuple(peers),
        indicators=tuple(indicators),
        rank_by=rank_by,
        level=level,
        sidebar_geo=not ctx.state.whole_trial,
        rank_on=rank_on,
        country=tuple((i, data.country_series(i)) for i in indicators),
    )
render.view(view)
