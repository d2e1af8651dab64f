"""Every SQLModel table of the store.

Register tables mirror the extract contract (lib/register/contract.py) one to one, with the
contract's column names; `LoadBatch` is the load history. Keys are the contract's keys, so the
database itself refuses a duplicate that slipped past validation. `SavedView`
(lib/register/views.py) is the users' own data: not a register table, so a register import never
touches it.
"""

from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class Trial(SQLModel, table=True):
    __tablename__ = "trials"
    trial_id: str = Field(primary_key=True)
    name: str
    country: str
    start_date: dt.date
    end_date: Optional[dt.date] = None


class TrialArea(SQLModel, table=True):
    __tablename__ = "trial_areas"
    trial_area_id: str = Field(primary_key=True)
    trial_id: str = Field(foreign_key="trials.trial_id", index=True)
    name: str


class Municipality(SQLModel, table=True):
    __tablename__ = "municipalities"
    municipality_code: str = Field(primary_key=True)
    name: str
    name_sv: Optional[str] = None
    region: str = Field(index=True)
    trial_area_id: Optional[str] = Field(
        default=None, foreign_key="trial_areas.trial_area_id", index=True
    )
    population: Optional[int] = None


class JobSeeker(SQLModel, table=True):
    __tablename__ = "job_seekers"
    person_id: str = Field(primary_key=True)
    birth_year: int
    gender: str
    language: Optional[str] = None
    foreign_citizen: Optional[bool] = None
    education: Optional[str] = None
    reduced_work_capacity: Optional[bool] = None
    first_registered: Optional[dt.date] = None


class ResponsibilitySpell(SQLModel, table=True):
    __tablename__ = "responsibility_spells"
    person_id: str = Field(primary_key=True, foreign_key="job_seekers.person_id")
    start_date: dt.date = Field(primary_key=True)
    municipality_code: str = Field(foreign_key="municipalities.municipality_code", index=True)
    organisation: str
    end_date: Optional[dt.date] = None


class StatusSpell(SQLModel, table=True):
    __tablename__ = "status_spells"
    person_id: str = Field(primary_key=True, foreign_key="job_seekers.person_id")
    start_date: dt.date = Field(primary_key=True)
    status: str = Field(index=True)
    end_date: Optional[dt.date] = None


class Provider(SQLModel, table=True):
    __tablename__ = "providers"
    provider_id: str = Field(primary_key=True)
    name: str
    kind: str


class ServiceEpisode(SQLModel, table=True):
    __tablename__ = "service_episodes"
    episode_id: str = Field(primary_key=True)
    person_id: str = Field(foreign_key="job_seekers.person_id", index=True)
    service_type: str
    provider_id: Optional[str] = Field(
        default=None, foreign_key="providers.provider_id", index=True
    )
    start_date: dt.date
    end_date: Optional[dt.date] = None


class StaffMonth(SQLModel, table=True):
    __tablename__ = "staff_months"
    municipality_code: str = Field(primary_key=True, foreign_key="municipalities.municipality_code")
    month: str = Field(primary_key=True)
    role: str = Field(primary_key=True)
    origin: str = Field(primary_key=True)
    fte: float


class ClientContact(SQLModel, table=True):
    __tablename__ = "client_contacts"
    person_id: str = Field(primary_key=True, foreign_key="job_seekers.person_id")
    month: str = Field(primary_key=True)
    coaching_contacts: int


class EmployerContact(SQLModel, table=True):
    __tablename__ = "employer_contacts"
    municipality_code: str = Field(primary_key=True, foreign_key="municipalities.municipality_code")
    month: str = Field(primary_key=True)
    employer_contacts: int


class Payment(SQLModel, table=True):
    __tablename__ = "payments"
    payment_id: str = Field(primary_key=True)
    provider_id: str = Field(foreign_key="providers.provider_id", index=True)
    episode_id: Optional[str] = Field(default=None, foreign_key="service_episodes.episode_id")
    amount: float
    currency: str
    paid_on: dt.date


class LoadBatch(SQLModel, table=True):
    """One import (or demo build): when, from what, with what row counts."""

    __tablename__ = "load_batches"
    batch_id: Optional[int] = Field(default=None, primary_key=True)
    loaded_at: dt.datetime
    source_path: str
    source: Optional[str] = None
    description: Optional[str] = None
    as_of: dt.date
    period_start: Optional[dt.date] = None  # manifest's optional first day covered
    content_hash: str = Field(index=True)
    row_counts: str  # JSON object: table name -> rows
    same_as_batch: Optional[int] = None  # set when an identical extract was loaded before


