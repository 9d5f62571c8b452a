"""The hiring funnel: an interest's stage (投递 → 初选 → 面试 → 意向 → 签约), its history, and counts per stop, employer and job."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime, timedelta

from events import contact_notes, outbox, views
from events.accounts import Actor, require_organiser, require_role
from events.db import for_update, write_transaction
from events.errors import Conflict, NotFound
from events.schedule import load_event
from events.tables import AuditEntry, Interest, SeekerProfile, StageChange, Stop, Visit

Stage = Interest.Stage

#: The main line, in order. HR move an interest forward along it, skipping stages if they like
#: (a night-market stall interviews on the spot), never back; `declined` ends it from any open stage.
PROGRESS = (Stage.submitted, Stage.screened, Stage.interviewed, Stage.intention, Stage.signed)
#: Nobody moves an interest out of these (a withdrawn one comes back as `submitted` only when the seeker applies again).
FINAL = frozenset({Stage.signed, Stage.declined, Stage.withdrawn})
#: Moves the seeker hears about (events.notify): good news worth a message, and the end of the road.
TOLD_TO_SEEKER = frozenset({Stage.intention, Stage.signed, Stage.declined})


def allowed_moves(stage: str) -> list[str]:
    """The stages HR may move an interest at `stage` to."""
    if stage in FINAL:
        return []
    return [*PROGRESS[PROGRESS.index(Stage(stage)) + 1 :], Stage.declined.value]


async def _employers_interest(actor: Actor, interest_id: uuid.UUID, *, lock: bool = False) -> dict:
    """The interest if it belongs to the actor's employer; 404 for anyone else, so others cannot tell it exists."""
    if lock:
        # The interest's row alone: PostgreSQL refuses to lock the joined (outer) side of the read below.
        await for_update(Interest.select(Interest.id).where(Interest.id == interest_id))
    row = await Interest.select(Interest.id, Interest.stage, Interest.employer, Interest.seeker, Interest.job, Interest.job.title, Interest.seeker.name).where(
        Interest.id == interest_id
    ).first()
    if row is None or not actor.works_for(row["employer"]):
        raise NotFound("interest_not_found", "No such interest.")
    return row


async def record_change(*, interest_id: uuid.UUID, from_stage: str, to_stage: str, actor_id: uuid.UUID | None, note: str, now: datetime) -> None:
    """Write one history row (inside the caller's write transaction, under the interest's lock); the seeker's own withdrawal and re-application use it too."""
    # The history reads in time order, and every row must come after the one before it: a mover whose clock was read
    # before the previous move committed (it waited for the lock) is recorded a microsecond after that move instead.
    last = await StageChange.select(StageChange.at).where(StageChange.interest == interest_id).order_by(StageChange.at, ascending=False).first()
    at = now if last is None or last["at"] < now else last["at"] + timedelta(microseconds=1)
    await StageChange.insert(StageChange(interest=interest_id, from_stage=from_stage, to_stage=to_stage, actor=actor_id, note=note, at=at))


async def move_stage(*, actor: Actor, now: datetime, interest_id: uuid.UUID, stage: str, note: str = "") -> views.InterestStage:
    """Move an interest of the actor's employer to `stage`, keeping who, when and why; 409 `stage_move_invalid` for a move the funnel does not allow."""
    require_role(actor, "hr")
    async with write_transaction():
        # The row lock (PostgreSQL; SQLite's BEGIN IMMEDIATE holds the whole database) makes two HR people moving
        # the same interest at once take turns: the second sees the first's stage, so every history row starts
        # where the one before it ended.
        row = await _employers_interest(actor, interest_id, lock=True)
        current = row["stage"]
        if stage not in allowed_moves(current):
            raise Conflict(
                "stage_move_invalid", f"An interest at {current} cannot move to {stage}.", stage=current, allowed=allowed_moves(current)
            )
        # Conditional on the stage read under the lock: belt and braces should a caller ever drop the lock.
        moved = await Interest.update({Interest.stage: stage}).where((Interest.id == interest_id) & (Interest.stage == current)).returning(Interest.id)
        if not moved:
            raise Conflict("stage_move_invalid", "The interest moved meanwhile; reload it.", stage=current, allowed=[])
        await record_change(interest_id=interest_id, from_stage=current, to_stage=stage, actor_id=actor.id, note=note, now=now)
        await AuditEntry.insert(
            AuditEntry(actor=actor.id, action="move_interest_stage", target=f"interest:{interest_id}", detail=f"{current} -> {stage}", at=now)
        )
        await outbox.record(
            "interest.stage_changed",
            {
                "interest_id": interest_id,
                "job_id": row["job"],
                "employer_id": row["employer"],
                "seeker_id": row["seeker"],
                "from_stage": current,
                "to_stage": stage,
                "tell_seeker": stage in TOLD_TO_SEEKER,
            },
            now=now,
        )
    return await interest_stage(actor=actor, interest_id=interest_id)


