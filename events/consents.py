"""Consent to notifications (PIPL): the opt-in, the one-click unsubscribe link, and who may be sent what.

A person's `notifications` consent is in one of three states, read from `Consent` rows:
- `given`: an active row (opted in through `PUT /api/me/notifications`);
- `withdrawn`: rows exist and every one is withdrawn (opted out, or unsubscribed by a link);
- `unasked`: no row at all.

The rule, one line per kind of message:
- transactional messages (confirmations, changes, reminders, password resets) go on the channel the
  person gave, whatever this state: they are the service itself;
- an organiser's broadcast about a stop the person registered for is operational news about their
  own place: it goes unless the person has `withdrawn`, and carries an unsubscribe link;
- anything else (HR's daily digest, news beyond one's own stops) needs `given`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from events import db
from events.accounts import Actor, require_role
from events.errors import NotFound
from events.settings import settings
from events.tables import Account, Consent

#: Version of the notifications wording agreed to (shown beside the switch).
NOTIFICATIONS_VERSION = "2026-12"
State = Literal["given", "withdrawn", "unasked"]


class NotificationPreferences(msgspec.Struct, frozen=True, kw_only=True):
    opt_in: Annotated[bool, Meta(description="True: the person agreed to non-transactional messages (digests, news beyond their own stops).")]
    state: Annotated[State, Meta(examples=["given"], description="given, withdrawn (opted out or unsubscribed) or unasked.")]
    version: Annotated[str, Meta(examples=[NOTIFICATIONS_VERSION])]
    unsubscribe_url: Annotated[str, Meta(examples=["https://events.example.com/unsubscribe?token=..."], description="The person's one-click link.")]


async def states(account_ids: list[uuid.UUID]) -> dict[uuid.UUID, State]:
    """Each account's notifications state (accounts without a row are `unasked`)."""
    found: dict[uuid.UUID, State] = {account_id: "unasked" for account_id in account_ids}
    if not account_ids:
        return found
    rows = await Consent.select(Consent.seeker, Consent.withdrawn_at).where(
        Consent.seeker.is_in(list(dict.fromkeys(account_ids))) & (Consent.purpose == Consent.Purpose.notifications)
    )
    for row in rows:
        if row["withdrawn_at"] is None:
            found[row["seeker"]] = "given"
        elif found[row["seeker"]] != "given":
            found[row["seeker"]] = "withdrawn"
    return found


def may_get_broadcast(state: State) -> bool:
    """A broadcast about the person's own stop: unless they opted out."""
    return state != "withdrawn"


def may_get_optional(state: State) -> bool:
    """Digests and anything beyond one's own stops: only with the opt-in."""
    return state == "given"


def unsubscribe_token(account_id: uuid.UUID) -> str:
    """The secret in a person's unsubscribe link: their id and an HMAC of it (no expiry: an old e-mail's link still works)."""
    mac = hmac.new(settings.secret_key.encode(), f"unsubscribe:{account_id}".encode(), hashlib.sha256).digest()[:18]
    return f"{account_id.hex}.{base64.urlsafe_b64encode(mac).decode()}"


def unsubscribe_url(account_id: uuid.UUID) -> str:
    return f"{settings.public_url}/unsubscribe?token={unsubscribe_token(account_id)}"


def account_of_token(token: str) -> uuid.UUID:
    """The account an unsubscribe token names; NotFound for a forged or mangled one."""
    head, _, _ = token.partition(".")
    try:
        account_id = uuid.UUID(hex=head)
    except ValueError:
        raise NotFound("unsubscribe_link_invalid", "This unsubscribe link is not valid.") from None
    if not hmac.compare_digest(unsubscribe_token(account_id), token):
        raise NotFound("unsubscribe_link_invalid", "This unsubscribe link is not valid.")
    return account_id


async def _set(account_id: uuid.UUID, *, opt_in: bool, now: datetime) -> None:
    async with db.write_transaction():
        active = Consent.withdrawn_at.is_null() & (Consent.seeker == account_id) & (Consent.purpose == Consent.Purpose.notifications)
        if opt_in:
            if not await Consent.exists().where(active):
                await Consent.insert(Consent(seeker=account_id, purpose=Consent.Purpose.notifications, version=NOTIFICATIONS_VERSION, given_at=now))
        elif await Consent.exists().where(active):
            await Consent.update({Consent.withdrawn_at: now}).where(active)
        elif not await Consent.exists().where((Consent.seeker == account_id) & (Consent.purpose == Consent.Purpose.notifications)):
            # Opting out before ever opting in is recorded too: it is what stops broadcasts.
            await Consent.insert(
                Consent(seeker=account_id, purpose=Consent.Purpose.notifications, version=NOTIFICATIONS_VERSION, given_at=now, withdrawn_at=now)
            )


async def preferences(*, actor: Actor) -> NotificationPreferences:
    """The caller's notifications consent."""
    require_role(actor, "organiser", "hr", "seeker")
    assert actor.id is not None
    state = (await states([actor.id]))[actor.id]
    return NotificationPreferences(opt_in=state == "given", state=state, version=NOTIFICATIONS_VERSION, unsubscribe_url=unsubscribe_url(actor.id))


async def set_preferences(*, actor: Actor, opt_in: bool, now: datetime) -> NotificationPreferences:
    """Opt in to (or out of) non-transactional messages; opting out also stops broadcasts."""
    require_role(actor, "organiser", "hr", "seeker")
    assert actor.id is not None
    await _set(actor.id, opt_in=opt_in, now=now)
    return await preferences(actor=actor)


async def unsubscribe(*, token: str, now: datetime) -> None:
    """Withdraw the notifications consent of the link's account (one click, no sign-in: the link is the credential)."""
    account_id = account_of_token(token)
    if not await Account.exists().where(Account.id == account_id):
        raise NotFound("unsubscribe_link_invalid", "This unsubscribe link is not valid.")
    await _set(account_id, opt_in=False, now=now)


async def resubscribe(*, token: str, now: datetime) -> None:
    """Undo an unsubscription from the same link (an accidental click)."""
    account_id = account_of_token(token)
    if not await Account.exists().where(Account.id == account_id):
        raise NotFound("unsubscribe_link_invalid", "This unsubscribe link is not valid.")
    await _set(account_id, opt_in=True, now=now)
