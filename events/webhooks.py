"""Webhooks: the fan-out of domain events to registered endpoints, and signed, SSRF-safe delivery.

Payloads and headers follow the Standard Webhooks specification (https://www.standardwebhooks.com/):
`webhook-id` (the message id, the same on every retry), `webhook-timestamp` (of this attempt) and
`webhook-signature`: `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` keyed by the endpoint's
secret, plus a second `v1,` signature by the previous secret for 24 hours after a rotation. Which
endpoints hear which events, and their management: events.webhook_endpoints.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import uuid
from datetime import datetime
from urllib.parse import urlsplit

import msgspec

from events import db, outbox
from events.notify import DomainEventView, Outcome, Outgoing, Plan, batch_memo, subscriber, to_accounts
from events.safe_http import AddressRefused, SafeClient, TransportError
from events.settings import Settings
from events.tables import WebhookEndpoint
from events.webhook_endpoints import DISABLED_KIND, EVENT_TYPES, FAILING_FOR, SECRET_PREFIX

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- fan-out


def _employer_of(event: DomainEventView) -> str | None:
    """The employer an event is about, for HR endpoints: its payload's `employer_id` (visits, interests, jobs, decisions); None: no HR endpoint hears it."""
    named = event.payload.get("employer_id")
    return str(named) if named else None


def _may_want(kind: str):
    """Active endpoints whose subscribed kinds name this one, by their JSON text: a superset, read exactly afterwards."""
    return WebhookEndpoint.is_active.eq(True) & WebhookEndpoint.event_types.like(f'%"{kind}"%')


async def endpoints_listen(kind: str) -> bool:
    """Whether an active endpoint may be subscribed to this kind (the superset `plan_webhooks` starts from: erring towards yes)."""
    return kind in EVENT_TYPES and await WebhookEndpoint.exists().where(_may_want(kind))


@subscriber("*", listens=endpoints_listen)
async def plan_webhooks(event: DomainEventView, *, now: datetime) -> list[Plan]:
    """One message per active endpoint subscribed to this kind (HR endpoints: only events about their employer)."""
    if event.kind not in EVENT_TYPES:
        return []
    # Filtered by the JSON text first, so that most events (scans) read no endpoint at all; then exactly.
    rows = await batch_memo(
        ("webhook_endpoints", event.kind),
        lambda: WebhookEndpoint.select(WebhookEndpoint.id, WebhookEndpoint.employer, WebhookEndpoint.event_types, WebhookEndpoint.url).where(
            _may_want(event.kind)
        ),
    )
    rows = [row for row in rows if event.kind in json.loads(row["event_types"])]
    if any(row["employer"] is not None for row in rows):
        employer = _employer_of(event)
        rows = [row for row in rows if row["employer"] is None or str(row["employer"]) == employer]
    params = {"timestamp": event.occurred_at.isoformat(), "data": event.payload}
    return [
        Plan(
            kind=event.kind,
            channel="webhook",
            webhook_id=row["id"],
            idempotency_key=f"{event.id}:webhook:{row['id']}",
            params=params,
            address_masked=_host(row["url"]),
        )
        for row in rows
    ]


@subscriber(DISABLED_KIND)
async def tell_the_owner(event: DomainEventView, *, now: datetime) -> list[Plan]:
    """The owner of a disabled endpoint hears about it, on their own channel (transactional: it is about their setup)."""
    params = {key: event.payload.get(key) for key in ("webhook_id", "url_host", "reason", "description")}
    return await to_accounts(event, [uuid.UUID(event.payload["account_id"])], params)


def _host(url: str) -> str:
    """What the delivery log may show of an endpoint: its host."""
    return urlsplit(url).hostname or ""


# ---------------------------------------------------------------- delivery


