"""The register extract contract (../shared/DATA_CONTRACT.md) as data.

One declaration serves the importer's validation, the SQLModel schema's column types, the demo
generator's writer and the definitions page, so the contract is written down exactly once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import KW_ONLY, dataclass, field

# Allowed codes, in the contract's order.
GENDERS = ("F", "M", "X")
LANGUAGES = ("fi", "sv", "other")
EDUCATIONS = ("basic", "upper_secondary", "tertiary", "unknown")
ORGANISATIONS = ("state", "municipal")
STATUSES = (
    "unemployed",
    "employed",
    "subsidised_employment",
    "services",
    "education",
    "inactive",
)
SERVICE_TYPES = (
    "coaching",
    "training",
    "wage_subsidy",
    "work_trial",
    "rehabilitative_work",
    "other",
)
PROVIDER_KINDS = ("municipal", "state", "external")
ROLES = ("coach", "advisor", "employer_services", "management", "other")
CLIENT_FACING_ROLES = ("coach", "advisor")
ORIGINS = ("transferred", "municipal")

# Bounds on outside values: an extract holding anything else is refused.
FIRST_DATE = dt.date(1900, 1, 1)  # dates (and months) lie in FIRST_DATE..LAST_DATE
LAST_DATE = dt.date(2100, 12, 31)
CONTROL_CHARS = frozenset(chr(c) for c in range(32)) - {"\t"}  # C0 controls but tab: refused
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet runs a cell beginning so
NAME_COLUMNS = ("name", "name_sv", "region")  # names may not begin with FORMULA_START


@dataclass(frozen=True)
class Column:
    """One column of an extract table.

    kind: text | code | date | month | bool | int | float | enum
    """

    name: str
    kind: str
    _: KW_ONLY
    required: bool = False
    values: tuple[str, ...] = ()
    minimum: float | None = None
    pattern: str | None = None
    hint: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    _: KW_ONLY
    required: bool = False
    key: tuple[str, ...] = ()
    # column -> (table, column); checked when the value is not empty
    references: dict[str, tuple[str, str]] = field(default_factory=dict)
    # spells: (start column, end column); end must not precede start
    span: tuple[str, str] | None = None
    # spells of one person must not overlap (grouped by these columns)
    no_overlap_by: tuple[str, ...] = ()

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


MUNICIPALITY_CODE = dict(
    kind="code",
    pattern=r"^[0-9]{3,4}$",
    hint="3 digits (Finland) or 4 digits (Sweden), leading zeros kept, e.g. 005",
)

TABLES: tuple[Table, ...] = (
    Table(
        "trials",
        (
            Column("trial_id", "text", required=True),
            Column("name", "text", required=True),
            Column(
                "country",
                "text",
                required=True,
                pattern=r"^[A-Z]{2}$",
                hint="ISO 3166 code, e.g. FI",
            ),
            Column("start_date", "date", required=True),
            Column("end_date", "date"),
        ),
        required=True,
        key=("trial_id",),
        span=("start_date", "end_date"),
    ),
    Table(
        "trial_areas",
        (
            Column("trial_area_id", "text", required=True),
            Column("trial_id", "text", required=True),
            Column("name", "text", required=True),
        ),
        required=True,
        key=("trial_area_id",),
        references={"trial_id": ("trials", "trial_id")},
    ),
    Table(
        "municipalities",
        (
            Column("municipality_code", required=True, **MUNICIPALITY_CODE),
            Column("name", "text", required=True),
            Column("name_sv", "text"),
            Column("region", "text", required=True),
            Column("trial_area_id", "text"),
            Column("population", "int", minimum=0),
        ),
        required=True,
        key=("municipality_code",),
        references={"trial_area_id": ("trial_areas", "trial_area_id")},
    ),
    Table(
        "job_seekers",
        (
            Column("person_id", "text", required=True),
            Column("birth_year", "int", required=True, minimum=1900),
            Column("gender", "enum", required=True, values=GENDERS),
            Column("language", "enum", values=LANGUAGES),
            Column("foreign_citizen", "bool"),
            Column("education", "enum", values=EDUCATIONS),
            Column("reduced_work_capacity", "bool"),
            Column("first_registered", "date"),
        ),
        required=True,
        key=("person_id",),
    ),
    Table(
        "responsibility_spells",
        (
            Column("person_id", "text", required=True),
            Column("municipality_code", required=True, **MUNICIPALITY_CODE),
            Column("organisation", "enum", required=True, values=ORGANISATIONS),
            Column("start_date", "date", required=True),
            Column("end_date", "date"),
        ),
        required=True,
        key=("person_id", "start_date"),
        references={
            "person_id": ("job_seekers", "person_id"),
            "municipality_code": ("municipalities", "municipality_code"),
        },
        span=("start_date", "end_date"),
        no_overlap_by=("person_id",),
    ),
    Table(
        "status_spells",
        (
            Column("person_id", "text", required=True),
            Column("status", "enum", required=True, values=STATUSES),
            Column("start_date", "date", required=True),
            Column("end_date", "date"),
        ),
        required=True,
        key=("person_id", "start_date"),
        references={"person_id": ("job_seekers", "person_id")},
        span=("start_date", "end_date"),
        no_overlap_by=("person_id",),
    ),
    Table(
        "service_episodes",
        (
            Column("episode_id", "text", required=True),
            Column("person_id", "text", required=True),
            Column("service_type", "enum", required=True, values=SERVICE_TYPES),
            Column("provider_id", "text"),
            Column("start_date", "date", required=True),
            Column("end_date", "date"),
        ),
        key=("episode_id",),
        references={
            "person_id": ("job_seekers", "person_id"),
            "provider_id": ("providers", "provider_id"),
        },
        span=("start_date", "end_date"),
    ),
    Table(
        "providers",
        (
            Column("provider_id", "text", required=True),
            Column("name", "text", required=True),
            Column("kind", "enum", required=True, values=PROVIDER_KINDS),
        ),
        key=("provider_id",),
    ),
    Table(
        "staff_months",
        (
            Column("municipality_code", required=True, **MUNICIPALITY_CODE),
            Column("month", "month", required=True),
            Column("role", "enum", required=True, values=ROLES),
            Column("origin", "enum", required=True, values=ORIGINS),
            Column("fte", "float", required=True, minimum=0),
        ),
        key=("municipality_code", "month", "role", "origin"),
        references={"municipality_code": ("municipalities", "municipality_code")},
    ),
    Table(
        "client_contacts",
        (
            Column("person_id", "text", required=True),
            Column("month", "month", required=True),
            Column("coaching_contacts", "int", required=True, minimum=0),
        ),
        key=("person_id", "month"),
        references={"person_id": ("job_seekers", "person_id")},
    ),
    Table(
        "employer_contacts",
        (
            Column("municipality_code", required=True, **MUNICIPALITY_CODE),
            Column("month", "month", required=True),
            Column("employer_contacts", "int", required=True, minimum=0),
        ),
        key=("municipality_code", "month"),
        references={"municipality_code": ("municipalities", "municipality_code")},
    ),
    Table(
        "payments",
        (
            Column("payment_id", "text", required=True),
            Column("provider_id", "text", required=True),
            Column("episode_id", "text"),
            Column("amount", "float", required=True),
            Column(
                "currency",
                "text",
                required=True,
                pattern=r"^[A-Z]{3}$",
                hint="ISO 4217 code, e.g. EUR",
            ),
            Column("paid_on", "date", required=True),
        ),
        key=("payment_id",),
        references={
            "provider_id": ("providers", "provider_id"),
            "episode_id": ("service_episodes", "episode_id"),
        },
    ),
)

TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
MANIFEST_FILE = "manifest.toml"


# ---------------------------------------------------------------------------------------------
# The in-memory form of an extract, shared by the importer, the store and the demo generator.

_POLARS_KIND = {
    "text": "String",
    "code": "String",
    "enum": "String",
    "month": "String",  # 'YYYY-MM'
    "date": "Date",
    "bool": "Boolean",
    "int": "Int64",
    "float": "Float64",
}


def polars_schema(table: str) -> dict:
    """The Polars dtypes of a validated table: the one typed form every component exchanges."""
    import polars as pl

    return {c.name: getattr(pl, _POLARS_KIND[c.kind]) for c in TABLES_BY_NAME[table].columns}


@dataclass
class Extract:
    """A validated register extract: typed frames per table plus the manifest.

    Absent optional tables are simply missing from `frames`.
    """

    frames: dict  # table name -> pl.DataFrame with polars_schema(table)
    as_of: dt.date
    source: str | None = None
    description: str | None = None
    # Optional manifest key (an extension of the contract): the first day the extract covers.
    # Spells open on that day keep their true start dates, so months before it would count only
    # the survivors; indicators start here. Default: the earliest responsibility spell's start.
    period_start: dt.date | None = None
