"""E-mail through a real SMTP server (aiosmtpd) started here: STARTTLS with AUTH, implicit TLS, plain; the relay's refusals."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import ipaddress
import logging
import ssl
import uuid
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from server import free_port

from events.mail import send_email
from events.notify import Outgoing
from events.settings import settings

ADDRESS = "zhang.san@student.example.edu.cn"
SENDER = "招聘活动 <no-reply@fair.example.cn>"
STOP = {
    "event_title": "秋季双选会",
    "stop_name": "主会场",
    "starts_at": "2026-12-05T06:00:00+00:00",
    "ends_at": "2026-12-05T09:00:00+00:00",
    "campus": "东校区",
    "address": "体育馆 <东门>",
    "ticket_url": "https://fair.example.cn/me/tickets/1?a=1&b=2",
    "name": "张三",
}


class Relay:
    """aiosmtpd's handler: keeps what arrives; `refuse_rcpt`/`refuse_data` make it answer as a relay that refuses."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list = []
        self.logins: list[str] = []
        self.refuse_rcpt: str | None = None
        self.refuse_data: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_rcpt:
            return self.refuse_rcpt.format(address=address)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_data:
            return self.refuse_data
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default))
        return "250 2.0.0 Ok: queued as 4XYZ"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == b"mailer" and auth_data.password == b"p@ss word"
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535 itself


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, also the CA bundle the client trusts (SMTP_CA_FILE)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test relay")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return folder / "cert.pem", folder / "key.pem"


def server_tls(certificate) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def start(relay: Relay, **kwargs) -> Controller:
    controller = Controller(relay, hostname="127.0.0.1", port=free_port(), **kwargs)
    controller.start()
    return controller


@pytest.fixture
def relay():
    return Relay()


@pytest.fixture
def starttls_relay(relay, certificate):
    """A relay that requires STARTTLS, then AUTH, like a real submission port (587)."""
    controller = start(
        relay, tls_context=server_tls(certificate), require_starttls=True, auth_required=True, authenticator=relay.authenticate
    )
    yield controller
    controller.stop()


@pytest.fixture
def plain_relay(relay):
    """A relay on a trusted network: no TLS, no AUTH."""
    controller = start(relay)
    yield controller
    controller.stop()


def config_for(url: str, certificate=None):
    return dataclasses.replace(settings, smtp_url=url, smtp_from=SENDER, smtp_ca_file=str(certificate[0]) if certificate else None)


def outgoing(kind="registration.confirmed", language="zh-CN", params=None, key=None, attempt=1) -> Outgoing:
    message_id = uuid.uuid4()
    return Outgoing(
        message_id=message_id,
        kind=kind,
        channel="email",
        idempotency_key=key or f"{uuid.uuid4()}:email:{uuid.uuid4()}",
        address=ADDRESS,
        language=language,
        params=STOP if params is None else params,
        created_at=dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC),
        attempt=attempt,
    )


def parts(message) -> dict[str, str]:
    assert message.get_content_type() == "multipart/alternative"
    return {part.get_content_type(): part.get_content() for part in message.iter_parts()}


async def test_a_confirmation_arrives_over_starttls_with_auth_in_chinese_as_text_and_html(relay, starttls_relay, certificate, caplog):
    caplog.set_level(logging.DEBUG)
    config = config_for(f"smtp://mailer:p%40ss%20word@127.0.0.1:{starttls_relay.port}", certificate)

    outcome = await send_email(outgoing(), config=config)

    assert (outcome.status, outcome.response_code) == ("delivered", 250)
    assert relay.logins == ["mailer"]
    [message] = relay.messages
    assert relay.envelopes[0].rcpt_tos == [ADDRESS]
    assert message["Subject"] == "报名成功：秋季双选会"
    assert message["To"] == ADDRESS
    assert message["From"].addresses[0].addr_spec == "no-reply@fair.example.cn"
    assert message["Content-Language"] == "zh-CN"
    body = parts(message)
    assert "张三，您好" in body["text/plain"]
    assert "地点：东校区 体育馆 <东门>" in body["text/plain"]
    assert "查看入场码：https://fair.example.cn/me/tickets/1?a=1&b=2" in body["text/plain"]
    assert '<html lang="zh-CN">' in body["text/html"]
    assert "东校区 体育馆 &lt;东门&gt;" in body["text/html"]
    assert "<东门>" not in body["text/html"]
    assert 'href="https://fair.example.cn/me/tickets/1?a=1&amp;b=2"' in body["text/html"]
    assert "List-Unsubscribe" not in message
    ours = [record for record in caplog.records if not record.name.startswith("mail.log")]  # mail.log is aiosmtpd, the server
    assert any("delivered" in record.getMessage() for record in ours)
    assert all(ADDRESS not in record.getMessage() and "zhang.san" not in record.getMessage() for record in ours)


