"""Jobs: the posts an employer offers at an event, and the public search over them."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from piccolo.columns.combination import WhereRaw

from events import calendar, outbox, views
from events.accounts import Actor, require_role
from events.db import contains, is_sqlite, write_transaction
from events.errors import Conflict, Forbidden, Invalid, NotFound
from events.schedule import load_event
from events.tables import Booth, Event, Job

#: Lowest to highest; a filter by level finds the jobs that level qualifies for.
EDUCATION_LEVELS = [level.value for level in Job.Education]
MAX_SALARY = 1_000_000

JOB_COLUMNS = (*Job.all_columns(), Job.employer.name, Job.event.slug)


def job_view(row: dict[str, Any]) -> views.Job:
    return views.Job(
        id=row["id"],
        event_slug=row["event.slug"],
        employer=views.EmployerSummary(id=row["employer"], name=row["employer.name"]),
        title=row["title"],
        description=row["description"],
        category=row["category"],
        city=row["city"],
        headcount=row["headcount"],
        salary_min=row["salary_min"],
        salary_max=row["salary_max"],
        salary_months=row["salary_months"],
        education=row["education"],
        majors=json.loads(row["majors"]),
        status=row["status"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _clean(changes: Mapping[str, Any]) -> dict[str, Any]:
    fields = {name: value.strip() if isinstance(value, str) and name != "description" else value for name, value in changes.items()}
    if "majors" in fields:
        majors = list(dict.fromkeys(major.strip() for major in fields["majors"] if major.strip()))
        fields["majors"] = json.dumps(majors, ensure_ascii=False)
    return fields


def _check_salary(salary_min: int, salary_max: int) -> None:
    if salary_min > salary_max:
        raise Invalid("salary_range_inverted", "salary_min must not exceed salary_max.")
    if salary_max > MAX_SALARY:
        raise Invalid("salary_out_of_range", f"Monthly salary is capped at {MAX_SALARY} CNY.")


async def _has_booth_at(employer_id: uuid.UUID, event_id: uuid.UUID) -> bool:
    return await Booth.exists().where((Booth.employer == employer_id) & (Booth.stop.event == event_id))


async def _may_see(actor: Actor, event_id: uuid.UUID, published_at: datetime | None) -> bool:
    """Published events are for everyone (as in schedule.load_event); drafts for organisers and HR staff of an employer with a booth."""
    return published_at is not None or actor.is_organiser or (actor.role == "hr" and await _has_booth_at(actor.employer_id, event_id))


async def _event_for(slug: str, actor: Actor) -> Event:
    """The event, as the actor may see it."""
    event = await Event.objects().where(Event.slug == slug).first()
    if event is None or not await _may_see(actor, event.id, event.published_at):
        raise NotFound("event_not_found", "No such event.")
    return event


async def _row(job_id: uuid.UUID) -> dict[str, Any]:
    row = await Job.select(*JOB_COLUMNS).where((Job.id == job_id) & Job.deleted_at.is_null()).first()
    if row is None:
        raise NotFound("job_not_found", "No such job.")
    return row


def _may_manage(actor: Actor, employer_id: uuid.UUID) -> bool:
    return actor.is_organiser or actor.works_for(employer_id)


def _posting_employer(actor: Actor, employer_id: uuid.UUID | None) -> uuid.UUID:
    """Whose jobs these are: HR staff's own employer, or the one an organiser names."""
    require_role(actor, "organiser", "hr")
    if actor.role == "hr":
        if employer_id is not None and employer_id != actor.employer_id:
            raise Forbidden("not_your_employer", "HR staff may only post jobs for their own employer.")
        return actor.employer_id
    if employer_id is None:
        raise Invalid("employer_required", "Organisers posting jobs name the employer_id.")
    return employer_id


async def _event_taking_jobs(slug: str, actor: Actor, employer_id: uuid.UUID) -> Event:
    """The event, if it takes jobs from this employer: not cancelled, and the employer has a booth there."""
    event = await _event_for(slug, actor)
    if event.status == Event.Status.cancelled:
        raise Conflict("event_cancelled", "A cancelled event takes no new jobs.")
    if not await _has_booth_at(employer_id, event.id):
        raise Conflict("no_booth_at_event", "The employer needs a booth at one of this event's stops to post jobs here.")
    return event


