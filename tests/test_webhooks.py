"""Webhooks: registration and its API contract, Standard Webhooks signing checked by a real receiver, rotation,
what each answer does to a delivery and to its endpoint, and every SSRF refusal.

The receiver (tests/receiver.py) is a real HTTP server on 127.0.0.1 that checks signatures with its own code;
the suite allows private addresses and plain http (conftest), and the SSRF tests turn both off again.
"""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from conftest import confirmed_tickets, make_account, post_ok
from receiver import Answer, Receiver, signature_ok

from events import delivery, webhook_endpoints, webhooks
from events.notify import DomainEventView, Outgoing
from events.safe_http import AddressRefused, SafeClient, address_refusal, check_url
from events.settings import SettingsError, load, settings
from events.tables import DomainEvent, Message

#: The production rules: https only, public addresses only.
STRICT = dataclasses.replace(settings, webhook_allow_private_addresses=False, webhook_allow_http=False)
MOMENT = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)


def outgoing(webhook_id: str | uuid.UUID, *, kind: str = "visit.created", data: dict[str, Any] | None = None, attempt: int = 1) -> Outgoing:
    """A message as the delivery worker hands it to the webhook channel."""
    return Outgoing(
        message_id=uuid.uuid4(),
        kind=kind,
        channel="webhook",
        idempotency_key=f"{uuid.uuid4()}:webhook:{webhook_id}",
        address="",
        language="zh-CN",
        params={"timestamp": MOMENT.isoformat(), "data": data or {"visit_id": str(uuid.uuid4()), "employer_id": str(uuid.uuid4())}},
        created_at=MOMENT,
        attempt=attempt,
        webhook_id=uuid.UUID(str(webhook_id)),
    )


async def register(client, headers, url: str, event_types=("visit.created",), status: int = 201) -> dict[str, Any]:
    return await post_ok(client, "/api/webhooks", {"url": url, "event_types": list(event_types), "description": "ATS"}, headers, status=status)


async def endpoint_of(client, headers, webhook_id: str) -> dict[str, Any]:
    listed = (await client.get("/api/webhooks", headers=headers)).json()["items"]
    return next(item for item in listed if item["id"] == webhook_id)


# ---------------------------------------------------------------- signing


def test_signing_matches_the_standard_webhooks_reference_vector():
    # The vector the specification's reference libraries test against.
    signature = webhooks.sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", message_id="msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp=1614265330, body=b'{"test": 2432232314}')
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_a_new_secret_is_whsec_and_base64_of_32_random_bytes():
    import base64

    first, second = webhook_endpoints.new_secret(), webhook_endpoints.new_secret()
    assert first.startswith("whsec_") and len(base64.b64decode(first.removeprefix("whsec_"), validate=True)) == 32
    assert first != second


async def test_a_delivery_is_signed_per_standard_webhooks_and_the_receiver_verifies_it(client, organiser):
    async with Receiver() as hooks:
        created = await register(client, organiser, hooks.url)
        message = outgoing(created["id"], data={"visit_id": "v-1", "employer_id": "e-1"})
        outcome = await webhooks.deliver(message, config=settings, now=MOMENT)
        assert outcome.status == "delivered" and outcome.response_code == 200
        (received,) = hooks.received
    assert received.method == "POST" and received.path == "/hooks"
    assert received.headers["content-type"] == "application/json"
    assert received.headers["webhook-id"] == str(message.message_id)
    assert received.headers["webhook-timestamp"] == str(int(MOMENT.timestamp()))
    assert json.loads(received.body) == {"type": "visit.created", "timestamp": MOMENT.isoformat(), "data": {"visit_id": "v-1", "employer_id": "e-1"}}
    assert signature_ok(created["secret"], received)
    assert not signature_ok(webhook_endpoints.new_secret(), received)


async def test_a_retry_carries_the_same_webhook_id_and_a_new_timestamp(client, organiser):
    async with Receiver() as hooks:
        created = await register(client, organiser, hooks.url)
        message = outgoing(created["id"])
        await webhooks.deliver(message, config=settings, now=MOMENT)
        await webhooks.deliver(dataclasses.replace(message, attempt=2), config=settings, now=MOMENT + timedelta(minutes=1))
    first, second = hooks.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert int(second.headers["webhook-timestamp"]) == int(first.headers["webhook-timestamp"]) + 60
    assert signature_ok(created["secret"], first) and signature_ok(created["secret"], second)


