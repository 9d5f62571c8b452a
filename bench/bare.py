"""The bare baseline: Litestar with one JSON route and nothing else, and the server that serves it like the app.

Issue 16: every figure is also a ratio to what the framework itself answers on this machine, so that
`/bench/ping` (the same answer through this app's whole per-request stack) is a row of its own and
the gap between the two is what that stack costs. Served by the same server as the app (uvicorn,
`python main.py serve` uses its defaults: uvloop, httptools, 5 s keep-alive) with the same number of
workers, and no access log: a bare app has none (the app's JSON request line is part of its stack).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from litestar import Litestar, get


@get("/bench/ping")
async def ping() -> dict[str, str]:
    return {"status": "ok"}


app = Litestar(route_handlers=[ping])


class BareServer:
    """`uvicorn bare:app` with `workers` workers on a free loopback port; `start()`, then `stop()`."""

    def __init__(self, workers: int) -> None:
        from server import free_port  # tests/server.py: bench/run.py puts tests/ on the path

        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[str] | None = None

    def start(self, timeout: float = 30) -> BareServer:
        self.log = tempfile.NamedTemporaryFile(mode="w+", prefix="bare-", suffix=".log", delete=False)  # noqa: SIM115
        command = [sys.executable, "-m", "uvicorn", "bare:app", "--app-dir", str(Path(__file__).resolve().parent), "--host", "127.0.0.1",
                   "--port", str(self.port), "--workers", str(self.workers), "--no-access-log", "--log-level", "warning"]
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT, text=True)  # noqa: S603
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the bare server exited early:\n{Path(self.log.name).read_text()}")
            try:
                if httpx.get(f"{self.url}/bench/ping", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("the bare server did not answer in time")

    def stop(self) -> None:
        assert self.process is not None
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
