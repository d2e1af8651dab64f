"""Trialwatch: the Streamlit entry point and the frame around every page.

Run with `streamlit run dashboard.py` (scripts/start.sh). The frame sets the page up, draws the
shared sidebar header, the synthetic-data notice, tells what to run when the store is empty or
unreachable, and turns any unexpected failure of a page into a short message.
"""

import streamlit as st

from lib import ui
from lib.i18n import t

st.set_page_config(page_title="Trialwatch", page_icon=":material/monitoring:", layout="wide")
ui.setup_language()

pages = [
    st.Page(
        "pages/overview.py",
        title=t("overview.title"),
        icon=":material/dashboard:",
        url_path="overview",
        default=True,
    ),
]
page = st.navigation(pages)

state = ui.data_state()
ui.sidebar_header(state)
ui.synthetic_notice(state)

if state.status != "ok":
    ui.store_message(state)
else:
    try:
        page.run()
    except Exception as exc:  # noqa: BLE001 -- st.stop/st.rerun are BaseExceptions and pass
        ui.friendly_error(exc)
