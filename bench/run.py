"""`make bench`: the real server (uvicorn, as in production) under wrk on loopback, on SQLite then PostgreSQL.

    .venv/bin/python bench/run.py --postgres postgresql://postgres@127.0.0.1:5432/bench   # ~20 minutes
    .venv/bin/python bench/run.py --quick --postgres …        # the same scenarios, smaller and shorter: ~3 minutes
    .venv/bin/python bench/run.py --compare bench/results/latest.json …   # and print the change since that run

Each database gets a new, seeded database and one server for the whole suite, beside a bare Litestar
app (bench/bare.py) served the same way with as many workers; every scenario is reported in absolute
figures and as ratios to the bare ping and to the app's GET /bench/ping, both measured just before it.
With --redis, PostgreSQL's suite ends with the scale scenario (2 and 4 workers with Redis). Prints one
table, writes the JSON (bench/results/latest.json, or quick.json), and draws the growth curves;
with --docs, into docs/benchmarks/ and the results section of docs/benchmarks.md. The PostgreSQL
database is wiped.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
WORK = Path(tempfile.mkdtemp(prefix="bench-"))
RATE_LIMITS = ("SCAN_RATE_LIMIT_ACCOUNT", "SCAN_RATE_LIMIT_ADDRESS", "REGISTRATION_RATE_LIMIT_ACCOUNT", "REGISTRATION_RATE_LIMIT_ADDRESS",
               "LOGIN_RATE_LIMIT_ACCOUNT", "LOGIN_RATE_LIMIT_ADDRESS", "LOGIN_FAILURE_RATE_LIMIT_ADDRESS",
               "SIGNUP_RATE_LIMIT_ADDRESS")
# Before `events` is imported, and inherited by the server: the tickets and tokens made here must be
# the ones it accepts. Rate limits are lifted: a few tokens drive every scanner here, which the
# per-account limits would otherwise measure. No Redis: limits are lifted and live updates stay in each worker.
for name in ("DATABASE_URL", "REDIS_URL", "WORKERS", "PUBLIC_URL", "TEST_DATABASE_URL"):
    os.environ.pop(name, None)
os.environ.update(
    APP_ENV="test",
    SECRET_KEY="bench-secret-key-that-is-long-enough-0000000000",
    DATA_DIR=str(WORK),
    PASSWORD_HASH_PROFILE="fast",
    BENCH="1",
    LOG_FORMAT="json",
    **dict.fromkeys(RATE_LIMITS, "unlimited"),
)
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import argparse  # noqa: E402
import fcntl  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime  # noqa: E402

import httpx  # noqa: E402
import plots  # noqa: E402
import report  # noqa: E402
import report_docs  # noqa: E402
import scenarios  # noqa: E402
import seed  # noqa: E402
from server import Server, free_port  # noqa: E402

from events.settings import load as load_settings  # noqa: E402


def _scan_growth_rest(suite: scenarios.Suite) -> None:
    for stored in suite.mode.scan_growth[1:]:
        scenarios.scan_growth(suite, stored)
    scenarios.scan_growth_target(suite)


#: Every scenario, in the order a full run takes them, each called with the suite, a function that starts another app
#: server (with extra environment) and the suite server's pid. --only names which run ("scans" thrice: its growth goes on
#: after the bursts).
STEPS = (
    ("scans", lambda suite, start, pid: scenarios.scan_growth(suite, suite.mode.scan_growth[0])),
    ("scans", lambda suite, start, pid: scenarios.scans(suite)),
    ("sync", lambda suite, start, pid: scenarios.sync(suite)),
    ("burst", lambda suite, start, pid: scenarios.burst(suite)),
    ("booking_burst", lambda suite, start, pid: scenarios.booking_burst(suite)),
    ("scans", lambda suite, start, pid: _scan_growth_rest(suite)),
    ("events_list", lambda suite, start, pid: scenarios.events_list(suite)),
    ("stop_pages", lambda suite, start, pid: scenarios.stop_pages(suite)),
    ("job_search", lambda suite, start, pid: [scenarios.job_search(suite, jobs) for jobs in suite.mode.job_growth]),
    ("feeds", lambda suite, start, pid: scenarios.feeds(suite)),
    ("outbox", lambda suite, start, pid: scenarios.outbox_overhead(suite, start)),
    ("memory", lambda suite, start, pid: scenarios.memory(suite, pid)),
    # After the memory row: the report's render process is a child of the server, and one worker's RSS is read from its children.
    ("reports", lambda suite, start, pid: report_docs.reports(suite)),
    ("scale", lambda suite, start, pid: scenarios.scale(suite, start, lambda workers: BareServer(workers).start())),
)
#: What --only may name.
SCENARIOS = tuple(dict.fromkeys(name for name, _ in STEPS))


def run_suite(db_name: str, database_url: str, mode: scenarios.Mode, credentials: scenarios.Credentials, redis_url: str | None,
              only: frozenset[str] | None = None) -> scenarios.Suite:
    """Every scenario (or those in `only`) on one database, against one server that lives for the whole suite."""
    started = time.monotonic()
    seed.reset(database_url)
    with seed.Database(database_url) as database:
        seed.scene(database, mode.plan(), seed.utcnow())
        print(f"{report.DB_NAMES[db_name]}: seeded in {time.monotonic() - started:.0f} s", file=sys.stderr)
        server = Server({"DATABASE_URL": database_url})
        server.start()
        # The same worker count as the app's server: the app's own rule (events/settings.py), read for this database.
        bare = BareServer(load_settings({**os.environ, "DATABASE_URL": database_url}).workers).start()
        suite = scenarios.Suite(db_name=db_name, url=server.url, database=database, mode=mode, work=WORK, credentials=credentials,
                                bare_url=bare.url, redis_url=redis_url)
        def start_server(env: dict[str, str]) -> Server:
            return _started(Server({"DATABASE_URL": database_url, **env}))

        try:
            scenarios.check_baseline(suite)
            scenarios.warm_up(suite)
            scenarios.baselines(suite)
            for name, step in STEPS:
                if only is None or name in only:
                    step(suite, start_server, server.process.pid)
        finally:
            bare.stop()
            code, _output = server.stop(timeout=60)
            print(f"{report.DB_NAMES[db_name]}: done in {time.monotonic() - started:.0f} s; server log {server.log.name} (exit {code})", file=sys.stderr)
        if db_name == "postgres":
            suite.postgres_version = str(database.value("SHOW server_version"))
    return suite


class BareServer:
    """`uvicorn bare:app` (bench/bare.py) with `workers` workers on a free loopback port; `start()`, then `stop()`.

    Not in bare.py: importing it builds a Litestar app, whose default logging set-up would take over this process's logging.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[str] | None = None

    def start(self, timeout: float = 30) -> BareServer:
        self.log = tempfile.NamedTemporaryFile(mode="w+", prefix="bare-", suffix=".log", delete=False)  # noqa: SIM115
        command = [sys.executable, "-m", "uvicorn", "bare:app", "--app-dir", str(ROOT / "bench"), "--host", "127.0.0.1",
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


def _started(server: Server) -> Server:
    server.start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller and shorter: for working on the benchmark, not for figures")
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL database to wipe and benchmark (without it, SQLite only)")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--redis", metavar="URL", help="Redis for the scale scenario (PostgreSQL, 2 and 4 workers); without it, no scale scenario")
    parser.add_argument("--compare", metavar="JSON", type=Path, help="an earlier run's JSON: also print the change since then")
    parser.add_argument("--out", metavar="JSON", type=Path, help="where to write this run's JSON (default bench/results/latest.json or quick.json)")
    parser.add_argument("--docs", action="store_true", help="draw the plots into docs/benchmarks/ and rewrite docs/benchmarks.md's results")
    parser.add_argument("--only", metavar="NAMES", help=f"comma-separated scenarios to run, of: {','.join(SCENARIOS)} (the baselines always run; not with --docs)")
    args = parser.parse_args()
    only = frozenset(args.only.split(",")) if args.only else None
    if only is not None and (only - set(SCENARIOS) or args.docs):
        parser.error(f"--only takes {','.join(SCENARIOS)}, and a partial run does not go into the docs")
    mode = scenarios.QUICK if args.quick else scenarios.FULL
    out = args.out or RESULTS / f"{'quick' if args.quick else 'latest'}.json"
    earlier = json.loads(args.compare.read_text()) if args.compare else None
    databases = ([] if args.no_sqlite else [("sqlite", f"sqlite:///{WORK}/bench.sqlite3")]) + ([("postgres", args.postgres)] if args.postgres else [])
    if not databases:
        parser.error("nothing to benchmark: --no-sqlite needs --postgres")

    # Two runs at once would wipe each other's PostgreSQL database, and each would measure the other's load.
    RESULTS.mkdir(parents=True, exist_ok=True)
    lock = (RESULTS / ".run.lock").open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        shutil.rmtree(WORK, ignore_errors=True)
        parser.exit(1, "another bench/run.py is running on this machine; wait for it to end\n")
    started_at, started, git = datetime.now(UTC), time.monotonic(), report.git_commit(ROOT)
    credentials = scenarios.Credentials()
    suites = [run_suite(db_name, url, mode, credentials, args.redis, only) for db_name, url in databases]
    rows = [row for suite in suites for row in suite.rows]
    growth = {suite.db_name: suite.growth for suite in suites}
    document = {
        "mode": mode.name,
        "started_at": started_at.isoformat(timespec="seconds"),
        "seconds": round(time.monotonic() - started),
        "git": git,
        "machine": report.machine(next((suite.postgres_version for suite in suites if suite.postgres_version), None)),
        "targets": {"met": sum(row.passed is True for row in rows), "missed": sum(row.passed is False for row in rows)},
        "warnings": [warning for suite in suites for warning in suite.warnings],
        "rows": [row.as_json() for row in rows],
        "growth": growth,
    }
    report.write_json(out, document)
    drawn = plots.draw(growth, ROOT / "docs" / "benchmarks" if args.docs else out.parent / f"{out.stem}-plots")
    if args.docs:
        report.update_docs(ROOT / "docs" / "benchmarks.md", document, rows, drawn)
    print(report.table(rows))
    for warning in document["warnings"]:
        print(f"warning: {warning}")
    if earlier is not None:
        print()
        print(report.compare(earlier, rows))
    print(f"\n{document['seconds'] / 60:.1f} minutes; results in {out}; plots: {' '.join(str(path) for path in drawn)}")
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