async def test_after_a_rotation_both_secrets_sign_for_24_hours_then_only_the_new_one(client, hr):
    async with Receiver() as hooks:
        created = await register(client, hr, hooks.url)
        rotated = await post_ok(client, f"/api/webhooks/{created['id']}/rotate-secret", None, hr, status=200)
        assert rotated["secret"] != created["secret"] and rotated["previous_secret_expires_at"]
        rotated_at = datetime.fromisoformat(rotated["previous_secret_expires_at"]) - timedelta(hours=24)
        await webhooks.deliver(outgoing(created["id"]), config=settings, now=rotated_at + timedelta(hours=23))
        await webhooks.deliver(outgoing(created["id"]), config=settings, now=rotated_at + timedelta(hours=24, seconds=1))
    during, after = hooks.received
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    assert signature_ok(created["secret"], during) and signature_ok(rotated["secret"], during)
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    assert signature_ok(rotated["secret"], after) and not signature_ok(created["secret"], after)
    assert "secret" not in (await endpoint_of(client, hr, created["id"]))



async def test_the_standard_webhooks_library_verifies_a_delivery_by_either_secret_during_a_rotation(client, hr):
    """A second, independent verifier: the specification's own Python library (standardwebhooks), as a receiver would use it."""
    from standardwebhooks import Webhook
    from standardwebhooks.webhooks import WebhookVerificationError

    async with Receiver() as hooks:
        created = await register(client, hr, hooks.url)
        rotated = await post_ok(client, f"/api/webhooks/{created['id']}/rotate-secret", None, hr, status=200)
        # The library refuses a timestamp more than five minutes from its own clock: deliver now.
        await webhooks.deliver(outgoing(created["id"], data={"visit_id": "v-9"}), config=settings, now=datetime.now(UTC))
        (received,) = hooks.received
    headers = {name: received.headers[name] for name in ("webhook-id", "webhook-timestamp", "webhook-signature")}
    for secret in (created["secret"], rotated["secret"]):
        assert Webhook(secret).verify(received.body, headers)["data"] == {"visit_id": "v-9"}
    with pytest.raises(WebhookVerificationError):
        Webhook(webhook_endpoints.new_secret()).verify(received.body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(rotated["secret"]).verify(received.body.replace(b"v-9", b"v-8"), headers)

# ---------------------------------------------------------------- answers


async def test_a_500_is_retried_and_starts_the_endpoints_failing_clock_which_a_success_stops(client, organiser):
    answers = iter([Answer(500, b"boom"), Answer(503, b"busy", {"Retry-After": "120"}), Answer(204, b"")])
    async with Receiver(lambda _: next(answers)) as hooks:
        created = await register(client, organiser, hooks.url)
        first = await webhooks.deliver(outgoing(created["id"]), config=settings, now=MOMENT)
        assert (first.status, first.response_code, first.response) == ("retry", 500, "boom")
        assert (await endpoint_of(client, organiser, created["id"]))["failing_since"] == MOMENT.isoformat().replace("+00:00", "Z")
        second = await webhooks.deliver(outgoing(created["id"]), config=settings, now=MOMENT + timedelta(hours=1))
        assert (second.status, second.response_code, second.retry_after) == ("retry", 503, 120.0)
        third = await webhooks.deliver(outgoing(created["id"]), config=settings, now=MOMENT + timedelta(hours=2))
        assert third.status == "delivered"
    endpoint = await endpoint_of(client, organiser, created["id"])
    assert endpoint["failing_since"] is None and endpoint["is_active"] is True


async def test_a_refused_connection_is_retried(client, organiser):
    async with Receiver() as hooks:
        url = hooks.url
    created = await register(client, organiser, url)  # nobody listens there any more
    outcome = await webhooks.deliver(outgoing(created["id"]), config=settings, now=MOMENT)
    assert outcome.status == "retry" and outcome.response_code is None


async def test_a_redirect_even_to_a_private_address_is_an_answer_never_followed(client, organiser):
    async with Receiver() as inside:
        async with Receiver(lambda _: Answer(302, b"", {"Location": inside.url})) as hooks:
            created = await register(client, organiser, hooks.url)
            outcome = await webhooks.deliver(outgoing(created["id"]), config=settings, now=MOMENT)
        assert (outcome.status, outcome.response_code) == ("retry", 302)
        assert "redirect not followed" in outcome.response
        assert len(hooks.received) == 1 and inside.received == []


async def test_only_the_start_of_a_long_answer_is_read_and_kept(client, organiser):
    async with Receiver(lambda _: Answer(200, b"x" * 5_000_000)) as hooks:
        created = await register(client, organiser, hooks.url)
        outcome = await webhooks.deliver(outgoing(created["id"]), config=settings, now=MOMENT)
    assert outcome.status == "delivered" and outcome.response == "x" * 500


async def test_a_receiver_that_never_answers_times_out_and_is_retried(client, organiser):
    async with Receiver(lambda _: Answer(0)) as hooks:
        created = await register(client, organiser, hooks.url)
        impatient = SafeClient(config=settings, read_timeout=0.2)
        try:
            outcome = await webhooks.deliver(outgoing(created["id"]), config=settings, now=MOMENT, client=impatient)
        finally:
            await impatient.aclose()
    assert (outcome.status, outcome.response, outcome.response_code) == ("retry", "timed out", None)
    assert len(hooks.received) == 1


async def test_a_receiver_that_drips_its_answer_is_cut_off_by_the_total_timeout(client, organiser):
    async def drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n")
        try:
            while True:  # a byte at a time, each well within the read timeout
                writer.write(b"x")
                await writer.drain()
                await asyncio.sleep(0.05)
        except ConnectionError:
            pass

    server = await asyncio.start_server(drip, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        created = await register(client, organiser, f"http://127.0.0.1:{port}/hooks")
        impatient = SafeClient(config=settings, read_timeout=1.0, total_timeout=0.5)
        try:
            outcome = await webhooks.deliver(outgoing(created["id"]), config=settings, now=MOMENT, client=impatient)
        finally:
            await impatient.aclose()
    finally:
        server.close()
    assert (outcome.status, outcome.response) == ("retry", "timed out")


async def test_an_endpoint_that_is_deleted_gets_nothing(client, organiser):
    async with Receiver() as hooks:
        created = await register(client, organiser, hooks.url)
        response = await client.delete(f"/api/webhooks/{created['id']}", headers=organiser)
        assert response.status_code == 204
        outcome = await webhooks.deliver(outgoing(created["id"]), config=settings, now=MOMENT)
    assert outcome.status == "give_up" and hooks.received == []


async def test_a_paused_endpoint_gets_nothing_until_it_is_enabled_again(client, organiser):
    async with Receiver() as hooks:
        created = await register(client, organiser, hooks.url)
        paused = await client.patch(f"/api/webhooks/{created['id']}", json={"is_active": False}, headers=organiser)
        assert paused.json()["disabled_reason"] == "by_owner"
        assert (await webhooks.deliver(outgoing(created["id"]), config=settings, now=MOMENT)).status == "give_up"
        enabled = await client.patch(f"/api/webhooks/{created['id']}", json={"is_active": True}, headers=organiser)
        assert enabled.json()["is_active"] is True and enabled.json()["disabled_reason"] == ""
        assert (await webhooks.deliver(outgoing(created["id"]), config=settings, now=MOMENT)).status == "delivered"
    assert len(hooks.received) == 1


# ---------------------------------------------------------------- SSRF


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.9", "private"),
        ("192.168.1.1", "private"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("169.254.10.1", "link-local"),
        ("fe80::1", "link-local"),
        ("169.254.169.254", "cloud metadata"),
        ("fd00:ec2::254", "cloud metadata"),
        ("100.100.100.200", "cloud metadata"),
        ("100.64.0.1", "carrier-grade NAT (100.64.0.0/10)"),
        ("0.0.0.0", "unspecified"),  # noqa: S104 - an address under test, not a bind
        ("::", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "private"),  # Python files 240.0.0.0/4 under private as well as reserved
        ("4000::1", "reserved"),
        ("fec0::1", "site-local"),
        ("::ffff:127.0.0.1", "loopback (inside IPv6)"),
        ("::ffff:169.254.169.254", "cloud metadata (inside IPv6)"),
        ("64:ff9b::a01:203", "private (inside IPv6)"),
        ("2002:c0a8:101::1", "private (inside IPv6)"),
        ("192.0.2.1", "private"),
    ],
)
def test_each_non_public_address_is_refused(address, reason):
    assert address_refusal(ipaddress.ip_address(address), allow_private=False) == reason


@pytest.mark.parametrize("address", ["93.184.215.14", "114.114.114.114", "2606:4700:4700::1111", "::ffff:93.184.215.14"])
def test_public_addresses_are_allowed(address):
    assert address_refusal(ipaddress.ip_address(address), allow_private=False) is None


@pytest.mark.parametrize("address", ["169.254.169.254", "fd00:ec2::254", "0.0.0.0", "224.0.0.1"])  # noqa: S104
def test_metadata_unspecified_and_multicast_stay_refused_even_where_private_addresses_are_allowed(address):
    assert address_refusal(ipaddress.ip_address(address), allow_private=True) is not None


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://93.184.215.14/hooks", "https"),
        ("ftp://93.184.215.14/hooks", "https"),
        ("https://user:pass@93.184.215.14/hooks", "user name"),
        ("https://127.0.0.1/hooks", "loopback"),
        ("https://[::1]/hooks", "loopback"),
        ("https://localhost/hooks", "loopback"),  # a name, resolved by the system (/etc/hosts)
        ("https://10.0.0.8/hooks", "private"),
        ("https://169.254.169.254/latest/meta-data/", "cloud metadata"),
        ("https:///hooks", "no host"),
    ],
)
async def test_registration_rules_refuse_with_a_reason(url, why):
    with pytest.raises(AddressRefused) as refused:
        await check_url(url, config=STRICT)
    assert why in refused.value.reason