async def post_job(
    *,
    actor: Actor,
    now: datetime,
    slug: str,
    title: str,
    headcount: int,
    salary_min: int,
    salary_max: int,
    employer_id: uuid.UUID | None = None,
    description: str = "",
    category: str = "",
    city: str = "",
    salary_months: int = 12,
    education: str = "none",
    majors: list[str] | None = None,
) -> views.Job:
    """HR staff post for their own employer; organisers post on an employer's behalf."""
    employer_id = _posting_employer(actor, employer_id)
    event = await _event_taking_jobs(slug, actor, employer_id)
    _check_salary(salary_min, salary_max)
    fields = _clean(
        {
            "title": title,
            "description": description,
            "category": category,
            "city": city or event.city,
            "headcount": headcount,
            "salary_min": salary_min,
            "salary_max": salary_max,
            "salary_months": salary_months,
            "education": education,
            "majors": majors or [],
        }
    )
    job = Job(event=event.id, employer=employer_id, created_at=now, updated_at=now, **fields)
    async with write_transaction():
        await Job.insert(job)
        await outbox.record("job.published", {"job_id": job.id, "event_id": event.id, "employer_id": employer_id}, now=now)
    return job_view(await _row(job.id))


async def get_job(*, actor: Actor, job_id: uuid.UUID) -> views.Job:
    row = await _row(job_id)
    if not _may_manage(actor, row["employer"]):
        await load_event(row["event.slug"], actor)
        if row["status"] != Job.Status.open:
            raise NotFound("job_not_found", "No such job.")
    return job_view(row)


async def update_job(*, actor: Actor, now: datetime, job_id: uuid.UUID, changes: Mapping[str, Any]) -> views.Job:
    require_role(actor, "organiser", "hr")
    row = await _row(job_id)
    if not _may_manage(actor, row["employer"]):
        raise Forbidden("not_your_job", "HR staff may only change their own employer's jobs.")
    fields = _clean(changes)
    _check_salary(fields.get("salary_min", row["salary_min"]), fields.get("salary_max", row["salary_max"]))
    if fields:
        await Job.update({**fields, "updated_at": now}).where(Job.id == job_id)
        calendar.changed()
    return job_view(await _row(job_id))


async def delete_job(*, actor: Actor, now: datetime, job_id: uuid.UUID) -> None:
    """Soft-delete: the row stays for whatever points at it, and disappears from every listing."""
    require_role(actor, "organiser", "hr")
    row = await _row(job_id)
    if not _may_manage(actor, row["employer"]):
        raise Forbidden("not_your_job", "HR staff may only delete their own employer's jobs.")
    await Job.update({Job.deleted_at: now, Job.status: Job.Status.closed, Job.updated_at: now}).where(Job.id == job_id)
    calendar.changed()


# ---------------------------------------------------------------- search
#
# A search's total is a pass over all its matches, and a rare match is found by a pass over the
# event's jobs unless the text index finds it: at 100,000 jobs an event, far more than a request
# may spend. So a search runs once per version of what the event's job listings show
# (`job_tally.version`, which triggers move on every insert, update and delete of one of its jobs
# and when an employer with jobs there is renamed; piccolo_migrations/…_job_search), for its total
# and the ids of its first HEAD matches, and each worker keeps that, and the pages it answered.
# A request then costs one short query (the event with its tally) when its page was answered
# before, and one more (its jobs by id) when not. Totals are exact up to COUNTED, and a change
# makes the next search run again. The default listing (open, or closed, jobs and no other
# filter) reads its exact total from the tally itself.

#: Matches whose ids a worker keeps per search: the first pages, where nearly all reads go.
HEAD = 100
#: Searches a worker remembers (at most 8 KB each).
REMEMBERED = 1024
#: Pages a worker remembers as answered (some 30 KB each, at 20 jobs a page).
PAGES = 256
#: SQLite's trigram index serves text of this many characters or more.
INDEXED_TEXT = 3
#: Matches counted at most: a page cannot start past 10,000 (routes.common.Offset), and counting
#: every match of a common search is a pass over most of the event's jobs.
COUNTED = 10_000
#: A search matching less than this share of the event's jobs finds its first matches through the
#: text index; a commoner one walks the listing index, where matches come soon.
SPARSE = 0.05
#: A text that PostgreSQL's statistics put in this share of all jobs or more is not looked up in
#: the character index: see _common.
COMMON = 0.2

