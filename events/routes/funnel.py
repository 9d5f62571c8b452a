"""The hiring funnel's API: interest stages and their history, notes on contacts, funnel counts, the seeker's own statuses."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Router, get, put
from litestar.params import JSONBody
from msgspec import UNSET, Meta, UnsetType

from events import contact_notes, funnel, interests, views
from events.routes.common import Body, Caller, Id, Slug, Text, allow, now, problems


class StageRequest(Body):
    stage: Annotated[
        Literal["screened", "interviewed", "intention", "signed", "declined"],
        Meta(examples=["interviewed"], description="Forward along submitted → screened → interviewed → intention → signed (skipping is allowed, going back is not), or declined from any open stage."),
    ]
    note: Annotated[Text(500, "现场面试通过", required=False), Meta(description="Why; kept in the history.")] = ""


class NoteRequest(Body):
    rating: Annotated[int, Meta(ge=1, le=5, examples=[4], description="1 (weak) to 5 (strong); null for none.")] | None = None
    tags: Annotated[list[Text(20, "Java")], Meta(max_length=10, examples=[["Java", "可实习"]], description="The employer's own tags, at most 10 of 20 characters.")] = []
    text: Text(2000, "基础扎实，沟通清楚", required=False) = ""
    next_step: Text(200, "周三电话面试", required=False) = ""


@put(
    "/interests/{interest_id:uuid}/stage",
    summary="Move an interest to another stage of the funnel (HR of its employer)",
    guards=allow("hr"),
    responses=problems(403, 404, 409, 413),
)
async def move_stage(interest_id: Id, data: JSONBody[StageRequest], actor: Caller) -> views.InterestStage:
    """200 with the stage and the whole history. 409 `stage_move_invalid` (with `stage` and `allowed`) for a move the funnel
    does not allow: backwards, to the same stage, or out of signed, declined or withdrawn. 404 `interest_not_found` for an
    interest of another employer. Audit-logged; the seeker is told when it reaches intention or signed, or is declined."""
    return await funnel.move_stage(actor=actor, now=now(), interest_id=interest_id, stage=data.stage, note=data.note)


@get("/interests/{interest_id:uuid}/stage", summary="An interest's stage and its history (HR of its employer)", guards=allow("hr"), responses=problems(403, 404))
async def interest_stage(interest_id: Id, actor: Caller) -> views.InterestStage:
    return await funnel.interest_stage(actor=actor, interest_id=interest_id)


@put("/visits/{visit_id:uuid}/note", summary="Write the employer's note on a visitor (HR of the booth's employer)", guards=allow("hr", "organiser"), responses=problems(403, 404, 413))
async def save_visit_note(visit_id: Id, data: JSONBody[NoteRequest], actor: Caller) -> views.ContactNote:
    """Replaces the note whole. Notes belong to the employer: another employer's HR and organisers get 404 `visit_not_found`."""
    return await contact_notes.save_visit_note(actor=actor, now=now(), visit_id=visit_id, rating=data.rating, tags=data.tags, text=data.text, next_step=data.next_step)


class QuickNoteRequest(Body):
    """What the scanner's one tap sends; a field left out stays as the note had it."""

    rating: Annotated[int, Meta(ge=1, le=5, examples=[4], description="1 (weak) to 5 (strong); null for none.")] | None | UnsetType = UNSET
    text: Text(2000, "沟通清楚，可约面试", required=False) | UnsetType = UNSET


@put(
    "/booths/{booth_id:uuid}/visitors/{registration_id:uuid}/note",
    summary="Write the note on the visitor a scan just counted (the booth scanner's one tap)",
    guards=allow("hr", "organiser"),
    responses=problems(403, 404, 413),
)
async def save_scan_note(booth_id: Id, registration_id: Id, data: JSONBody[QuickNoteRequest], actor: Caller) -> views.ContactNote:
    """The visitor's note (as at PUT /api/visits/{visit_id}/note), found by the `registration_id` the scan answered with:
    sets the rating and text it is sent, keeps everything else. 404 `visit_not_found` before the scan or for anyone but
    HR of the booth's employer."""
    visit_id = await contact_notes.visit_at_booth(actor=actor, booth_id=booth_id, registration_id=registration_id)
    keep = contact_notes.KEEP
    return await contact_notes.save_visit_note(
        actor=actor, now=now(), visit_id=visit_id, rating=keep if data.rating is UNSET else data.rating, tags=keep,
        text=keep if data.text is UNSET else data.text, next_step=keep,
    )


@get("/visits/{visit_id:uuid}/note", summary="The employer's note on a visitor", guards=allow("hr", "organiser"), responses=problems(403, 404))
async def visit_note(visit_id: Id, actor: Caller) -> views.ContactNote:
    """404 `note_not_found` before the first note; 404 `visit_not_found` for anyone but HR of the booth's employer."""
    return await contact_notes.visit_note(actor=actor, visit_id=visit_id)


@put("/interests/{interest_id:uuid}/note", summary="Write the employer's note on an interest (HR of its employer)", guards=allow("hr", "organiser"), responses=problems(403, 404, 413))
async def save_interest_note(interest_id: Id, data: JSONBody[NoteRequest], actor: Caller) -> views.ContactNote:
    """Replaces the note whole. Another employer's HR and organisers get 404 `interest_not_found`."""
    return await contact_notes.save_interest_note(
        actor=actor, now=now(), interest_id=interest_id, rating=data.rating, tags=data.tags, text=data.text, next_step=data.next_step
    )


@get("/interests/{interest_id:uuid}/note", summary="The employer's note on an interest", guards=allow("hr", "organiser"), responses=problems(403, 404))
async def interest_note(interest_id: Id, actor: Caller) -> views.ContactNote:
    """404 `note_not_found` before the first note; 404 `interest_not_found` for anyone but HR of its employer."""
    return await contact_notes.interest_note(actor=actor, interest_id=interest_id)


@get("/events/{slug:str}/funnel", summary="The hiring funnel: interests per stage by stop, employer and job (organiser: all; HR: their employer's)", guards=allow("organiser", "hr"), responses=problems(403, 404))
async def event_funnel(slug: Slug, actor: Caller) -> views.Funnel:
    """`now` counts interests at each stage today; `reached` counts those that ever got at least that far along the main line
    (the bureau's 投递 → 初选 → 面试 → 意向 → 签约). An interest counts at the stop where the seeker first visited the employer's
    booth, or under `stop_id` null when applied without a visit."""
    return await funnel.event_funnel(actor=actor, now=now(), slug=slug)


@get("/me/interests", summary="My applications and where each stands with the employer (seeker)", guards=allow("seeker"), responses=problems(403))
async def my_interests(actor: Caller) -> list[views.Interest]:
    return await interests.my_interests(actor=actor)


router = Router(
    path="/api",
    route_handlers=[move_stage, interest_stage, save_visit_note, save_scan_note, visit_note, save_interest_note, interest_note, event_funnel, my_interests],
    tags=["hiring funnel"],
)