async def test_a_name_is_checked_after_resolution_by_the_resolver_it_is_given():
    async def resolver_to(*addresses):
        async def resolve(host: str, port: int) -> list[str]:
            assert (host, port) == ("hooks.example.com", 443)
            return list(addresses)

        return resolve

    url = "https://hooks.example.com/in"
    for addresses, refused in ((["10.9.8.7"], True), (["93.184.215.14", "127.0.0.1"], True), (["::ffff:10.0.0.1"], True), (["93.184.215.14"], False)):
        resolve = await resolver_to(*addresses)
        if refused:
            with pytest.raises(AddressRefused, match="resolves to"):
                await check_url(url, config=STRICT, resolve=resolve)
        else:
            await check_url(url, config=STRICT, resolve=resolve)


async def test_a_delivery_checks_the_address_again_and_never_connects_to_a_private_one(client, organiser, organiser_actor):
    # Registered while the name resolved to a public address; by delivery time it resolves to the receiver on 127.0.0.1 (DNS rebinding).
    answers = {"hooks.example.com": ["93.184.215.14"]}

    async def resolve(host: str, port: int) -> list[str]:
        return answers[host]

    async with Receiver() as hooks:
        created = await webhook_endpoints.create_webhook(
            actor=organiser_actor, now=MOMENT, url=f"https://hooks.example.com:{hooks.port}/hooks", event_types=["visit.created"], config=STRICT, resolve=resolve
        )
        answers["hooks.example.com"] = ["127.0.0.1"]
        strict = SafeClient(config=STRICT, resolve=resolve)
        try:
            outcome = await webhooks.deliver(outgoing(created.id), config=STRICT, now=MOMENT, client=strict)
        finally:
            await strict.aclose()
    assert outcome.status == "give_up" and "loopback" in outcome.response
    assert hooks.received == []


