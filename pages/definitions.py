"""Data and definitions: the loaded extract, its load history, every indicator's and group's
definition, how the contract is read, and the disclosure rule."""

import streamlit as st

from lib.figures import about
from lib.figures.definitions import AGE_BANDS_NOTE, DISCLOSURE_RULE, READINGS
from lib.figures.format import format_date
from lib.figures.i18n import t
from lib.settings import get_settings
from lib.web import data, render

info = data.current_info()
settings = get_settings()
st.title(t("definitions.title"))
st.caption(t("definitions.subtitle"))

st.subheader(t("definitions.extract"))
c1, c2, c3 = st.columns(3)
c1.metric(t("definitions.as_of"), format_date(info.as_of))
c2.metric(t("definitions.loaded"), format_date(info.loaded_at))
c3.metric(t("definitions.batch"), str(info.batch_id))
st.markdown(
    f"**{t('definitions.source')}:** {info.source or t('sidebar.unknown_source')}  \n"
    f"**{t('definitions.description')}:** {info.description or '–'}  \n"
    f"**{t('definitions.path')}:** `{info.source_path}`"
)
left, _ = st.columns([1, 1])
with left:
    st.markdown(f"**{t('definitions.rows')}**")
    render.static_table(*about.row_counts(info.row_counts), key="rows", title=t("definitions.rows"))
st.markdown(f"**{t('definitions.history')}**")
render.static_table(
    *about.history(data.load_history()), key="history", title=t("definitions.history")
)

st.subheader(t("definitions.disclosure"))
st.markdown(DISCLOSURE_RULE)
st.caption(t("definitions.threshold", n=settings.min_count))

st.subheader(t("definitions.indicators"))
render.static_table(
    *about.indicators(), key="indicators", title=t("definitions.indicators"), list_body="definition"
)
st.subheader(t("definitions.groups"))
render.static_table(
    *about.groups(settings.youth_age),
    key="groups",
    title=t("definitions.groups"),
    list_body="definition",
)
st.caption(AGE_BANDS_NOTE)

st.subheader(t("definitions.readings"))
for heading, text in READINGS:
    with st.expander(heading):
        st.markdown(text)

st.subheader(t("definitions.settings"))
render.static_table(
    *about.settings_table(settings), key="settings", title=t("definitions.settings"), wrap=True
)

st.subheader(t("definitions.exports"))
st.markdown(t("definitions.exports.text"))
