"""Job search: the public search over an event's jobs, its text indexes on both engines, and what each worker keeps of it."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from piccolo.columns.combination import WhereRaw

from events import views
from events.accounts import Actor, require_role
from events.cache import MISSING, Cache
from events.db import contains, is_sqlite
from events.errors import NotFound
from events.jobs import EDUCATION_LEVELS, JOB_COLUMNS, job_view, may_see
from events.tables import Event, Job

# A search's total is a pass over all its matches, and a rare match is found by a pass over the
# event's jobs unless the text index finds it: at 100,000 jobs an event, far more than a request
# may spend. So a search runs once per version of what the event's job listings show
# (`job_tally.version`, which triggers move on every insert, update and delete of one of its jobs
# and when an employer with jobs there is renamed; piccolo_migrations/…_job_search), for its total
# and the ids of its first HEAD matches, and each worker keeps that, and the pages it answered
# (events/cache.py, versioned by the tally). Running it is one pass over its matches, found through
# the text index (SQLite: job_gram, which also holds the filters' values; PostgreSQL: the character
# index) and each tested exactly: at most COUNTED + 1 are read, counted and sorted for the first
# page in one statement; past COUNTED the first page comes from walking the listing, where such
# common matches come soon. A request then costs one short query (the event with its tally) when its page was answered
# before, and one more (its jobs by id) when not. Totals are exact up to COUNTED, and a change
# makes the next search run again. The default listing (open, or closed, jobs and no other
# filter) reads its exact total from the tally itself.

#: Matches whose ids a worker keeps per search: the first pages, where nearly all reads go.
HEAD = 100
#: Searches a worker remembers (at most 8 KB each).
REMEMBERED = 1024
#: Pages a worker remembers as answered (some 30 KB each, at 20 jobs a page).
PAGES = 256
#: Matches counted at most: a page cannot start past 10,000 (routes.common.Offset), and counting
#: every match of a common search is a pass over most of the event's jobs.
COUNTED = 10_000
#: A job's text on PostgreSQL, as its index reads it. Fields are joined by a newline, which search
#: text cannot contain, so that no match spans two of them.
_PG_TEXT = '("job"."title" || E\'\\n\' || "job"."category" || E\'\\n\' || "job"."description")'
#: A job's characters, pairs of characters and facets: the expression its GIN index is built on
#: (piccolo_migrations/…_job_search_words; the planner uses the index only for the same expression).
_PG_WORDS = (
    f'(job_search_grams({_PG_TEXT}) || job_search_facets("job"."event", "job"."status", "job"."deleted_at", "job"."category", '
    '"job"."education", "job"."employer"))'
)


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

    def where(self, *, by_text: bool = False) -> list:
        """The conditions. `by_text`: the database starts from the index of the jobs' words (text and facets), else from the listing."""
        sqlite = is_sqlite()
        if by_text and not sqlite:
            return self._words()
        # SQLite would rather walk the listing index and test each job: written so, the event's
        # condition is one no index serves, and the words index drives.
        event = WhereRaw('+"job"."event" = {}', self.event) if by_text else Job.event == self.event
        where = [event, Job.deleted_at.is_null()]
        if by_text:
            where.append(WhereRaw('"job"."id" IN (SELECT k.job FROM job_gram g JOIN job_search_key k ON k.seq = g.rowid WHERE job_gram MATCH {})',
                                  self.facets()))
        if self.status != "all":
            where.append(Job.status == self.status)
        if self.own_employer:
            where.append(Job.employer == self.own_employer)
        if self.text:
            where.append(_literally(self.text))
        if self.education:
            where.append(Job.education.is_in(self.levels))
        if self.major:
            where.append(contains(Job.majors, self.major) | (Job.majors == "[]"))
        if self.min_salary is not None:
            where.append(Job.salary_max >= self.min_salary)
        if self.category:
            where.append(Job.category == self.category)
        if self.employer:
            where.append(Job.employer == self.employer)
        return where

    def _words(self) -> list:
        """PostgreSQL: the conditions as the words index reads them (exactly, for the facets and one or two characters), and the rest.

        The event, status, category, education and employer are left to the index alone: written
        out beside it as well, they let the planner walk another index and compute each job's words.
        """
        wanted = ["v:" + str(self.event)] + (["x:" + self.status] if self.status != "all" else [])
        if self.category:
            wanted.append("c:" + self.category)
        wanted += ["m:" + str(employer) for employer in (self.own_employer, self.employer) if employer]
        if self.text:
            where = [WhereRaw(f"{_PG_WORDS} @> (job_search_wanted({{}}) || {{}}::text[])", self.text, wanted)]
        else:
            where = [WhereRaw(f"{_PG_WORDS} @> {{}}::text[]", wanted)]
        if self.status == "all":
            where.append(WhereRaw(f"{_PG_WORDS} && {{}}::text[]", ["x:open", "x:closed"]))
        if self.education:
            where.append(WhereRaw(f"{_PG_WORDS} && {{}}::text[]", ["e:" + level for level in self.levels]))
        # A job's characters and pairs holding all of the text's are, for one or two characters, the
        # match itself (unless lower-casing changes the text's length, which only cased letters beyond
        # ASCII can); for more, a superset that the exact test narrows.
        if self.text and not (len(self.text) <= 2 and (_caseless(self.text) or self.text.isascii())):
            where.append(_literally(self.text))
        if self.major:
            where.append(contains(Job.majors, self.major) | (Job.majors == "[]"))
        if self.min_salary is not None:
            where.append(Job.salary_max >= self.min_salary)
        return where

    @property
    def selective(self) -> bool:
        """Whether the index of words is where to start: a text, a category or an employer picks out few jobs; education and salary alone do not."""
        return bool(self.text or self.category or self.employer or self.own_employer)

    @property
    def levels(self) -> list[str]:
        """The education levels of the jobs open to someone with `education`."""
        return EDUCATION_LEVELS[: EDUCATION_LEVELS.index(self.education) + 1] if self.education else EDUCATION_LEVELS

    def facets(self) -> str:
        """SQLite: the FTS5 query of job_gram for the jobs that may match, as …_job_search_short_text writes their words.

        The text's character (one character) or pairs of characters, the event, the status, and the
        category, education and employer when asked: a superset of the matches that the conditions
        beside it narrow to the exact answer (the text by LIKE, the salary and majors as asked).
        """
        words = ["v" + self.event.hex, {"open": "xopen", "closed": "xclosed"}.get(self.status, "(xopen OR xclosed)")]
        if self.text:
            folded = "".join(char.lower() if char.isascii() else char for char in self.text)
            grams = [folded] if len(folded) < 2 else sorted({folded[n : n + 2] for n in range(len(folded) - 1)})
            words.append("((" + " AND ".join("g" + gram.encode().hex() for gram in grams) + ") OR long)")
        if self.category:
            words.append("c" + self.category.encode().hex())
        if self.education:
            words.append("(" + " OR ".join("e" + level.encode().hex() for level in self.levels) + ")")
        for employer in (self.own_employer, self.employer):
            if employer:
                words.append("m" + employer.hex)
        return " AND ".join(words)


