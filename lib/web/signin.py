"""Who this session is, before any figure is read: a signed-in user or the demo visitor.

With an `[auth]` section in `.streamlit/secrets.toml`, Streamlit's own OpenID Connect sign-in
(`st.login`, `st.user`, `st.logout`) decides: only an ID token whose `email_verified` claim is
true counts, and the user row is the one of that e-mail address (lib/engine/access.py
`viewer_for_subject`). No row, or a removed user: a page that says whom to ask. Sign-in and
sign-out each write a row in the audit trail.

Without `[auth]`, only a synthetic store opens, for a "demo visitor" who chooses in the sidebar
which role to view as; a store holding a non-synthetic extract is not opened at all, and the
page says what to set. `gate` returns the viewer the pages read as (lib/web/data.py
`set_viewer`, the hook the pages follow), or the page to draw instead of the product.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from lib.engine import access, door
from lib.figures.engine_texts import ERROR_TEXTS
from lib.figures.filters import PARAMS
from lib.figures.format import collation_key
from lib.figures.i18n import N_, t
from lib.figures.text import as_text
from lib.settings import get_settings
from lib.web import data, frame, sidebar

# The keys `t(f"role.{role}")` computes, written out for the catalogue's extraction.
_ROLE_KEYS = (
    N_("role.ministry"),
    N_("role.evaluator"),
    N_("role.municipal"),
    N_("role.admin"),
    N_("role.nobody"),
)

# The keys of `[auth]` Streamlit needs for one provider (its docs, st.login).
AUTH_KEYS = ("redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url")
SIGNED_IN_KEY = "trialwatch.signed_in"  # the subject whose sign-in row this session wrote
DEMO_ROLE = "demo_role"  # the demo visitor's role (a widget key)
DEMO_AREA = "demo_area"  # the area a demo visitor viewing as municipal leads (a widget key)
DEMO_ROLES = ("ministry", "evaluator", "municipal", "admin")
DEMO_DEFAULT = "ministry"


@dataclass(frozen=True)
class Gate:
    """The session's viewer (mode "signed_in" or "demo"), or `page`: what to draw instead of
    the product (signing in, a refusal, what to configure)."""

    viewer: access.Viewer | None
    mode: str
    page: Callable[[], None] | None = None


def auth_section() -> dict | None:
    """The `[auth]` section of the secrets (None: sign-in is not configured)."""
    try:
        section = st.secrets.get("auth") if "auth" in st.secrets else None
    except Exception:  # noqa: BLE001 -- no secrets file at all: not configured
        return None
    return dict(section) if section else None


def missing_auth_keys(section: dict) -> list[str]:
    """The keys `[auth]` lacks for Streamlit's sign-in (empty values count as missing)."""
    return [k for k in AUTH_KEYS if not str(section.get(k) or "").strip()]


def verified_email(user: dict) -> str | None:
    """The e-mail address the identity provider vouches for: the ID token's `email` when its
    `email_verified` claim is true (the JSON boolean; a string "true" does not count)."""
    email = str(user.get("email") or "").strip().lower()
    return email if email and user.get("email_verified") is True else None


def gate(state: data.DataState) -> Gate:
    """Decide who this session is, for this run (see the module's docstring)."""
    section = auth_section()
    if section is not None:
        return _signed_in_gate(state, section)
    if state.info is not None and not state.info.synthetic:
        return Gate(None, "refused", lambda: _needs_sign_in_page(state.info))
    return Gate(_demo_viewer(), "demo")


