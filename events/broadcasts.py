"""Organisers' broadcasts to the people of one stop: registered, checked in, or not arrived yet.

`send_broadcast` counts the audience (and with `dry_run` only previews: nothing is recorded and the
rate limit is not spent); otherwise it records `broadcast.sent` with the stop, the audience and the
text; the fan-out then plans one message per recipient and channel, keyed by broadcast and
recipient, so a second fan-out of the same broadcast tells nobody twice. The broadcast's id is the
domain event's id. The audience is read again at fan-out, moments later: someone who cancels in
between is not written to.

Consent (events/consents.py): a broadcast is news about a stop the person registered for, so it goes
to everyone in the audience except those who opted out of notifications; every message carries the
person's unsubscribe link. Channels are chosen by the organiser; a recipient without an address on a
channel gets nothing there.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta
from piccolo.columns.combination import WhereRaw

from events import consents, db, outbox
from events.accounts import Actor, require_organiser
from events.errors import Invalid
from events.notify import DomainEventView, Plan, mask_address, subscriber
from events.ratelimit import Limiter
from events.reminders import stop_params
from events.schedule import load_stop
from events.tables import AuditEntry, Registration

SENT = "broadcast.sent"
MESSAGE_KIND = "broadcast"
Audience = Literal["registered", "checked_in", "not_arrived"]
Channel = Literal["email", "sms"]
_CHECKED_IN = 'EXISTS (SELECT 1 FROM check_in WHERE check_in.registration = "registration"."id")'


class BroadcastPreview(msgspec.Struct, frozen=True, kw_only=True):
    subject: Annotated[str, Meta(examples=["明天入场时间提前到 13:30"])]
    body: Annotated[str, Meta(examples=["各位同学：因场馆安排，入场时间提前到 13:30。"])]
    footer: Annotated[str, Meta(description="Added under every message: the recipient's own unsubscribe link goes here.")]


class BroadcastResult(msgspec.Struct, frozen=True, kw_only=True):
    """How many people a broadcast reaches (and, when sent, its id)."""

    broadcast_id: Annotated[uuid.UUID | None, Meta(description="Null for a dry run: nothing was sent.")]
    dry_run: bool
    audience: Audience
    count: Annotated[int, Meta(examples=[212], description="People who will be written to (opted-out people excluded).")]
    messages: Annotated[dict[str, int], Meta(examples=[{"email": 180, "sms": 212}], description="Messages per channel: recipients with an address there.")]
    opted_out: Annotated[int, Meta(examples=[3], description="People in the audience left out because they unsubscribed.")]
    preview: BroadcastPreview


FOOTER = "—\n退订此类通知 / Unsubscribe: {unsubscribe_url}"


async def audience(stop_id: uuid.UUID, which: str) -> list[dict[str, Any]]:
    """The active accounts of the stop's audience, each with id, email and phone."""
    where = Registration.stop == stop_id
    if which == "checked_in":
        where = where & WhereRaw(_CHECKED_IN)
    else:
        where = where & (Registration.status == Registration.Status.confirmed)
        if which == "not_arrived":
            where = where & WhereRaw(f"NOT {_CHECKED_IN}")
    rows = await Registration.select(
        Registration.seeker.as_alias("id"), Registration.seeker.email.as_alias("email"), Registration.seeker.phone.as_alias("phone")
    ).where(where & (Registration.seeker.is_active == True))  # noqa: E712 - SQL
    return list({row["id"]: row for row in rows}.values())


async def recipients(stop_id: uuid.UUID, which: str) -> tuple[list[dict[str, Any]], int]:
    """The audience without those who opted out, and how many did."""
    people = await audience(stop_id, which)
    state = await consents.states([row["id"] for row in people])
    kept = [row for row in people if consents.may_get_broadcast(state[row["id"]])]
    return kept, len(people) - len(kept)


async def send_broadcast(
    *,
    actor: Actor,
    now: datetime,
    stop_id: uuid.UUID,
    audience: Audience,
    subject: str,
    body: str,
    channels: list[Channel],
    dry_run: bool,
    limiter: Limiter,
) -> BroadcastResult:
    """Count (dry run) or send a broadcast to one stop's audience."""
    require_organiser(actor)
    if not channels:
        raise Invalid("channels_required", "Choose at least one channel: email or sms.")
    channels = list(dict.fromkeys(channels))
    stop, _event = await load_stop(stop_id, actor)
    kept, opted_out = await recipients(stop.id, audience)
    counts = {channel: sum(1 for row in kept if row["email" if channel == "email" else "phone"]) for channel in channels}
    preview = BroadcastPreview(subject=subject.strip(), body=body.strip(), footer=FOOTER)
    broadcast_id = None
    if not dry_run:
        await limiter.hit("broadcast_stop", str(stop.id))
        async with db.write_transaction():
            broadcast_id = await outbox.record(
                SENT,
                {"stop_id": str(stop.id), "audience": audience, "subject": preview.subject, "body": preview.body, "channels": channels, "sent_by": str(actor.id)},
                now=now,
            )
            await AuditEntry.insert(
                AuditEntry(actor=actor.id, action="broadcast", target=f"stop:{stop.id}", detail=f"{audience}: {len(kept)} people ({broadcast_id})", at=now)
            )
    return BroadcastResult(
        broadcast_id=broadcast_id, dry_run=dry_run, audience=audience, count=len(kept), messages=counts, opted_out=opted_out, preview=preview
    )


@subscriber(SENT)
async def plan_broadcast(event: DomainEventView, *, now: datetime) -> list[Plan]:
    """One message per recipient and chosen channel, each with the recipient's own unsubscribe link."""
    stop_id = uuid.UUID(event.payload["stop_id"])
    kept, _ = await recipients(stop_id, event.payload["audience"])
    base = {
        **await stop_params(stop_id),
        "broadcast_id": str(event.id),
        "subject": event.payload["subject"],
        "body": event.payload["body"],
    }
    plans = []
    for row in kept:
        for channel in event.payload["channels"]:
            address = row["email"] if channel == "email" else row["phone"]
            if not address:
                continue
            plans.append(
                Plan(
                    kind=MESSAGE_KIND,
                    channel=channel,
                    idempotency_key=f"{event.id}:{channel}:{row['id']}",
                    account_id=row["id"],
                    params={**base, "unsubscribe_url": consents.unsubscribe_url(row["id"])},
                    address_masked=mask_address(channel, address),
                )
            )
    return plans