async def test_a_delivery_connects_to_the_address_it_checked_and_keeps_the_name_in_the_host_header(organiser_actor):
    looked_up: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        looked_up.append(host)
        return ["127.0.0.1"]

    async with Receiver() as hooks:
        url = f"http://hooks.example.com:{hooks.port}/hooks"
        created = await webhook_endpoints.create_webhook(actor=organiser_actor, now=MOMENT, url=url, event_types=["visit.created"], config=settings, resolve=resolve)
        pinned = SafeClient(config=settings, resolve=resolve)
        try:
            for _ in range(3):
                assert (await webhooks.deliver(outgoing(created.id), config=settings, now=MOMENT, client=pinned)).status == "delivered"
        finally:
            await pinned.aclose()
    assert [request.headers["host"] for request in hooks.received] == [f"hooks.example.com:{hooks.port}"] * 3
    # Once at registration, once for the one kept-alive connection: the HTTP library never resolves by itself.
    assert looked_up == ["hooks.example.com", "hooks.example.com"]


async def test_https_goes_to_the_checked_address_with_the_name_for_sni_and_the_certificate(organiser_actor, tmp_path):
    from receiver import certificate

    server_tls, trusting = certificate(tmp_path, "hooks.example.com")

    async def resolve(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    async with Receiver(tls=server_tls) as hooks:
        right = await webhook_endpoints.create_webhook(
            actor=organiser_actor, now=MOMENT, url=f"https://hooks.example.com:{hooks.port}/hooks", event_types=["visit.created"], config=settings, resolve=resolve
        )
        wrong = await webhook_endpoints.create_webhook(
            actor=organiser_actor, now=MOMENT, url=f"https://other.example.com:{hooks.port}/hooks", event_types=["visit.created"], config=settings, resolve=resolve
        )
        pinned = SafeClient(config=settings, resolve=resolve, ssl_context=trusting)
        try:
            assert (await webhooks.deliver(outgoing(right.id), config=settings, now=MOMENT, client=pinned)).status == "delivered"
            # Same address, another name: the certificate does not match it, so nothing is sent.
            refused = await webhooks.deliver(outgoing(wrong.id), config=settings, now=MOMENT, client=pinned)
        finally:
            await pinned.aclose()
    assert refused.status == "retry" and "certificate" in refused.response.lower()
    assert [request.headers["host"] for request in hooks.received] == [f"hooks.example.com:{hooks.port}"]


async def test_a_kept_alive_connection_the_receiver_dropped_is_replaced_without_losing_the_delivery(client, organiser):
    async with Receiver(close_after_each=True) as hooks:
        created = await register(client, organiser, hooks.url)
        outcomes = [await webhooks.deliver(outgoing(created["id"]), config=settings, now=MOMENT) for _ in range(3)]
    assert [outcome.status for outcome in outcomes] == ["delivered"] * 3
    assert len(hooks.received) == 3 and hooks.connections == 3


async def test_connections_are_kept_alive_between_deliveries(client, organiser):
    async with Receiver() as hooks:
        created = await register(client, organiser, hooks.url)
        for _ in range(5):
            assert (await webhooks.deliver(outgoing(created["id"]), config=settings, now=MOMENT)).status == "delivered"
    assert len(hooks.received) == 5 and hooks.connections == 1


async def test_a_stopping_worker_closes_its_kept_alive_connections(client, organiser, stop):
    async with Receiver() as hooks:
        await register(client, organiser, hooks.url, event_types=("registration.confirmed",))
        async with delivery.inline_worker(settings):
            _, seeker = await make_account("seeker")
            await post_ok(client, f"/api/stops/{stop['id']}/registrations", None, seeker)
            for _ in range(500):
                if await Message.count().where((Message.channel == "webhook") & (Message.status == "delivered")):
                    break
                await asyncio.sleep(0.01)
            assert hooks.open_connections == 1
        for _ in range(100):  # the receiver hears the close a moment later
            if hooks.open_connections == 0:
                break
            await asyncio.sleep(0.01)
        assert len(hooks.received) == 1 and hooks.open_connections == 0


def test_private_addresses_and_plain_http_are_refused_in_production():
    production = {"APP_ENV": "production", "SECRET_KEY": "a-production-secret-that-is-long-enough-123456"}
    assert load(production).webhook_allow_private_addresses is False
    for name in ("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", "WEBHOOK_ALLOW_HTTP"):
        with pytest.raises(SettingsError, match=name.split("_")[1]):
            load({**production, name: "1"})
    assert load({"APP_ENV": "test", "SECRET_KEY": production["SECRET_KEY"], "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "1"}).webhook_allow_private_addresses is True


# ---------------------------------------------------------------- the API


async def test_registering_answers_201_with_the_secret_once(client, organiser):
    created = await register(client, organiser, "https://93.184.215.14/hooks", event_types=["registration.promoted", "stop.changed"])
    assert created["secret"].startswith("whsec_") and created["event_types"] == ["registration.promoted", "stop.changed"]
    assert created["is_active"] is True and created["employer_id"] is None
    listed = (await client.get("/api/webhooks", headers=organiser)).json()["items"]
    assert [item["id"] for item in listed] == [created["id"]] and "secret" not in listed[0]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"url": "https://93.184.215.14/hooks", "event_types": ["visit.created", "visit.deleted"]}, "unknown_event_type"),
        ({"url": "https://93.184.215.14/hooks", "event_types": ["password_reset.requested"]}, "event_type_not_allowed"),
        ({"url": "https://93.184.215.14/hooks", "event_types": ["invitation.created", "visit.created"]}, "event_type_not_allowed"),
        ({"url": "https://169.254.169.254/latest", "event_types": ["visit.created"]}, "webhook_url_not_allowed"),
        ({"url": "ftp://93.184.215.14/hooks", "event_types": ["visit.created"]}, "webhook_url_not_allowed"),
        ({"url": "https://[fd00:ec2::254]/hooks", "event_types": ["visit.created"]}, "webhook_url_not_allowed"),
    ],
)
async def test_a_bad_registration_is_a_422_problem(client, organiser, body, code):
    response = await client.post("/api/webhooks", json=body, headers=organiser)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code