def _signed_in_gate(state: data.DataState, section: dict) -> Gate:
    missing = missing_auth_keys(section)
    if missing:
        return Gate(None, "refused", lambda: _misconfigured_page(missing))
    user = st.user.to_dict()
    if user.get("is_logged_in") is not True:
        st.session_state.pop(SIGNED_IN_KEY, None)
        return Gate(None, "signed_out", _sign_in_page)
    email = verified_email(user)
    if email is None:
        claimed = str(user.get("email") or "").strip().lower() or "no e-mail address"
        who = access.Viewer(
            name=claimed, role="nobody", municipalities=(), subject=f"{claimed} (not verified)"
        )
        _audit_once(who, "refused", {"reason": "e-mail address not verified"})
        return Gate(None, "refused", lambda: _unverified_page(claimed))
    if state.status == "unreachable":
        return Gate(None, "refused", lambda: _store_page(state))
    viewer = access.viewer_for_subject(email, get_settings().db_url)
    if st.session_state.get(SIGNED_IN_KEY) != email:
        st.session_state[SIGNED_IN_KEY] = email
        _record(viewer, "sign_in", {"role": viewer.role, "name": user.get("name")})
    if viewer.role == "nobody":
        _audit_once(viewer, "refused", {"reason": "no user row"})
        return Gate(None, "refused", lambda: _no_user_page(email))
    data.set_viewer(viewer)
    return Gate(viewer, "signed_in")


def _record(viewer: access.Viewer, action: str, detail: dict) -> None:
    try:
        door.record(viewer, action, "dashboard", detail, None, get_settings().db_url)
    except Exception:  # noqa: BLE001 -- the audit trail must not break the sign-in page
        data.log.exception("could not record %s in the audit trail", action)


def _audit_once(viewer: access.Viewer, action: str, detail: dict) -> None:
    key = f"trialwatch.audited.{action}.{viewer.subject}"
    if not st.session_state.get(key):
        st.session_state[key] = True
        _record(viewer, action, detail)


def sign_out() -> None:
    """Write the sign-out row, then end the session's sign-in (Streamlit's st.logout, which
    also ends it at the identity provider when the provider offers that)."""
    _record(data.viewer(), "sign_out", {})
    st.session_state.pop(SIGNED_IN_KEY, None)
    st.logout()
    st.stop()  # nothing more of this run: the browser is on its way out


# ---------------------------------------------------------------------------------------------
# The demo visitor


def _demo_viewer() -> access.Viewer:
    """The demo visitor's viewer: the role chosen in the sidebar (ministry at first). A viewer
    already set for the session (a test's, or an earlier choice) is kept."""
    current = st.session_state.get(data.VIEWER_KEY)
    if not isinstance(current, access.Viewer):
        data.set_viewer(access.demo_viewer(DEMO_DEFAULT))
    return data.viewer()


def _choose_role() -> None:
    role = st.session_state.get(DEMO_ROLE) or DEMO_DEFAULT
    if role == "municipal":
        area = st.session_state.get(DEMO_AREA)
        if not area:
            return  # the area list is drawn next; the choice is made once an area is picked
        new = access.demo_viewer("municipal", areas=(area,))
    else:
        new = access.demo_viewer(role)
    data.set_viewer(new)
    # A municipal view starts on its own areas, everyone else on the whole trial: the places
    # chosen so far (kept in the session and the URL) are let go.
    st.session_state.pop(sidebar.CANON, None)
    for field in ("areas", "municipalities"):
        st.query_params.pop(PARAMS[field], None)


def demo_chooser(info: access.DataInfo) -> None:
    """The sidebar's "demo visitor" label and the role (and, for municipal, the area) to view
    as; only for a synthetic store without sign-in configured."""
    who = data.viewer()
    opts = data.options_of(info)
    areas = sorted(opts.areas, key=lambda a: collation_key(a.name))
    if DEMO_ROLE not in st.session_state:
        st.session_state[DEMO_ROLE] = who.role if who.role in DEMO_ROLES else DEMO_DEFAULT
    if DEMO_AREA not in st.session_state and areas:
        mine = [a.id for a in areas if a.id in who.areas]
        st.session_state[DEMO_AREA] = mine[0] if mine else areas[0].id
    with st.sidebar.container(border=True):
        st.markdown(f"**{t('Demo visitor')}**")
        st.caption(
            t(
                "Sign-in is not configured: this synthetic demo opens for anyone. Choose whose "
                "view to see."
            )
        )
        st.selectbox(
            t("View as"),
            DEMO_ROLES,
            key=DEMO_ROLE,
            format_func=lambda r: t(f"role.{r}"),
            on_change=_choose_role,
        )
        if st.session_state.get(DEMO_ROLE) == "municipal" and areas:
            names = {a.id: a.name for a in areas}
            st.selectbox(
                t("Municipal lead of"),
                [a.id for a in areas],
                key=DEMO_AREA,
                format_func=lambda a: as_text(names.get(a, a)),
                on_change=_choose_role,
            )


