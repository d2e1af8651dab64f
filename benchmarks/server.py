"""A real server: `streamlit run dashboard.py` on loopback, read by headless Chromium.

- `first_page`: the time from starting the server until the Overview's figures are drawn in a
  browser (its headline metrics and first chart), split into until the server answers its
  health check and from then until the figures; with an empty snapshot cache (the first start
  after an import that another process did not cache) and with the cache on disk (a restart).
- `sessions`: N sessions at once, each an official going through every page with their own
  selection (their areas and a group), over Streamlit's websocket protocol as a browser speaks
  it; the server process's resident memory (RSS) sampled throughout: its peak, and its steady
  level once the sessions have gone idle. Each page view's time under that load too.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("TRIALWATCH_CHROMIUM") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]  # fmt: skip
READY = "[data-testid='stApp'][data-test-script-state='notRunning']"
# URL paths of the figure pages (dashboard.py: the Overview at the root)
PAGES = ("", "caseload", "staffing", "placements", "money", "compare", "evaluation",
         "explorer", "published", "definitions")  # fmt: skip
GROUPS = ("long_term_unemployed", "youth", "older", "foreign", "reduced_work_capacity")
TIMEOUT_MS = int(os.environ.get("TRIALWATCH_BENCH_VIEW_TIMEOUT", "600")) * 1000


# As scripts/start.sh starts it: lib.web.serve (streamlit run dashboard.py with the warm-up at
# start-up) where the checkout has it. -X faulthandler: a SIGABRT writes every thread's stack to
# the server's log (see Stalled).
START = (
    ["-m", "lib.web.serve"]
    if (ROOT / "lib" / "web" / "serve.py").exists()
    else ["-m", "streamlit", "run", "dashboard.py"]
)
ARGS = ["--server.headless", "true", "--server.address", "127.0.0.1",
        "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]  # fmt: skip
STALL_S = 180  # no message to any session for this long, and next to no CPU used: stuck


class Stalled(Exception):
    """The server stopped working with views waiting (see Server.stalled)."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One server process as scripts/start.sh starts it; its memory and CPU read from /proc."""

    def __init__(self, store_url: str, cache_dir: Path, log_path: Path):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(log_path, "wb")  # noqa: SIM115 -- closed by stop()
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-X", "faulthandler", *START, *ARGS, "--server.port", str(self.port)],
            cwd=ROOT,
            env={**os.environ, "TRIALWATCH_DB": store_url, "TRIALWATCH_CACHE_DIR": str(cache_dir)},
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.peak_sampled = 0.0
        self._sampling = False
        self.last_message = time.monotonic()  # any session's latest message (see stalled)
        self.cpu_at_message = 0.0

    def wait_healthy(self, timeout: float = 600) -> float:
        """Seconds from the start until /_stcore/health answers ok."""
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"the server exited with {self.proc.returncode}")
            try:
                with opener.open(f"{self.base}/_stcore/health", timeout=2) as r:
                    if r.status == 200 and r.read().strip() == b"ok":
                        return time.perf_counter() - self.started
            except OSError:
                pass
            time.sleep(0.1)
        raise SystemExit(f"the server did not answer within {timeout:.0f} s")

    def memory_mb(self) -> tuple[float, float]:
        """(RSS now, its peak since the start) of the server process, in MB."""
        fields = {}
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                fields[name] = int(value.split()[0]) / 1024
        return fields.get("VmRSS", 0.0), fields.get("VmHWM", 0.0)  # none once it has exited

    def cpu_s(self) -> float:
        """CPU seconds the server process has used (all its threads)."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def message(self) -> None:
        """A session had a message: note when, and the CPU used by then (once a second)."""
        now = time.monotonic()
        if now - self.last_message > 1:
            self.cpu_at_message = self.cpu_s()
        self.last_message = now

    def stalled(self) -> bool:
        """True when no session has had a message for STALL_S and the process used under a
        tenth of a core meanwhile (a deadlocked server's idle threads use a few per cent)."""
        waited = time.monotonic() - self.last_message
        return waited > STALL_S and self.cpu_s() - self.cpu_at_message < 0.1 * waited

    def dump_stacks(self) -> str:
        """Stop the process with SIGABRT (faulthandler writes every thread's stack to the log)
        and return the stacks."""
        import signal

        self.proc.send_signal(signal.SIGABRT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=20)
        self.log.flush()
        text = Path(self.log.name).read_text(errors="replace")
        return text[text.find("Fatal Python error") :][:6000]

    def sample(self) -> None:
        """Sample the RSS every 0.2 s in a thread until `stop_sampling` (peak_sampled)."""
        self._sampling = True

        def run():
            while self._sampling and self.proc.poll() is None:
                self.peak_sampled = max(self.peak_sampled, self.memory_mb()[0])
                time.sleep(0.2)

        threading.Thread(target=run, daemon=True).start()

    def stop_sampling(self) -> None:
        self._sampling = False

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=20)
        self.log.close()


FIRST_START_TIMEOUT_MS = 3_600_000  # the first start builds the snapshot: minutes at national size


