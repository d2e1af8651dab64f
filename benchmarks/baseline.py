"""The plainest way to compute the Overview's headline figures: pandas, as a newcomer writes it.

Read from the extract's CSV files (codes as text) and computed from DATA_CONTRACT.md's
definitions alone, without the engine's panel of person-months:

- `month_by_month`: for each month, the spells that cover its last day picked with boolean masks
  and grouped (what an analyst's notebook does): the six headline series of the whole trial
  (active caseload, cumulative transferred, client-facing FTE, clients per FTE, exit rate of the
  trial and of the comparison municipalities, placement at 90 days) and the exit rate by
  municipality and month.
- `row_by_row`: the exit rate by municipality and month with a Python loop over the rows
  (`itertuples`), each unemployment spell checked against every month's end.

Both give exact counts (no disclosure control), so benchmarks/run.py checks them equal to the
engine's with `min_count=0`. Only numerators and denominators are compared (a rate is their
quotient).
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from pathlib import Path

import pandas as pd

CLIENT_FACING = ("coach", "advisor")
DATES = ("start_date", "end_date")


def read(folder: Path) -> dict[str, pd.DataFrame]:
    """The extract's tables as pandas reads CSV files: every column text, dates parsed."""
    tables = {}
    for name in (
        "trials", "municipalities", "responsibility_spells", "status_spells",
        "service_episodes", "staff_months",
    ):  # fmt: skip
        df = pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False, na_values=[""])
        for col in DATES:
            if col in df.columns:
                df[col] = pd.to_datetime(df[col])
        tables[name] = df
    tables["staff_months"]["fte"] = tables["staff_months"]["fte"].astype(float)
    manifest = tomllib.loads((folder / "manifest.toml").read_text())
    tables["as_of"] = pd.Timestamp(manifest["as_of"])
    return tables


def _month_end(month: str) -> pd.Timestamp:
    return pd.Period(month, "M").end_time.normalize()


def _month_start(month: str) -> pd.Timestamp:
    return pd.Period(month, "M").start_time


def _previous(month: str) -> str:
    return str(pd.Period(month, "M") - 1)


def _covering(spells: pd.DataFrame, day: pd.Timestamp) -> pd.DataFrame:
    return spells[
        (spells["start_date"] <= day) & (spells["end_date"].isna() | (spells["end_date"] >= day))
    ]


