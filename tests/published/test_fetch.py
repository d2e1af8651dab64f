"""`trialwatch published fetch`: Statistics Finland's PxWeb API, tested against a PxWeb API on
loopback (tests/published/pxweb_server.py) that answers in the API's shapes from the real files.
A live fetch from pxdata.stat.fi is not tested here (this machine has no network)."""

from __future__ import annotations

import polars as pl
import pytest
from sqlalchemy import select

from lib.cli.commands import main
from lib.published import fetch, readers, storage
from lib.register.schema import PublishedSeries
from lib.register.store import get_engine
from tests.published.published_files import rebuilt_files
from tests.published.pxweb_server import Behaviour, PxWebServer


def stored(engine) -> pl.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                PublishedSeries.table_id,
                PublishedSeries.area_code,
                PublishedSeries.month,
                PublishedSeries.measure,
                PublishedSeries.value,
            )
        ).all()
    frame = pl.DataFrame(
        rows, schema=["table_id", "area_code", "month", "measure", "value"], orient="row"
    )
    return frame.sort("table_id", "area_code", "month", "measure")


def client(server: PxWebServer, sleeps: list | None = None) -> fetch.PxWebClient:
    def sleep(seconds: float) -> None:
        if sleeps is not None:
            sleeps.append(seconds)
        import time

        time.sleep(seconds)

    return fetch.PxWebClient(server.base, sleep=sleep)


def test_a_fetched_table_is_stored_as_the_same_rows_as_its_downloaded_file(tmp_path):
    r5_csv = rebuilt_files(tmp_path / "files")[0]
    part = tmp_path / "12r5_2023.csv"
    pl.read_csv(r5_csv, infer_schema=False).filter(pl.col("month") >= "2023-01").write_csv(part)
    from_file = get_engine(f"sqlite:///{tmp_path}/file.sqlite")
    storage.import_published(from_file, [part])

    with PxWebServer() as server:
        fetched = fetch.fetch_table(client(server), "12r5", month_from="2023-01")
    assert (fetched.table_id, fetched.fmt) == ("12r5", "pxweb")
    from_api = get_engine(f"sqlite:///{tmp_path}/api.sqlite")
    storage.replace_published(from_api, [fetched])
    a, b = stored(from_api), stored(from_file)
    assert a.height == b.height > 10_000  # 414 areas x 10 months x 3 measures, less the missing
    assert a.equals(b)
    load = storage.current_loads(from_api)["12r5"]
    assert "/PXWeb/api/v1/fi/StatFin/tyonv/12r5.px" in load.source_paths
    assert load.file_format == "pxweb"


def test_the_api_limits_are_kept_cells_per_query_and_calls_per_window(tmp_path):
    behaviour = Behaviour(max_values=3_000, max_calls=4, time_window=0.5)
    with PxWebServer(behaviour) as server:
        fetched = fetch.fetch_table(client(server), "12r5", month_from="2023-01")
    data_calls = [(t, cells) for t, method, _, cells in server.log if method == "POST"]
    # 414 areas x 3 measures = 1,242 cells a month: two months a query, five queries.
    assert len(data_calls) == 5 and max(c for _, c in data_calls) <= 3_000
    times = [t for t, *_ in server.log]
    for i in range(len(times) - 4):  # no five calls within half a second
        assert times[i + 4] - times[i] >= 0.5 - 0.02
    assert fetched.frame["month"].n_unique() == 10


def test_a_too_many_requests_answer_is_waited_out_and_asked_again():
    sleeps: list[float] = []
    with PxWebServer(Behaviour(busy_first=2)) as server:
        fetched = fetch.fetch_table(client(server, sleeps), "12u4", month_from="2021-01")
    posts = [p for _, m, p, _ in server.log if m == "POST"]
    assert len(posts) == 3  # two answered 429, then the data
    assert sleeps.count(0.0) == 2  # Retry-After: 0, twice
    assert fetched.table_id == "12u4" and fetched.frame["month"].min() == "2021-01"


def test_codes_of_june_2026_are_read_from_the_metadata():
    """Variable codes and prefixed measure codes, as after the change, are found by role."""
    behaviour = Behaviour(variable_codes={"Alue": "alue", "Tiedot": "tiedot"}, measure_prefix="m_")
    with PxWebServer(behaviour) as server:
        fetched = fetch.fetch_table(client(server), "12r5", month_from="2023-09")
    assert set(fetched.frame["measure"].unique()) == {
        "unemployed_jobseekers",
        "labour_force",
        "open_vacancies",
    }


def test_a_changed_measure_code_gives_a_clear_error():
    behaviour = Behaviour(
        measure_rename={
            "TYOTTOMATLOPUSSA": "TYOTTOMAT",
            "TYOVOIMATK": "TYOVOIMA",
            "AVPAIKATLOPUSSA": "AVPAIKAT",
        }
    )
    with PxWebServer(behaviour) as server, pytest.raises(fetch.FetchError) as info:
        fetch.fetch_table(client(server), "12r5")
    message = str(info.value)
    assert "none of the value codes of variable 'Tiedot' (TYOTTOMAT, TYOVOIMA, AVPAIKAT)" in message
    assert "TYOTTOMATLOPUSSA" in message and "may have changed" in message


def test_an_unknown_table_and_a_bad_month_are_refused_before_any_call():
    with PxWebServer() as server:
        c = client(server)
        with pytest.raises(fetch.FetchError, match="'12xx' is not a table Trialwatch fetches"):
            fetch.fetch_table(c, "12xx")
        with pytest.raises(fetch.FetchError, match="--from '2023-13' is not a month"):
            fetch.fetch_table(c, "12r5", month_from="2023-13")
        assert server.log == []


def test_the_command_line_fetches_and_loads_and_says_what(tmp_path, capsys):
    url = f"sqlite:///{tmp_path}/cli.sqlite"
    with PxWebServer() as server:
        code = main(
            ["--db", url, "published", "fetch", "12u4", "--from", "2021-06", "--url", server.base]
        )
        err = capsys.readouterr().err
        assert code == 0, err
        assert "Loaded published table 12u4" in err and "2021-06..2022-02" in err
        assert main(["--db", url, "published", "fetch", "12r5", "--url", server.base + "/x"]) == 2
        err = capsys.readouterr().err
        assert "Traceback" not in err and "answered 404" in err
    assert main(["--db", url, "published", "fetch", "12r5", "--url", "http://127.0.0.1:9/"]) == 2
    err = capsys.readouterr().err
    assert "cannot reach http://127.0.0.1:9/" in err and "Traceback" not in err


def test_a_fetched_file_is_checked_as_a_downloaded_one():
    """A value a file would be refused for (a negative count) is refused from the API too."""
    with PxWebServer() as server:
        server.tables["12u4"].cells[("SSS", "2021M06", "KOKEILULOP")] = -5.0
        with pytest.raises(readers.PublishedError, match="KOKEILULOP"):
            fetch.fetch_table(client(server), "12u4", month_from="2021-06")