def sign(secret: str, *, message_id: str, timestamp: int, body: bytes) -> str:
    """One Standard Webhooks signature: `v1,` + base64 HMAC-SHA256 of `{id}.{timestamp}.{body}` keyed by the secret's bytes."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    digest = hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def body_of(outgoing: Outgoing) -> bytes:
    """The JSON sent (compact), exactly the bytes signed: `{"type", "timestamp", "data"}`."""
    params = outgoing.params
    return msgspec.json.encode({"type": outgoing.kind, "timestamp": params.get("timestamp") or outgoing.created_at.isoformat(), "data": params.get("data", {})})


_clients: dict[tuple[asyncio.AbstractEventLoop, int], SafeClient] = {}


def client_for(config: Settings) -> SafeClient:
    """The connection pool deliveries share in this event loop (one per settings object)."""
    key = (asyncio.get_running_loop(), id(config))
    client = _clients.get(key)
    if client is None:
        client = _clients[key] = SafeClient(config=config)
    return client


async def close_clients() -> None:
    """Close this loop's pools (the worker's shutdown)."""
    loop = asyncio.get_running_loop()
    for key in [key for key in _clients if key[0] is loop]:
        await _clients.pop(key).aclose()


_DELIVERY_COLUMNS = (
    WebhookEndpoint.id,
    WebhookEndpoint.url,
    WebhookEndpoint.secret,
    WebhookEndpoint.previous_secret,
    WebhookEndpoint.previous_secret_expires_at,
    WebhookEndpoint.is_active,
    WebhookEndpoint.failing_since,
    WebhookEndpoint.owner,
    WebhookEndpoint.description,
)


async def deliver(outgoing: Outgoing, *, config: Settings, now: datetime, client: SafeClient | None = None) -> Outcome:
    """POST one signed message to its endpoint and say what became of it.

    2xx: delivered. 410: give up and disable the endpoint. Anything else (3xx, since redirects are never
    followed; 4xx, 5xx, timeouts, refused connections): retry, until the endpoint has failed for 3 days,
    when it is disabled and its owner told. An address the SSRF rules refuse: give up (not sent).
    """
    endpoint = await WebhookEndpoint.select(*_DELIVERY_COLUMNS).where(WebhookEndpoint.id == outgoing.webhook_id).first()
    if endpoint is None:
        return Outcome("give_up", response="the endpoint was deleted")
    if not endpoint["is_active"]:
        return Outcome("give_up", response="the endpoint is disabled")
    body = body_of(outgoing)
    message_id, timestamp = str(outgoing.message_id), int(now.timestamp())
    signatures = [sign(endpoint["secret"], message_id=message_id, timestamp=timestamp, body=body)]
    expires = endpoint["previous_secret_expires_at"]
    if endpoint["previous_secret"] and expires is not None and expires > now:
        signatures.append(sign(endpoint["previous_secret"], message_id=message_id, timestamp=timestamp, body=body))
    headers = {"webhook-id": message_id, "webhook-timestamp": str(timestamp), "webhook-signature": " ".join(signatures)}
    try:
        reply = await (client or client_for(config)).post(endpoint["url"], body=body, headers=headers)
    except AddressRefused as refused:
        await _failed(endpoint, now=now, give_up=True)
        return Outcome("give_up", response=f"not sent: {refused.reason}"[:500])
    except TimeoutError:
        return await _failed(endpoint, now=now, outcome=Outcome("retry", response="timed out"))
    except (TransportError, OSError) as error:
        return await _failed(endpoint, now=now, outcome=Outcome("retry", response=f"{type(error).__name__}: {error}"[:500]))
    if 200 <= reply.status < 300:
        if endpoint["failing_since"] is not None:
            async with db.write_transaction():
                await WebhookEndpoint.update({WebhookEndpoint.failing_since: None}).where(WebhookEndpoint.id == endpoint["id"])
        return Outcome("delivered", response_code=reply.status, response=reply.text)
    if reply.status == 410:
        await _disable(endpoint, now=now, reason="gone")
        return Outcome("give_up", response_code=410, response=reply.text)
    text = reply.text if not 300 <= reply.status < 400 else f"redirect not followed: {reply.text}"[:500]
    return await _failed(endpoint, now=now, outcome=Outcome("retry", response_code=reply.status, response=text, retry_after=reply.retry_after))


async def _failed(endpoint: dict, *, now: datetime, outcome: Outcome | None = None, give_up: bool = False) -> Outcome:
    """Note a failed attempt: the first one starts the endpoint's failing clock; 3 days of them disable it."""
    since = endpoint["failing_since"]
    if since is None:
        async with db.write_transaction():
            await WebhookEndpoint.update({WebhookEndpoint.failing_since: now}).where(WebhookEndpoint.id == endpoint["id"], WebhookEndpoint.failing_since.is_null())
    elif now - since >= FAILING_FOR:
        await _disable(endpoint, now=now, reason="failing")
        return Outcome("give_up", response_code=outcome.response_code if outcome else None, response=f"endpoint disabled after failing since {since.isoformat()}")
    if give_up or outcome is None:
        return Outcome("give_up")
    return outcome


async def _disable(endpoint: dict, *, now: datetime, reason: str) -> None:
    """Switch the endpoint off and record `webhook.disabled`, once, however many deliveries fail at the same moment."""
    async with db.write_transaction():
        won = await WebhookEndpoint.update({WebhookEndpoint.is_active: False, WebhookEndpoint.disabled_reason: reason}).where(
            WebhookEndpoint.id == endpoint["id"], WebhookEndpoint.is_active.eq(True)
        ).returning(WebhookEndpoint.id)
        if won:
            payload = {"webhook_id": endpoint["id"], "account_id": endpoint["owner"], "reason": reason, "url_host": _host(endpoint["url"]), "description": endpoint["description"]}
            await outbox.record(DISABLED_KIND, payload, now=now)
    if won:
        log.warning("webhook endpoint %s disabled: %s", endpoint["id"], reason)

