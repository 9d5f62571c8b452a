"""Jobs at events."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from litestar import Router, delete, get, patch, post
from litestar.params import JSONBody, QueryParameter
from msgspec import UNSET, Meta, UnsetType

from events import job_search, jobs, views
from events.routes.common import Body, Caller, Id, Limit, Offset, SearchText, Slug, Text, allow, now, problems

Education = Literal["none", "high_school", "associate", "bachelor", "master", "doctorate"]
Title = Text(200, "Java 开发工程师")
Short = Text(50, "技术", required=False)
Long = Text(10_000, required=False)
Headcount = Annotated[int, Meta(ge=1, le=10_000, examples=[5])]
Salary = Annotated[int, Meta(ge=0, le=1_000_000, examples=[12000], description="Monthly, whole CNY.")]
SalaryMonths = Annotated[int, Meta(ge=12, le=24, examples=[13], description="Months paid a year: 13 for 13薪.")]
Majors = Annotated[list[Annotated[str, Meta(max_length=50)]], Meta(max_length=30, examples=[["计算机科学与技术", "软件工程"]])]


class JobRequest(Body):
    title: Title
    headcount: Headcount
    salary_min: Salary
    salary_max: Salary
    salary_months: SalaryMonths = 12
    education: Education = "none"
    majors: Majors = []
    description: Long = ""
    category: Short = ""
    city: Short = ""
    employer_id: Annotated[uuid.UUID | None, Meta(description="Organisers only: the employer posting.")] = None


class JobPatch(Body):
    title: Title | UnsetType = UNSET
    headcount: Headcount | UnsetType = UNSET
    salary_min: Salary | UnsetType = UNSET
    salary_max: Salary | UnsetType = UNSET
    salary_months: SalaryMonths | UnsetType = UNSET
    education: Education | UnsetType = UNSET
    majors: Majors | UnsetType = UNSET
    description: Long | UnsetType = UNSET
    category: Short | UnsetType = UNSET
    city: Short | UnsetType = UNSET
    status: Literal["open", "closed"] | UnsetType = UNSET


@post("/events/{slug:str}/jobs", summary="Post a job (HR for its employer, or organiser)", guards=allow("organiser", "hr"), responses=problems(403, 404, 409, 413, 422))
async def post_job(slug: Slug, data: JSONBody[JobRequest], actor: Caller) -> views.Job:
    """The employer must have a booth at one of the event's stops."""
    return await jobs.post_job(actor=actor, now=now(), slug=slug, **data.changes())


@get("/events/{slug:str}/jobs", summary="Search the jobs at an event", responses=problems(403, 404))
async def search_jobs(
    slug: Slug,
    actor: Caller,
    q: SearchText = None,
    education: Annotated[Education | None, QueryParameter(description="Jobs open to someone with this education.")] = None,
    major: Annotated[str | None, QueryParameter(max_length=50, pattern=r"^[^\x00-\x1f\x7f]*$")] = None,
    min_salary: Annotated[int | None, QueryParameter(ge=0, le=1_000_000, description="Jobs paying at least this much a month.")] = None,
    category: Annotated[str | None, QueryParameter(max_length=50, pattern=r"^[^\x00-\x1f\x7f]*$")] = None,
    employer_id: Annotated[uuid.UUID | None, QueryParameter()] = None,
    status: Annotated[Literal["open", "closed", "all"], QueryParameter(description="Other than open: organisers, and HR for its own jobs.")] = "open",
    limit: Limit = 20,
    offset: Offset = 0,
) -> views.JobPage:
    return await job_search.search_jobs(
        actor=actor,
        slug=slug,
        q=q,
        education=education,
        major=major,
        min_salary=min_salary,
        category=category,
        employer_id=employer_id,
        status=status,
        limit=limit,
        offset=offset,
    )


@get("/jobs/{job_id:uuid}", summary="A job", responses=problems(404))
async def get_job(job_id: Id, actor: Caller) -> views.Job:
    return await jobs.get_job(actor=actor, job_id=job_id)


@patch("/jobs/{job_id:uuid}", summary="Change or close a job (its employer's HR, or organiser)", guards=allow("organiser", "hr"), responses=problems(403, 404, 413, 422))
async def update_job(job_id: Id, data: JSONBody[JobPatch], actor: Caller) -> views.Job:
    return await jobs.update_job(actor=actor, now=now(), job_id=job_id, changes=data.changes())


@delete("/jobs/{job_id:uuid}", summary="Delete a job (its employer's HR, or organiser)", guards=allow("organiser", "hr"), responses=problems(403, 404))
async def delete_job(job_id: Id, actor: Caller) -> None:
    await jobs.delete_job(actor=actor, now=now(), job_id=job_id)


router = Router(path="/api", route_handlers=[post_job, search_jobs, get_job, update_job, delete_job], tags=["jobs"])
