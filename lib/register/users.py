"""The people who may sign in, kept in the store (`AppUser`), managed with `trialwatch users`.

A user is the e-mail address the identity provider vouches for (the ID token's `email` with
`email_verified` true), compared trimmed and lower-cased; a role (../shared/DATA_CONTRACT.md,
"Users and access"); and, for a `municipal` user, their own trial areas and municipalities. What a
role may see is decided where figures are read (lib/engine/access.py), not here. Adding an
existing subject updates it. Every function opens its own short transaction. No Streamlit here.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

from sqlalchemy import Engine, delete, select

from lib.register.schema import AppUser, Municipality, TrialArea

ROLES = ("ministry", "evaluator", "municipal", "admin")
# Something@domain.tld without spaces or control characters: an identity provider's e-mail claim.
_EMAIL = re.compile(r"^[^\s@\x00-\x1f\x7f]+@[^\s@\x00-\x1f\x7f]+\.[^\s@\x00-\x1f\x7f]+$")


class UserError(ValueError):
    """A user change that is refused; the message says what to fix."""


@dataclass(frozen=True)
class User:
    subject: str
    role: str
    areas: tuple[str, ...] = ()
    municipalities: tuple[str, ...] = ()
    name: str | None = None

    def as_record(self) -> dict:
        return {
            "subject": self.subject,
            "role": self.role,
            "areas": ",".join(self.areas),
            "municipalities": ",".join(self.municipalities),
            "name": self.name or "",
        }


def normalise_subject(subject: str) -> str:
    """The subject as it is stored and compared: trimmed and lower-cased; refused unless it is
    an e-mail address."""
    text = (subject or "").strip().lower()
    if not _EMAIL.match(text):
        raise UserError(
            f"{subject!r} is not an e-mail address: a user is the e-mail address the identity "
            "provider vouches for, e.g. anna.virtanen@tem.fi"
        )
    return text


def add_user(
    engine: Engine,
    subject: str,
    *,
    role: str,
    areas: tuple[str, ...] = (),
    municipalities: tuple[str, ...] = (),
    name: str | None = None,
    known_areas: set[str] | None = None,
    known_municipalities: set[str] | None = None,
) -> tuple[User, bool]:
    """Add the user, or update them when the subject exists; returns (user, created).

    known_areas / known_municipalities: the loaded register's, to refuse a place it does not
    have (None: no register loaded, nothing to check against)."""
    subject = normalise_subject(subject)
    if role not in ROLES:
        raise UserError(f"role {role!r} is not one of {', '.join(ROLES)}")
    areas = tuple(dict.fromkeys(a.strip() for a in areas if a.strip()))
    municipalities = tuple(dict.fromkeys(m.strip() for m in municipalities if m.strip()))
    if role == "municipal" and not (areas or municipalities):
        raise UserError(
            "a municipal user needs at least one area or municipality: give --areas ID,... or "
            "--municipalities CODE,..."
        )
    if role != "municipal" and (areas or municipalities):
        raise UserError(
            f"a {role} user sees every area and municipality: --areas and --municipalities are "
            "for municipal users only"
        )
    for label, given, known in (
        ("area", areas, known_areas),
        ("municipality", municipalities, known_municipalities),
    ):
        unknown = [x for x in given if known is not None and x not in known]
        if unknown:
            raise UserError(
                f"unknown {label} {', '.join(unknown)}: the loaded register has "
                f"{', '.join(sorted(known)[:8])}{', ...' if len(known) > 8 else ''}"
            )
    if name is not None and any(ord(c) < 32 for c in name):
        raise UserError("the name holds a control character: give plain text")
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        row = conn.execute(select(AppUser.subject).where(AppUser.subject == subject)).first()
        values = {
            "role": role,
            "areas": json.dumps(list(areas)),
            "municipalities": json.dumps(list(municipalities)),
            "name": name.strip() if name else None,
            "updated_at": now,
        }
        if row is None:
            conn.execute(
                AppUser.__table__.insert().values(subject=subject, created_at=now, **values)
            )
        else:
            conn.execute(
                AppUser.__table__.update().where(AppUser.subject == subject).values(**values)
            )
    user = User(subject, role, areas, municipalities, values["name"])
    return user, row is None


def remove_user(engine: Engine, subject: str) -> User:
    """Remove the user; returns who was removed. Refused when there is no such user."""
    subject = normalise_subject(subject)
    with engine.begin() as conn:
        user = _get(conn, subject)
        if user is None:
            raise UserError(f"no user {subject}: `trialwatch users list` shows who there is")
        conn.execute(delete(AppUser).where(AppUser.subject == subject))
    return user


def get_user(engine: Engine, subject: str) -> User | None:
    """The user row for a signed-in subject (None: no row, so no figures)."""
    try:
        subject = normalise_subject(subject)
    except UserError:
        return None
    with engine.connect() as conn:
        return _get(conn, subject)


def register_places(engine: Engine) -> tuple[set[str] | None, set[str] | None]:
    """The trial areas and municipalities of the loaded register (None, None: none loaded)."""
    with engine.connect() as conn:
        areas = set(conn.execute(select(TrialArea.trial_area_id)).scalars())
        munis = set(conn.execute(select(Municipality.municipality_code)).scalars())
    return (areas or None, munis or None) if munis else (None, None)


def list_users(engine: Engine) -> list[User]:
    with engine.connect() as conn:
        rows = conn.execute(select(*_COLUMNS).order_by(AppUser.subject)).mappings().all()
    return [_user(r) for r in rows]


_COLUMNS = (AppUser.subject, AppUser.role, AppUser.areas, AppUser.municipalities, AppUser.name)


def _get(conn, subject: str) -> User | None:
    row = conn.execute(select(*_COLUMNS).where(AppUser.subject == subject)).mappings().first()
    return None if row is None else _user(row)


def _user(row) -> User:
    return User(
        subject=row["subject"],
        role=row["role"],
        areas=tuple(json.loads(row["areas"])),
        municipalities=tuple(json.loads(row["municipalities"])),
        name=row["name"],
    )
