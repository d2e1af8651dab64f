"""The payments audit: payments to providers set against the coaching delivered behind them.

What seed 002's auditors did by hand (3-5 of 829 payments made where no coaching took place),
from the snapshot's payments (lib/engine/snapshot.py `_payments` flags each payment with the
contract's reasons, UNSUPPORTED_REASONS). Two figures, both read through lib/engine/access.py:

- `payments_audit`: per provider and month (or any of those dimensions), the payments and their
  amount, the unsupported ones and their amount, their share of the amount paid, and how many
  were flagged for each reason;
- `flagged_payments`: the list of unsupported payments (payment, provider, amount, date,
  reasons; no person identifiers), for ministry and admin users only (access.permit).

Amounts paid to providers are not counts of persons: shown as paid (the contract: money is not
perturbed); the counts here are counts of payments.
"""

from __future__ import annotations

import polars as pl

from lib.engine.errors import FigureUnavailable
from lib.engine.months import month_index, month_label_expr
from lib.engine.snapshot import UNSUPPORTED_REASONS, Snapshot

AUDIT_DIMS = ("provider_id", "month", "municipality_code")
REASON_TEXT = {
    "no_episode": "no episode",
    "starts_after_payment": "episode starts after the payment",
    "no_coaching_contact": "no coaching contact while the episode ran",
}


class AuditError(FigureUnavailable):
    """The audit cannot be read: no payments loaded, or a dimension it does not have."""


def _payments(snap: Snapshot, period, municipalities) -> pl.DataFrame:
    if snap.payments is None:
        raise AuditError(
            "The payments audit needs the 'payments' table, which the loaded extract does not have."
        )
    pay = snap.payments.filter(pl.col("midx") <= snap.last_month)
    lo, hi = period if period is not None else (None, None)
    if lo:
        pay = pay.filter(pl.col("midx") >= month_index(lo))
    if hi:
        pay = pay.filter(pl.col("midx") <= month_index(hi))
    if municipalities is not None:
        pay = pay.filter(pl.col("municipality_code").is_in(sorted(municipalities)))
    return pay.with_columns(month=month_label_expr(pl.col("midx")))


def payments_audit(
    snap: Snapshot,
    by: tuple[str, ...] = ("provider_id", "month"),
    period: tuple[str | None, str | None] | None = None,
    municipalities: tuple[str, ...] | None = None,
) -> pl.DataFrame:
    """Per value of `by` (provider_id, month, municipality_code): payments, amount,
    unsupported, unsupported_amount, share (% of the amount), one count per reason; with
    provider_name beside provider_id. `municipalities`: only payments placed there."""
    for d in by:
        if d not in AUDIT_DIMS:
            raise AuditError(f"Unknown dimension '{d}'. Choose from: {', '.join(AUDIT_DIMS)}.")
    pay = _payments(snap, period, municipalities)
    flag = pl.col("unsupported")
    aggs = [
        pl.len().alias("payments"),
        pl.col("amount").sum().alias("amount"),
        flag.sum().cast(pl.Int64).alias("unsupported"),
        pl.col("amount").filter(flag).sum().alias("unsupported_amount"),
        *[pl.col(r).sum().cast(pl.Int64).alias(r) for r in UNSUPPORTED_REASONS],
    ]
    out = pay.group_by(*by).agg(aggs) if by else pay.select(aggs)
    out = out.with_columns(
        pl.col("payments").cast(pl.Int64),
        share=pl.when(pl.col("amount") > 0)
        .then(100 * pl.col("unsupported_amount") / pl.col("amount"))
        .otherwise(None),
    )
    if "provider_id" in by:
        out = out.join(_names(snap), on="provider_id", how="left")
    cols = [*by] + (["provider_name"] if "provider_id" in by else [])
    cols += ["payments", "amount", "unsupported", "unsupported_amount", "share"]
    cols += list(UNSUPPORTED_REASONS)
    out = out.select(cols)
    return out.sort(list(by)) if by else out


def flagged_payments(
    snap: Snapshot,
    period: tuple[str | None, str | None] | None = None,
    municipalities: tuple[str, ...] | None = None,
) -> pl.DataFrame:
    """The unsupported payments: payment_id, provider_id, provider_name, amount, currency,
    paid_on, reasons (text, '; '-separated). No person identifiers, no episode."""
    pay = _payments(snap, period, municipalities).filter(pl.col("unsupported"))
    reasons = pl.concat_list(
        [pl.when(pl.col(r)).then(pl.lit(REASON_TEXT[r])) for r in UNSUPPORTED_REASONS]
    ).list.drop_nulls()
    out = pay.join(_names(snap), on="provider_id", how="left").with_columns(
        reasons=reasons.list.join("; "),
        paid_on=pl.col("paid_on").cast(pl.Int32).cast(pl.Date),  # days since 1970-01-01
    )
    return out.select(
        "payment_id", "provider_id", "provider_name", "amount", "currency", "paid_on", "reasons"
    ).sort("paid_on", "payment_id")


def _names(snap: Snapshot) -> pl.DataFrame:
    if snap.providers is None:
        return pl.DataFrame(schema={"provider_id": pl.String, "provider_name": pl.String})
    return snap.providers.select("provider_id", provider_name="name")
