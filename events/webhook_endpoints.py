"""Webhook endpoints: what organisers and HR register, which events they may ask for, and their delivery log.

Who receives what (the scoping rule): an organiser's endpoint may subscribe to every kind in EVENT_TYPES
and receives every such event. An HR account's endpoint is bound to the account's employer, may subscribe
only to EMPLOYER_EVENT_TYPES, and receives an event only when the event is about that employer (the
payload's `employer_id`, or for a visit its booth's employer): visits at its booths, interests in its jobs,
its own application decided, its own jobs published. HR accounts manage the endpoints they registered;
organisers manage every endpoint (and so take over one whose HR owner left). Delivery: events.webhooks.
"""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from events import db, delivery, views
from events.accounts import Actor, require_role
from events.errors import Conflict, Invalid, NotFound, Refused
from events.safe_http import AddressRefused, Resolver, check_url, system_resolve
from events.settings import Settings, settings
from events.tables import DeliveryAttempt, Message, WebhookEndpoint

#: Domain event kinds an endpoint may subscribe to. Not here, on purpose: kinds whose messages carry a secret link or
#: code (`invitation.created`, `password_reset.requested`: their payloads hold only ids, but name who is setting a
#: password) and `webhook.disabled` itself. A check-out, should one ever
#: be recorded, gets its own kind (`check_out.created`), never a flag on `check_in.created`.
EVENT_TYPES: tuple[str, ...] = (
    "registration.confirmed",
    "registration.waitlisted",
    "registration.promoted",
    "registration.cancelled",
    "stop.changed",
    "stop.cancelled",
    "event.published",
    "check_in.created",
    "visit.created",
    "interest.created",
    "employer_application.decided",
    "job.published",
    "broadcast.sent",
    "interest.stage_changed",
)
#: Domain events whose messages carry a one-time link or code: never sent to a webhook.
NEVER_SENT = frozenset({"invitation.created", "password_reset.requested", "password_reset.link", "password_reset.code"})
#: What an HR account's endpoint may subscribe to: events about its own employer (the payload's `employer_id`).
EMPLOYER_EVENT_TYPES = frozenset({"visit.created", "interest.created", "employer_application.decided", "job.published", "interest.stage_changed"})
#: The domain event recorded when an endpoint is disabled (410, or failing for FAILING_FOR); its owner is told.
DISABLED_KIND = "webhook.disabled"
#: How long the secret before a rotation keeps signing deliveries.
PREVIOUS_SECRET_VALIDITY = timedelta(hours=24)
#: An endpoint that has failed every delivery for this long is disabled.
FAILING_FOR = timedelta(days=3)
MAX_ENDPOINTS_PER_OWNER = 20
SECRET_PREFIX = "whsec_"  # noqa: S105 - the Standard Webhooks prefix, not a secret

Moment = Annotated[datetime, Meta(examples=["2026-12-05T10:00:00+08:00"])]
EventTypes = Annotated[list[str], Meta(examples=[["visit.created", "interest.created"]])]


class Webhook(msgspec.Struct, frozen=True, kw_only=True):
    """A registered endpoint, without its secret."""

    id: uuid.UUID
    url: Annotated[str, Meta(examples=["https://hr.example.com/hooks/recruitment"])]
    event_types: EventTypes
    description: Annotated[str, Meta(examples=["ATS 同步"])]
    is_active: bool
    disabled_reason: Annotated[Literal["", "gone", "failing", "by_owner"], Meta(examples=[""], description="`gone`: the URL answered 410; `failing`: 3 days of failed deliveries; `by_owner`: switched off by PATCH.")]
    failing_since: Moment | None
    previous_secret_expires_at: Annotated[datetime | None, Meta(description="Until then deliveries also carry a signature by the secret before the last rotation.")]
    owner_id: uuid.UUID
    employer_id: uuid.UUID | None
    created_at: Moment


class WebhookWithSecret(Webhook, frozen=True, kw_only=True):
    """An endpoint just created or rotated, with its signing secret: shown this once."""

    secret: Annotated[str, Meta(examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], description="Standard Webhooks secret: `whsec_` + base64 of the HMAC key.")]


class WebhookList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[Webhook]


class Attempt(msgspec.Struct, frozen=True, kw_only=True):
    attempted_at: Moment
    outcome: Annotated[str, Meta(examples=["retry"])]
    response_code: Annotated[int | None, Meta(examples=[503])]
    response: Annotated[str, Meta(examples=["Service Unavailable"], description="At most 500 characters.")]
    duration_ms: Annotated[int | None, Meta(examples=[42])]