async def interest_stage(*, actor: Actor, interest_id: uuid.UUID) -> views.InterestStage:
    """An interest's stage and history, for HR of its employer."""
    require_role(actor, "hr")
    row = await _employers_interest(actor, interest_id)
    history = await StageChange.select(StageChange.all_columns(), StageChange.actor.name).where(StageChange.interest == interest_id).order_by(StageChange.at).order_by(StageChange.id)
    return views.InterestStage(
        interest_id=row["id"],
        job_id=row["job"],
        job_title=row["job.title"],
        seeker_name=row["seeker.name"],
        stage=row["stage"],
        history=[
            views.StageChange(from_stage=h["from_stage"], to_stage=h["to_stage"], actor_name=h["actor.name"], note=h["note"], at=h["at"]) for h in history
        ],
    )


# ---------------------------------------------------------------- counts


def _counts(stages: list[tuple[str, int]]) -> views.StageCounts:
    """Counts of (current stage, furthest main-line stage reached) pairs."""
    now = dict.fromkeys([s.value for s in Stage], 0)
    reached = dict.fromkeys([s.value for s in PROGRESS], 0)
    for stage, furthest in stages:
        now[stage] += 1
        for step in PROGRESS[: furthest + 1]:
            reached[step.value] += 1
    return views.StageCounts(total=len(stages), now=now, reached=reached)


