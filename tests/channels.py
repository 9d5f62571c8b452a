"""A test-only channel and a real SMTP receiver: messages go by aiosmtplib to an aiosmtpd server started by the test.

Each mail carries the message's idempotency key (X-Idempotency-Key), as a real channel would, so the receiver can tell a
repeat (at-least-once delivery after a crash) from a new message. The worker process of the crash test finds
the receiver's port in TEST_SMTP_PORT (DELIVERY_TEST_CHANNELS=email=channels:send,sms=channels:send).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import os
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage

import aiosmtplib
import pytest
from aiosmtpd.controller import Controller
from server import free_port

from events import delivery
from events.notify import Outcome, Outgoing


@dataclass
class Received:
    key: str
    message_id: str
    to: str
    kind: str
    params: dict
    language: str


@dataclass
class Inbox:
    """What the SMTP server received, in order; `delay` seconds per message makes it a slow receiver."""

    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        if self.delay:
            await asyncio.sleep(self.delay)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.received.append(
                Received(
                    key="".join(str(parsed["X-Idempotency-Key"]).split()),  # unfolded
                    message_id=parsed["X-Message"],
                    to=envelope.rcpt_tos[0],
                    kind=parsed["Subject"],
                    params=json.loads(parsed.get_payload(decode=True).decode()),
                    language=str(parsed["X-Language"]),
                )
            )
        return "250 Message accepted for delivery"

    def keys(self) -> list[str]:
        with self.lock:
            return [item.key for item in self.received]


class SmtpReceiver:
    """aiosmtpd on a free loopback port, in its own thread (it keeps receiving while the test's loop waits)."""

    def __init__(self, delay: float = 0.0) -> None:
        self.inbox = Inbox(delay=delay)
        self.port = free_port()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpReceiver:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


def sender(port: int):
    """A send function for `delivery.use_channel`, to the receiver on `port`."""

    async def send(outgoing: Outgoing, *, config) -> Outcome:
        return await _send(outgoing, port)

    return send


async def send(outgoing: Outgoing, *, config) -> Outcome:
    """For the worker process: the receiver's port comes from TEST_SMTP_PORT."""
    return await _send(outgoing, int(os.environ["TEST_SMTP_PORT"]))


async def _send(outgoing: Outgoing, port: int) -> Outcome:
    message = EmailMessage()
    message["From"] = "noreply@events.test"
    # SMS goes to a made-up mailbox per phone number: the receiver only needs to tell recipients apart.
    message["To"] = outgoing.address if "@" in outgoing.address else f"{outgoing.address.lstrip('+')}@sms.test"
    message["Subject"] = outgoing.kind
    message["Message-ID"] = f"<{outgoing.message_id}@events.test>"
    message["X-Idempotency-Key"] = outgoing.idempotency_key
    message["X-Message"] = str(outgoing.message_id)
    message["X-Language"] = outgoing.language
    message.set_content(json.dumps(outgoing.params, ensure_ascii=False))
    try:
        response = await aiosmtplib.send(message, hostname="127.0.0.1", port=port, timeout=10)
    except aiosmtplib.SMTPException as error:
        return Outcome("retry", response=str(error))
    return Outcome("delivered", response_code=250, response=response[1])


@pytest.fixture
def smtp():
    """A real SMTP server (aiosmtpd) that the worker's e-mail and SMS messages go to."""
    with SmtpReceiver() as receiver:
        for channel in ("email", "sms"):
            delivery.use_channel(channel, sender(receiver.port))
        yield receiver
        for channel in ("email", "sms"):
            delivery.use_channel(channel, None)
