"""Published statistics: Statistics Finland's figures beside the register's own, per area."""

import streamlit as st

from lib.engine import access
from lib.figures import published as texts
from lib.figures import published_charts as charts
from lib.figures.format import DASH, format_month, format_value
from lib.figures.i18n import t
from lib.published import comparison as published
from lib.published import storage
from lib.settings import get_settings

# Every read names its viewer; role rules will pick it in lib/engine/access.py.
VIEWER = access.FULL_ACCESS


@st.cache_data(ttl=5, show_spinner=False)
def _versions(db_url: str) -> tuple[access.DataInfo | None, str]:
    return access.data_info(db_url), storage.loaded_version(db_url)


@st.cache_resource(show_spinner=False, max_entries=2)
def _view(db_url: str, version: str) -> published.PublishedView | None:
    # `version` keys the cache only: a new published load gets its own entry.
    return published.published_view(db_url)


@st.cache_resource(show_spinner=False, max_entries=4)
def _areas(db_url: str, content_hash: str) -> dict[str, list[published.Area]]:
    return published.areas(access.snapshot(db_url).municipalities, t("Whole country"))


@st.cache_data(show_spinner=False, max_entries=256)
def _register(by: tuple, dim: str | None, key: str, db_url: str, content_hash: str):
    query = access.default_query("unemployed", by=by)
    if dim:
        query = query.with_where(dim, [key])
    return access.read_indicator(query, VIEWER, db_url=db_url)


db_url = get_settings().db_url
info, version = _versions(db_url)

st.title(t("Published statistics"))
view = _view(db_url, version) if version else None
if view is None or info is None:
    st.info(
        t(
            "No published statistics are loaded. Load Statistics Finland's table 12r5 (as CSV or "
            "PX) with `trialwatch published import FILE...`; `trialwatch demo` loads it by "
            "itself when ../shared/data/raw/ is there."
        ),
        icon=":material/info:",
    )
    st.stop()

st.caption(
    t(
        "The statistics office's monthly figures beside the register's own count, per area. "
        "Published months {first}–{last}; register as of {as_of}."
    ).format(
        first=format_month(view.first_month),
        last=format_month(view.last_month),
        as_of=format_month(info.as_of),
    )
)

choices = _areas(db_url, info.content_hash)
levels = [level for level in published.LEVEL_LABELS if choices.get(level)]
scale = published.demo_scale_factor(info.source)

c_level, c_area, c_options = st.columns([1.1, 2.0, 1.4], vertical_alignment="bottom")
with c_level:
    level = st.selectbox(
        t("Area level"),
        levels,
        format_func=lambda key: t(published.LEVEL_LABELS[key]),
        key="published-level",
    )
options = choices[level]
default = next((i for i, a in enumerate(options) if a.key == "091"), 0)
with c_area:
    area = st.selectbox(
        t("Area"), options, index=default, format_func=lambda a: a.label, key=f"published-{level}"
    )
with c_options:
    scaled = bool(scale) and st.toggle(
        t("Register ÷ k"),
        value=True,
        help=t(
            "The synthetic demo register is simulated at k = {k} of the published size: "
            "divide it by k to compare levels."
        ).format(k=scale),
        key="published-scaled",
    )
    full_history = st.toggle(
        t("From {month}").format(month=format_month(view.first_month)),
        help=t("Show every published month, not only the register's."),
        key="published-history",
    )

by, dim = published.register_by_for(level)
register = _register(by, dim, area.key, db_url, info.content_hash)
frame = published.comparison(
    published.published_for_area(view.wide, area), register, scale=scale if scaled else None
)
shown = published.since(frame, None if full_history else published.first_month(register))

month = published.latest_common_month(frame)
row = published.month_row(frame, month)
if month:
    st.subheader(t("{area} in {month}").format(area=area.label, month=format_month(month)))
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(
        t("Published count"),
        format_value(row.get("published"), "persons"),
        help=t("Unemployed job seekers at the month's end, StatFin table 12r5."),
    )
    m2.metric(
        t("Unemployment rate"),
        format_value(row.get("unemployment_rate"), "%"),
        help=t(
            "100 x the published count / the labour force ({lf}); empty where either is missing."
        ).format(lf=format_value(row.get("labour_force"), "persons")),
    )
    m3.metric(
        t("Register count"),
        format_value(row.get("register"), "persons"),
        help=t(
            "The register's unemployed job seekers on the month's last day (indicator "
            "'unemployed')."
        ),
    )
    ratio = row.get("ratio")
    m4.metric(
        t("Register ÷ published"),
        DASH if ratio is None else format_value(100 * ratio, "%"),
        help=t("The register's count as a share of the published count, in {month}.").format(
            month=format_month(month)
        ),
    )
else:
    st.subheader(area.label)
    st.caption(t("No month has both a published and a register figure for this area."))

st.markdown(f"**{t('Unemployed job seekers: published and register')}**")
st.altair_chart(charts.counts_chart(shown, scale=scale if scaled else None), width="stretch")
notes = [t(texts.GAP_EXPLAINED)]
if scale:
    notes.append(t(texts.DEMO_GAP).format(k=scale, last=format_month(view.last_month)))
st.caption("  \n".join(notes))

left, right = st.columns(2)
with left:
    st.markdown(f"**{t('Unemployment rate (published)')}**")
    st.altair_chart(charts.rate_chart(shown), width="stretch")
    st.caption(t(texts.RATE_EXPLAINED))
with right:
    if "difference" in shown.columns:
        st.markdown(f"**{t('Published total minus the sum over its municipalities')}**")
        st.altair_chart(charts.difference_chart(shown), width="stretch")
        last = published.month_row(frame, view.last_month)
        st.caption(
            t(
                "In {month}: published total {total}, sum over its municipalities {sum}, "
                "difference {diff}."
            ).format(
                month=format_month(view.last_month),
                total=format_value(last.get("published"), "persons"),
                sum=format_value(last.get("municipal_sum"), "persons"),
                diff=format_value(last.get("difference"), "persons"),
            )
            + "  \n"
            + t(texts.SUM_EXPLAINED)
        )
    else:
        st.markdown(f"**{t('Open vacancies (published)')}**")
        st.altair_chart(charts.vacancies_chart(shown), width="stretch")
        st.caption(
            t(
                "Open vacancies at the month's end. The series breaks in Jan 2023, when the "
                "Job Market Finland service replaced the old one: compare across it with care."
            )
            + "  \n"
            + t(texts.SUM_EXPLAINED)
        )

with st.expander(t("Month by month")):
    st.dataframe(
        charts.table_for_display(shown, scale=scale if scaled else None),
        hide_index=True,
        width="stretch",
    )

st.caption(
    t(
        "{credit}. Published figures are shown as released, months {first}–{last}. Register "
        "counts under the disclosure threshold are suppressed."
    ).format(
        credit=view.credit,
        first=format_month(view.first_month),
        last=format_month(view.last_month),
    )
)
