"""HR's daily digest of the interests (扫码投递) their employer received: once a day, to those who opted in.

From DIGEST_HOUR (20:00) local time (DEFAULT_TIMEZONE) each day, `schedule_digests(now=...)` lists, per
employer and event, the interests received in the 24 hours up to that hour and not withdrawn, and plans
one `interest.digest` e-mail (SMS when the person has no e-mail) per event to each active HR account of
that employer whose notifications consent is `given` (a digest is not transactional: opt-in only, see
events/consents.py). Keyed `interest.digest:{account_id}:{event_id}:{local date}`: the worker may sweep
every minute, each person gets one digest a day per event; an employer with no new interests gets none.
Params name the job and the seeker (who agreed to share their profile with this employer, and whom HR
see in their workspace anyway), never a seeker's phone or e-mail.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from events import consents, notify
from events.reminders import insert_plans
from events.settings import settings
from events.tables import Account, Interest

KIND = "interest.digest"


def digest_window(now: datetime) -> tuple[datetime, datetime] | None:
    """The 24 hours today's digest covers, or None before today's digest hour."""
    local = now.astimezone(ZoneInfo(settings.default_timezone))
    if local.hour < settings.digest_hour:
        return None
    end = local.replace(hour=settings.digest_hour, minute=0, second=0, microsecond=0)
    return end - timedelta(days=1), end


async def due_digests(*, now: datetime) -> list[notify.Plan]:
    window = digest_window(now)
    if window is None:
        return []
    start, end = window
    rows = await Interest.select(
        Interest.employer, Interest.employer.name, Interest.job.event, Interest.job.event.title, Interest.job.title, Interest.seeker.name
    ).where((Interest.created_at >= start) & (Interest.created_at < end) & Interest.withdrawn_at.is_null()).order_by(Interest.created_at)
    # Per employer and event: which seekers (who agreed to share their profile with this employer) applied for what.
    received: dict[Any, dict[Any, dict[str, Any]]] = defaultdict(dict)
    for row in rows:
        event = received[row["employer"]].setdefault(
            row["job.event"], {"employer_name": row["employer.name"], "event_title": row["job.event.title"], "interests": []}
        )
        event["interests"].append({"job_title": row["job.title"], "seeker_name": row["seeker.name"]})
    if not received:
        return []
    staff = await Account.select(Account.id, Account.employer, Account.email, Account.phone).where(
        Account.employer.is_in(list(received)) & (Account.role == Account.Role.hr) & (Account.is_active == True)  # noqa: E712 - SQL
    )
    state = await consents.states([row["id"] for row in staff])
    plans = []
    for row in staff:
        found = notify.channel_for(row["email"], row["phone"])
        if found is None or not consents.may_get_optional(state[row["id"]]):
            continue
        channel, address = found
        for event_id, digest in received[row["employer"]].items():
            plans.append(
                notify.Plan(
                    kind=KIND,
                    channel=channel,
                    idempotency_key=f"{KIND}:{row['id']}:{event_id}:{end.date().isoformat()}",
                    account_id=row["id"],
                    params={
                        **digest,
                        "employer_id": str(row["employer"]),
                        "event_id": str(event_id),
                        "date": end.date().isoformat(),
                        "count": len(digest["interests"]),
                        "workspace_url": f"{settings.public_url}/hr",
                        "unsubscribe_url": consents.unsubscribe_url(row["id"]),
                    },
                    address_masked=notify.mask_address(channel, address),
                )
            )
    return plans


async def schedule_digests(*, now: datetime) -> int:
    """Insert today's digests not made yet (none before DIGEST_HOUR); how many."""
    return await insert_plans(await due_digests(now=now), now=now)