#: A job's text on PostgreSQL: the expression its character index is built on (the planner uses
#: the index only for the same expression). Fields are joined by a newline, which search text
#: cannot contain, so that no match spans two of them.
_PG_TEXT = '("job"."title" || E\'\\n\' || "job"."category" || E\'\\n\' || "job"."description")'


#: Jobs whose characters and pairs of characters hold the text's: what the character index serves.
_PG_GRAMS = f"job_search_grams({_PG_TEXT}) @> job_search_wanted({{}})"
_PG_ESTIMATE = f"EXPLAIN (FORMAT JSON) SELECT 1 FROM job WHERE {_PG_GRAMS}"  # noqa: S608 - constants


def _caseless(text: str) -> bool:
    """No character of `text` has a case: ignoring case changes nothing, and a plain comparison is cheaper."""
    return text.lower() == text == text.upper()


@dataclass(frozen=True)
class _Search:
    """One search's filters, normalised: also its key among the searches a worker remembers."""

    event: uuid.UUID
    status: str
    #: HR staff listing other than open jobs see their own employer's.
    own_employer: uuid.UUID | None = None
    text: str = ""
    education: str | None = None
    major: str = ""
    min_salary: int | None = None
    category: str | None = None
    employer: uuid.UUID | None = None

    @property
    def is_listing(self) -> bool:
        """Only an event and one status: what `job_tally` counts."""
        return self == _Search(event=self.event, status=self.status) and self.status != "all"

    def where(self, *, by_text: bool = False, drive: bool = False) -> list:
        """The conditions. `by_text`: the text as the text index reads it; `drive`: the database starts from that index."""
        sqlite = is_sqlite()
        # SQLite's trigram index serves text of three characters or more, and SQLite lets it
        # drive only when nothing else can: it would rather walk the listing index and test each job.
        by_text = by_text and len(self.text) >= (INDEXED_TEXT if sqlite else 1)
        event = Job.event == self.event
        if by_text and (drive or sqlite):
            # Otherwise the planners walk the listing index and test each job's text, which they
            # think cheap: written so, the event's condition is one no index serves.
            event = WhereRaw('+"job"."event" = {}', self.event) if sqlite else WhereRaw('"job"."event"::text = {}', str(self.event))
        where = [event, Job.deleted_at.is_null()]
        if self.status != "all":
            where.append(Job.status == self.status)
        if self.own_employer:
            where.append(Job.employer == self.own_employer)
        if self.text:
            where.append(_text_matches(self.text, sqlite=sqlite, by_text=by_text))
        if self.education:
            where.append(Job.education.is_in(EDUCATION_LEVELS[: EDUCATION_LEVELS.index(self.education) + 1]))
        if self.major:
            where.append(contains(Job.majors, self.major) | (Job.majors == "[]"))
        if self.min_salary is not None:
            where.append(Job.salary_max >= self.min_salary)
        if self.category:
            where.append(Job.category == self.category)
        if self.employer:
            where.append(Job.employer == self.employer)
        return where