def _literally(text: str):
    """Title, category or description contain `text`, as `contains` has it: case ignored, `%`, `_` and `\\` literal."""
    if is_sqlite():
        return contains(Job.title, text) | contains(Job.description, text) | contains(Job.category, text)
    # ILIKE is lower() on both sides, then LIKE, and strpos of lower-cased text means the same;
    # lower() costs several times the comparison on Chinese text, and changes nothing for it.
    if _caseless(text):
        return WhereRaw(f"strpos({_PG_TEXT}, {{}}) > 0", text)
    return WhereRaw(f"strpos(lower({_PG_TEXT}), lower({{}})) > 0", text)


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


#: Each search's matches, for the version of the event's jobs it was run for (events/cache.py: concurrent
#: misses for one search wait for one run).
_MATCHES: Cache[_Matches] = Cache("job_search_matches", max_entries=REMEMBERED)
#: Pages answered, for the version they were answered for.
_PAGES: Cache[views.JobPage] = Cache("job_search_pages", max_entries=PAGES)


def _in_listing_order(query):
    return query.order_by(Job.created_at, ascending=False).order_by(Job.id)


async def _head(search: _Search) -> list[uuid.UUID]:
    """The first HEAD matches' ids, walking the listing index: for the commonest searches (more than COUNTED), whose matches come soon."""
    query = Job.select(Job.id).where(*search.where())
    return [row["id"] for row in await _in_listing_order(query).limit(HEAD)]


_COUNT_AND_HEAD = (
    "WITH found AS MATERIALIZED ({}) SELECT found.id AS id, (SELECT count(*) FROM found) AS total FROM found ORDER BY found.created_at DESC, found.id"
)


async def _count_and_head(search: _Search, *, by_text: bool) -> tuple[int, list[uuid.UUID] | None]:
    """The search's matches counted up to COUNTED and, unless there are more, the first HEAD of them in listing order: one pass over them.

    The matches (at most COUNTED + 1 ids and times) are found once and kept by the database for
    the statement; counting them and sorting them for the first page both read that. More than
    COUNTED: the head is left to _head, walking the listing, where such common matches come soon.
    """
    found = Job.select(Job.id, Job.created_at).where(*search.where(by_text=by_text)).limit(COUNTED + 1)
    sql = f"{_COUNT_AND_HEAD} LIMIT {int(HEAD)}"
    rows = await Job.raw(sql, found.querystrings[0])
    total = rows[0]["total"] if rows else 0
    if total > COUNTED:
        return COUNTED, None
    return total, [job_id if isinstance(job_id, uuid.UUID) else uuid.UUID(job_id) for job_id in (row["id"] for row in rows)]


async def _match(search: _Search, *, jobs: int) -> _Matches:
    """Run the search for its total and first HEAD ids; `jobs` is how many the event lists with the search's status."""
    if search.is_listing:
        head = await _head(search) if jobs else []
        total = jobs
    else:
        total, found = await _count_and_head(search, by_text=search.selective)
        head = found if found is not None else await _head(search)
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
    if not rows or not await may_see(actor, rows[0]["id"], rows[0]["published_at"]):
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
    answered = _PAGES.get((search, offset, limit), version)
    if answered is not MISSING:
        return answered
    jobs = {"open": open_count, "closed": closed_count}.get(status, open_count + closed_count)
    matches = await _MATCHES.get_or_make(search, lambda: _match(search, jobs=jobs), version=version)
    ids = matches.page(offset, limit)
    if ids is None:
        rows = await _walk(search, limit=limit, offset=offset)
    else:
        rows = await _by_id(ids, status) if ids else []
    page = views.JobPage(items=[job_view(row) for row in rows], total=matches.total, limit=limit, offset=offset)
    return _PAGES.put((search, offset, limit), page, version=version)


