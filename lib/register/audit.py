"""The audit trail (`AuditEvent`): every download, saved-view change, import, user change,
sign-in, sign-out and refused request, with who, when, what (its parameters as JSON) and how many
rows (../shared/DATA_CONTRACT.md, `trialwatch audit`).

Append-only: this module only inserts and reads, and triggers in the database refuse any UPDATE
or DELETE of the table (lib/register/store.py), so nothing the product runs rewrites the record.
No Streamlit here.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import Engine, insert, select

from lib.register.schema import AuditEvent

ACTIONS = ("sign_in", "sign_out", "export", "saved_view", "import", "user_change", "refused")
# Who ran a command in a shell with the store's credentials and no --as: the operator.
OPERATOR = "operator"


@dataclass(frozen=True)
class Event:
    at: dt.datetime
    subject: str
    action: str
    target: str
    detail: dict
    rows: int | None

    def as_record(self) -> dict:
        return {
            "at": self.at.astimezone(dt.UTC).isoformat(timespec="seconds"),
            "subject": self.subject,
            "action": self.action,
            "target": self.target,
            "detail": json.dumps(self.detail, sort_keys=True, ensure_ascii=False),
            "rows": self.rows,
        }


def record(
    engine: Engine,
    *,
    subject: str,
    action: str,
    target: str,
    detail: dict | None = None,
    rows: int | None = None,
) -> None:
    """Append one event (in its own transaction)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}: one of {', '.join(ACTIONS)}")
    with engine.begin() as conn:
        conn.execute(
            insert(AuditEvent).values(
                at=dt.datetime.now(dt.UTC),
                subject=subject,
                action=action,
                target=target,
                detail=json.dumps(detail or {}, sort_keys=True, ensure_ascii=False, default=str),
                rows=rows,
            )
        )


def events(
    engine: Engine, *, since: dt.date | None = None, subject: str | None = None
) -> list[Event]:
    """The events, oldest first; since: from that day (UTC) on; subject: one user's."""
    q = select(
        AuditEvent.at,
        AuditEvent.subject,
        AuditEvent.action,
        AuditEvent.target,
        AuditEvent.detail,
        AuditEvent.rows,
    ).order_by(AuditEvent.event_id)
    if since is not None:
        q = q.where(AuditEvent.at >= dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC))
    if subject is not None:
        q = q.where(AuditEvent.subject == subject.strip().lower())
    with engine.connect() as conn:
        rows = conn.execute(q).mappings().all()
    return [
        Event(
            at=_aware(r["at"]),
            subject=r["subject"],
            action=r["action"],
            target=r["target"],
            detail=json.loads(r["detail"]),
            rows=r["rows"],
        )
        for r in rows
    ]


def _aware(at: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes for what was written as UTC.
    return at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)