def _text_matches(text: str, *, sqlite: bool, by_text: bool):
    """Title, category or description contain `text`, as `contains` has it: case ignored, `%`, `_` and `\\` literal."""
    if sqlite:
        literally = contains(Job.title, text) | contains(Job.description, text) | contains(Job.category, text)
        if not by_text:
            return literally
        # The FTS table finds the jobs with the text's trigrams; LIKE keeps the exact meaning (FTS
        # also folds case beyond ASCII, SQLite's LIKE does not).
        phrase = '"' + text.replace('"', '""') + '"'
        found = WhereRaw(
            '"job"."id" IN (SELECT k.job FROM job_search s JOIN job_search_key k ON k.seq = s.rowid WHERE job_search MATCH {})', phrase
        )
        return found & literally
    # ILIKE is lower() on both sides, then LIKE, and strpos of lower-cased text means the same;
    # lower() costs several times the comparison on Chinese text, and changes nothing for it.
    caseless = _caseless(text)
    literally = (
        WhereRaw(f"strpos({_PG_TEXT}, {{}}) > 0", text) if caseless else WhereRaw(f"strpos(lower({_PG_TEXT}), lower({{}})) > 0", text)
    )
    if not by_text:
        return literally
    # The job's characters and character pairs hold all of the text's: for one or two characters
    # that is the match itself (unless lower-casing changes the text's length, which only cased
    # letters beyond ASCII can), for more a superset that the exact test then narrows.
    found = WhereRaw(_PG_GRAMS, text)
    return found if len(text) <= 2 and (caseless or text.isascii()) else found & literally


@dataclass(frozen=True)
class _Matches:
    """A search's total and the ids of its first matches, as of one version of the event's jobs."""

    total: int
    #: The first HEAD matches' ids in listing order, 16 bytes each.
    head: bytes

    def page(self, offset: int, limit: int) -> list[uuid.UUID] | None:
        """The ids on this page, or None when the page reaches past the kept ones."""
        end = offset + limit if self.total >= COUNTED else min(offset + limit, self.total)
        if end > len(self.head) // 16:
            return None
        return [uuid.UUID(bytes=self.head[16 * n : 16 * (n + 1)]) for n in range(offset, end)]


_REMEMBERED: OrderedDict[Hashable, _Matches] = OrderedDict()
_RUNNING: dict[Hashable, asyncio.Future] = {}
_PAGES: OrderedDict[Hashable, views.JobPage] = OrderedDict()


async def _remembered(key: Hashable, run: Callable[[], Awaitable[_Matches]]) -> _Matches:
    """`run()`'s result, kept by this worker; concurrent searches for the same key wait for one run."""
    found = _REMEMBERED.get(key)
    if found is not None:
        _REMEMBERED.move_to_end(key)
        return found
    running = _RUNNING.get(key)
    if running is None:
        # A task of its own, so that one caller hanging up does not cancel the others' answer.
        running = _RUNNING[key] = asyncio.ensure_future(_run_and_keep(key, run))
        running.add_done_callback(lambda _: _RUNNING.pop(key, None))
    return await asyncio.shield(running)


async def _run_and_keep(key: Hashable, run: Callable[[], Awaitable[_Matches]]) -> _Matches:
    # Kept by the task itself, before it counts as done: a search arriving between the end of the
    # run and its first waiter waking up found neither the running task nor the answer, and ran again.
    found = await run()
    _REMEMBERED[key] = found
    while len(_REMEMBERED) > REMEMBERED:
        _REMEMBERED.popitem(last=False)
    return found


def _in_listing_order(query):
    return query.order_by(Job.created_at, ascending=False).order_by(Job.id)


async def _head(search: _Search, *, drive: bool) -> list[uuid.UUID]:
    """The first HEAD matches' ids: from the text index when `drive`, else walking the listing index, where common matches come soon."""
    query = Job.select(Job.id).where(*search.where(by_text=drive, drive=drive))
    return [row["id"] for row in await _in_listing_order(query).limit(HEAD)]


async def _count(search: _Search, *, by_text: bool) -> int:
    """The search's matches, counted up to COUNTED: past that, counting costs a pass over them all and no page can reach them."""
    found = Job.select(Job.id).where(*search.where(by_text=by_text)).limit(COUNTED + 1)
    rows = await Job.raw("SELECT count(*) AS found FROM ({}) AS found", found.querystrings[0])
    return min(rows[0]["found"], COUNTED)


_COMMON: OrderedDict[str, bool] = OrderedDict()