class Delivery(msgspec.Struct, frozen=True, kw_only=True):
    """One message to an endpoint (what `webhook-id` names), with its attempts, newest first."""

    id: uuid.UUID
    event_type: Annotated[str, Meta(examples=["visit.created"])]
    status: Annotated[str, Meta(examples=["delivered"], description="pending, sending, delivered, failed (will retry), dead, skipped or cancelled.")]
    attempts: list[Attempt]
    created_at: Moment
    delivered_at: Moment | None
    next_attempt_at: Moment | None
    last_response_code: Annotated[int | None, Meta(examples=[200])]


class DeliveryPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[Delivery]
    total: int
    limit: int
    offset: int


# ---------------------------------------------------------------- endpoints


def new_secret() -> str:
    """`whsec_` + base64 of 32 random bytes (the spec asks for 24 to 64)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def _view(row: dict, *, secret: str | None = None) -> Webhook:
    fields = {
        "id": row["id"],
        "url": row["url"],
        "event_types": json.loads(row["event_types"]),
        "description": row["description"],
        "is_active": row["is_active"],
        "disabled_reason": row["disabled_reason"],
        "failing_since": row["failing_since"],
        "previous_secret_expires_at": row["previous_secret_expires_at"],
        "owner_id": row["owner"],
        "employer_id": row["employer"],
        "created_at": row["created_at"],
    }
    return WebhookWithSecret(**fields, secret=secret) if secret is not None else Webhook(**fields)


def _event_types(actor: Actor, event_types: list[str]) -> list[str]:
    withheld = sorted(set(event_types) & NEVER_SENT)
    if withheld:
        raise Invalid("event_type_not_allowed", f"These events carry a secret and are never sent to webhooks: {', '.join(withheld)}.", not_allowed=withheld)
    unknown = sorted(set(event_types) - set(EVENT_TYPES))
    if unknown:
        raise Invalid("unknown_event_type", f"Unknown event types: {', '.join(unknown)}. Known: {', '.join(EVENT_TYPES)}.", unknown=unknown)
    if not event_types:
        raise Invalid("event_types_required", "Name at least one event type.")
    if actor.role == "hr":
        outside = sorted(set(event_types) - EMPLOYER_EVENT_TYPES)
        if outside:
            raise Invalid("event_type_not_allowed", f"HR endpoints receive only events about their employer: {', '.join(sorted(EMPLOYER_EVENT_TYPES))}.", not_allowed=outside)
    return sorted(set(event_types))


async def _checked_url(url: str, *, config: Settings, resolve: Resolver) -> str:
    # Resolving may take a while: it runs before, never inside, the write transaction.
    try:
        await check_url(url, config=config, resolve=resolve)
    except AddressRefused as refused:
        raise Invalid("webhook_url_not_allowed", f"This URL cannot receive webhooks: {refused.reason}.") from refused
    return url


def _visible(actor: Actor):
    """The endpoints `actor` manages: every one for organisers, the ones they registered for HR."""
    require_role(actor, "organiser", "hr")
    return [] if actor.is_organiser else [WebhookEndpoint.owner == actor.id]


async def _own_row(actor: Actor, webhook_id: uuid.UUID) -> dict:
    row = await WebhookEndpoint.select().where(WebhookEndpoint.id == webhook_id, *_visible(actor)).first()
    if row is None:
        raise NotFound("webhook_not_found", "No such webhook endpoint among yours.")
    return row


async def create_webhook(
    *, actor: Actor, now: datetime, url: str, event_types: list[str], description: str = "", config: Settings = settings, resolve: Resolver = system_resolve
) -> WebhookWithSecret:
    """Register an endpoint; the answer carries its secret, which is never shown again."""
    require_role(actor, "organiser", "hr")
    types = _event_types(actor, event_types)
    await _checked_url(url, config=config, resolve=resolve)
    employer = None if actor.is_organiser else actor.employer_id
    secret = new_secret()
    async with db.write_transaction():
        if await WebhookEndpoint.count().where(WebhookEndpoint.owner == actor.id) >= MAX_ENDPOINTS_PER_OWNER:
            raise Conflict("too_many_webhooks", f"At most {MAX_ENDPOINTS_PER_OWNER} endpoints each; delete one first.")
        row = WebhookEndpoint(owner=actor.id, employer=employer, url=url, event_types=json.dumps(types), description=description, secret=secret, created_at=now)
        await row.save()
    return _view(row.to_dict(), secret=secret)  # type: ignore[return-value]


async def list_webhooks(*, actor: Actor) -> WebhookList:
    rows = await WebhookEndpoint.select().where(*_visible(actor)).order_by(WebhookEndpoint.created_at)
    return WebhookList(items=[_view(row) for row in rows])


async def update_webhook(
    *, actor: Actor, now: datetime, webhook_id: uuid.UUID, changes: dict, config: Settings = settings, resolve: Resolver = system_resolve
) -> Webhook:
    """Change url, event types or description; `is_active: true` re-enables a disabled endpoint (and forgets its failures)."""
    await _own_row(actor, webhook_id)
    values: dict = {}
    if "url" in changes:
        values[WebhookEndpoint.url] = await _checked_url(changes["url"], config=config, resolve=resolve)
    if "event_types" in changes:
        values[WebhookEndpoint.event_types] = json.dumps(_event_types(actor, changes["event_types"]))
    if "description" in changes:
        values[WebhookEndpoint.description] = changes["description"]
    if "is_active" in changes:
        values[WebhookEndpoint.is_active] = changes["is_active"]
        values[WebhookEndpoint.disabled_reason] = "" if changes["is_active"] else "by_owner"
        values[WebhookEndpoint.failing_since] = None
    async with db.write_transaction():
        if values:
            await WebhookEndpoint.update(values).where(WebhookEndpoint.id == webhook_id)
        row = await _own_row(actor, webhook_id)
    return _view(row)


async def delete_webhook(*, actor: Actor, now: datetime, webhook_id: uuid.UUID) -> None:
    """Remove the endpoint; its undelivered messages are cancelled, its delivery log stays."""
    await _own_row(actor, webhook_id)
    async with db.write_transaction():
        await Message.update({Message.status: "cancelled"}).where(Message.webhook_id == webhook_id, Message.status.is_in(["pending", "failed"]))
        await WebhookEndpoint.delete().where(WebhookEndpoint.id == webhook_id)


async def rotate_secret(*, actor: Actor, now: datetime, webhook_id: uuid.UUID) -> WebhookWithSecret:
    """A new secret, shown once; the current one keeps signing (as a second signature) for 24 hours.

    Rotating again within those 24 hours drops the oldest secret: only one previous secret is kept.
    """
    secret = new_secret()
    async with db.write_transaction():
        row = await _own_row(actor, webhook_id)
        expires = now + PREVIOUS_SECRET_VALIDITY
        await WebhookEndpoint.update(
            {WebhookEndpoint.secret: secret, WebhookEndpoint.previous_secret: row["secret"], WebhookEndpoint.previous_secret_expires_at: expires}
        ).where(WebhookEndpoint.id == webhook_id)
    return _view({**row, "previous_secret_expires_at": expires}, secret=secret)  # type: ignore[return-value]


async def list_deliveries(*, actor: Actor, webhook_id: uuid.UUID, limit: int, offset: int) -> DeliveryPage:
    """Messages to this endpoint, newest first, each with its attempts (newest first)."""
    await _own_row(actor, webhook_id)
    mine = Message.webhook_id == webhook_id
    messages = await Message.select().where(mine).order_by(Message.created_at, ascending=False).order_by(Message.id).limit(limit).offset(offset)
    attempts: dict = {}
    if messages:
        rows = await DeliveryAttempt.select().where(DeliveryAttempt.message.is_in([m["id"] for m in messages])).order_by(DeliveryAttempt.attempted_at, ascending=False)
        for row in rows:
            attempts.setdefault(row["message"], []).append(
                Attempt(attempted_at=row["attempted_at"], outcome=row["outcome"], response_code=row["response_code"], response=row["response"], duration_ms=row["duration_ms"])
            )
    items = [
        Delivery(
            id=m["id"], event_type=m["kind"], status=m["status"], attempts=attempts.get(m["id"], []), created_at=m["created_at"],
            delivered_at=m["delivered_at"], next_attempt_at=m["next_attempt_at"], last_response_code=m["last_response_code"],
        )
        for m in messages
    ]
    return DeliveryPage(items=items, total=await Message.count().where(mine), limit=limit, offset=offset)


async def redeliver(*, actor: Actor, now: datetime, message_id: uuid.UUID) -> views.Message:
    """Send a webhook message again, now (its endpoint's owner, or an organiser): the worker's redelivery, after the webhook checks."""
    require_role(actor, "organiser", "hr")
    message = await Message.select(Message.webhook_id, Message.channel).where(Message.id == message_id).first()
    if message is None or message["channel"] != "webhook" or message["webhook_id"] is None:
        raise NotFound("delivery_not_found", "No such webhook delivery among yours.")
    try:
        endpoint = await _own_row(actor, message["webhook_id"])
    except NotFound as missing:
        raise NotFound("delivery_not_found", "No such webhook delivery among yours.") from missing
    if not endpoint["is_active"]:
        raise Refused("webhook_inactive", "The endpoint is disabled; re-enable it (PATCH is_active) before redelivering.")
    return await delivery.redeliver(message_id, actor, now)