async def test_implicit_tls_delivers_an_english_message(relay, certificate):
    controller = start(relay, ssl_context=server_tls(certificate))
    try:
        config = config_for(f"smtps://127.0.0.1:{controller.port}", certificate)
        outcome = await send_email(outgoing(kind="registration.promoted", language="en"), config=config)
    finally:
        controller.stop()

    assert outcome.status == "delivered"
    [message] = relay.messages
    assert message["Subject"] == "You got a seat: 秋季双选会"
    assert message["Content-Language"] == "en"
    body = parts(message)
    assert body["text/plain"].startswith("Hello 张三,")
    assert "View ticket: https://fair.example.cn/me/tickets/1?a=1&b=2" in body["text/plain"]
    assert '<html lang="en">' in body["text/html"] and "Sat 5 Dec 14:00–17:00" in body["text/html"]


async def test_a_certificate_the_client_does_not_trust_is_a_retry_not_a_delivery(relay, certificate):
    controller = start(relay, ssl_context=server_tls(certificate))
    try:
        outcome = await send_email(outgoing(), config=config_for(f"smtps://127.0.0.1:{controller.port}"))  # no SMTP_CA_FILE
    finally:
        controller.stop()

    assert outcome.status == "retry"
    assert relay.messages == []


async def test_a_resend_carries_the_same_message_id_and_another_message_another(relay, plain_relay):
    config = config_for(f"smtp://127.0.0.1:{plain_relay.port}")
    first = outgoing(key="e1:email:a1")

    for attempt in (1, 2):
        assert (await send_email(dataclasses.replace(first, attempt=attempt), config=config)).status == "delivered"
    assert (await send_email(outgoing(key="e2:email:a1"), config=config)).status == "delivered"

    ids = [message["Message-ID"] for message in relay.messages]
    assert ids[0] == ids[1] != ids[2]
    assert ids[0].endswith("@fair.example.cn>")


async def test_a_broadcast_carries_the_organisers_words_escaped_and_an_unsubscribe_link(relay, plain_relay):
    params = {"subject": "明晚 <改地点>", "body": "请到图书馆。\n\n<script>alert(1)</script>", "unsubscribe_url": "https://fair.example.cn/u/x"}
    outcome = await send_email(outgoing(kind="broadcast", params=params), config=config_for(f"smtp://127.0.0.1:{plain_relay.port}"))

    assert outcome.status == "delivered"
    [message] = relay.messages
    assert message["Subject"] == "明晚 <改地点>"
    assert message["List-Unsubscribe"] == "<https://fair.example.cn/u/x>"
    body = parts(message)
    assert "<script>alert(1)</script>" in body["text/plain"] and "退订：https://fair.example.cn/u/x" in body["text/plain"]
    assert "<script>" not in body["text/html"] and "&lt;script&gt;" in body["text/html"]
    assert 'href="https://fair.example.cn/u/x"' in body["text/html"]


async def test_an_unknown_recipient_is_given_up_and_the_reply_does_not_keep_the_address(relay, plain_relay, caplog):
    caplog.set_level(logging.DEBUG)
    relay.refuse_rcpt = "550 5.1.1 <{address}>: Recipient address rejected: User unknown"

    outcome = await send_email(outgoing(), config=config_for(f"smtp://127.0.0.1:{plain_relay.port}"))

    assert (outcome.status, outcome.response_code) == ("give_up", 550)
    assert "User unknown" in outcome.response and "z***@student.example.edu.cn" in outcome.response
    assert ADDRESS not in outcome.response
    ours = [record for record in caplog.records if not record.name.startswith("mail.log")]
    assert ours and all(ADDRESS not in record.getMessage() for record in ours)