async def _overview_drawn(page, base: str, timeout_ms: int = TIMEOUT_MS) -> float:
    """The Overview's headline metrics and its first chart drawn; seconds from goto."""
    t = time.perf_counter()
    await page.goto(base, timeout=timeout_ms, wait_until="commit")
    await page.wait_for_selector(READY, timeout=timeout_ms)
    await page.locator("[data-testid='stMetric']").first.wait_for(timeout=timeout_ms)
    await page.locator(
        "[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg"
    ).first.wait_for(timeout=timeout_ms)
    return time.perf_counter() - t


def first_page(store_url: str, cache_dir: Path, log_dir: Path, label: str) -> dict:
    """Start a server, open the Overview in Chromium as soon as it answers: the seconds."""
    from playwright.async_api import async_playwright

    async def go() -> dict:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            server = Server(store_url, cache_dir, log_dir / f"server-{label}.log")
            try:
                healthy = server.wait_healthy()
                ctx = await browser.new_context(viewport={"width": 1366, "height": 768})
                page = await ctx.new_page()
                drawn = await _overview_drawn(page, server.base, FIRST_START_TIMEOUT_MS)
                total = time.perf_counter() - server.started
                rss, peak = server.memory_mb()
            finally:
                server.stop()
                await browser.close()
        return {"healthy_s": healthy, "figures_s": drawn, "total_s": total,
                "rss_mb": rss, "peak_mb": peak}  # fmt: skip

    return asyncio.run(go())


async def _ws_view(ws, page: str, query: str, server: Server) -> float:
    """Ask the server to run `page` (its URL path) in this session, as the browser does on a
    page switch, and read its messages until the run has finished; seconds. Raises Stalled
    when the server has stopped working (Server.stalled)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ClientState_pb2 import ClientState
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    msg = BackMsg(rerun_script=ClientState(query_string=query, page_name=page))
    t = time.perf_counter()
    await ws.send(msg.SerializeToString())
    while True:
        try:
            data = await asyncio.wait_for(ws.recv(), 15)
        except TimeoutError:
            if server.stalled():
                raise Stalled(f"/{page}?{query}") from None
            if time.perf_counter() - t > TIMEOUT_MS / 1000:
                raise
            continue
        server.message()
        fm = ForwardMsg()
        fm.ParseFromString(data)
        kind = fm.WhichOneof("type")
        if kind == "page_not_found":
            raise SystemExit(f"/{page}: the server has no such page")
        if kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
            if fm.delta.new_element.WhichOneof("type") == "exception":
                raise SystemExit(f"/{page}?{query}: {fm.delta.new_element.exception.message}")
        if kind == "script_finished" and fm.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            return time.perf_counter() - t


def sessions(store_url: str, cache_dir: Path, log_dir: Path, n: int, areas: list[str]) -> dict:
    """A fresh server, then n sessions at once, each an official with their own areas and
    group going through every figure page in one session, as a browser's page switches do:
    Streamlit's own websocket protocol (the messages the browser sends and receives; the
    browser's drawing is left out, so that n Chromiums do not take the cores from the
    server). The server process's memory, and each page view's time under that load."""
    import websockets

    async def one(server: Server, i: int, times: list[float], opened: list) -> None:
        url = server.base.replace("http://", "ws://") + "/_stcore/stream"
        # no keepalive pings: a browser sends none, and a busy server answers them late
        ws = await websockets.connect(
            url, subprotocols=["streamlit"], max_size=None, ping_interval=None
        )
        opened.append(ws)
        query = f"area={areas[(2 * i) % len(areas)]}&group={GROUPS[i % len(GROUPS)]}"
        for path in PAGES:
            times.append(await _ws_view(ws, path, query, server))
            print(f"    session {i}: /{path}?{query} {times[-1]:.1f} s", file=sys.stderr)

    async def go() -> dict:
        server = Server(store_url, cache_dir, log_dir / f"server-sessions-{n}.log")
        opened: list = []
        try:
            server.wait_healthy()
            async with websockets.connect(
                server.base.replace("http://", "ws://") + "/_stcore/stream",
                subprotocols=["streamlit"],
                max_size=None,
                ping_interval=None,
            ) as ws:  # the store loaded before the sessions: the Overview once
                await _ws_view(ws, "", "", server)
            before, _ = server.memory_mb()
            server.sample()
            times: list[float] = []
            t = time.perf_counter()
            try:
                await asyncio.gather(*(one(server, i, times, opened) for i in range(n)))
            except Stalled as e:
                rss, peak = server.memory_mb()
                return {"sessions": n, "stalled": str(e), "views_done": len(times),
                        "views": n * len(PAGES), "rss_mb": rss, "peak_mb": peak,
                        "after_s": time.perf_counter() - t,
                        "stacks": server.dump_stacks()}  # fmt: skip
            wall = time.perf_counter() - t
            await asyncio.sleep(10)  # idle, the sessions still open: what the server keeps
            steady, peak = server.memory_mb()
            server.stop_sampling()
        finally:
            server.stop_sampling()
            for ws in opened:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(ws.close(), 10)
            server.stop()
        from benchmarks.app import stats

        return {"sessions": n, "views": len(times), "view": stats(times), "wall_s": wall,
                "rss_loaded_mb": before, "peak_sampled_mb": server.peak_sampled,
                "peak_mb": peak, "steady_mb": steady}  # fmt: skip

    return asyncio.run(go())
