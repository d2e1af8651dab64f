"""`trialwatch published fetch TABLE`: a published table from Statistics Finland's PxWeb API.

The API (PxWeb API v1, https://pxdata.stat.fi/PXWeb/api/v1/fi/StatFin, JSON-stat2 answers) is
asked in its own terms, never from remembered names: the table is found by searching the database
for its four-character id (file names changed on 8 June 2026 from `statfin_tyonv_pxt_12r5.px` to
`12r5.px`), and its variables (area, month, measure) are read from the table's metadata by their
role and values, since variable codes changed then too and measure codes may carry a prefix. The
API's limits, read from its `?config`, are kept: no query asks for more than `maxValues` cells
(the months are split), no more than `maxCalls` calls go out in `timeWindow` seconds, and an
answer 429 (too many requests) or 503 is waited out and asked again.

The answer is laid out in the tidy form of a downloaded CSV file (area_code, area_name_fi, month
and one column per measure code, every value as text) and read by the same checks
(`readers.read_tidy`), so a fetched table loads exactly as the downloaded file of the same table.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from lib.published import readers
from lib.published.readers import PublishedFile
from lib.published.specs import AREA_RE, MEASURE_BY_CODE, PX_MONTH_RE, TABLES
from lib.settings import SETTINGS_HELP

DEFAULT_API = str(SETTINGS_HELP["TRIALWATCH_PXWEB_URL"][0])
DATABASE = "StatFin"
FETCHABLE = ("12r5", "12u4")  # the Statistics Finland tables Trialwatch reads
RETRIES = 5

_TIME_NAMES = ("kuukausi", "month", "månad")
_MEASURE_NAMES = ("tiedot", "information", "uppgifter")
_AREA_NAMES = ("alue", "area", "område")
_TOTALS = ("SSS", "S", "0", "YHT", "TOTAL")


class FetchError(RuntimeError):
    """A table could not be fetched; the message says what to do."""


@dataclass(frozen=True)
class Limits:
    max_values: int  # cells per query
    max_calls: int  # calls per window
    time_window: float  # seconds


class PxWebClient:
    """Calls to one PxWeb API v1 (`base` = .../api/v1/LANG), within the API's limits."""

    def __init__(
        self,
        base: str = DEFAULT_API,
        *,
        database: str = DATABASE,
        timeout: float = 60,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base = base.rstrip("/")
        self.database = database
        self.timeout = timeout
        self._sleep = sleep
        self._clock = clock
        self._calls: deque[float] = deque()
        self._limits: Limits | None = None

    # -- transport -------------------------------------------------------------------------

    def _wait_for_a_call(self) -> None:
        limits = self._limits
        if limits is None or limits.max_calls <= 0:
            return
        while True:
            now = self._clock()
            while self._calls and now - self._calls[0] >= limits.time_window:
                self._calls.popleft()
            if len(self._calls) < limits.max_calls:
                return
            self._sleep(limits.time_window - (now - self._calls[0]) + 0.01)

    def request(self, url: str, body: dict | None = None):
        """The JSON answer of a GET (or a POST of `body`), retried when the API says wait."""
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Accept": "application/json", "User-Agent": "trialwatch"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        for attempt in range(RETRIES + 1):
            self._wait_for_a_call()
            self._calls.append(self._clock())
            req = urllib.request.Request(url, data=data, headers=headers)
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as answer:
                    raw = answer.read()
            except urllib.error.HTTPError as e:
                if e.code in (429, 503) and attempt < RETRIES:
                    self._sleep(_retry_after(e, self._limits))
                    continue
                raise FetchError(
                    f"{_public(url)} answered {e.code} {e.reason}"
                    + (": the table or variable codes may have changed" if e.code in (400, 404)
                       else "")
                ) from None  # fmt: skip
            except (urllib.error.URLError, TimeoutError, OSError) as e:
                reason = getattr(e, "reason", e)
                raise FetchError(
                    f"cannot reach {_public(url)} ({reason}): check the address and the network"
                ) from None
            try:
                return json.loads(raw.decode("utf-8-sig"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                raise FetchError(f"{_public(url)} did not answer with JSON") from None
        raise FetchError(f"{_public(url)} kept answering 'too many requests': try again later")

    # -- the API's resources ---------------------------------------------------------------

    def limits(self) -> Limits:
        """The API's limits (`?config`): cells per query, calls per time window."""
        if self._limits is None:
            config = self.request(f"{self.base}/?config")
            try:
                self._limits = Limits(
                    max_values=int(config["maxValues"]),
                    max_calls=int(config["maxCalls"]),
                    time_window=float(config["timeWindow"]),
                )
            except (KeyError, TypeError, ValueError):
                raise FetchError(
                    f"{_public(self.base)}/?config does not give the API's limits "
                    "(maxValues, maxCalls, timeWindow): is this a PxWeb API v1 address?"
                ) from None
        return self._limits

    def table_url(self, table_id: str) -> str:
        """The address of table `table_id` (e.g. '12r5'), found by searching the database."""
        self.limits()
        query = urllib.parse.urlencode({"query": table_id, "filter": "*"})
        found = self.request(f"{self.base}/{self.database}?{query}")
        if not isinstance(found, list):
            raise FetchError(f"searching {self.database} for {table_id} gave no list of tables")
        stem = table_id.lower()
        for hit in found:
            name = str(hit.get("id", "")).lower().removesuffix(".px")
            if name == stem or name.endswith("_" + stem):
                path = str(hit.get("path", "")).strip("/")
                parts = [self.base, self.database, *([path] if path else []), str(hit["id"])]
                return "/".join(parts)
        raise FetchError(
            f"no table {table_id} in {self.database} at {_public(self.base)}: the search found "
            f"{', '.join(str(h.get('id')) for h in found[:5]) or 'nothing'}"
        )


# ---------------------------------------------------------------------------------------------
# A table


@dataclass(frozen=True)
class _Roles:
    area: dict
    time: dict
    measure: dict
    measure_codes: dict[str, str]  # the API's value code -> Trialwatch's measure code
    fixed: dict[str, str]  # other variable -> the total value chosen


def fetch_table(
    client: PxWebClient, table_id: str, *, month_from: str | None = None
) -> PublishedFile:
    """Fetch a whole table (from `month_from` on) and check it as a downloaded file is checked.

    Raises FetchError (cannot fetch, or the API's codes are not what Trialwatch reads) or
    readers.PublishedError (the values break the rules a file would break)."""
    if table_id not in FETCHABLE:
        raise FetchError(
            f"{table_id!r} is not a table Trialwatch fetches: use {' or '.join(FETCHABLE)}"
        )
    if month_from is not None and not re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", month_from):
        raise FetchError(f"--from {month_from!r} is not a month: give YYYY-MM, e.g. 2023-01")
    url = client.table_url(table_id)
    meta = client.request(url)
    roles = _roles(meta, table_id, url)
    months = [m for m in roles.time["values"] if re.match(PX_MONTH_RE, m)]
    if month_from is not None:
        months = [m for m in months if m.replace("M", "-") >= month_from]
    if not months:
        raise FetchError(f"table {table_id} has no month from {month_from} on")
    areas = list(roles.area["values"])
    measures = list(roles.measure_codes)
    frames = [
        _cells(client.request(url, _query(roles, area_part, month_part, measures)), roles)
        for area_part, month_part in _chunks(areas, months, len(measures), client.limits())
    ]
    tidy = _tidy(pl.concat(frames), roles)
    problems = readers.Problems()
    file = readers.read_tidy(
        tidy, Path(table_id), f"{table_id} ({_public(url)})", problems, "pxweb"
    )
    if problems:
        raise problems.error()
    assert file is not None
    return PublishedFile(
        file.path, file.file, file.fmt, file.table_id, file.frame, file.ignored, source=_public(url)
    )


def _roles(meta, table_id: str, url: str) -> _Roles:
    variables = meta.get("variables") if isinstance(meta, dict) else None
    if not variables:
        raise FetchError(f"{_public(url)} gave no variables: is it a table's address?")

    def named(names) -> dict | None:
        return next(
            (v for v in variables if str(v.get("code", "")).lower() in names
             or str(v.get("text", "")).lower() in names),
            None,
        )  # fmt: skip

    def known(v) -> dict[str, str]:
        out = {}
        for code in v.get("values", []):
            ours = code if code in MEASURE_BY_CODE else code.rsplit("_", 1)[-1]
            if ours in MEASURE_BY_CODE and MEASURE_BY_CODE[ours] in TABLES[table_id].measures:
                out[code] = ours
        return out

    time_var = next((v for v in variables if v.get("time")), None) or named(_TIME_NAMES)
    measure_var = next((v for v in variables if known(v)), None) or named(_MEASURE_NAMES)
    area_var = named(_AREA_NAMES) or next(
        (v for v in variables
         if v.get("values") and all(re.match(AREA_RE, c) for c in v["values"])),
        None,
    )  # fmt: skip
    codes = ", ".join(str(v.get("code")) for v in variables)
    missing = [
        what
        for what, var in (("area", area_var), ("month", time_var), ("measure", measure_var))
        if var is None
    ]
    if missing or len({id(area_var), id(time_var), id(measure_var)}) < 3:
        raise FetchError(
            f"table {table_id} at {_public(url)}: cannot tell its {' and '.join(missing) or ''} "
            f"variable among {codes}; the API's variable codes may have changed (Trialwatch reads "
            "an area, a month and a measure variable)"
        )
    measure_codes = known(measure_var)
    if not measure_codes:
        wanted = ", ".join(MEASURES_CODES[table_id])
        raise FetchError(
            f"table {table_id}: none of the value codes of variable {measure_var.get('code')!r} "
            f"({', '.join(measure_var.get('values', [])[:6])}) is a measure Trialwatch reads "
            f"({wanted}); the API's codes may have changed"
        )
    fixed = {}
    for v in variables:
        if v is area_var or v is time_var or v is measure_var:
            continue
        total = next((c for c in _TOTALS if c in v.get("values", [])), None)
        if total is None and not v.get("elimination"):
            raise FetchError(
                f"table {table_id}: variable {v.get('code')!r} has no total to choose "
                f"({', '.join(v.get('values', [])[:5])}): Trialwatch reads totals only"
            )
        if total is not None:
            fixed[v["code"]] = total
    return _Roles(area_var, time_var, measure_var, measure_codes, fixed)


MEASURES_CODES = {
    t: tuple(code for code, name in MEASURE_BY_CODE.items() if name in spec.measures)
    for t, spec in TABLES.items()
}


def _chunks(areas: list[str], months: list[str], n_measures: int, limits: Limits):
    """(areas, months) parts of the table, each at most `limits.max_values` cells."""
    cap = max(1, limits.max_values)
    per_month = len(areas) * n_measures
    if per_month <= cap:
        step = max(1, cap // per_month)
        for i in range(0, len(months), step):
            yield areas, months[i : i + step]
        return
    area_step = max(1, cap // n_measures)
    for m in months:
        for i in range(0, len(areas), area_step):
            yield areas[i : i + area_step], [m]


def _query(roles: _Roles, areas: list[str], months: list[str], measures: list[str]) -> dict:
    def item(var: dict, values: list[str]) -> dict:
        return {"code": var["code"], "selection": {"filter": "item", "values": values}}

    query = [item(roles.area, areas), item(roles.time, months), item(roles.measure, measures)]
    query += [
        {"code": code, "selection": {"filter": "item", "values": [value]}}
        for code, value in roles.fixed.items()
    ]
    return {"query": query, "response": {"format": "json-stat2"}}


def _cells(ds, roles: _Roles) -> pl.DataFrame:
    """A JSON-stat2 dataset's cells: area, month, measure (the API's codes) and value."""
    try:
        ids, sizes, dims = ds["id"], ds["size"], ds["dimension"]
        values = ds["value"]
        orders = []
        for name in ids:
            index = dims[name]["category"]["index"]
            order = sorted(index, key=index.get) if isinstance(index, dict) else list(index)
            orders.append(order)
    except (KeyError, TypeError):
        raise FetchError("the API's answer is not a JSON-stat2 dataset") from None
    total = 1
    for s in sizes:
        total *= s
    if isinstance(values, dict):  # sparse form: {"position": value}
        values = [values.get(str(i)) for i in range(total)]
    if len(values) != total:
        raise FetchError("the API's answer holds a different number of values than its size")
    # Row-major: the last dimension varies fastest.
    columns: dict[str, list] = {}
    repeat = total
    for name, order in zip(ids, orders):
        repeat //= len(order)
        columns[name] = [order[(i // repeat) % len(order)] for i in range(total)]
    labels = dims[roles.area["code"]]["category"].get("label", {})
    frame = pl.DataFrame(
        {
            "area_code": columns[roles.area["code"]],
            "month": columns[roles.time["code"]],
            "measure": columns[roles.measure["code"]],
            "value": [None if v is None else _text(v) for v in values],
        },
        schema={
            "area_code": pl.String,
            "month": pl.String,
            "measure": pl.String,
            "value": pl.String,
        },
    )
    return frame.with_columns(
        area_name_fi=pl.col("area_code").replace_strict(
            labels, default=None, return_dtype=pl.String
        )
    )


def _tidy(cells: pl.DataFrame, roles: _Roles) -> pl.DataFrame:
    """The cells in a downloaded CSV file's form: one row per area and month, one column per
    measure code, every value as text, months as YYYY-MM."""
    wide = (
        cells.with_columns(
            pl.col("measure").replace_strict(roles.measure_codes, return_dtype=pl.String),
            pl.col("month").str.replace("M", "-", literal=True),
        )
        .pivot(on="measure", index=["area_code", "area_name_fi", "month"], values="value")
        .sort("area_code", "month")
    )
    return wide


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _retry_after(e: urllib.error.HTTPError, limits: Limits | None) -> float:
    header = e.headers.get("Retry-After") if e.headers else None
    try:
        return max(0.0, float(header))
    except (TypeError, ValueError):
        return limits.time_window if limits else 10.0


def _public(url: str) -> str:
    """The address without credentials or query, as messages and the load history show it."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))
