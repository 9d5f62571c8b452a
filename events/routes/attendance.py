"""Attendance reports, live updates, an employer's visitors, and seekers' interests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Literal

from litestar import Response, Router, delete, get, post
from litestar.params import QueryParameter
from litestar.response import ServerSentEvent, ServerSentEventMessage

from events import attendance, interests, live, schedule, views
from events.accounts import Actor
from events.routes.common import Caller, Id, Slug, allow, now, problems

Format = Annotated[Literal["json", "csv", "xlsx"], QueryParameter(description="csv and xlsx have Chinese and English headers.")]
Language = Annotated[Literal["zh", "en"], QueryParameter(description="The language of words in csv and xlsx cells (degrees, 未开始 / Not yet).")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _as(format: str, report, *, csv, xlsx, filename: str, lang: str) -> Response:
    """The report as JSON, or as a CSV or Excel download."""
    if format == "json":
        return Response(report)
    content, media_type = (csv(report, lang), "text/csv") if format == "csv" else (xlsx(report, lang), XLSX)
    return Response(content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}.{format}"'})


@get("/events/{slug:str}/attendance", summary="Attendance per stop and booth (organiser), as JSON, CSV or XLSX", guards=allow("organiser"), responses=problems(403, 404), opt={"downloads": ["text/csv", XLSX]})
async def event_attendance(slug: Slug, actor: Caller, format: Format = "json", lang: Language = "zh") -> Response[views.EventAttendance] | Response[bytes] | Response[str]:
    report = await attendance.event_attendance(actor=actor, now=now(), slug=slug)
    return _as(format, report, csv=attendance.attendance_csv, xlsx=attendance.attendance_xlsx, filename=f"attendance-{slug}", lang=lang)


async def live_stream(actor: Actor, slug: str) -> AsyncIterator[ServerSentEventMessage]:
    event = await schedule.load_event(slug, actor)
    yield ServerSentEventMessage(event="ready", data="{}")
    async for update in live.listen(event.id):
        yield ServerSentEventMessage(event="count", data=update)


@get("/events/{slug:str}/attendance/live", summary="Live attendance updates (organiser), as server-sent events", guards=allow("organiser"), responses=problems(403, 404))
async def attendance_live(slug: Slug, actor: Caller) -> ServerSentEvent:
    """An `event: count` message for every check-in and visit counted at the event, from whichever worker counted it."""
    await schedule.load_event(slug, actor)
    return ServerSentEvent(live_stream(actor, slug))


@get("/booths/{booth_id:uuid}/visitors", summary="A booth's visitors (HR of its employer): profiles only where shared", guards=allow("hr", "organiser"), responses=problems(403, 404), opt={"downloads": ["text/csv", XLSX]})
async def booth_visitors(booth_id: Id, actor: Caller, format: Format = "json", lang: Language = "zh") -> Response[views.BoothVisitors] | Response[bytes] | Response[str]:
    report = await attendance.booth_visitors(actor=actor, now=now(), booth_id=booth_id)
    return _as(format, report, csv=attendance.visitors_csv, xlsx=attendance.visitors_xlsx, filename=f"visitors-{report.label}", lang=lang)


@post("/jobs/{job_id:uuid}/interests", summary="Share my profile with this job's employer (扫码投递)", guards=allow("seeker"), responses=problems(403, 404))
async def express_interest(job_id: Id, actor: Caller) -> Response[views.Interest]:
    """Records the seeker's consent to share name, school, major, degree and contact with this employer. 201 new, 200 already shared."""
    interest, new = await interests.express_interest(actor=actor, now=now(), job_id=job_id)
    return Response(interest, status_code=201 if new else 200)


@delete("/jobs/{job_id:uuid}/interests", summary="Withdraw my interest (and the consent behind it)", guards=allow("seeker"), responses=problems(403, 404))
async def withdraw_interest(job_id: Id, actor: Caller) -> None:
    await interests.withdraw_interest(actor=actor, now=now(), job_id=job_id)


router = Router(
    path="/api",
    route_handlers=[event_attendance, attendance_live, booth_visitors, express_interest, withdraw_interest],
    tags=["attendance and interests"],
)
