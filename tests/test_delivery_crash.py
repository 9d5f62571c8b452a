"""kill -9 of a delivery worker with messages in flight: another worker sends what it left, nothing is lost, no message is delivered twice."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from channels import SmtpReceiver
from conftest import DATABASE, confirmed_tickets, now

from events import db, outbox
from events.settings import settings
from events.tables import DeliveryAttempt, Message

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(DATABASE != "postgresql", reason="`main.py worker` processes run beside PostgreSQL")

MESSAGES = 200


def start_worker(port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "APP_ENV": "test",
        "DATA_DIR": tempfile.mkdtemp(),
        "SECRET_KEY": os.environ["SECRET_KEY"],
        # A local SMTP receiver instead of a provider, found through tests/channels.py.
        "PYTHONPATH": os.pathsep.join([str(ROOT / "tests"), os.environ.get("PYTHONPATH", "")]),
        "DELIVERY_TEST_CHANNELS": "email=channels:send,sms=channels:send",
        "TEST_SMTP_PORT": str(port),
        "DELIVERY_LEASE_SECONDS": "3",
        "DELIVERY_POLL_SECONDS": "0.2",
        "LOG_FORMAT": "text",
    }
    log = tempfile.NamedTemporaryFile(mode="w+", prefix="worker-", suffix=".log", delete=False)  # noqa: SIM115
    return subprocess.Popen([sys.executable, "main.py", "worker"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


async def wait_for(condition, seconds: float) -> None:
    """Look every 0.1 s until `condition` holds (the workers are other processes: there is nothing to await)."""
    for _ in range(int(seconds * 10)):
        if await condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("timed out")


async def test_a_worker_killed_mid_send_loses_nothing_and_delivers_nothing_twice(night_market):
    tickets = await confirmed_tickets(night_market["tonight"]["id"], MESSAGES)
    async with db.write_transaction():
        await outbox.record_many(
            "registration.confirmed",
            [{"registration_id": t["id"], "stop_id": night_market["tonight"]["id"], "seeker_id": await _seeker(t["id"])} for t in tickets],
            now=now(),
        )
    with SmtpReceiver(delay=0.2) as smtp:  # slow: a worker always has sends in flight
        first = start_worker(smtp.port)
        try:
            async def some_received() -> bool:
                return len(smtp.inbox.keys()) >= 30

            await wait_for(some_received, seconds=60)
            first.send_signal(signal.SIGKILL)
            first.wait()
        finally:
            first.kill()
        in_flight = {row["idempotency_key"] for row in await Message.select(Message.idempotency_key).where(Message.status == "sending")}
        assert in_flight, "the kill found sends in flight"
        survivors = [start_worker(smtp.port), start_worker(smtp.port)]
        try:
            async def all_delivered() -> bool:
                return await Message.count().where(Message.status == "delivered") == MESSAGES

            await wait_for(all_delivered, seconds=120)
        finally:
            for worker in survivors:
                worker.send_signal(signal.SIGTERM)
            for worker in survivors:
                assert worker.wait(timeout=30) == 0
        keys = smtp.inbox.keys()
    expected = {row["idempotency_key"] for row in await Message.select(Message.idempotency_key)}
    assert len(expected) == MESSAGES
    assert set(keys) == expected, "nothing lost"
    repeated = {key for key in keys if keys.count(key) > 1}
    assert repeated <= in_flight, "only what the killed worker had in flight is sent again (the receiver drops it by its key)"
    delivered = await DeliveryAttempt.select(DeliveryAttempt.message).where(DeliveryAttempt.outcome == "delivered")
    assert len(delivered) == len({row["message"] for row in delivered}) == MESSAGES, "no message row delivered twice"


async def _seeker(registration_id: str):
    from events.tables import Registration

    return (await Registration.select(Registration.seeker).where(Registration.id == registration_id).first())["seeker"]