async def _furthest(interest_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """How far along the main line each interest ever got (an index into PROGRESS), from its history."""
    furthest: dict[uuid.UUID, int] = defaultdict(int)
    for start in range(0, len(interest_ids), 500):
        chunk = interest_ids[start : start + 500]
        for change in await StageChange.select(StageChange.interest, StageChange.to_stage).where(StageChange.interest.is_in(chunk)):
            if change["to_stage"] in PROGRESS:
                furthest[change["interest"]] = max(furthest[change["interest"]], PROGRESS.index(Stage(change["to_stage"])))
    return furthest


async def event_funnel(*, actor: Actor, now: datetime, slug: str) -> views.Funnel:
    """Interests of an event per stage, by stop, employer and job: all of them for organisers, their own employer's for HR.

    An interest counts at the stop where the seeker first visited the employer's booth; one with no such visit (applied online) under stop null.
    """
    require_role(actor, "organiser", "hr")
    event = await load_event(slug, actor)
    where = Interest.job.event == event.id
    if not actor.is_organiser:
        where &= Interest.employer == actor.employer_id
    interests = await Interest.select(Interest.id, Interest.stage, Interest.seeker, Interest.employer, Interest.employer.name, Interest.job, Interest.job.title).where(where)
    furthest = await _furthest([row["id"] for row in interests])
    stops = await Stop.select(Stop.id, Stop.name, Stop.school, Stop.campus, Stop.starts_at).where(Stop.event == event.id).order_by(Stop.starts_at)
    first_stop: dict[tuple[uuid.UUID, uuid.UUID], uuid.UUID] = {}
    for visit in await Visit.select(Visit.seeker, Visit.booth.employer, Visit.stop, Visit.visited_at).where(Visit.stop.event == event.id).order_by(Visit.visited_at):
        first_stop.setdefault((visit["seeker"], visit["booth.employer"]), visit["stop"])

    by_stop: dict[uuid.UUID | None, list] = defaultdict(list)
    by_employer: dict[uuid.UUID, list] = defaultdict(list)
    by_job: dict[uuid.UUID, list] = defaultdict(list)
    everything, employer_names, jobs = [], {}, {}
    for row in interests:
        pair = (row["stage"], furthest[row["id"]])
        everything.append(pair)
        by_stop[first_stop.get((row["seeker"], row["employer"]))].append(pair)
        by_employer[row["employer"]].append(pair)
        by_job[row["job"]].append(pair)
        employer_names[row["employer"]] = row["employer.name"]
        jobs[row["job"]] = (row["job.title"], row["employer"])
    stop_views = [
        views.FunnelStop(stop_id=stop["id"], name=" ".join(part for part in (stop["name"], stop["school"], stop["campus"]) if part), counts=_counts(by_stop[stop["id"]]))
        for stop in stops
    ]
    if by_stop[None]:
        stop_views.append(views.FunnelStop(stop_id=None, name="", counts=_counts(by_stop[None])))
    return views.Funnel(
        event_slug=event.slug,
        generated_at=now,
        counts=_counts(everything),
        stops=stop_views,
        employers=sorted(
            (views.FunnelEmployer(employer=views.EmployerSummary(id=key, name=employer_names[key]), counts=_counts(value)) for key, value in by_employer.items()),
            key=lambda item: item.employer.name,
        ),
        jobs=sorted(
            (views.FunnelJob(job_id=key, title=jobs[key][0], employer_id=jobs[key][1], counts=_counts(value)) for key, value in by_job.items()),
            key=lambda item: (str(item.employer_id), item.title),
        ),
    )



# ---------------------------------------------------------------- the HR list


async def employer_interests(*, actor: Actor, job_id: uuid.UUID | None = None, stage: str | None = None) -> list[views.EmployerInterest]:
    """The applications to the actor's employer, newest first, with their stage and the employer's note."""
    require_role(actor, "hr")
    where = Interest.employer == actor.employer_id
    if job_id is not None:
        where &= Interest.job == job_id
    if stage is not None:
        where &= Interest.stage == stage
    rows = await Interest.select(
        Interest.id, Interest.job, Interest.job.title, Interest.job.event.slug, Interest.created_at, Interest.stage, Interest.withdrawn_at,
        Interest.seeker, Interest.seeker.name, Interest.seeker.phone, Interest.seeker.email,
    ).where(where).order_by(Interest.created_at, ascending=False)
    profiles = {row["account"]: row for row in await SeekerProfile.select().where(SeekerProfile.account.is_in([r["seeker"] for r in rows] or [uuid.uuid4()]))}
    notes = await contact_notes.notes_by_interest(actor.employer_id, [row["id"] for row in rows])
    found = []
    for row in rows:
        profile = profiles.get(row["seeker"], {})
        found.append(
            views.EmployerInterest(
                interest_id=row["id"],
                job_id=row["job"],
                job_title=row["job.title"],
                event_slug=row["job.event.slug"],
                applied_at=row["created_at"],
                stage=row["stage"],
                profile=None
                if row["withdrawn_at"] is not None
                else views.VisitorProfile(
                    name=row["seeker.name"], phone=row["seeker.phone"], email=row["seeker.email"], school=profile.get("school", ""),
                    major=profile.get("major", ""), degree=profile.get("degree", ""), graduation_year=profile.get("graduation_year"),
                ),
                note=notes.get(row["id"]),
            )
        )
    return found


async def seekers_interests(*, actor: Actor, seeker_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[views.SeekerInterest]]:
    """The actor's employer's applications from these seekers (the students booked in its slots), oldest first, per seeker."""
    require_role(actor, "hr")
    if not seeker_ids:
        return {}
    rows = await Interest.select(Interest.id, Interest.seeker, Interest.job.title, Interest.stage).where(
        (Interest.employer == actor.employer_id) & Interest.seeker.is_in(list(seeker_ids))
    ).order_by(Interest.created_at)
    found: dict[uuid.UUID, list[views.SeekerInterest]] = {}
    for row in rows:
        found.setdefault(row["seeker"], []).append(views.SeekerInterest(
            interest_id=row["id"], seeker_id=row["seeker"], job_title=row["job.title"], stage=row["stage"], moves=allowed_moves(row["stage"]),
        ))
    return found


# ---------------------------------------------------------------- the organiser's dashboard


async def events_funnel_counts(*, actor: Actor, slugs: list[str]) -> dict[str, views.StageCounts]:
    """The whole funnel of each of these events (the /manage overview): two queries whatever the number of events."""
    require_organiser(actor)
    rows = await Interest.select(Interest.id, Interest.stage, Interest.job.event.slug).where(Interest.job.event.slug.is_in(slugs or [""]))
    furthest = await _furthest([row["id"] for row in rows])
    pairs: dict[str, list] = {slug: [] for slug in slugs}
    for row in rows:
        pairs[row["job.event.slug"]].append((row["stage"], furthest[row["id"]]))
    return {slug: _counts(found) for slug, found in pairs.items()}