def month_by_month(t: dict, months: list[str]) -> dict:
    """{series: {key: (numerator, denominator) or value}}, month by month with masks."""
    munis, resp, status = t["municipalities"], t["responsibility_spells"], t["status_spells"]
    trial_munis = set(munis.loc[munis["trial_area_id"].notna(), "municipality_code"])
    trial_start = t["trials"]["start_date"].iloc[0]
    # transfers in: a municipal spell whose previous spell (same person) is state and ended the
    # day before it starts
    resp = resp.sort_values(["person_id", "start_date"])
    prev_org = resp.groupby("person_id")["organisation"].shift()
    prev_end = resp.groupby("person_id")["end_date"].shift()
    transfers = resp[
        (resp["organisation"] == "municipal")
        & (prev_org == "state")
        & (prev_end == resp["start_date"] - pd.Timedelta(days=1))
        & resp["municipality_code"].isin(trial_munis)
        & (resp["start_date"] >= trial_start)
    ]
    staff = t["staff_months"]
    staff = staff[staff["role"].isin(CLIENT_FACING) & staff["municipality_code"].isin(trial_munis)]
    unemployed = status[status["status"] == "unemployed"]
    employed = status[status["status"] == "employed"]
    coaching = t["service_episodes"][t["service_episodes"]["service_type"] == "coaching"]

    out = {k: {} for k in (
        "active_caseload", "cumulative_transferred", "client_facing_fte", "clients_per_fte",
        "exit_rate_trial", "exit_rate_comparison", "exit_rate_by_municipality",
        "placement_rate_90",
    )}  # fmt: skip
    for month in months:
        end = _month_end(month)
        here = _covering(resp, end)
        caseload = here[
            (here["organisation"] == "municipal") & here["municipality_code"].isin(trial_munis)
        ]["person_id"].nunique()
        out["active_caseload"][month] = caseload
        out["cumulative_transferred"][month] = int((transfers["start_date"] <= end).sum())
        fte = staff.loc[staff["month"] == month, "fte"].sum()
        out["client_facing_fte"][month] = fte
        out["clients_per_fte"][month] = (caseload, fte)

        # exit rate: of those unemployed on the last day of the month before, who starts an
        # employed spell in the month; municipality from their responsibility spell that day
        day = _month_end(_previous(month))
        if day >= _month_end(months[0]):
            who = _covering(unemployed, day)[["person_id"]]
            who = who.merge(
                _covering(resp, day)[["person_id", "municipality_code"]], on="person_id"
            )
            starts = employed[
                (employed["start_date"] >= _month_start(month)) & (employed["start_date"] <= end)
            ]
            who["exited"] = who["person_id"].isin(set(starts["person_id"]))
            who["trial"] = who["municipality_code"].isin(trial_munis)
            for side, rows in (("trial", who[who["trial"]]), ("comparison", who[~who["trial"]])):
                out[f"exit_rate_{side}"][month] = (int(rows["exited"].sum()), len(rows))
            per = who.groupby("municipality_code")["exited"].agg(["sum", "count"])
            for code, num, den in zip(per.index, per["sum"], per["count"]):
                out["exit_rate_by_municipality"][(code, month)] = (int(num), int(den))

        # placement at 90 days: coaching episodes ending in the month, employed 90 days after;
        # outcomes after as_of left out; municipality the day before the episode started
        ending = coaching[
            (coaching["end_date"] >= _month_start(month)) & (coaching["end_date"] <= end)
        ]
        ending = ending[ending["end_date"] + pd.Timedelta(days=90) <= t["as_of"]]
        ending = ending.assign(
            before=ending["start_date"] - pd.Timedelta(days=1),
            outcome=ending["end_date"] + pd.Timedelta(days=90),
        )
        where = ending.merge(resp, on="person_id", suffixes=("", "_r"))
        where = where[
            (where["start_date_r"] <= where["before"])
            & (where["end_date_r"].isna() | (where["end_date_r"] >= where["before"]))
            & where["municipality_code"].isin(trial_munis)
        ]
        placed = where.merge(employed, on="person_id", suffixes=("", "_e"))
        placed = placed[
            (placed["start_date_e"] <= placed["outcome"])
            & (placed["end_date_e"].isna() | (placed["end_date_e"] >= placed["outcome"]))
        ]
        out["placement_rate_90"][month] = (placed["episode_id"].nunique(), len(where))
    return out


def row_by_row(t: dict, months: list[str]) -> dict:
    """{(municipality, month): (numerator, denominator)}: the exit rate, one spell at a time."""
    resp_of = defaultdict(list)
    for r in t["responsibility_spells"].itertuples():
        resp_of[r.person_id].append(r)
    employed_starts = defaultdict(list)
    for s in t["status_spells"].itertuples():
        if s.status == "employed":
            employed_starts[s.person_id].append(s.start_date)
    bounds = [(m, _month_start(m), _month_end(m), _month_end(_previous(m))) for m in months[1:]]
    out: dict = {}
    for s in t["status_spells"].itertuples():
        if s.status != "unemployed":
            continue
        for month, first, last, day in bounds:
            if s.start_date > day or (not pd.isna(s.end_date) and s.end_date < day):
                continue
            muni = None
            for r in resp_of[s.person_id]:
                if r.start_date <= day and (pd.isna(r.end_date) or r.end_date >= day):
                    muni = r.municipality_code
                    break
            if muni is None:
                continue
            exited = any(first <= d <= last for d in employed_starts[s.person_id])
            num, den = out.get((muni, month), (0, 0))
            out[(muni, month)] = (num + int(exited), den + 1)
    return out
