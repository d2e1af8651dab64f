"""A hand-built register: seven persons whose every spell was chosen to exercise one rule.

The expected values in tests/engine/test_indicators.py are worked out by hand from this timeline:

trial T1 starts 2021-03-01; as_of 2021-06-30. Municipalities: 005 Alajärvi (area A1),
091 Helsinki (area A2), 020 Akaa (comparison).

P1  born 1990 F fi. Unemployed 2019-01-15 -> open. State 005 2020-01-01..2021-02-28, municipal 005
    from 2021-03-01 (initial transfer). Coaching E1 from 2021-05-01, still open.
P2  born 2000 M sv. Unemployed 2020-02-29 (leap day) ..2020-11-30 (a month's last day), employed
    2020-12-01..2021-01-31, unemployed 2021-02-01..2021-03-15 and 2021-03-16 -> open
    (back-to-back). State 005 2020-02-29..2020-11-30, state 005 2021-02-01..2021-03-31,
    municipal 005 from 2021-04-01 (a later transfer in).
P3  born 1960 F other, foreign, reduced work capacity, first registered 2019-06-01.
    Unemployed 2020-06-01..2021-03-31, services 2021-04-01..2021-05-31, employed from 2021-06-01.
    State 091 2020-06-01..2021-02-28, municipal 091 2021-03-01..2021-05-31 (leaves the register).
    Coaching E3 2021-04-01..2021-05-31 (day 14 = 2021-06-14, day 90 after as_of).
P4  born 1985 M fi. Unemployed 2020-05-01..2020-12-31 and 2021-01-01 -> open (back-to-back).
    State 091 2020-05-01..2021-02-28, municipal 091 2021-03-01..2021-04-30, then state 020 from
    2021-05-01 (moved to a comparison municipality: a transfer out).
P5  born 1995 F fi. Unemployed 2020-03-01..2021-01-20, employed from 2021-01-21.
    State 020 2020-03-01..2021-01-20.
P6  born 1970 X fi. Unemployed from 2021-04-10. Municipal 091 from 2021-04-10 (a new client).
    Coaching E6 2021-05-03..2021-06-10 (day 14 = 2021-06-24, unemployed).
P7  born 1980 F fi. Unemployed 2020-01-01..2020-09-30, services 2020-10-01..2020-12-31,
    subsidised employment from 2021-01-01. State 020 from 2020-01-01.
    Coaching E7 2020-10-01..2020-12-31 (days 14, 90, 180 all in subsidised employment).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from lib.register.contract import Extract, polars_schema

AS_OF = dt.date(2021, 6, 30)
# Synthetic: the dashboard opens a store without sign-in only when its extract says it is
# synthetic (lib/web/signin.py), as this hand-built register is.
HAND_DESCRIPTION = "synthetic test register (tests/hand_fixture.py)"


def _frame(table: str, rows: list[tuple]) -> pl.DataFrame:
    schema = polars_schema(table)
    cols = list(schema)
    data = []
    for row in rows:
        rec = {}
        for name, value in zip(cols, row):
            if schema[name] == pl.Date and isinstance(value, str):
                value = dt.date.fromisoformat(value)
            rec[name] = value
        data.append(rec)
    return pl.DataFrame(data, schema=schema, orient="row")


def hand_extract() -> Extract:
    frames = {
        "trials": _frame("trials", [("T1", "Test trial", "FI", "2021-03-01", "2024-12-31")]),
        "trial_areas": _frame("trial_areas", [("A1", "T1", "Area one"), ("A2", "T1", "Area two")]),
        "municipalities": _frame(
            "municipalities",
            [
                ("005", "Alajärvi", "Alajärvi", "Etelä-Pohjanmaa", "A1", 9000),
                ("091", "Helsinki", "Helsingfors", "Uusimaa", "A2", 650000),
                ("020", "Akaa", "Ackas", "Pirkanmaa", None, 16000),
            ],
        ),
        "job_seekers": _frame(
            "job_seekers",
            [
                ("P1", 1990, "F", "fi", False, "tertiary", False, "2019-01-15"),
                ("P2", 2000, "M", "sv", False, "basic", False, "2020-02-29"),
                ("P3", 1960, "F", "other", True, "upper_secondary", True, "2019-06-01"),
                ("P4", 1985, "M", "fi", False, "basic", False, "2018-01-10"),
                ("P5", 1995, "F", "fi", False, "unknown", False, "2020-03-01"),
                ("P6", 1970, "X", "fi", False, "tertiary", False, "2021-04-10"),
                ("P7", 1980, "F", "fi", False, "upper_secondary", False, "2020-01-01"),
            ],
        ),
        "responsibility_spells": _frame(
            "responsibility_spells",
            [
                ("P1", "005", "state", "2020-01-01", "2021-02-28"),
                ("P1", "005", "municipal", "2021-03-01", None),
                ("P2", "005", "state", "2020-02-29", "2020-11-30"),
                ("P2", "005", "state", "2021-02-01", "2021-03-31"),
                ("P2", "005", "municipal", "2021-04-01", None),
                ("P3", "091", "state", "2020-06-01", "2021-02-28"),
                ("P3", "091", "municipal", "2021-03-01", "2021-05-31"),
                ("P4", "091", "state", "2020-05-01", "2021-02-28"),
                ("P4", "091", "municipal", "2021-03-01", "2021-04-30"),
                ("P4", "020", "state", "2021-05-01", None),
                ("P5", "020", "state", "2020-03-01", "2021-01-20"),
                ("P6", "091", "municipal", "2021-04-10", None),
                ("P7", "020", "state", "2020-01-01", None),
            ],
        ),
        "status_spells": _frame(
            "status_spells",
            [
                ("P1", "unemployed", "2019-01-15", None),
                ("P2", "unemployed", "2020-02-29", "2020-11-30"),
                ("P2", "employed", "2020-12-01", "2021-01-31"),
                ("P2", "unemployed", "2021-02-01", "2021-03-15"),
                ("P2", "unemployed", "2021-03-16", None),
                ("P3", "unemployed", "2020-06-01", "2021-03-31"),
                ("P3", "services", "2021-04-01", "2021-05-31"),
                ("P3", "employed", "2021-06-01", None),
                ("P4", "unemployed", "2020-05-01", "2020-12-31"),
                ("P4", "unemployed", "2021-01-01", None),
                ("P5", "unemployed", "2020-03-01", "2021-01-20"),
                ("P5", "employed", "2021-01-21", None),
                ("P6", "unemployed", "2021-04-10", None),
                ("P7", "unemployed", "2020-01-01", "2020-09-30"),
                ("P7", "services", "2020-10-01", "2020-12-31"),
                ("P7", "subsidised_employment", "2021-01-01", None),
            ],
        ),
        "providers": _frame(
            "providers",
            [("PR1", "Coaching Oy", "external"), ("PR2", "Akaa employment unit", "state")],
        ),
        "service_episodes": _frame(
            "service_episodes",
            [
                ("E1", "P1", "coaching", "PR1", "2021-05-01", None),
                ("E3", "P3", "coaching", "PR1", "2021-04-01", "2021-05-31"),
                ("E6", "P6", "coaching", "PR1", "2021-05-03", "2021-06-10"),
                ("E7", "P7", "coaching", "PR2", "2020-10-01", "2020-12-31"),
            ],
        ),
        "staff_months": _frame(
            "staff_months",
            [
                ("005", "2021-03", "coach", "transferred", 1.0),
                ("005", "2021-03", "advisor", "municipal", 0.5),
                ("005", "2021-03", "management", "municipal", 0.2),
                ("091", "2021-03", "coach", "transferred", 2.0),
            ],
        ),
        "client_contacts": _frame(
            "client_contacts",
            [
                ("P1", "2021-03", 2),
                ("P1", "2021-04", 5),
                ("P2", "2021-04", 1),
                ("P3", "2021-04", 0),
                ("P6", "2021-05", 4),
            ],
        ),
        "employer_contacts": _frame(
            "employer_contacts", [("005", "2021-03", 7), ("091", "2021-03", 12)]
        ),
        "payments": _frame("payments", [("PAY1", "PR1", "E3", 1500.0, "EUR", "2021-06-30")]),
    }
    return Extract(frames=frames, as_of=AS_OF, source="hand fixture", description=HAND_DESCRIPTION)


# --- money --------------------------------------------------------------------------------------
# The hand extract with the payments of issue 19 (tests/engine/test_money.py works them out). Its
# own function, so that no figure of the hand extract above changes; it adds:
#   P5  coaching E5 by PR1 2020-09-01..2020-10-31 (020, state; day 90 = 2021-01-29, employed), and
#       a coaching contact in 2020-10;
#   P3  a coaching contact in 2021-05 (E3 is then supported: its 2021-04 row has 0 contacts);
#   P6  training E8 by PR3 (municipal) 2021-05-15..2021-06-15;
#   PR3 a municipal provider: its only episode's person (P6) was in 091 the day before the start,
#       so 091 is PR3's municipality for a payment without an episode.
# Months each episode covers, and its person's months with a coaching contact (>= 1):
#   E1 P1 2021-05..2021-06 (open)  contacts 2021-03, 2021-04       -> none in the episode
#   E3 P3 2021-04..2021-05         contacts 2021-05 (2021-04 is 0) -> supported
#   E5 P5 2020-09..2020-10         contacts 2020-10                -> supported
#   E6 P6 2021-05..2021-06         contacts 2021-05                -> supported
#   E7 P7 2020-10..2020-12         no contacts                     -> none in the episode
#   E8 P6 2021-05..2021-06         contacts 2021-05                -> supported
MONEY_PAYMENTS = [
    # payment, provider, episode, amount, paid_on          flagged reason (municipality)
    ("PAY1", "PR1", "E3", 1500.0, "2021-05-31"),  # -                 (P3 municipal 091)
    ("PAY2", "PR1", "E5", 1200.0, "2020-11-30"),  # -                 (P5 state 020)
    ("PAY3", "PR1", "E5", 800.0, "2021-02-28"),  # -, result bonus    (P5 has no spell: unknown)
    ("PAY4", "PR1", "E6", 1200.0, "2021-06-20"),  # -                 (P6 municipal 091)
    ("PAY5", "PR2", "E7", 1000.0, "2021-01-31"),  # no coaching contact (P7 state 020)
    ("PAY6", "PR1", "E6", 300.0, "2021-04-30"),  # starts after payment (P6 municipal 091)
    ("PAY7", "PR1", None, 700.0, "2021-03-15"),  # no episode, external provider: unknown
    ("PAY8", "PR3", None, 400.0, "2021-06-05"),  # no episode, municipal PR3: 091
    ("PAY9", "PR3", "E8", 600.0, "2021-06-25"),  # -, training       (P6 municipal 091)
]
MONEY_FLAGGED = {
    "PAY5": "no_coaching_contact",
    "PAY6": "starts_after_payment",
    "PAY7": "no_episode",
    "PAY8": "no_episode",
}


def money_extract() -> Extract:
    """The hand extract with the payments above (and the rows they need)."""
    base = hand_extract()
    frames = dict(base.frames)

    def more(table: str, rows: list[tuple]) -> pl.DataFrame:
        return pl.concat([frames[table], _frame(table, rows)])

    frames["providers"] = more("providers", [("PR3", "Helsinki employment services", "municipal")])
    frames["service_episodes"] = more(
        "service_episodes",
        [
            ("E5", "P5", "coaching", "PR1", "2020-09-01", "2020-10-31"),
            ("E8", "P6", "training", "PR3", "2021-05-15", "2021-06-15"),
        ],
    )
    frames["client_contacts"] = more(
        "client_contacts", [("P5", "2020-10", 3), ("P3", "2021-05", 2)]
    )
    frames["payments"] = _frame(
        "payments", [(p, pr, e, a, "EUR", d) for p, pr, e, a, d in MONEY_PAYMENTS]
    )
    return Extract(frames=frames, as_of=AS_OF, source="hand fixture", description=HAND_DESCRIPTION)


# --- placement before and after the start ---------------------------------------------------------
# The hand extract with coaching episodes whose 90-day outcome falls on or before the as-of date on
# both sides of the trial's start (2021-03), for the difference-in-differences of placement
# (tests/stats/test_placement_effect.py works it out). Its own function, so that no figure of the
# hand extract above changes. It adds three persons:
#   P8  born 1988 M fi. Unemployed 2020-01-01..2021-04-30, employed from 2021-05-01.
#       State 005 2020-01-01..2021-02-28, municipal 005 from 2021-03-01.
#   P9  born 1975 F fi. Unemployed from 2020-01-01. State 020 from 2020-01-01.
#   P10 born 1992 F fi. Unemployed 2020-01-01..2021-05-31, employed from 2021-06-01.
#       State 020 from 2020-01-01.
# and these episodes (municipality on the day before the start; status on end + 90 days):
#   PE1 P1  2020-06-01..2020-08-31  005  day 90 2020-11-29 unemployed     before, not placed
#   PE2 P2  2020-06-01..2020-09-02  005  day 90 2020-12-01 employed       before, placed
#   PE3 P8  2021-01-15..2021-03-10  005  day 90 2021-06-08 employed       after,  placed
#   PE4 P5  2020-09-01..2020-10-31  020  day 90 2021-01-29 employed       before, placed
#   (E7 P7  2020-10-01..2020-12-31  020  day 90 2021-03-31 subsidised     before, not placed)
#   PE5 P9  2021-02-01..2021-03-20  020  day 90 2021-06-18 unemployed     after,  not placed
#   PE6 P9  2021-03-21..2021-04-01  020  day 90 2021-06-30 (= as-of) unemployed  after, not placed
#   PE7 P10 2021-02-01..2021-03-25  020  day 90 2021-06-23 employed       after,  placed
# E3 and E6 (091) end too late for their 90-day outcome to be known; E1 has not ended.


def placement_extract() -> Extract:
    """The hand extract with the episodes above (and the persons they need)."""
    base = hand_extract()
    frames = dict(base.frames)

    def more(table: str, rows: list[tuple]) -> pl.DataFrame:
        return pl.concat([frames[table], _frame(table, rows)])

    frames["job_seekers"] = more(
        "job_seekers",
        [
            ("P8", 1988, "M", "fi", False, "basic", False, "2020-01-01"),
            ("P9", 1975, "F", "fi", False, "basic", False, "2020-01-01"),
            ("P10", 1992, "F", "fi", False, "tertiary", False, "2020-01-01"),
        ],
    )
    frames["responsibility_spells"] = more(
        "responsibility_spells",
        [
            ("P8", "005", "state", "2020-01-01", "2021-02-28"),
            ("P8", "005", "municipal", "2021-03-01", None),
            ("P9", "020", "state", "2020-01-01", None),
            ("P10", "020", "state", "2020-01-01", None),
        ],
    )
    frames["status_spells"] = more(
        "status_spells",
        [
            ("P8", "unemployed", "2020-01-01", "2021-04-30"),
            ("P8", "employed", "2021-05-01", None),
            ("P9", "unemployed", "2020-01-01", None),
            ("P10", "unemployed", "2020-01-01", "2021-05-31"),
            ("P10", "employed", "2021-06-01", None),
        ],
    )
    frames["service_episodes"] = more(
        "service_episodes",
        [
            ("PE1", "P1", "coaching", "PR1", "2020-06-01", "2020-08-31"),
            ("PE2", "P2", "coaching", "PR1", "2020-06-01", "2020-09-02"),
            ("PE3", "P8", "coaching", "PR1", "2021-01-15", "2021-03-10"),
            ("PE4", "P5", "coaching", "PR2", "2020-09-01", "2020-10-31"),
            ("PE5", "P9", "coaching", "PR2", "2021-02-01", "2021-03-20"),
            ("PE6", "P9", "coaching", "PR2", "2021-03-21", "2021-04-01"),
            ("PE7", "P10", "coaching", "PR2", "2021-02-01", "2021-03-25"),
        ],
    )
    return Extract(frames=frames, as_of=AS_OF, source="hand fixture", description=HAND_DESCRIPTION)
