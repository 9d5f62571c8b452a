"""What students and employers are told when their registration, stop, application or invitation changes (subscribers, see events.notify)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from events.notify import ADDRESS_OF, DomainEventView, Plan, channel_for, mask_address, subscriber, to_accounts
from events.settings import settings
from events.tables import Account, EmployerApplication, Interest, Registration, Stop

#: A stop's changes that its registered seekers are told about; capacity or a registration window are the organiser's business.
TOLD_CHANGES = frozenset({"name", "starts_at", "ends_at", "timezone", "school", "campus", "address", "city"})


def ticket_url(registration_id: object) -> str:
    return f"{settings.public_url}/me/tickets/{registration_id}"


async def stop_params(stop_id: object) -> dict[str, Any]:
    """What a message about a stop says of it (every kind about a stop: notices, reminders, broadcasts); {} for no such stop."""
    row = await Stop.select(
        Stop.id, Stop.name, Stop.school, Stop.campus, Stop.address, Stop.starts_at, Stop.ends_at, Stop.timezone, Stop.event.title, Stop.event.slug
    ).where(Stop.id == stop_id).first()
    if row is None:
        return {}
    return {
        "stop_id": str(row["id"]),
        "event_title": row["event.title"],
        "event_slug": row["event.slug"],
        "stop_name": row["name"] or row["school"],
        "campus": row["campus"],
        "address": row["address"],
        "starts_at": row["starts_at"].isoformat(),
        "ends_at": row["ends_at"].isoformat(),
        "timezone": row["timezone"],
    }


@subscriber("registration.confirmed", "registration.waitlisted", "registration.promoted")
async def registration_changed(event: DomainEventView, *, now: datetime) -> list[Plan]:
    """Confirmed and promoted seekers get their ticket link; waitlisted ones their place in line."""
    registration_id = event.payload["registration_id"]
    params = {**await stop_params(event.payload["stop_id"]), "registration_id": registration_id}
    if event.kind == "registration.waitlisted":
        params["position"] = event.payload.get("position")
    else:
        params["ticket_url"] = ticket_url(registration_id)
    return await to_accounts(event, [uuid.UUID(event.payload["seeker_id"])], params)


@subscriber("registration.cancelled")
async def registration_cancelled(event: DomainEventView, *, now: datetime) -> list[Plan]:
    """A seeker whose place an organiser cancelled hears of it; one who cancelled themselves was there and is told nothing."""
    if event.payload.get("by") != "organiser":
        return []
    params = {**await stop_params(event.payload["stop_id"]), "by": "organiser", "events_url": f"{settings.public_url}/events"}
    return await to_accounts(event, [uuid.UUID(event.payload["seeker_id"])], params)


async def _registered_seekers(stop_id: object) -> list[uuid.UUID]:
    rows = await Registration.select(Registration.seeker).where(
        (Registration.stop == stop_id) & Registration.status.is_in([Registration.Status.confirmed, Registration.Status.waitlisted])
    )
    return [row["seeker"] for row in rows]


@subscriber("stop.changed")
async def stop_changed(event: DomainEventView, *, now: datetime) -> list[Plan]:
    """Everyone holding a place hears what changed (old and new), when it is something they would act on."""
    changes = {name: change for name, change in event.payload.get("changes", {}).items() if name in TOLD_CHANGES}
    if not changes:
        return []
    params = {**await stop_params(event.payload["stop_id"]), "changes": changes}
    return await to_accounts(event, await _registered_seekers(event.payload["stop_id"]), params)


@subscriber("stop.cancelled")
async def stop_cancelled(event: DomainEventView, *, now: datetime) -> list[Plan]:
    """Everyone who held a place hears the stop is off (their registrations stay as they were, for the record)."""
    params = {**await stop_params(event.payload["stop_id"]), "events_url": f"{settings.public_url}/events"}
    return await to_accounts(event, await _registered_seekers(event.payload["stop_id"]), params)


@subscriber("employer_application.decided")
async def application_decided(event: DomainEventView, *, now: datetime) -> list[Plan]:
    """The contact on the application hears the decision and, for a rejection, the reason (they may have no account yet)."""
    row = await EmployerApplication.select(
        EmployerApplication.id, EmployerApplication.company, EmployerApplication.contact_email, EmployerApplication.contact_phone, EmployerApplication.event.title
    ).where(EmployerApplication.id == event.payload["application_id"]).first()
    if row is None:
        return []
    found = channel_for(row["contact_email"], row["contact_phone"])
    if found is None:
        return []
    channel, address = found
    params = {
        "decision": event.payload["decision"],
        "reason": event.payload.get("reason", ""),
        "company": row["company"],
        "event_title": row["event.title"],
        # An approved employer's HR sign in to the workspace (their invitations come as messages of their own).
        "workspace_url": f"{settings.public_url}/hr" if event.payload["decision"] == "approved" else "",
        # Resolved to the contact's address at send time: params never hold one in clear.
        ADDRESS_OF: f"employer_application:{row['id']}",
    }
    return [
        Plan(
            kind=event.kind,
            channel=channel,
            idempotency_key=f"{event.id}:{channel}:employer_application:{row['id']}",
            params=params,
            address_masked=mask_address(channel, address),
        )
    ]


@subscriber("invitation.created")
async def invitation_created(event: DomainEventView, *, now: datetime) -> list[Plan]:
    """An invited HR account gets its set-a-password link, on its e-mail or phone (an account with neither gets it from the organiser).

    The params name the invitation only; its link is added in memory when the message is sent (invitations.secret_params).
    """
    account_id = uuid.UUID(event.payload["account_id"])
    employer = await Account.select(Account.employer.name).where(Account.id == account_id).first()
    params = {
        "invitation_id": event.payload["invitation_id"], "expires_at": event.payload["expires_at"], "name": event.payload.get("name", ""),
        "company": (employer or {}).get("employer.name") or "",
    }
    return await to_accounts(event, [account_id], params)


# ---------------------------------------------------------------- hiring funnel (issue 14, h-funnel)


@subscriber("interest.stage_changed")
async def interest_stage_changed(event: DomainEventView, *, now: datetime) -> list[Plan]:
    """The seeker hears the moves worth telling (intention, signed, declined: events.funnel.TOLD_TO_SEEKER), never the note."""
    if not event.payload.get("tell_seeker"):
        return []
    row = await Interest.select(Interest.job.title, Interest.employer.name, Interest.job.event.title).where(Interest.id == event.payload["interest_id"]).first()
    if row is None:
        return []
    params = {
        "job_title": row["job.title"],
        "employer_name": row["employer.name"],
        "event_title": row["job.event.title"],
        "stage": event.payload["to_stage"],
        "applications_url": f"{settings.public_url}/me/tickets#applications",
    }
    return await to_accounts(event, [uuid.UUID(event.payload["seeker_id"])], params)
