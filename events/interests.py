"""Interests (扫码投递): a seeker's consented "send my profile to this employer for this job", and its withdrawal."""

from __future__ import annotations

import uuid
from datetime import datetime

from events import funnel, outbox, views
from events.accounts import Actor, require_role
from events.db import for_update, write_transaction
from events.errors import NotFound
from events.tables import Consent, Interest, Job

#: The wording a seeker agrees to when sharing with an employer; a new wording gets a new version.
SHARE_VERSION = "share-2026-11"


async def _open_job(job_id: uuid.UUID) -> dict:
    job = await Job.select(Job.id, Job.title, Job.employer, Job.employer.name, Job.status, Job.event.published_at).where(
        (Job.id == job_id) & Job.deleted_at.is_null()
    ).first()
    if job is None or job["event.published_at"] is None:
        raise NotFound("job_not_found", "No such job.")
    return job


def _view(row: dict, job: dict) -> views.Interest:
    return views.Interest(
        id=row["id"],
        job_id=job["id"],
        job_title=job["title"],
        employer=views.EmployerSummary(id=job["employer"], name=job["employer.name"]),
        created_at=row["created_at"],
        withdrawn_at=row["withdrawn_at"],
        stage=row["stage"],
    )


async def seekers_interests(seeker_id: uuid.UUID) -> list[views.Interest]:
    """Everything a seeker ever applied for, withdrawn ones too (for their data export)."""
    rows = await Interest.select(
        Interest.id, Interest.job, Interest.job.title, Interest.employer, Interest.employer.name, Interest.created_at, Interest.withdrawn_at, Interest.stage
    ).where(Interest.seeker == seeker_id).order_by(Interest.created_at)
    return [_view(row, {"id": row["job"], "title": row["job.title"], "employer": row["employer"], "employer.name": row["employer.name"]}) for row in rows]


async def my_interests(*, actor: Actor) -> list[views.Interest]:
    """The seeker's own applications with where each stands with the employer (withdrawn ones too)."""
    require_role(actor, "seeker")
    return await seekers_interests(actor.id)


async def express_interest(*, actor: Actor, now: datetime, job_id: uuid.UUID) -> tuple[views.Interest, bool]:
    """Share the seeker's profile with the job's employer for this job; returns the interest and whether it is new."""
    require_role(actor, "seeker")
    job = await _open_job(job_id)
    if job["status"] != Job.Status.open:
        raise NotFound("job_not_found", "No such job.")
    async with write_transaction():
        existing = await Interest.select().where((Interest.seeker == actor.id) & (Interest.job == job_id)).first()
        if existing is not None and existing["withdrawn_at"] is None:
            return _view(existing, job), False
        consent = Consent(seeker=actor.id, purpose=Consent.Purpose.share_profile, version=SHARE_VERSION, employer=job["employer"], given_at=now)
        await Consent.insert(consent)
        if existing is not None:
            await Interest.update(
                {Interest.withdrawn_at: None, Interest.consent: consent.id, Interest.created_at: now, Interest.stage: Interest.Stage.submitted}
            ).where(Interest.id == existing["id"])
            interest_id = existing["id"]
            # Applying again starts over; the history keeps the earlier round.
            await funnel.record_change(interest_id=interest_id, from_stage=existing["stage"], to_stage=Interest.Stage.submitted, actor_id=actor.id, note="", now=now)
        else:
            interest = Interest(seeker=actor.id, job=job_id, employer=job["employer"], consent=consent.id, created_at=now)
            await Interest.insert(interest)
            interest_id = interest.id
        await outbox.record(
            "interest.created", {"interest_id": interest_id, "job_id": job_id, "employer_id": job["employer"], "seeker_id": actor.id}, now=now
        )
    return _view(await Interest.select().where(Interest.id == interest_id).first(), job), True


async def withdraw_interest(*, actor: Actor, now: datetime, job_id: uuid.UUID) -> None:
    """Stop sharing for this job; the consent behind it is withdrawn too."""
    require_role(actor, "seeker")
    async with write_transaction():
        row = await for_update(Interest.select(Interest.id, Interest.consent, Interest.stage).where(
            (Interest.seeker == actor.id) & (Interest.job == job_id) & Interest.withdrawn_at.is_null()
        )).first()
        if row is None:
            raise NotFound("interest_not_found", "You have not applied for this job.")
        await Interest.update({Interest.withdrawn_at: now, Interest.stage: Interest.Stage.withdrawn}).where(Interest.id == row["id"])
        await funnel.record_change(interest_id=row["id"], from_stage=row["stage"], to_stage=Interest.Stage.withdrawn, actor_id=actor.id, note="", now=now)
        await Consent.update({Consent.withdrawn_at: now}).where(Consent.id == row["consent"])


async def sharing_seekers(employer_id: uuid.UUID) -> set[uuid.UUID]:
    """Seekers who share their profile with this employer now (an interest not withdrawn)."""
    rows = await Interest.select(Interest.seeker).where((Interest.employer == employer_id) & Interest.withdrawn_at.is_null())
    return {row["seeker"] for row in rows}


async def applied_jobs(seeker_id: uuid.UUID) -> set[uuid.UUID]:
    """The jobs a seeker shares their profile for now."""
    rows = await Interest.select(Interest.job).where((Interest.seeker == seeker_id) & Interest.withdrawn_at.is_null())
    return {row["job"] for row in rows}
