"""A real server process for tests that need one: uvicorn serving main:app on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """Start with `start()`, stop with `stop()`; the output is kept for failure messages."""

    def __init__(self, env: dict[str, str], args: tuple[str, ...] = ("serve",)) -> None:
        self.port = free_port()
        self.env = {**os.environ, **env, "HOST": "127.0.0.1", "PORT": str(self.port)}
        self.args = args
        self.process: subprocess.Popen[str] | None = None
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> None:
        # Output goes to a file, not a pipe: a server logging every request would fill a pipe nobody reads and stall.
        self.log = tempfile.NamedTemporaryFile(mode="w+", prefix="server-", suffix=".log", delete=False)  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "main.py", *self.args], cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, text=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.output()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("server did not become healthy in time")

    def stop(self, timeout: float = 20) -> tuple[int, str]:
        """SIGTERM, then wait; returns the exit code and everything the server printed."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"server did not stop within {timeout}s of SIGTERM:\n{self.output()}") from None
        output = self.output()
        # uvicorn re-raises the signal after a graceful shutdown, so -SIGTERM is a clean exit too.
        clean = self.process.returncode in (0, -signal.SIGTERM) and "Application shutdown complete" in output
        return (0 if clean else self.process.returncode or 1), output

    def output(self) -> str:
        return Path(self.log.name).read_text()
