"""How many webhooks a second this machine delivers to a local receiver: through `webhooks.deliver`, then through the worker.

    .venv/bin/python bench/webhooks.py                 # SQLite, 5,000 each way
    DATABASE_URL=postgresql://… .venv/bin/python bench/webhooks.py --count 10000

The receiver is uvicorn in its own process (a bare ASGI app answering 204), so that it does not share the
sender's event loop. Every delivery is signed and goes through the SSRF checks and the pinned connection pool
(private addresses and http are allowed for the local receiver, as in tests).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = tempfile.mkdtemp(prefix="bench-webhooks-")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{DATA}/events.sqlite3")
os.environ.update(
    APP_ENV="test", SECRET_KEY="bench-secret-key-that-is-long-enough-000000", DATA_DIR=DATA, PICCOLO_CONF="piccolo_conf",
    WEBHOOK_ALLOW_PRIVATE_ADDRESSES="1", WEBHOOK_ALLOW_HTTP="1", PASSWORD_HASH_PROFILE="fast",
)

from events import db, delivery, outbox, webhook_endpoints, webhooks  # noqa: E402
from events.accounts import Actor, create_account  # noqa: E402
from events.cli import migrate  # noqa: E402
from events.notify import Outgoing  # noqa: E402
from events.settings import settings  # noqa: E402
from events.tables import ALL_TABLES, Message  # noqa: E402

RECEIVER = """
import sys, uvicorn
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def wait_for(port: int) -> None:
    for _ in range(100):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise RuntimeError("the receiver did not start")


async def through_deliver(endpoints: list[uuid.UUID], count: int, concurrency: int) -> float:
    """Deliveries a second calling `webhooks.deliver` directly, `concurrency` at a time."""
    now = datetime.now(UTC)
    gate = asyncio.Semaphore(concurrency)
    failures = 0

    async def one(n: int) -> None:
        nonlocal failures
        outgoing = Outgoing(
            message_id=uuid.uuid4(), kind="check_in.created", channel="webhook", idempotency_key=f"bench:{n}", address="", language="en",
            params={"timestamp": now.isoformat(), "data": {"registration_id": str(uuid.uuid4()), "stop_id": str(uuid.uuid4())}},
            created_at=now, attempt=1, webhook_id=endpoints[n % len(endpoints)],
        )
        async with gate:
            outcome = await webhooks.deliver(outgoing, config=settings, now=now)
        failures += outcome.status != "delivered"

    started = time.perf_counter()
    await asyncio.gather(*(one(n) for n in range(count)))
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{failures} of {count} deliveries failed")
    return count / elapsed


async def through_worker(count: int, concurrency: int) -> tuple[float, float]:
    """Record `count` check-ins' domain events, then fan out and send with the worker: (fan-out + send, send only) a second."""
    config = dataclasses.replace(settings, delivery_concurrency=concurrency)
    now = datetime.now(UTC)
    for start in range(0, count, 500):
        async with db.write_transaction():
            await outbox.record_many(
                "check_in.created", [{"registration_id": str(uuid.uuid4()), "stop_id": str(uuid.uuid4())} for _ in range(min(500, count - start))], now=now
            )
    started = time.perf_counter()
    while await delivery.fan_out(now=datetime.now(UTC)) > 0:
        pass
    fanned = time.perf_counter()
    summary = await delivery.run_once(config=config)
    finished = time.perf_counter()
    delivered = await Message.count().where(Message.channel == "webhook", Message.status == "delivered")
    if summary.sent != delivered or delivered < count:
        raise RuntimeError(f"sent {summary.sent}, delivered {delivered} of {count}")
    return delivered / (finished - started), delivered / (finished - fanned)


async def through_worker_loop(count: int, endpoints: int, concurrency: int) -> float:
    """Record `count` check-ins' domain events, then run the worker as `python main.py worker` does until all are delivered: deliveries a second."""
    config = dataclasses.replace(settings, delivery_concurrency=concurrency)
    before = await Message.count().where(Message.channel == "webhook", Message.status == "delivered")
    now = datetime.now(UTC)
    for start in range(0, count, 500):
        async with db.write_transaction():
            await outbox.record_many(
                "check_in.created", [{"registration_id": str(uuid.uuid4()), "stop_id": str(uuid.uuid4())} for _ in range(min(500, count - start))], now=now
            )
    expected = before + count * endpoints
    stop = asyncio.Event()
    started = time.perf_counter()
    worker = asyncio.create_task(delivery.run_worker(stop=stop, config=config))
    while (delivered := await Message.count().where(Message.channel == "webhook", Message.status == "delivered")) < expected:  # noqa: ASYNC110 - the database is what we wait on
        await asyncio.sleep(0.2)
    elapsed = time.perf_counter() - started
    stop.set()
    await worker
    return (delivered - before) / elapsed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--endpoints", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    port = free_port()
    receiver = subprocess.Popen([sys.executable, "-c", RECEIVER, str(port)])  # noqa: S603, ASYNC220 - our own interpreter and script, started once
    try:
        await migrate()
        await db.open_database()
        for table in reversed(ALL_TABLES):
            await table.delete(force=True)
        await wait_for(port)
        now = datetime.now(UTC)
        account = await create_account(role="organiser", name="bench", email=f"bench-{uuid.uuid4().hex[:6]}@example.com", phone=None, password="bench-pass-1", employer_id=None, now=now)
        actor = Actor(role="organiser", id=account.id)
        endpoints = [
            (await webhook_endpoints.create_webhook(actor=actor, now=now, url=f"http://127.0.0.1:{port}/hooks/{n}", event_types=["check_in.created"])).id
            for n in range(args.endpoints)
        ]
        database = "postgresql" if not db.is_sqlite() else "sqlite"
        direct = await through_deliver(endpoints, args.count, args.concurrency)
        print(f"{database}: webhooks.deliver, {args.count} deliveries to {args.endpoints} endpoints, {args.concurrency} at once: {direct:,.0f}/s")
        events = max(1, args.count // args.endpoints)
        worker, send_only = await through_worker(events, args.concurrency)
        print(f"{database}: worker.run_once, {events} domain events × {args.endpoints} endpoints: {worker:,.0f} deliveries/s with fan-out, {send_only:,.0f}/s sending")
        looping = await through_worker_loop(events, args.endpoints, args.concurrency)
        print(f"{database}: worker.run_worker (as `main.py worker`), {events} domain events × {args.endpoints} endpoints: {looping:,.0f} deliveries/s with fan-out")
        await webhooks.close_clients()
        await db.close_database()
    finally:
        receiver.terminate()
        receiver.wait()


if __name__ == "__main__":
    asyncio.run(main())