async def test_hr_may_subscribe_only_to_events_about_its_employer(client, hr):
    response = await client.post("/api/webhooks", json={"url": "https://93.184.215.14/h", "event_types": ["registration.confirmed"]}, headers=hr)
    assert response.status_code == 422 and response.json()["code"] == "event_type_not_allowed"
    created = await register(client, hr, "https://93.184.215.14/h", event_types=["interest.created", "visit.created"])
    assert created["employer_id"] is not None


async def test_hr_manage_the_endpoints_they_registered_and_no_one_elses(client, organiser, hr, other_hr, employer):
    mine = await register(client, hr, "https://93.184.215.14/h")
    colleague = (await make_account("hr", employer_id=uuid.UUID(employer["id"])))[1]
    for stranger in (other_hr, colleague):
        assert (await client.get("/api/webhooks", headers=stranger)).json()["items"] == []
        for method, path, body in (
            ("PATCH", f"/api/webhooks/{mine['id']}", {"description": "x"}),
            ("DELETE", f"/api/webhooks/{mine['id']}", None),
            ("POST", f"/api/webhooks/{mine['id']}/rotate-secret", None),
            ("GET", f"/api/webhooks/{mine['id']}/deliveries", None),
        ):
            response = await client.request(method, path, json=body, headers=stranger)
            assert response.status_code == 404 and response.json()["code"] == "webhook_not_found", (method, path)
    assert [item["id"] for item in (await client.get("/api/webhooks", headers=hr)).json()["items"]] == [mine["id"]]
    # The organiser's own endpoint is not the HR's business either; the organiser sees both.
    theirs = await register(client, organiser, "https://93.184.215.14/o")
    assert (await client.patch(f"/api/webhooks/{theirs['id']}", json={"description": "x"}, headers=hr)).status_code == 404
    assert {item["id"] for item in (await client.get("/api/webhooks", headers=organiser)).json()["items"]} == {mine["id"], theirs["id"]}