async def _common(text: str) -> bool:
    """Whether PostgreSQL's statistics put `text` in COMMON of all jobs or more (estimated once per text and worker).

    The planner costs job_search_grams as a few cheap calls. For a text it thinks common it then
    reads jobs (in listing order, or through another index) and splits each one's text, at tens of
    microseconds a job: hundreds of milliseconds for "工作" or "负责" at 100,000 jobs. Such a text
    is instead tested with strpos as the jobs are read, which costs a microsecond a job, and its
    matches come soon.
    """
    common = _COMMON.get(text)
    if common is None:
        plan = await Job.raw(_PG_ESTIMATE, text)
        estimated = json.loads(plan[0]["QUERY PLAN"])[0]["Plan"]["Plan Rows"]
        jobs = (await Job.raw("SELECT reltuples FROM pg_class WHERE oid = 'job'::regclass"))[0]["reltuples"]
        common = _COMMON[text] = jobs > 0 and estimated >= COMMON * jobs
        while len(_COMMON) > REMEMBERED:
            _COMMON.popitem(last=False)
    return common


async def _match(search: _Search, *, jobs: int) -> _Matches:
    """Run the search for its total and first HEAD ids; `jobs` is how many the event lists with the search's status."""
    if search.is_listing:
        head = await _head(search, drive=False) if jobs else []
        total = jobs
    else:
        by_text = not search.text or is_sqlite() or not await _common(search.text)
        total = await _count(search, by_text=by_text)
        head = await _head(search, drive=by_text and bool(search.text) and total < jobs * SPARSE) if total else []
    return _Matches(total=total, head=b"".join(job_id.bytes for job_id in head))


#: What a page shows of each job, as job_view reads it.
_PAGE_COLUMNS = ", ".join(
    [f'"job"."{name}"' for name in ("id", "employer", "title", "description", "category", "city", "headcount", "salary_min", "salary_max")]
    + [f'"job"."{name}"' for name in ("salary_months", "education", "majors", "status", "created_at", "updated_at")]
    + ['"employer"."name" AS "employer.name"', '"event"."slug" AS "event.slug"']
)
_PAGE_FROM = (
    "FROM job LEFT JOIN employer ON employer.id = job.employer LEFT JOIN event ON event.id = job.event WHERE job.deleted_at IS NULL"
)
#: One text for any number of ids (bound as one parameter): asyncpg and SQLite reuse its prepared statement.
_PAGE_BY_ID = {
    "sqlite": f"SELECT {_PAGE_COLUMNS} {_PAGE_FROM} AND job.id IN (SELECT value FROM json_each({{}}))",  # noqa: S608 - constants
    "postgres": f"SELECT {_PAGE_COLUMNS} {_PAGE_FROM} AND job.id = ANY({{}})",  # noqa: S608 - constants
}


async def _by_id(ids: list[uuid.UUID], status: str) -> list[dict[str, Any]]:
    """The jobs with these ids, in that order, that are still listed with this status (one may have changed since the ids were found).

    Written out, one text for any number of ids: a page is every request's one query besides
    the event's, and Piccolo spent more time building it than the database running it.
    """
    ids_value = json.dumps([str(job_id) for job_id in ids]) if is_sqlite() else ids
    rows = await Job.raw(_PAGE_BY_ID["sqlite" if is_sqlite() else "postgres"], ids_value)
    found = {row["id"]: row for row in rows if status in ("all", row["status"])}
    return [found[job_id] for job_id in ids if job_id in found]


async def _walk(search: _Search, *, limit: int, offset: int) -> list[dict[str, Any]]:
    """A page past the kept ids, found by walking the listing index; only the page's own rows are read in full."""
    page = _in_listing_order(Job.select(Job.id).where(*search.where())).limit(limit).offset(offset)
    return await _in_listing_order(Job.select(*JOB_COLUMNS).where(Job.id.is_in(page)))


async def _scope(slug: str, actor: Actor) -> tuple[uuid.UUID, int, int, int]:
    """The event's id, its jobs version and its open and closed jobs, in one query; NotFound if the actor may not see it."""
    rows = await Event.raw(
        "SELECT event.id, event.published_at, job_tally.version, job_tally.open_count, job_tally.closed_count "
        "FROM event LEFT JOIN job_tally ON job_tally.event = event.id WHERE event.slug = {}",
        slug,
    )
    if not rows or not await _may_see(actor, rows[0]["id"], rows[0]["published_at"]):
        raise NotFound("event_not_found", "No such event.")
    row = rows[0]
    return row["id"], row["version"] or 0, row["open_count"] or 0, row["closed_count"] or 0


