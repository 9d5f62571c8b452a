"""kill -9 in the middle of a busy night: every write the server acknowledged is still there afterwards, and nothing is overbooked or half-written."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
import uuid

import httpx
import pytest
from conftest import confirmed_tickets, live_server_env, many_seekers
from server import Server

from events import db
from events.tables import CheckIn, Registration, Scan, Stop


async def test_acknowledged_scans_and_registrations_survive_a_kill_9(client, organiser, night_market):
    tonight = night_market["tonight"]["id"]
    await client.patch(f"/api/stops/{tonight}", json={"capacity": 1060}, headers=organiser)
    people = await confirmed_tickets(tonight, 1000)  # 1,000 of 1,060 seats taken
    newcomers = await many_seekers(200)  # more than the 60 seats left
    server = Server({**live_server_env(), "WORKERS": "1"})
    server.start()
    acknowledged: dict[str, set] = {"scans": set(), "registrations": set()}
    stop_sending, enough = asyncio.Event(), asyncio.Event()

    def count(kind: str, key: str) -> None:
        acknowledged[kind].add(key)
        if len(acknowledged["scans"]) >= 150 and len(acknowledged["registrations"]) >= 40:
            enough.set()

    async def scanner(n: int) -> None:
        async with httpx.AsyncClient(base_url=server.url, headers=organiser, timeout=10) as http:
            for person in people[n::16]:
                if stop_sending.is_set():
                    return
                nonce = str(uuid.uuid4())
                try:
                    response = await http.post(f"/api/stops/{tonight}/check-ins", json={"ticket": person["code"], "nonce": nonce})
                except httpx.TransportError:
                    return
                if response.status_code in (200, 201):
                    count("scans", nonce)

    async def registrant(n: int) -> None:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
            for headers in newcomers[n::16]:
                if stop_sending.is_set():
                    return
                try:
                    response = await http.post(f"/api/stops/{tonight}/registrations", headers=headers)
                except httpx.TransportError:
                    return
                if response.status_code == 201:
                    count("registrations", response.json()["id"])

    async def killer() -> None:
        await enough.wait()
        server.process.send_signal(signal.SIGKILL)
        stop_sending.set()

    await asyncio.wait_for(asyncio.gather(*(scanner(n) for n in range(16)), *(registrant(n) for n in range(16)), killer()), timeout=120)
    server.process.wait()

    recorded = {row["nonce"] for row in await Scan.select(Scan.nonce)}
    assert acknowledged["scans"] <= recorded, f"{len(acknowledged['scans'] - recorded)} acknowledged scans lost"
    registered = {str(row["id"]) for row in await Registration.select(Registration.id).where(Registration.stop == tonight)}
    assert acknowledged["registrations"] <= registered
    confirmed = await Registration.count().where((Registration.stop == tonight) & (Registration.status == "confirmed"))
    stop = await Stop.select(Stop.capacity, Stop.confirmed_count).where(Stop.id == tonight).first()
    assert confirmed <= stop["capacity"] and confirmed == stop["confirmed_count"], "no overbooking, and the seat count agrees with the rows"
    # No half-written scan: every scan that counted has its check-in, every check-in its scan.
    assert await Scan.count().where(Scan.outcome == "pending") == 0
    firsts = await Scan.count().where((Scan.outcome == "first") & (Scan.kind == "check_in"))
    assert firsts == await CheckIn.count()
    if db.is_sqlite():
        (result,) = await db.engine().run_ddl("PRAGMA integrity_check")
        assert result["integrity_check"] == "ok"

    # And it comes back by itself.
    server = Server({**live_server_env(), "WORKERS": "1"})
    server.start()
    try:
        async with httpx.AsyncClient(base_url=server.url, headers=organiser) as http:
            again = await http.post(f"/api/stops/{tonight}/check-ins", json={"ticket": people[-1]["code"], "nonce": str(uuid.uuid4())})
            assert again.status_code in (200, 201)
    finally:
        server.stop()


async def test_with_redis_down_scanning_and_registration_keep_working_and_say_so_in_the_log(client, organiser, night_market):
    (person,) = await confirmed_tickets(night_market["tonight"]["id"], 1)
    (newcomer,) = await many_seekers(1)
    server = Server({**live_server_env(), "REDIS_URL": "redis://127.0.0.1:1/0", "WORKERS": "1"})
    server.start()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=20) as http:
            scanned = await http.post(
                f"/api/stops/{night_market['tonight']['id']}/check-ins", json={"ticket": person["code"], "nonce": str(uuid.uuid4())}, headers=organiser
            )
            registered = await http.post(f"/api/stops/{night_market['tomorrow']['id']}/registrations", headers=newcomer)
    finally:
        code, output = server.stop()
    assert scanned.status_code == 201 and registered.status_code == 201
    assert "rate limit registration_account unavailable" in output
    assert "live update not shared through Redis" in output
    assert code == 0, "SIGTERM still shuts down cleanly and promptly with Redis away"


FAULTS = os.environ.get("FAULT_TESTS") == "1"


@pytest.mark.skipif(not FAULTS or not db.engine().__class__.__name__.startswith("Postgres"), reason="restarts PostgreSQL: FAULT_TESTS=1 and a PostgreSQL run (CI)")
async def test_while_postgresql_restarts_the_app_answers_503_and_recovers_by_itself(organiser, published_train):
    version = sorted(os.listdir("/etc/postgresql"))[0]
    cluster = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main"]
    server = Server({**live_server_env(), "WORKERS": "1"})
    server.start()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
            assert (await http.get("/api/events")).status_code == 200
            await asyncio.to_thread(subprocess.run, [*cluster, "stop", "-m", "fast"], check=True)
            down = [await http.get("/api/events") for _ in range(3)]
            health = await http.get("/health")
            assert {r.status_code for r in down} == {503} and {r.json()["code"] for r in down} == {"database_unavailable"}
            assert down[0].headers["Retry-After"] == "5" and health.status_code == 503
            await asyncio.to_thread(subprocess.run, [*cluster, "start"], check=True)
            started = time.monotonic()
            while (await http.get("/api/events")).status_code != 200:
                assert time.monotonic() - started < 60, "the app did not recover by itself within a minute"
                await asyncio.sleep(0.5)
            print(f"recovered {time.monotonic() - started:.1f}s after PostgreSQL came back")
    finally:
        await asyncio.to_thread(subprocess.run, [*cluster, "start"], check=False, capture_output=True)
        server.stop()
        # This test process's own pool holds connections the restart cut: start it afresh for the tests that follow.
        await db.close_database()
        await db.open_database()


async def test_every_response_carries_a_request_id_and_the_json_logs_name_it(client, organiser, night_market):
    import json as jsonlib

    given = await client.get("/api/events", headers={"X-Request-ID": "scanner-7f3a-0001"})
    made = await client.get("/api/events")
    assert given.headers["x-request-id"] == "scanner-7f3a-0001"
    assert len(made.headers["x-request-id"]) == 32
    assert (await client.get("/api/events", headers={"X-Request-ID": "bad id\n"})).headers["x-request-id"] != "bad id\n"

    (newcomer,) = await many_seekers(1)
    server = Server({**live_server_env(), "REDIS_URL": "redis://127.0.0.1:1/0", "WORKERS": "1", "LOG_FORMAT": "json"})
    server.start()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=20) as http:
            await http.post(f"/api/stops/{night_market['tomorrow']['id']}/registrations", headers={**newcomer, "X-Request-ID": "req-registration-42"})
    finally:
        _code, output = server.stop()
    lines = [jsonlib.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert lines, output
    warning = next(line for line in lines if "rate limit registration_account unavailable" in line["message"])
    assert warning["request_id"] == "req-registration-42" and warning["level"] == "warning"


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MB tmpfs to fill up (needs root: FAULT_TESTS=1)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", str(mount)], check=False)
    subprocess.run(["umount", "--lazy", str(mount)], check=False, capture_output=True)


def _sqlite_server(data_dir) -> Server:
    return Server({"DATA_DIR": str(data_dir), "APP_ENV": "test", "DATABASE_URL": "", "SECRET_KEY": os.environ["SECRET_KEY"], "ORGANISER_PASSWORD": "organiser-pass-1", "WORKERS": "1"}, args=("run",))


async def _sign_in(http) -> dict[str, str]:
    token = (await http.post("/api/auth/login", json={"login": "organiser@example.com", "password": "organiser-pass-1"})).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def _integrity(path) -> str:
    import sqlite3
    from contextlib import closing

    # closing(), not the connection's own context manager (which commits but leaves the file open, and the tmpfs busy).
    with closing(sqlite3.connect(path)) as connection:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]


@pytest.mark.skipif(not FAULTS, reason="mounts a tmpfs and fills it: FAULT_TESTS=1 as root (CI)")
async def test_a_full_disk_answers_503_with_a_code_and_corrupts_nothing(small_disk):
    from conftest import credit_code

    server = _sqlite_server(small_disk)
    server.start()
    filler = small_disk / "filler"
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=20) as http:
            headers = await _sign_in(http)
            # Unbuffered: a buffered file would try its last, failed write again on close, and raise there.
            with open(filler, "wb", buffering=0) as stuff:  # noqa: ASYNC230 - filling a disk on purpose
                try:
                    while True:
                        stuff.write(b"\0" * 65536)
                except OSError:
                    pass
            # A write may still fit in space SQLite's WAL file already holds (the delivery worker's writes grew it), and
            # then it is committed and durable; the disk fills up within a few more. Every answer is a 201 that stays
            # or a clear 503, and a 503 comes.
            answers = []
            while len(answers) < 200 and not any(a.status_code == 503 for a in answers[-5:]):
                answers += [await http.post("/api/employers", json={"name": f"公司{len(answers)}", "credit_code": credit_code()}, headers=headers)]
            refused = [a for a in answers if a.status_code != 201]
            assert refused and {a.status_code for a in refused} == {503}, [a.text for a in answers]
            assert {a.json()["code"] for a in refused} == {"database_unavailable"}
            acknowledged = {a.json()["id"] for a in answers if a.status_code == 201}
            # Reads may fail too (WAL needs its index file); what matters is a clear, retryable answer.
            assert (await http.get("/api/events")).status_code in (200, 503)
            filler.unlink()
            recovered = await http.post("/api/employers", json={"name": "恢复后", "credit_code": credit_code()}, headers=headers)
            assert recovered.status_code == 201, recovered.text
            kept = [(await http.get(f"/api/employers/{employer_id}")).status_code for employer_id in acknowledged]
            assert kept == [200] * len(acknowledged), "an acknowledged write was lost"
    finally:
        filler.unlink(missing_ok=True)
        server.stop()
    assert _integrity(small_disk / "events.sqlite3") == "ok"


@pytest.mark.skipif(not FAULTS, reason="sets the immutable attribute on a file: FAULT_TESTS=1 as root (CI)")
async def test_a_read_only_database_file_answers_503_with_a_code_and_corrupts_nothing(tmp_path):
    from conftest import credit_code

    first = _sqlite_server(tmp_path)
    first.start()
    first.stop()
    database = tmp_path / "events.sqlite3"
    # Even root cannot write an immutable file: the closest thing to a read-only disk a test can make.
    await asyncio.to_thread(subprocess.run, ["chattr", "+i", str(database)], check=True)
    server = _sqlite_server(tmp_path)
    try:
        server.start()
        async with httpx.AsyncClient(base_url=server.url, timeout=20) as http:
            headers = await _sign_in(http)
            refused = await http.post("/api/employers", json={"name": "只读", "credit_code": credit_code()}, headers=headers)
            assert refused.status_code == 503 and refused.json()["code"] == "database_unavailable", refused.text
    finally:
        server.stop()
        await asyncio.to_thread(subprocess.run, ["chattr", "-i", str(database)], check=False)
    assert _integrity(database) == "ok"


async def test_when_redis_returns_shared_limits_and_live_updates_work_again(client, organiser, night_market, tmp_path):
    from server import free_port

    port = free_port()
    redis = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp_path), "--daemonize", "yes"]
    await asyncio.to_thread(subprocess.run, redis, check=True)
    url = f"redis://127.0.0.1:{port}/0"
    (person,) = await confirmed_tickets(night_market["tonight"]["id"], 1)
    server = Server({**live_server_env(), "REDIS_URL": url, "WORKERS": "1", "LOGIN_RATE_LIMIT_ACCOUNT": "2/minute"})
    server.start()
    login = {"login": "nobody@example.com", "password": "wrong-password-1"}
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=20) as http:
            await asyncio.to_thread(subprocess.run, ["redis-cli", "-p", str(port), "shutdown", "nosave"], check=False)
            away = [(await http.post("/api/auth/login", json=login)).status_code for _ in range(3)]
            assert away == [401, 401, 401], "with Redis away the limit lets people through"
            await asyncio.to_thread(subprocess.run, redis, check=True)
            await asyncio.sleep(0.5)
            back = [(await http.post("/api/auth/login", json=login)).status_code for _ in range(3)]
            assert back == [401, 401, 429], "with Redis back the shared limit counts again, without a restart"
            async with http.stream("GET", f"/api/events/{night_market['slug']}/attendance/live", headers=organiser) as stream:
                lines = stream.aiter_lines()
                assert await anext(lines) == "event: ready"
                await http.post(f"/api/stops/{night_market['tonight']['id']}/check-ins", json={"ticket": person["code"], "nonce": str(uuid.uuid4())}, headers=organiser)
                async with asyncio.timeout(10):
                    while not (await anext(lines)).startswith("event: count"):
                        pass
    finally:
        server.stop()
        await asyncio.to_thread(subprocess.run, ["redis-cli", "-p", str(port), "shutdown", "nosave"], check=False, capture_output=True)
