"""The load generator: wrk (one thread, N connections) sending the requests of a file, one run at a time.

Why one wrk thread: on this 2-core machine a second thread only takes CPU from the server it
measures; one thread sends far more than the app's bare ping answers (it is the same thread
for the ping baseline and for every scenario, so the ratio is fair).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "wrk" / "requests.lua"
#: How long the answers still due are awaited once sending stops; later, they are errors.
TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    #: Answers with status >= 400, and requests sent but never answered.
    errors: int
    statuses: dict[str, int] = field(default_factory=dict)
    #: How often BENCH_COUNT's text appeared in the answers.
    matched: int = 0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def non_2xx(self) -> int:
        return sum(n for status, n in self.statuses.items() if not status.startswith("2"))


def line(method: str, path: str, body: str = "", **headers: str) -> str:
    """One request as requests.lua reads it; header names are given with underscores (If_None_Match)."""
    pairs = "|".join(f"{name.replace('_', '-')}: {value}" for name, value in headers.items()) or "-"
    return f"{method}\t{path}\t{pairs}\t{body}"


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk is not installed: `make bench` installs it (apt-get install wrk).")
    return found


def run(url: str, requests: Path, *, connections: int, seconds: int, once: bool = False, count: str | None = None) -> Result:
    """Send for `seconds` (with `once`, each line at most once), then wait for the answers still due; returns what came back.

    The run ends at the last answer; a request still unanswered TIMEOUT_SECONDS after sending stopped is an error.
    """
    env = {**os.environ, "BENCH_REQUESTS": str(requests), "BENCH_MODE": "once" if once else "cycle", "BENCH_SECONDS": str(seconds)}
    if count:
        env["BENCH_COUNT"] = count
    bound = seconds + TIMEOUT_SECONDS + 5
    command = [wrk_binary(), "-t1", f"-c{connections}", f"-d{bound}s", f"--timeout={TIMEOUT_SECONDS}s", "-s", str(SCRIPT), url]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=bound + 30, check=False)  # noqa: S603
    report = next((row[len("BENCH "):] for row in done.stdout.splitlines() if row.startswith("BENCH ")), None)
    if done.returncode != 0 or report is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    data = json.loads(report)
    latency = data["latency_us"]
    return Result(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=latency["p50"] / 1000,
        p99_ms=latency["p99"] / 1000,
        max_ms=latency["max"] / 1000,
        # Socket errors are left out: the server closes connections that idle after their last line (its keep-alive
        # timeout), and a request lost with its connection is counted here, as sent and never answered.
        errors=data["errors"]["status"] + data["sent"] - data["requests"],
        statuses=data["statuses"],
        matched=data["matched"],
    )
