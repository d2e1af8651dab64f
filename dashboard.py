"""Trialwatch: the Streamlit entry point and the frame around every page.

Run with `streamlit run dashboard.py` (scripts/start.sh). The frame sets the page up, decides
who the session is (lib/web/signin.py: a signed-in user, or the demo visitor of a synthetic
store; otherwise a page saying why nothing opens), draws the shared sidebar (header, who is
reading, the filters every page reads, the share link), the synthetic-data notice, tells what to
run when the store is empty or unreachable, and turns any unexpected failure of a page into a
short message. Pages are listed once, below.
"""

import streamlit as st

from lib.figures.i18n import t
from lib.web import data, frame, signin

st.set_page_config(page_title="Trialwatch", page_icon=frame.favicon(), layout="wide")
frame.setup_language()
state = data.data_state()
gate = signin.gate(state)  # sets the session's viewer, or says what to draw instead

overview = st.Page(
    "pages/overview.py",
    title=t("overview.title"),
    icon=":material/dashboard:",
    url_path="home",  # reserved only: the default page is served at the root, "/"
    default=True,
)
# /overview (the page's name, typed or from an old link) would open Streamlit's "Page not found"
# dialog, since the default page lives at "/": a hidden page there leads to the Overview.
overview_alias = st.Page(
    lambda: None, title=t("overview.title"), url_path="overview", visibility="hidden"
)
pages = [
    overview,
    st.Page("pages/caseload.py", title=t("caseload.title"), icon=":material/swap_horiz:"),
    st.Page("pages/staffing.py", title=t("staffing.title"), icon=":material/groups:"),
    st.Page("pages/placements.py", title=t("placements.title"), icon=":material/work:"),
    st.Page("pages/money.py", title=t("money.title"), icon=":material/payments:"),
    st.Page("pages/compare.py", title=t("compare.title"), icon=":material/compare_arrows:"),
    st.Page("pages/evaluation.py", title=t("Evaluation"), icon=":material/science:"),
    st.Page("pages/explorer.py", title=t("explorer.title"), icon=":material/explore:"),
    st.Page("pages/published.py", title=t("Published statistics"), icon=":material/query_stats:"),
    st.Page("pages/definitions.py", title=t("definitions.title"), icon=":material/menu_book:"),
    overview_alias,
]
# The admin's pages: listed for admin users only; anyone else who types their address is
# refused by the pages themselves. They stand outside the figures' frame (no filters), and
# Import opens on an empty store too.
is_admin = gate.viewer is not None and gate.viewer.role == "admin"
shown = "visible" if is_admin else "hidden"
audit_page = st.Page(
    "pages/audit.py", title=t("Audit trail"), icon=":material/history:", visibility=shown
)
import_page = st.Page(
    "pages/import_extract.py",
    title=t("Import"),
    icon=":material/upload:",
    url_path="import",
    visibility=shown,
)
admin_pages = [audit_page, import_page]
pages = {t("Figures"): pages, t("Admin"): admin_pages} if is_admin else pages + admin_pages
if gate.page is not None:  # no figures for this session: only what to do (sign in, whom to ask)
    st.navigation(pages, position="hidden")
    gate.page()
    st.stop()
page = st.navigation(pages)
if page is overview_alias:
    st.switch_page(overview, query_params=st.query_params.to_dict())  # the link's parameters too

frame.sidebar_header(state)
frame.synthetic_notice(state)
signin.identity(gate, state)

if page in admin_pages and (state.status == "ok" or page is import_page):
    st.session_state[data.PAGE_KEY] = page.url_path
    try:
        page.run()
    except Exception as exc:  # noqa: BLE001 -- as below
        frame.friendly_error(exc)
elif state.status != "ok":
    frame.store_message(state)
else:
    try:
        frame.page_frame(page)
    except Exception as exc:  # noqa: BLE001 -- st.stop/st.rerun are BaseExceptions and pass
        frame.friendly_error(exc)