async def test_seekers_and_strangers_are_refused(client, seeker):
    assert (await client.get("/api/webhooks")).status_code == 401
    response = await client.post("/api/webhooks", json={"url": "https://93.184.215.14/h", "event_types": ["visit.created"]}, headers=seeker)
    assert response.status_code == 403


async def test_changing_the_url_checks_it_again(client, organiser):
    created = await register(client, organiser, "https://93.184.215.14/h")
    response = await client.patch(f"/api/webhooks/{created['id']}", json={"url": "https://169.254.169.254/"}, headers=organiser)
    assert response.status_code == 422 and response.json()["code"] == "webhook_url_not_allowed"
    response = await client.patch(f"/api/webhooks/{created['id']}", json={"url": "https://93.184.215.15/h", "event_types": ["job.published"]}, headers=organiser)
    assert response.status_code == 200 and response.json()["url"] == "https://93.184.215.15/h" and response.json()["event_types"] == ["job.published"]


# ---------------------------------------------------------------- with the outbox and the delivery worker


async def scan_visit(client, booth_id: str, ticket: str, headers) -> None:
    response = await client.post(f"/api/booths/{booth_id}/visits", json={"ticket": ticket, "nonce": str(uuid.uuid4())}, headers=headers)
    assert response.status_code == 201, response.text


async def test_a_visit_reaches_the_organisers_endpoint_and_its_employers_hr_endpoint_only(client, organiser, hr, other_hr, night_market):
    async with Receiver() as hooks:
        everything = await register(client, organiser, hooks.url + "/organiser", event_types=["visit.created", "check_in.created"])
        ours = await register(client, hr, hooks.url + "/a12", event_types=["visit.created"])
        theirs = await register(client, other_hr, hooks.url + "/b3", event_types=["visit.created"])
        paused = await register(client, organiser, hooks.url + "/paused", event_types=["visit.created"])
        assert (await client.patch(f"/api/webhooks/{paused['id']}", json={"is_active": False}, headers=organiser)).status_code == 200
        (ticket,) = await confirmed_tickets(night_market["tonight"]["id"], 1)
        await scan_visit(client, night_market["a12"]["id"], ticket["code"], hr)
        await delivery.run_once()
        await delivery.run_once()  # nothing twice: the messages were made once and delivered once
    assert sorted(request.path for request in hooks.received) == ["/hooks/a12", "/hooks/organiser"]
    for request in hooks.received:
        payload = json.loads(request.body)
        assert payload["type"] == "visit.created" and payload["data"]["booth_id"] == night_market["a12"]["id"]
        assert signature_ok(everything["secret"] if request.path.endswith("organiser") else ours["secret"], request)
    assert not any(signature_ok(theirs["secret"], request) for request in hooks.received)
    deliveries = (await client.get(f"/api/webhooks/{ours['id']}/deliveries", headers=hr)).json()
    (delivered,) = deliveries["items"]
    assert delivered["status"] == "delivered" and delivered["event_type"] == "visit.created"
    assert [attempt["outcome"] for attempt in delivered["attempts"]] == ["delivered"]
    assert hooks.received[0].headers["webhook-id"] in {delivered["id"], *(item["id"] for item in (await client.get(f"/api/webhooks/{everything['id']}/deliveries", headers=organiser)).json()["items"])}