async def test_a_temporary_refusal_is_retried(relay, plain_relay):
    relay.refuse_data = "451 4.3.0 Mail server temporarily rejected message"

    outcome = await send_email(outgoing(), config=config_for(f"smtp://127.0.0.1:{plain_relay.port}"))

    assert (outcome.status, outcome.response_code) == ("retry", 451)


async def test_a_permanent_refusal_of_the_content_is_given_up(relay, plain_relay):
    relay.refuse_data = "554 5.7.1 Message rejected as spam"

    outcome = await send_email(outgoing(), config=config_for(f"smtp://127.0.0.1:{plain_relay.port}"))

    assert (outcome.status, outcome.response_code) == ("give_up", 554)


async def test_a_wrong_password_is_retried_because_the_configuration_not_the_message_is_wrong(relay, starttls_relay, certificate):
    config = config_for(f"smtp://mailer:wrong@127.0.0.1:{starttls_relay.port}", certificate)

    outcome = await send_email(outgoing(), config=config)

    assert (outcome.status, outcome.response_code) == ("retry", 535)
    assert relay.messages == []


async def test_a_relay_that_is_down_is_retried():
    outcome = await send_email(outgoing(), config=config_for(f"smtp://127.0.0.1:{free_port()}"))

    assert outcome.status == "retry" and outcome.response_code is None


async def test_missing_params_or_configuration_are_given_up_without_connecting(relay, plain_relay):
    missing = await send_email(outgoing(params={"event_title": "x"}), config=config_for(f"smtp://127.0.0.1:{plain_relay.port}"))
    unconfigured = await send_email(outgoing(), config=dataclasses.replace(settings, smtp_url=None))

    assert missing.status == "give_up" and "ticket_url" in missing.response
    assert unconfigured.status == "give_up"
    assert relay.messages == []


async def test_the_worker_tells_a_promoted_seeker_by_a_real_email_through_the_relay(client, organiser, stop, relay, plain_relay):
    from conftest import make_account, now, set_capacity

    from events import delivery
    from events.tables import Message

    await set_capacity(client, organiser, stop["id"], 1)
    (_, first), (_, second) = await make_account("seeker"), await make_account("seeker")
    seated = (await client.post(f"/api/stops/{stop['id']}/registrations", headers=first)).json()
    waiting = (await client.post(f"/api/stops/{stop['id']}/registrations", headers=second)).json()
    assert (seated["status"], waiting["status"]) == ("confirmed", "waitlisted")
    await client.delete(f"/api/registrations/{seated['id']}", headers=first)

    await delivery.run_once(now=now(), config=config_for(f"smtp://127.0.0.1:{plain_relay.port}"))

    subjects = sorted(str(message["Subject"]).split("：")[0] for message in relay.messages)
    assert subjects == ["候补成功", "已加入候补", "报名成功"]
    [promoted] = [message for message in relay.messages if str(message["Subject"]).startswith("候补成功")]
    body = parts(promoted)
    assert f"/me/tickets/{waiting['id']}" in body["text/plain"] and f"/me/tickets/{waiting['id']}" in body["text/html"]
    assert "仙林校区" in body["text/plain"]
    rows = await Message.select(Message.status, Message.channel, Message.last_response_code)
    assert sorted(row["status"] for row in rows) == ["delivered"] * 3
    assert {row["last_response_code"] for row in rows} == {250}


async def test_a_relay_that_stalls_is_cut_off_within_the_bound_and_retried(relay, plain_relay, monkeypatch):
    import asyncio

    from events import mail

    async def stall(server, session, envelope):
        await asyncio.sleep(1.5)
        return "250 OK"

    relay.handle_DATA = stall
    monkeypatch.setattr(mail, "TOTAL_SECONDS", 0.3)

    outcome = await send_email(outgoing(), config=config_for(f"smtp://127.0.0.1:{plain_relay.port}"))

    assert outcome.status == "retry" and "TimeoutError" in outcome.response