def identity(g: Gate, state: data.DataState) -> None:
    """The sidebar's line on who is reading: the signed-in user with a sign-out button, or the
    demo visitor's chooser (once a store is loaded)."""
    if g.mode == "demo":
        if state.info is not None:
            demo_chooser(state.info)
        return
    who = g.viewer
    with st.sidebar.container(border=True):
        st.caption(
            t("Signed in as {name} ({role})", name=as_text(who.name), role=t(f"role.{who.role}"))
        )
        if st.button(t("Sign out"), key="sign_out", icon=":material/logout:"):
            sign_out()


def signed_out_button() -> None:
    """A sign-out button for a refusal page (signed in, but no figures)."""
    if st.button(t("Sign out"), key="sign_out", icon=":material/logout:"):
        sign_out()


# ---------------------------------------------------------------------------------------------
# The pages drawn instead of the product


def _sign_in_page() -> None:
    st.title(t("Sign in to Trialwatch"))
    st.write(
        t(
            "Trialwatch's figures come from person-level registers and are shown only to signed-in "
            "users. Sign in with your organisation's account."
        )
    )
    if st.button(t("Sign in"), key="sign_in", type="primary", icon=":material/login:"):
        st.login()


def _unverified_page(claimed: str) -> None:
    st.title(t("E-mail address not verified"))
    st.warning(
        t(
            "Your identity provider did not confirm the e-mail address {email}, so Trialwatch "
            "cannot tell who you are and shows no figures. Ask your organisation's identity "
            "administrators to verify it, then sign in again.",
            email=as_text(claimed),
        ),
        icon=":material/lock:",
    )
    signed_out_button()


def _no_user_page(email: str) -> None:
    st.title(t("No access"))
    st.warning(
        t("You are signed in as {email}.", email=as_text(email))
        + " "
        + t(ERROR_TEXTS["no_access"]),
        icon=":material/lock:",
    )
    signed_out_button()


def _store_page(state: data.DataState) -> None:
    frame.store_message(state)
    signed_out_button()


def _needs_sign_in_page(info: access.DataInfo) -> None:
    st.title(t("Sign-in is not configured"))
    st.error(
        t(
            "This store holds a register extract (source: {source}), not synthetic demo data. "
            "Trialwatch opens real data only after signing in, and sign-in is not configured.",
            source=as_text(info.source or t("sidebar.unknown_source")),
        ),
        icon=":material/lock:",
    )
    _what_to_set()


def _misconfigured_page(missing: list[str]) -> None:
    st.title(t("Sign-in is not configured"))
    st.error(
        t(
            "The [auth] section of .streamlit/secrets.toml lacks {keys}: Trialwatch opens "
            "nothing until it is complete.",
            keys=", ".join(missing),
        ),
        icon=":material/lock:",
    )
    _what_to_set()


def _what_to_set() -> None:
    st.markdown(
        t(
            "To open it, an administrator of the server sets the identity provider in the "
            "`[auth]` section of `.streamlit/secrets.toml`, adds the users with `trialwatch "
            'users add`, and restarts the dashboard (README, "Signing in"):'
        )
    )
    st.code(
        "[auth]\n"
        'redirect_uri = "https://trialwatch.example.fi/oauth2callback"\n'
        'cookie_secret = "a long random string"\n'
        'client_id = "trialwatch"\n'
        'client_secret = "from your identity provider"\n'
        'server_metadata_url = "https://idp.example.fi/.well-known/openid-configuration"\n',
        language="toml",
    )
