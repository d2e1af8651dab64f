"""A PxWeb API v1 on loopback for the fetch tests, answering in the API's shapes from the real
published files (the copies shipped under data/reference/published/).

It serves what `lib/published/fetch.py` asks: `GET /fi/?config` (the limits), `GET
/fi/StatFin?query=ID` (the search), `GET /fi/StatFin/tyonv/ID.px` (the table's variables) and
`POST` there (a selection, answered as a JSON-stat2 dataset). It keeps a log of the calls, may
answer the first calls "429 Too Many Requests", and may rename codes as the June 2026 change did.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import polars as pl

from lib.published.specs import PUBLISHED_DIR

SHIPPED = {"12r5": "statfin_12r5.parquet", "12u4": "statfin_12u4.parquet"}
MEASURE_CODES = {
    "12r5": ("TYOTTOMATLOPUSSA", "TYOVOIMATK", "AVPAIKATLOPUSSA"),
    "12u4": (
        "AKTASTE", "KOKEILULOP", "KUNTTYOLOP", "OMAEHTLOP", "PALVELUISSAYHTEENSA",
        "TVKOULUTUSLOP", "TYOLLISTETTYLOP", "TYOTTOMATLOPUSSA", "VALMENNUSLOP", "VUORVAPLOP",
    ),
}  # fmt: skip
# The 12r5 file's columns are named, not coded.
COLUMN_12R5 = {
    "TYOTTOMATLOPUSSA": "unemployed_jobseekers",
    "TYOVOIMATK": "labour_force",
    "AVPAIKATLOPUSSA": "open_vacancies",
}


@dataclass
class Table:
    table_id: str
    areas: list[str]
    area_names: list[str]
    months: list[str]  # 2006M01 ...
    measures: list[str]
    cells: dict[tuple[str, str, str], float | None]

    @classmethod
    def from_shipped(cls, table_id: str) -> Table:
        frame = pl.read_parquet(PUBLISHED_DIR / SHIPPED[table_id])
        named = "area_name_fi" in frame.columns
        areas = frame.select("area_code", pl.col("area_name_fi" if named else "area_code").alias(
            "name")).unique("area_code", maintain_order=True)  # fmt: skip
        cells = {}
        for row in frame.iter_rows(named=True):
            month = row["month"].replace("-", "M")
            for code in MEASURE_CODES[table_id]:
                text = row[COLUMN_12R5.get(code, code) if table_id == "12r5" else code]
                cells[(row["area_code"], month, code)] = None if text in (None, "") else float(text)
        return cls(
            table_id,
            areas["area_code"].to_list(),
            areas["name"].to_list(),
            sorted(frame["month"].unique().str.replace("-", "M").to_list()),
            list(MEASURE_CODES[table_id]),
            cells,
        )


@dataclass
class Behaviour:
    max_values: int = 120_000
    max_calls: int = 30
    time_window: float = 10
    busy_first: int = 0  # answer this many data calls with 429 first
    measure_prefix: str = ""  # value codes of the measure variable as after June 2026 ("x_")
    measure_rename: dict[str, str] = field(default_factory=dict)  # a code that changed
    variable_codes: dict[str, str] = field(default_factory=dict)  # e.g. {"Alue": "Alue2026"}
    file_name: str = "{id}.px"  # after June 2026; before: statfin_tyonv_pxt_{id}.px


@functools.cache
def _shipped(table_id: str) -> Table:
    return Table.from_shipped(table_id)


class PxWebServer:
    def __init__(self, behaviour: Behaviour | None = None) -> None:
        self.behaviour = behaviour or Behaviour()
        # Each server gets its own copy of the cells, which a test may change.
        self.tables = {t: dataclasses.replace(_shipped(t), cells=dict(_shipped(t).cells))
                       for t in SHIPPED}  # fmt: skip
        self.log: list[tuple[float, str, str, int]] = []  # (time, method, path, cells)
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                server._answer(self, "GET", None)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                server._answer(self, "POST", json.loads(self.rfile.read(length) or b"null"))

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/PXWeb/api/v1/fi"

    def __enter__(self) -> PxWebServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- answers ---------------------------------------------------------------------------

    def _code(self, name: str) -> str:
        return self.behaviour.variable_codes.get(name, name)

    def _measure(self, code: str) -> str:
        code = self.behaviour.measure_rename.get(code, code)
        return self.behaviour.measure_prefix + code

    def _file(self, table_id: str) -> str:
        return self.behaviour.file_name.format(id=table_id)

    def _send(self, handler, status: int, body, headers=()) -> None:
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            handler.send_header(k, v)
        handler.end_headers()
        handler.wfile.write(data)

    def _answer(self, handler, method: str, body) -> None:
        url = urlsplit(handler.path)
        b = self.behaviour
        prefix = "/PXWeb/api/v1/fi"
        path = url.path[len(prefix) :] if url.path.startswith(prefix) else None
        cells = 0
        with self._lock:
            data_calls = sum(1 for _, m, _, _ in self.log if m == "POST")
            self.log.append((time.monotonic(), method, url.path, 0))
        if path is None:
            return self._send(handler, 404, {"error": "not found"})
        if method == "GET" and path in ("", "/") and "config" in url.query:
            return self._send(handler, 200, {
                "apiVersion": "1.1.0", "languages": ["fi", "sv", "en"], "defaultLanguage": "fi",
                "maxValues": b.max_values, "maxCalls": b.max_calls, "timeWindow": b.time_window,
                "CORS": True,
            })  # fmt: skip
        if method == "GET" and path == "/StatFin":
            q = parse_qs(url.query).get("query", [""])[0]
            hits = [
                {"id": self._file(t), "objectType": "t", "path": "/tyonv",
                 "title": f"Työnhakijat ({t})", "score": 1.0}
                for t in self.tables if t in q
            ]  # fmt: skip
            return self._send(handler, 200, hits)
        table = next(
            (t for t in self.tables.values() if path == f"/StatFin/tyonv/{self._file(t.table_id)}"),
            None,
        )
        if table is None:
            return self._send(handler, 404, {"error": "no such table"})
        if method == "GET":
            return self._send(handler, 200, self._metadata(table))
        if b.busy_first and data_calls < b.busy_first:
            return self._send(handler, 429, {"error": "too many requests"}, [("Retry-After", "0")])
        try:
            dataset, cells = self._dataset(table, body)
        except KeyError as e:
            return self._send(handler, 400, {"error": f"unknown code {e}"})
        with self._lock:
            t, m, p, _ = self.log[-1]
            self.log[-1] = (t, m, p, cells)
        if cells > b.max_values:
            return self._send(handler, 403, {"error": "too many cells"})
        return self._send(handler, 200, dataset)

    def _metadata(self, table: Table) -> dict:
        return {
            "title": f"Työnhakijat ja avoimet työpaikat ({table.table_id})",
            "variables": [
                {"code": self._code("Alue"), "text": "Alue", "values": table.areas,
                 "valueTexts": table.area_names},
                {"code": self._code("Kuukausi"), "text": "Kuukausi", "values": table.months,
                 "valueTexts": table.months, "time": True},
                {"code": self._code("Tiedot"), "text": "Tiedot",
                 "values": [self._measure(m) for m in table.measures],
                 "valueTexts": list(table.measures)},
            ],
        }  # fmt: skip

    def _dataset(self, table: Table, body) -> tuple[dict, int]:
        chosen = {q["code"]: q["selection"]["values"] for q in body["query"]}
        areas = chosen[self._code("Alue")]
        months = chosen[self._code("Kuukausi")]
        back = {self._measure(m): m for m in table.measures}
        measures = [back[c] for c in chosen[self._code("Tiedot")]]
        names = dict(zip(table.areas, table.area_names))
        values = [table.cells.get((a, m, x)) for a in areas for m in months for x in measures]
        dims = {
            self._code("Alue"): {"label": "Alue", "category": {
                "index": {a: i for i, a in enumerate(areas)}, "label": {a: names[a] for a in areas}}},
            self._code("Kuukausi"): {"label": "Kuukausi", "category": {
                "index": {m: i for i, m in enumerate(months)}, "label": {m: m for m in months}}},
            self._code("Tiedot"): {"label": "Tiedot", "category": {
                "index": {self._measure(x): i for i, x in enumerate(measures)},
                "label": {self._measure(x): x for x in measures}}},
        }  # fmt: skip
        ids = [self._code("Alue"), self._code("Kuukausi"), self._code("Tiedot")]
        return {
            "version": "2.0", "class": "dataset", "label": table.table_id, "source":
            "Tilastokeskus", "id": ids, "size": [len(areas), len(months), len(measures)],
            "dimension": dims, "value": values, "role": {"time": [ids[1]], "metric": [ids[2]]},
        }, len(values)  # fmt: skip
