"""Webhook endpoints and their delivery log (organisers manage every endpoint, HR the ones they registered)."""

from __future__ import annotations

from typing import Annotated

from litestar import Router, delete, get, patch, post
from litestar.params import JSONBody
from msgspec import UNSET, Meta, UnsetType

from events import views, webhook_endpoints
from events.routes.common import Body, Caller, Id, Limit, Offset, Text, allow, now, problems

Url = Annotated[str, Meta(min_length=8, max_length=2000, examples=["https://hr.example.com/hooks/recruitment"], description="https:// only; must resolve to a public address.")]
EventTypes = Annotated[
    list[Annotated[str, Meta(max_length=64)]],
    Meta(
        min_length=1,
        max_length=len(webhook_endpoints.EVENT_TYPES),
        examples=[["visit.created", "interest.created"]],
        description=f"Domain event kinds: {', '.join(webhook_endpoints.EVENT_TYPES)}. HR: only {', '.join(sorted(webhook_endpoints.EMPLOYER_EVENT_TYPES))}. Unknown kinds: 422 `unknown_event_type`.",
    ),
]
Description = Text(500, "ATS 同步 (招聘系统)", required=False)


class WebhookRequest(Body):
    url: Url
    event_types: EventTypes
    description: Description = ""


class WebhookPatch(Body):
    url: Url | UnsetType = UNSET
    event_types: EventTypes | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    is_active: Annotated[bool, Meta(examples=[True], description="true re-enables a disabled endpoint; false pauses it.")] | UnsetType = UNSET


@post("/webhooks", summary="Register a webhook endpoint (the secret is shown once)", guards=allow("organiser", "hr"), responses=problems(403, 409, 413, 422))
async def create_webhook(data: JSONBody[WebhookRequest], actor: Caller) -> webhook_endpoints.WebhookWithSecret:
    """Deliveries are signed per Standard Webhooks with the returned `whsec_` secret. 422 `webhook_url_not_allowed` for a URL that is not https or resolves to a non-public address."""
    return await webhook_endpoints.create_webhook(actor=actor, now=now(), url=data.url, event_types=data.event_types, description=data.description)


@get("/webhooks", summary="The webhook endpoints I manage", guards=allow("organiser", "hr"), responses=problems(403))
async def list_webhooks(actor: Caller) -> webhook_endpoints.WebhookList:
    return await webhook_endpoints.list_webhooks(actor=actor)


@patch("/webhooks/{webhook_id:uuid}", summary="Change a webhook endpoint, or re-enable it", guards=allow("organiser", "hr"), responses=problems(403, 404, 413, 422))
async def update_webhook(webhook_id: Id, data: JSONBody[WebhookPatch], actor: Caller) -> webhook_endpoints.Webhook:
    return await webhook_endpoints.update_webhook(actor=actor, now=now(), webhook_id=webhook_id, changes=data.changes())


@delete("/webhooks/{webhook_id:uuid}", summary="Remove a webhook endpoint (undelivered messages are cancelled)", guards=allow("organiser", "hr"), responses=problems(403, 404))
async def delete_webhook(webhook_id: Id, actor: Caller) -> None:
    await webhook_endpoints.delete_webhook(actor=actor, now=now(), webhook_id=webhook_id)


@post("/webhooks/{webhook_id:uuid}/rotate-secret", summary="Rotate a webhook's secret (the old one also signs for 24 hours)", status_code=200, guards=allow("organiser", "hr"), responses=problems(403, 404))
async def rotate_secret(webhook_id: Id, actor: Caller) -> webhook_endpoints.WebhookWithSecret:
    return await webhook_endpoints.rotate_secret(actor=actor, now=now(), webhook_id=webhook_id)


@get("/webhooks/{webhook_id:uuid}/deliveries", summary="A webhook's deliveries, newest first, with their attempts", guards=allow("organiser", "hr"), responses=problems(403, 404))
async def list_deliveries(webhook_id: Id, actor: Caller, limit: Limit = 20, offset: Offset = 0) -> webhook_endpoints.DeliveryPage:
    return await webhook_endpoints.list_deliveries(actor=actor, webhook_id=webhook_id, limit=limit, offset=offset)


@post("/deliveries/{message_id:uuid}/redeliver", summary="Deliver a webhook message again, now", status_code=202, guards=allow("organiser", "hr"), responses=problems(403, 404, 409))
async def redeliver(message_id: Id, actor: Caller) -> views.Message:
    """Its endpoint's owner or an organiser; the message goes back to pending, due now, its attempts counted afresh. 409 `webhook_inactive` while the endpoint is disabled."""
    return await webhook_endpoints.redeliver(actor=actor, now=now(), message_id=message_id)


router = Router(
    path="/api",
    route_handlers=[create_webhook, list_webhooks, update_webhook, delete_webhook, rotate_secret, list_deliveries, redeliver],
    tags=["webhooks"],
)