async def test_a_failed_delivery_is_logged_and_redelivered_on_request(client, organiser, hr, night_market):
    answers = iter([Answer(500, b"database down"), Answer(200, b"thanks")])
    async with Receiver(lambda _: next(answers)) as hooks:
        created = await register(client, hr, hooks.url, event_types=["visit.created"])
        (ticket,) = await confirmed_tickets(night_market["tonight"]["id"], 1)
        await scan_visit(client, night_market["a12"]["id"], ticket["code"], hr)
        await delivery.run_once()
        (failed,) = (await client.get(f"/api/webhooks/{created['id']}/deliveries", headers=hr)).json()["items"]
        assert failed["status"] == "failed" and failed["last_response_code"] == 500
        assert [(a["outcome"], a["response_code"], a["response"]) for a in failed["attempts"]] == [("retry", 500, "database down")]
        response = await client.post(f"/api/deliveries/{failed['id']}/redeliver", headers=hr)
        assert response.status_code == 202 and response.json()["status"] == "pending"
        await delivery.run_once()
    (done,) = (await client.get(f"/api/webhooks/{created['id']}/deliveries", headers=hr)).json()["items"]
    assert done["status"] == "delivered" and [a["outcome"] for a in done["attempts"]] == ["delivered", "retry"]
    first, second = hooks.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == done["id"]


async def test_only_the_owner_or_an_organiser_may_redeliver(client, organiser, hr, other_hr, employer, night_market):
    async with Receiver(lambda _: Answer(503)) as hooks:
        created = await register(client, hr, hooks.url, event_types=["visit.created"])
        (ticket,) = await confirmed_tickets(night_market["tonight"]["id"], 1)
        await scan_visit(client, night_market["a12"]["id"], ticket["code"], hr)
        await delivery.run_once()
    (message,) = (await client.get(f"/api/webhooks/{created['id']}/deliveries", headers=hr)).json()["items"]
    colleague = (await make_account("hr", employer_id=uuid.UUID(employer["id"])))[1]
    for stranger in (other_hr, colleague):
        response = await client.post(f"/api/deliveries/{message['id']}/redeliver", headers=stranger)
        assert response.status_code == 404 and response.json()["code"] == "delivery_not_found"
    assert (await client.post(f"/api/deliveries/{uuid.uuid4()}/redeliver", headers=organiser)).status_code == 404
    assert (await client.post(f"/api/deliveries/{message['id']}/redeliver", headers=organiser)).status_code == 202


async def test_a_410_disables_the_endpoint_and_its_owner_is_told(client, hr):
    async with Receiver(lambda _: Answer(410, b"gone")) as hooks:
        created = await register(client, hr, hooks.url)
        outcome = await webhooks.deliver(outgoing(created["id"]), config=settings, now=MOMENT)
        assert (outcome.status, outcome.response_code) == ("give_up", 410)
        assert (await webhooks.deliver(outgoing(created["id"]), config=settings, now=MOMENT)).status == "give_up"
    assert len(hooks.received) == 1
    endpoint = await endpoint_of(client, hr, created["id"])
    assert endpoint["is_active"] is False and endpoint["disabled_reason"] == "gone"
    await delivery.run_once()
    told = await Message.select(Message.kind, Message.account, Message.channel).where(Message.kind == webhook_endpoints.DISABLED_KIND)
    assert [(row["account"], row["channel"]) for row in told] == [(uuid.UUID(created["owner_id"]), "email")]
    # Re-enabled by its owner, it receives again.
    assert (await client.patch(f"/api/webhooks/{created['id']}", json={"is_active": True}, headers=hr)).json()["is_active"] is True


