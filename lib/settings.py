"""One settings object, read from the environment at call time (never at import)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
REFERENCE_DIR = DATA_DIR / "reference"

# name -> (default, help). Every setting is documented here; the definitions page lists them.
SETTINGS_HELP: dict[str, tuple[object, str]] = {
    "TRIALWATCH_DB": (
        "sqlite:///data/trialwatch.sqlite",
        "SQLAlchemy URL of the store. SQLite is the embedded default; use "
        "postgresql+psycopg://user:pass@host/db for the shared backend.",
    ),
    "TRIALWATCH_MIN_COUNT": (
        5,
        "Disclosure threshold: counts and rate denominators below it are suppressed.",
    ),
    "TRIALWATCH_DISCLOSURE_KEY": (
        "",
        "Secret of the cell-key perturbation (record keys are HMAC-SHA256 of person_id under "
        "it). Set it once per deployment, keep it secret, and never change it without "
        "re-publishing: a new key gives every small count new noise. Without it a store of real "
        "persons shows no counts (the synthetic demo store has its own public key).",
    ),
    "TRIALWATCH_YOUTH_AGE": (25, "Youth group: age below this (25, or 30 where a trial uses it)."),
    "TRIALWATCH_FTE_BAND": (
        "20-30",
        "Target band of clients per client-facing FTE (coach + advisor).",
    ),
    "TRIALWATCH_WEEKLY_CONTACTS": (4, "Coaching contacts a month that count as weekly contact."),
    "TRIALWATCH_CACHE_DIR": ("data/cache", "Where analytic snapshots (Parquet) are kept."),
    "TRIALWATCH_PXWEB_URL": (
        "https://pxdata.stat.fi/PXWeb/api/v1/fi",
        "Statistics Finland's PxWeb API (v1, a language's root) that `trialwatch published "
        "fetch` reads.",
    ),
    "TRIALWATCH_UPLOAD_MB": (
        500,
        "Largest extract an admin may upload on the Import page, in MB, zipped and unpacked "
        "alike (keep .streamlit/config.toml's server.maxUploadSize at or above it).",
    ),
}


def _resolve_sqlite(url: str) -> str:
    """A relative sqlite path is taken from the project root, so any cwd finds the same store."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != "sqlite://":
        return prefix + str(PROJECT_ROOT / url[len(prefix) :])
    return url


@dataclass(frozen=True)
class Settings:
    db_url: str
    min_count: int = 5
    youth_age: int = 25
    fte_band: tuple[float, float] = (20.0, 30.0)
    weekly_contacts: int = 4
    cache_dir: Path = field(default=DATA_DIR / "cache")
    pxweb_url: str = str(SETTINGS_HELP["TRIALWATCH_PXWEB_URL"][0])
    upload_mb: int = 500
    disclosure_key: str = field(default="", repr=False)


def get_settings(db_url: str | None = None) -> Settings:
    """Settings from the environment; an explicit db_url (the CLI's --db) wins."""
    env = os.environ
    url = db_url or env.get("TRIALWATCH_DB") or str(SETTINGS_HELP["TRIALWATCH_DB"][0])
    low, high = str(env.get("TRIALWATCH_FTE_BAND", "20-30")).split("-")
    cache = Path(env.get("TRIALWATCH_CACHE_DIR", str(DATA_DIR / "cache")))
    if not cache.is_absolute():
        cache = PROJECT_ROOT / cache
    return Settings(
        db_url=_resolve_sqlite(url),
        min_count=int(env.get("TRIALWATCH_MIN_COUNT", 5)),
        youth_age=int(env.get("TRIALWATCH_YOUTH_AGE", 25)),
        fte_band=(float(low), float(high)),
        weekly_contacts=int(env.get("TRIALWATCH_WEEKLY_CONTACTS", 4)),
        cache_dir=cache,
        pxweb_url=env.get("TRIALWATCH_PXWEB_URL") or str(SETTINGS_HELP["TRIALWATCH_PXWEB_URL"][0]),
        upload_mb=int(env.get("TRIALWATCH_UPLOAD_MB", 500)),
        disclosure_key=env.get("TRIALWATCH_DISCLOSURE_KEY", ""),
    )