async def search_jobs(
    *,
    actor: Actor,
    slug: str,
    q: str | None = None,
    education: str | None = None,
    major: str | None = None,
    min_salary: int | None = None,
    category: str | None = None,
    employer_id: uuid.UUID | None = None,
    status: str = "open",
    limit: int,
    offset: int,
) -> views.JobPage:
    """Jobs at an event, newest first. Closed jobs are listed only to organisers and to the employer's own staff."""
    event_id, version, open_count, closed_count = await _scope(slug, actor)
    own_employer = None
    if status != "open":
        require_role(actor, "organiser", "hr")
        if actor.role == "hr":
            own_employer = actor.employer_id
    search = _Search(
        event=event_id,
        status=status,
        own_employer=own_employer,
        text=q.strip() if q else "",
        education=education or None,
        major=major.strip() if major else "",
        min_salary=min_salary,
        category=category or None,
        employer=employer_id,
    )
    answered = _PAGES.get((version, search, offset, limit))
    if answered is not None:
        _PAGES.move_to_end((version, search, offset, limit))
        return answered
    jobs = {"open": open_count, "closed": closed_count}.get(status, open_count + closed_count)
    matches = await _remembered((version, search), lambda: _match(search, jobs=jobs))
    ids = matches.page(offset, limit)
    if ids is None:
        rows = await _walk(search, limit=limit, offset=offset)
    else:
        rows = await _by_id(ids, status) if ids else []
    page = views.JobPage(items=[job_view(row) for row in rows], total=matches.total, limit=limit, offset=offset)
    _PAGES[(version, search, offset, limit)] = page
    while len(_PAGES) > PAGES:
        _PAGES.popitem(last=False)
    return page


# ---------------------------------------------------------------- copying last event's jobs


async def copy_jobs(*, actor: Actor, now: datetime, slug: str, from_event: str, employer_id: uuid.UUID | None = None) -> views.CopiedJobs:
    """Post the employer's jobs from another event here again, open; a title already posted here is skipped, so copying twice adds nothing."""
    employer_id = _posting_employer(actor, employer_id)
    if from_event == slug:
        raise Invalid("same_event", "Copy from another event.")
    target = await _event_taking_jobs(slug, actor, employer_id)
    source = await Event.select(Event.id).where(Event.slug == from_event).first()
    if source is None:
        raise NotFound("event_not_found", "No such event to copy from.")
    mine = (Job.employer == employer_id) & Job.deleted_at.is_null()
    originals = await Job.objects().where(mine & (Job.event == source["id"])).order_by(Job.created_at)
    here = {row["title"] for row in await Job.select(Job.title).where(mine & (Job.event == target.id))}
    copies = []
    for job in originals:
        if job.title in here:
            continue
        here.add(job.title)
        copies.append(
            Job(
                event=target.id, employer=employer_id, title=job.title, description=job.description, category=job.category,
                city=job.city or target.city, headcount=job.headcount, salary_min=job.salary_min, salary_max=job.salary_max,
                salary_months=job.salary_months, education=job.education, majors=job.majors, created_at=now, updated_at=now,
            )
        )
    if copies:
        async with write_transaction():
            await Job.insert(*copies)
            await outbox.record_many("job.published", [{"job_id": job.id, "event_id": target.id, "employer_id": employer_id} for job in copies], now=now)
    rows = await Job.select(*JOB_COLUMNS).where(Job.id.is_in([job.id for job in copies])) if copies else []
    return views.CopiedJobs(copied=len(copies), skipped=len(originals) - len(copies), jobs=[job_view(row) for row in rows])


async def employer_jobs(*, actor: Actor, employer_id: uuid.UUID) -> list[views.Job]:
    """Every job of the employer at every event, open and closed (not deleted), newest first: its own staff's list."""
    if not (actor.is_organiser or actor.works_for(employer_id)):
        raise Forbidden("not_your_employer", "HR staff see only their own employer's jobs here.")
    rows = await Job.select(*JOB_COLUMNS).where((Job.employer == employer_id) & Job.deleted_at.is_null()).order_by(Job.created_at, ascending=False)
    return [job_view(row) for row in rows]