async def test_an_endpoint_failing_for_three_days_is_disabled_once_however_many_deliveries_fail_together(client, organiser):
    async with Receiver(lambda _: Answer(500)) as hooks:
        created = await register(client, organiser, hooks.url)
        assert (await webhooks.deliver(outgoing(created["id"]), config=settings, now=MOMENT)).status == "retry"
        almost = await webhooks.deliver(outgoing(created["id"]), config=settings, now=MOMENT + webhook_endpoints.FAILING_FOR - timedelta(seconds=1))
        assert almost.status == "retry"
        later = MOMENT + webhook_endpoints.FAILING_FOR
        outcomes = await asyncio.gather(*(webhooks.deliver(outgoing(created["id"]), config=settings, now=later) for _ in range(20)))
    assert {outcome.status for outcome in outcomes} == {"give_up"}
    endpoint = await endpoint_of(client, organiser, created["id"])
    assert endpoint["is_active"] is False and endpoint["disabled_reason"] == "failing"
    assert await DomainEvent.count().where(DomainEvent.kind == webhook_endpoints.DISABLED_KIND) == 1


async def test_events_an_endpoint_did_not_ask_for_and_secret_bearing_events_are_never_planned(client, organiser):
    await register(client, organiser, "https://93.184.215.14/h", event_types=["check_in.created"])
    event = DomainEventView(id=uuid.uuid4(), kind="visit.created", payload={"booth_id": str(uuid.uuid4())}, occurred_at=MOMENT)
    assert await webhooks.plan_webhooks(event, now=MOMENT) == []
    secret = DomainEventView(id=uuid.uuid4(), kind="invitation.created", payload={}, occurred_at=MOMENT)
    assert await webhooks.plan_webhooks(secret, now=MOMENT) == []
    check_in = DomainEventView(id=uuid.uuid4(), kind="check_in.created", payload={"registration_id": "r"}, occurred_at=MOMENT)
    (plan,) = await webhooks.plan_webhooks(check_in, now=MOMENT)
    assert plan.channel == "webhook" and plan.idempotency_key == f"{check_in.id}:webhook:{plan.webhook_id}" and plan.address_masked == "93.184.215.14"


async def test_the_webhook_api_is_documented_with_examples_and_its_errors(client):
    schema = (await client.get("/schema/openapi.json")).json()
    paths = schema["paths"]
    assert set(paths["/api/webhooks"]) >= {"get", "post"} and set(paths["/api/webhooks/{webhook_id}"]) >= {"patch", "delete"}
    assert "post" in paths["/api/webhooks/{webhook_id}/rotate-secret"] and "get" in paths["/api/webhooks/{webhook_id}/deliveries"]
    redeliver = paths["/api/deliveries/{message_id}/redeliver"]["post"]
    assert "202" in redeliver["responses"] and "409" in redeliver["responses"]
    create = paths["/api/webhooks"]["post"]
    assert {"201", "401", "403", "422"} <= set(create["responses"])
    components = schema["components"]["schemas"]
    for name, field in (("WebhookRequest", "url"), ("WebhookRequest", "event_types"), ("WebhookWithSecret", "secret"), ("Delivery", "status")):
        assert components[name]["properties"][field].get("examples"), f"{name}.{field}"
    assert "visit.created" in components["WebhookRequest"]["properties"]["event_types"]["description"]


async def test_an_hr_endpoint_hears_only_events_naming_its_employer(client, hr, employer, other_employer):
    created = await register(client, hr, "https://93.184.215.14/h", event_types=["job.published", "interest.created"])

    def published(employer_id: str) -> DomainEventView:
        return DomainEventView(id=uuid.uuid4(), kind="job.published", payload={"job_id": str(uuid.uuid4()), "employer_id": employer_id}, occurred_at=MOMENT)

    assert await webhooks.plan_webhooks(published(other_employer["id"]), now=MOMENT) == []
    (plan,) = await webhooks.plan_webhooks(published(employer["id"]), now=MOMENT)
    assert str(plan.webhook_id) == created["id"] and plan.params["data"]["employer_id"] == employer["id"]
    nameless = DomainEventView(id=uuid.uuid4(), kind="interest.created", payload={"interest_id": "i"}, occurred_at=MOMENT)
    assert await webhooks.plan_webhooks(nameless, now=MOMENT) == []