class PublishedSeries(SQLModel, table=True):
    """One cell of a published statistics table (lib/published/storage.py): an area's measure in a
    month.

    Kept apart from the register: loading published figures never touches register tables.
    `area_code` is the source's own code (SSS, KU091, MK01, SK011, ELY01); `municipality_code`
    the register's code for a municipality (KU091 -> '091'), null for other area levels.
    `value` is null where the source cell is empty (suppressed or not available).
    """

    __tablename__ = "published_series"
    table_id: str = Field(primary_key=True)  # 12r5 | 12u4 | population
    area_code: str = Field(primary_key=True)
    month: str = Field(primary_key=True)  # YYYY-MM; a year-end figure is given as YYYY-12
    measure: str = Field(primary_key=True)
    area_level: str  # country | region | subregion | ely_centre | municipality
    area_name: Optional[str] = None
    municipality_code: Optional[str] = Field(default=None, index=True)
    value: Optional[float] = None


class PublishedLoad(SQLModel, table=True):
    """One published table loaded (`trialwatch published import`, or the demo build)."""

    __tablename__ = "published_loads"
    load_id: Optional[int] = Field(default=None, primary_key=True)
    loaded_at: dt.datetime
    table_id: str = Field(index=True)
    source_paths: str  # JSON list of the files
    file_format: str  # csv | px (comma-separated when files of both kinds were given)
    content_hash: str
    rows: int
    first_month: Optional[str] = None
    last_month: Optional[str] = None
    measures: str  # JSON list
    areas: str  # JSON object: area level -> number of areas
    same_as_load: Optional[int] = None  # the earliest load of identical content


class SavedView(SQLModel, table=True):
    """A named slice of a dashboard page (lib/register/views.py): the page's URL query parameters.

    `name_key` is the name trimmed and case-folded; the unique index on (page, name_key) makes
    the database itself refuse a second view of the same name on a page, even when two users
    save at once. The index also serves listing a page's views. Times are aware UTC.
    """

    __tablename__ = "saved_views"
    __table_args__ = (Index("ux_saved_views_page_name_key", "page", "name_key", unique=True),)
    view_id: Optional[int] = Field(default=None, primary_key=True)
    page: str  # e.g. explorer
    name: str  # as the user typed it, whitespace trimmed and collapsed
    name_key: str  # name.casefold(): what uniqueness compares
    params: str  # JSON object of URL query parameters (str -> str), keys sorted
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime


# Register tables in load order (parents before children); delete in reverse.
REGISTER_MODELS: tuple[type[SQLModel], ...] = (
    Trial,
    TrialArea,
    Municipality,
    JobSeeker,
    Provider,
    ResponsibilitySpell,
    StatusSpell,
    ServiceEpisode,
    StaffMonth,
    ClientContact,
    EmployerContact,
    Payment,
)


class AppUser(SQLModel, table=True):
    """A person who may sign in (lib/register/users.py): the e-mail address the identity provider
    vouches for, their role and, for a municipal user, their own areas and municipalities.

    Not a register table: a register import never touches it. Times are aware UTC."""

    __tablename__ = "app_users"
    subject: str = Field(primary_key=True)  # the e-mail address, trimmed and lower-cased
    role: str  # ministry | evaluator | municipal | admin
    areas: str = "[]"  # JSON list of trial_area_id
    municipalities: str = "[]"  # JSON list of municipality_code
    name: Optional[str] = None
    created_at: dt.datetime
    updated_at: dt.datetime


class AuditEvent(SQLModel, table=True):
    """One event of the audit trail (lib/register/audit.py): who did what, when, with which
    parameters and how many rows. Append-only: triggers in the database refuse an UPDATE or a
    DELETE (lib/register/store.py creates them with the table)."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_at", "at"),
        Index("ix_audit_events_subject", "subject"),
    )
    event_id: Optional[int] = Field(default=None, primary_key=True)
    at: dt.datetime
    subject: str
    action: str  # sign_in | sign_out | export | saved_view | import | user_change | refused
    target: str  # the page or the command
    detail: str = "{}"  # JSON object: the parameters
    rows: Optional[int] = None
