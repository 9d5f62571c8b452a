"""What the domain returns and the API sends: frozen msgspec Structs, documented with examples.

Domain functions build these; routes return them as they are. One definition serves both,
so the OpenAPI document cannot drift from what the domain produces.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

Slug = Annotated[str, Meta(examples=["2026-nanjing-talent-train"], description="The event's unique, URL-safe name.")]
Moment = Annotated[datetime, Meta(examples=["2026-12-03T14:00:00+08:00"], description="ISO 8601 with offset.")]


class View(msgspec.Struct, frozen=True, kw_only=True):
    """Base of every response body."""


class Account(View):
    id: uuid.UUID
    role: Annotated[Literal["organiser", "hr", "seeker"], Meta(examples=["hr"])]
    name: Annotated[str, Meta(examples=["王敏"])]
    email: Annotated[str | None, Meta(examples=["hr@example.com"])]
    phone: Annotated[str | None, Meta(examples=["+8613812345678"], description="E.164.")]
    employer_id: uuid.UUID | None
    created_at: Moment
    language: Annotated[Literal["zh-CN", "en"], Meta(description="What e-mails and SMS to this person are written in.")] = "zh-CN"


class StaffCreated(View):
    account: Account
    initial_password: Annotated[
        str | None,
        Meta(examples=["k3Jd9-xQ2mPz7wLa"], description="Shown once, when the organiser did not set a password; null for an invitation."),
    ]
    invitation: Annotated[
        InvitationLink | None, Meta(description="The link that lets the colleague set a password (POST .../invitations); shown once. Null otherwise.")
    ] = None


class PasswordReset(View):
    account_id: uuid.UUID
    password: Annotated[
        str | None,
        Meta(examples=["k3Jd9-xQ2mPz7wLa"], description="The generated password, shown once; null when the organiser chose it."),
    ]


class Token(View):
    access_token: Annotated[str, Meta(examples=["eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9..."])]
    token_type: Literal["bearer"]
    expires_at: Moment
    role: Annotated[str, Meta(examples=["organiser"])]


class Employer(View):
    id: uuid.UUID
    name: Annotated[str, Meta(examples=["南京云帆科技有限公司"])]
    credit_code: Annotated[str, Meta(examples=["91320100MA1MXXXX0X"], description="统一社会信用代码.")]
    industry: Annotated[str, Meta(examples=["软件和信息技术服务业"])]
    city: Annotated[str, Meta(examples=["南京"])]
    website: Annotated[str | None, Meta(examples=["https://example.com"])]
    description: str
    created_at: Moment
    updated_at: Moment
    vetting: Annotated[
        Literal["approved", "applying", "rejected", "added"] | None,
        Meta(
            examples=["approved"],
            description=(
                "In the organiser's list: `approved` (came in through an approved application), `applying` (an application "
                "is waiting), `rejected` (its last application was refused), `added` (by an organiser, by hand or import). "
                "Null elsewhere."
            ),
        ),
    ] = None


class EmployerSummary(View):
    id: uuid.UUID
    name: Annotated[str, Meta(examples=["南京云帆科技有限公司"])]


class Booth(View):
    id: uuid.UUID
    stop_id: uuid.UUID
    label: Annotated[str, Meta(examples=["A12"], description="As printed on the floor plan.")]
    employer: EmployerSummary
    created_at: Moment
    updated_at: Moment


class Stop(View):
    id: uuid.UUID
    event_slug: Slug
    name: Annotated[str, Meta(examples=["南京大学仙林校区站"])]
    school: Annotated[str, Meta(examples=["南京大学"])]
    campus: Annotated[str, Meta(examples=["仙林校区"])]
    address: Annotated[str, Meta(examples=["南京市栖霞区仙林大道163号"])]
    city: Annotated[str, Meta(examples=["南京"])]
    latitude: float | None
    longitude: float | None
    starts_at: Moment
    ends_at: Moment
    timezone: Annotated[str, Meta(examples=["Asia/Shanghai"])]
    capacity: Annotated[int, Meta(examples=[300])]
    seats_left: Annotated[int, Meta(examples=[42], description="Free seats; 0 means new registrations join the waitlist.")]
    registration_opens_at: Annotated[datetime | None, Meta(description="When registration opens (the stop's, else the event's, else publication).")]
    registration_closes_at: Annotated[datetime, Meta(description="When registration closes (the stop's, else the event's, else the stop's end).")]
    status: Literal["scheduled", "cancelled"]
    sequence: Annotated[int, Meta(description="Rises whenever the stop's time, place or status changes.")]
    booth_limit: Annotated[
        int | None, Meta(examples=[40], description="Booths the organiser allows at this stop; null: as many as the laid-out places, or no limit without any.")
    ]
    booths: list[Booth]
    created_at: Moment
    updated_at: Moment


class Event(View):
    id: uuid.UUID
    slug: Slug
    kind: Literal["talent_train", "night_market", "job_fair"]
    title: Annotated[str, Meta(examples=["2026 南京人才专列"])]
    description: str
    host: Annotated[str, Meta(examples=["南京市人力资源和社会保障局"])]
    city: Annotated[str, Meta(examples=["南京"])]
    timezone: Annotated[str, Meta(examples=["Asia/Shanghai"])]
    status: Literal["draft", "published", "cancelled"]
    starts_at: Annotated[datetime | None, Meta(description="Start of the first stop that is not cancelled (of any stop, once all are).")]
    ends_at: Annotated[datetime | None, Meta(description="End of the last stop that is not cancelled (of any stop, once all are).")]
    published_at: datetime | None
    registration_opens_at: Annotated[datetime | None, Meta(description="Default registration opening for the event's stops.")]
    registration_closes_at: Annotated[datetime | None, Meta(description="Default registration closing for the event's stops.")]
    created_at: Moment
    updated_at: Moment


class EventDetail(Event):
    stops: list[Stop]


class Job(View):
    id: uuid.UUID
    event_slug: Slug
    employer: EmployerSummary
    title: Annotated[str, Meta(examples=["Java 开发工程师"])]
    description: str
    category: Annotated[str, Meta(examples=["技术"])]
    city: Annotated[str, Meta(examples=["南京"])]
    headcount: Annotated[int, Meta(examples=[5])]
    salary_min: Annotated[int, Meta(examples=[12000], description="Monthly, whole CNY.")]
    salary_max: Annotated[int, Meta(examples=[20000], description="Monthly, whole CNY.")]
    salary_months: Annotated[int, Meta(examples=[13], description="Months paid a year (13薪).")]
    education: Literal["none", "high_school", "associate", "bachelor", "master", "doctorate"]
    majors: Annotated[list[str], Meta(examples=[["计算机科学与技术", "软件工程"]], description="Empty: open to every major.")]
    status: Literal["open", "closed"]
    created_at: Moment
    updated_at: Moment


class Page(View):
    total: Annotated[int, Meta(description="Matches in all pages.")]
    limit: int
    offset: int


class EventPage(Page):
    items: list[Event]


class JobPage(Page):
    items: list[Job]


class EmployerPage(Page):
    items: list[Employer]


class Health(View):
    status: Literal["ok", "unavailable"]
    database: Literal["ok", "unavailable"]


class Problem(View, kw_only=True):
    """An error, as RFC 9457 application/problem+json; clients switch on `code`."""

    type: Annotated[str, Meta(examples=["about:blank"])] = "about:blank"
    title: Annotated[str, Meta(examples=["Conflict"])]
    status: Annotated[int, Meta(examples=[409])]
    detail: Annotated[str, Meta(examples=["Booth A12 is already assigned at this stop."])]
    code: Annotated[str, Meta(examples=["booth_label_taken"], description="Stable, snake_case; switch on this.")]
    instance: Annotated[str, Meta(examples=["/api/stops/0b7e3c1e-4a55-4f0e-9f51-2a8f3d6c9b10/booths"])]
    errors: Annotated[
        list[dict[str, str]] | msgspec.UnsetType,
        Meta(description="With validation_failed: what did not match, field by field."),
    ] = msgspec.UNSET


class SeekerProfile(View):
    school: Annotated[str, Meta(examples=["南京大学"])]
    major: Annotated[str, Meta(examples=["软件工程"])]
    degree: Literal["none", "high_school", "associate", "bachelor", "master", "doctorate"]
    graduation_year: Annotated[int, Meta(examples=[2027])]


class Me(Account):
    """The signed-in account; seekers also see their profile."""

    profile: SeekerProfile | None = None


class SignedUp(View):
    seeker: Me
    token: Token


class Ticket(View):
    code: Annotated[
        str,
        Meta(examples=["T1.f5CDfIMyT-idLvYEvix-3JFfELPJG0V7hq1djxGW1wzgN0pVi-tV63woKbqVQXXeSQPkuCT_y0WPp5Xu1MZWPcJb6aNOauCw1rURL18fOfRlbLpHeGPdO1fvr5zywFQA"],
             description="Signed (Ed25519): scanners verify it offline with GET /api/tickets/public-key."),
    ]
    short_code: Annotated[str, Meta(examples=["K7Q4M2XA"], description="Eight characters to type when the QR will not scan.")]
    qr_url: Annotated[str, Meta(examples=["/api/registrations/3f0c…/ticket.svg"])]
    png_url: Annotated[str, Meta(examples=["/api/registrations/3f0c…/ticket.png"])]


class StopSummary(View):
    id: uuid.UUID
    event_slug: Slug
    event_title: Annotated[str, Meta(examples=["2026 南京人才专列"])]
    name: Annotated[str, Meta(examples=["南京大学仙林校区站"])]
    address: str
    starts_at: Moment
    ends_at: Moment
    timezone: str
    status: Literal["scheduled", "cancelled"]


class Registration(View):
    id: uuid.UUID
    status: Literal["confirmed", "waitlisted", "cancelled"]
    waitlist_position: Annotated[int | None, Meta(examples=[3], description="1 is next in line; only while waitlisted.")]
    stop: StopSummary
    ticket: Annotated[Ticket | None, Meta(description="None once cancelled.")]
    created_at: Moment
    confirmed_at: datetime | None
    cancelled_at: datetime | None


class RegisteredSeeker(View):
    id: uuid.UUID
    name: str
    phone: Annotated[str | None, Meta(examples=["138****5678"], description="Masked unless the organiser asked for an export.")]
    email: str | None
    school: str
    major: str
    degree: str
    graduation_year: int | None


class StopRegistration(View):
    id: uuid.UUID
    status: Literal["confirmed", "waitlisted", "cancelled"]
    waitlist_position: int | None
    short_code: str
    seeker: RegisteredSeeker
    created_at: Moment
    cancelled_at: datetime | None
    checked_in_at: Annotated[datetime | None, Meta(description="When the seeker passed the gate; null if not (yet).")] = None


class StopRegistrationPage(Page):
    confirmed: int
    waitlisted: int
    cancelled: int
    items: list[StopRegistration]


class TicketKey(View):
    algorithm: Literal["Ed25519"]
    public_key: Annotated[str, Meta(description="Raw 32-byte key, base64url without padding.")]
    format: Annotated[str, Meta(examples=["T1.<base64url(registration id 16 B | stop id 16 B | signature 64 B)>"])]


class ConsentRecord(View):
    purpose: Literal["privacy_notice", "share_profile", "notifications"]
    version: Annotated[str, Meta(examples=["2026-11"])]
    employer: uuid.UUID | None
    given_at: datetime
    withdrawn_at: datetime | None


class PrivacyNotice(View):
    version: Annotated[str, Meta(examples=["2026-11"], description="Send this as privacy_notice_version when signing up.")]
    url: Annotated[str, Meta(examples=["/privacy"])]


class CalendarLink(View):
    url: Annotated[str, Meta(examples=["https://jobs.example.com/calendar/private/3q2…x.ics"], description="Shown once; keep it secret.")]
    webcal_url: Annotated[str, Meta(examples=["webcal://jobs.example.com/calendar/private/3q2…x.ics"], description="Opens the subscribe dialog of calendar apps.")]


class ScannerAccessCreated(View):
    id: uuid.UUID
    stop_id: uuid.UUID
    label: Annotated[str, Meta(examples=["东门志愿者 East gate"])]
    code: Annotated[str, Meta(examples=["7K2M-XQ9P-4HND"], description="Shown once. Typed on the scanner page, or sent as `Authorization: Bearer <code>`.")]
    link: Annotated[str, Meta(examples=["https://jobs.example.com/scan/stops/…#access=7K2M-XQ9P-4HND"])]
    expires_at: datetime


class ScanResult(View):
    nonce: Annotated[str, Meta(examples=["6f1c2e0a-4b1d-4c55-9a8e-1f0f3c2d9b77"])]
    kind: Literal["check_in", "visit"]
    result: Literal["checked_in", "already_checked_in", "visited", "already_visited", "refused"]
    code: Annotated[
        str | None,
        Meta(examples=["ticket_other_stop"], description="With refused: ticket_invalid, ticket_other_stop, registration_cancelled, waitlisted, stop_cancelled, stop_closed."),
    ]
    registration_id: uuid.UUID | None
    first_at: Annotated[datetime | None, Meta(description="When this seeker first checked in (or visited this booth).")]
    seeker_name: Annotated[str | None, Meta(examples=["李*"], description="Masked.")]
    booking: Annotated[BoothBooking | None, Meta(description="A visit scan: the seeker's interview booking at this booth, if they hold one.")] = None


class SyncResults(View):
    results: list[ScanResult]


class Interest(View):
    id: uuid.UUID
    job_id: uuid.UUID
    job_title: Annotated[str, Meta(examples=["Java 开发工程师"])]
    employer: EmployerSummary
    created_at: datetime
    withdrawn_at: datetime | None
    stage: Annotated[
        Literal["submitted", "screened", "interviewed", "intention", "signed", "declined", "withdrawn"],
        Meta(examples=["interviewed"], description="Where the application stands with the employer (招聘进度): submitted → screened → interviewed → intention → signed, or declined / withdrawn."),
    ] = "submitted"


class Arrivals(View):
    slot_start: Annotated[datetime, Meta(description="Start of a 15-minute slot.")]
    count: int


class StopAttendance(View):
    stop_id: uuid.UUID
    name: str
    starts_at: datetime
    ends_at: datetime
    timezone: Annotated[str, Meta(examples=["Asia/Shanghai"])]
    registered: Annotated[int, Meta(description="Confirmed registrations.")]
    waitlisted: int
    cancelled: int
    checked_in: int
    walk_ins: Annotated[int, Meta(description="Checked in, having registered after the stop began.")]
    has_started: Annotated[bool, Meta(description="Whether the stop's start time has passed; before it, no_shows and check_in_rate are null (not yet).")]
    no_shows: Annotated[int | None, Meta(description="Confirmed but not (yet) checked in; null before the stop starts.")]
    check_in_rate: Annotated[
        float | None, Meta(examples=[0.82], description="checked_in / registered, between 0 and 1 (0.82 is 82 %); 0 when nobody registered; null before the stop starts.")
    ]
    arrivals: list[Arrivals]
    gate_scans: Annotated[
        dict[str, int],
        Meta(examples=[{"first": 412, "repeat": 37, "ticket_other_stop": 2}], description="Gate scans by outcome: first, repeat, or the refusal's code."),
    ]


class JobInterest(View):
    job_id: uuid.UUID
    title: str
    interests: int


class BoothAttendance(View):
    booth_id: uuid.UUID
    stop_id: uuid.UUID
    stop_name: Annotated[str, Meta(examples=["南京大学 仙林校区"], description="A talent train has an A01 at every stop: the label alone is ambiguous.")]
    label: str
    employer: EmployerSummary
    unique_visitors: int
    total_scans: int
    interests: list[JobInterest]


class EventAttendance(View):
    event_slug: Slug
    title: str
    generated_at: datetime
    stops: list[StopAttendance]
    booths: list[BoothAttendance]


class VisitorProfile(View):
    name: str
    phone: str | None
    email: str | None
    school: str
    major: str
    degree: str
    graduation_year: int | None


class Visitor(View):
    visit_id: uuid.UUID
    visited_at: datetime
    scans: int
    jobs_asked: Annotated[list[str], Meta(description="Titles of the jobs HR noted at the booth.")]
    shared: Annotated[bool, Meta(description="Whether the seeker consented to share their profile with this employer.")]
    interests: Annotated[list[str], Meta(description="Titles of the jobs the seeker applied for (扫码投递).")]
    profile: Annotated[VisitorProfile | None, Meta(description="Only when shared.")]


class BoothVisitors(View):
    booth_id: uuid.UUID
    label: str
    unique_visitors: int
    shared_profiles: int
    visitors: list[Visitor]


class PersonalData(View):
    """Everything stored about a seeker."""

    exported_at: datetime
    account: Me
    consents: list[ConsentRecord]
    registrations: list[Registration]
    interests: list[Interest]
    check_ins: Annotated[list[datetime], Meta(description="When the seeker was checked in at a gate.")]
    visits: Annotated[list[str], Meta(description="Booths visited: 'label employer at time'.")]
    bookings: Annotated[list[Booking], Meta(description="Interview bookings, cancelled ones included.")] = []
    slot_invitations: Annotated[list[SlotInvitation], Meta(description="Invitations to interview slots and their answers.")] = []
    contact_notes: Annotated[
        list[NoteMention],
        Meta(description="Notes employers' HR keep about the seeker: that they exist and by whom, never their content (PIPL)."),
    ] = []


class AuditRecord(View):
    id: uuid.UUID
    at: datetime
    actor_id: uuid.UUID | None
    actor_name: str | None
    action: Annotated[str, Meta(examples=["export_registrations"])]
    target: Annotated[str, Meta(examples=["stop:0b7e3c1e-4a55-4f0e-9f51-2a8f3d6c9b10"])]
    detail: str


class AuditPage(Page):
    items: list[AuditRecord]


# ---------------------------------------------------------------- importing employers; the HR workspace


class ImportProblem(View):
    field: Annotated[str, Meta(examples=["credit_code"], description="company, credit_code, contact, phone, email or jobs.")]
    code: Annotated[str, Meta(examples=["invalid_credit_code"])]
    message: Annotated[str, Meta(examples=["Not a valid unified social credit code: invalid check digit."])]


class ImportRow(View):
    row: Annotated[int, Meta(examples=[7], description="The row number as the spreadsheet shows it (the header is row 1).")]
    company: Annotated[str, Meta(examples=["南京云帆科技有限公司"])]
    credit_code: Annotated[str, Meta(examples=["91320100MA1MXXXX0X"])]
    contact: Annotated[str, Meta(examples=["王敏"])]
    phone: Annotated[str, Meta(examples=["+8613812345678"])]
    email: Annotated[str, Meta(examples=["hr@example.com"])]
    jobs: Annotated[list[str], Meta(examples=[["Java 开发工程师", "测试工程师"]])]
    errors: list[ImportProblem]


class ImportReport(View):
    dry_run: bool
    valid: Annotated[bool, Meta(description="No row has an error: the import can be (or was) written.")]
    rows: list[ImportRow]
    created: Annotated[int, Meta(examples=[12], description="Employers written (0 on a dry run).")]
    invitations: Annotated[
        list[InvitationLink],
        Meta(description="One per contact's HR account, in row order, when written: shown once, send each to its person. Empty on a dry run."),
    ] = []


class CreditCodeCheck(View):
    valid: bool
    credit_code: Annotated[str, Meta(examples=["91320100MA1MXXXX0X"], description="Upper-cased, when valid.")]
    taken: Annotated[bool, Meta(description="An employer with this code exists already.")]
    code: Annotated[str | None, Meta(examples=["invalid_credit_code"], description="Why not, when not valid.")]


class Colleague(View):
    id: uuid.UUID
    name: Annotated[str, Meta(examples=["王敏"])]
    email: str | None
    phone: str | None
    is_active: bool
    created_at: Moment
    is_invited: Annotated[bool, Meta(description="Holds an invitation link not used yet: invited, has not set a password.")] = False


class EmployerBooth(View):
    """One of an employer's booths, with where and when it is."""

    id: uuid.UUID
    label: Annotated[str, Meta(examples=["A12"])]
    stop_id: uuid.UUID
    stop_name: Annotated[str, Meta(examples=["南京大学仙林校区站"])]
    starts_at: Moment
    ends_at: Moment
    timezone: str
    event_slug: Slug
    event_title: Annotated[str, Meta(examples=["2026 南京人才专列"])]
    event_status: Literal["draft", "published", "cancelled"]


class EmployerVisitor(Visitor):
    booth_id: uuid.UUID
    booth_label: str
    stop_id: uuid.UUID
    stop_name: str
    event_slug: Slug


class EmployerVisitors(View):
    employer_id: uuid.UUID
    total: int
    visitors: list[EmployerVisitor]


class CopiedJobs(View):
    copied: Annotated[int, Meta(examples=[3])]
    skipped: Annotated[int, Meta(examples=[1], description="Jobs already posted here under the same title.")]
    jobs: list[Job]


class BoothPlace(View):
    """A place on a stop's floor plan, with the booth that holds it, if any."""

    label: Annotated[str, Meta(examples=["A01"])]
    #: False for a booth whose label was given by hand, outside the laid-out places.
    is_laid_out: Annotated[bool, Meta(description="Laid out in bulk; false for a booth labelled by hand outside the plan.")]
    booth_id: uuid.UUID | None
    employer: EmployerSummary | None


class FloorPlan(View):
    stop_id: uuid.UUID
    places: list[BoothPlace]
    booth_limit: Annotated[int | None, Meta(examples=[40], description="The stop's own limit on booths; null when the organiser set none.")] = None
    booth_capacity: Annotated[
        int | None, Meta(examples=[40], description="Booths the stop holds: booth_limit when set, else the laid-out places when any, else null (no limit).")
    ] = None
    booths_taken: Annotated[int, Meta(examples=[39], description="Booths at the stop, on the plan or labelled by hand.")] = 0
    booths_free: Annotated[int | None, Meta(examples=[1], description="Booths still free for approvals and applications; null: no limit.")] = None


class ScannerAccess(View):
    """Scanner access as listed later: the code itself was shown once, when minted."""

    id: uuid.UUID
    stop_id: uuid.UUID
    label: Annotated[str, Meta(examples=["东门志愿者 East gate"])]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    is_active: bool


class StopOverview(View):
    id: uuid.UUID
    name: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    status: Literal["scheduled", "cancelled"]
    capacity: int
    confirmed: int
    waitlisted: int
    seats_left: int
    checked_in: int


class EventOverview(View):
    slug: Slug
    kind: Literal["talent_train", "night_market", "job_fair"]
    title: str
    status: Literal["draft", "published", "cancelled"]
    starts_at: datetime | None
    ends_at: datetime | None
    timezone: str
    stops: list[StopOverview]


# ---------------------------------------------------------------- employer applications (企业入驻 / 展位申请)


class ApplicationStop(View):
    id: uuid.UUID
    name: Annotated[str, Meta(examples=["南京大学 仙林校区"])]
    starts_at: Moment
    booth_limit: Annotated[int | None, Meta(examples=[40], description="Booths applications may take at this stop; null: no limit.")]
    booths_taken: Annotated[int, Meta(examples=[39])]
    booth_capacity: Annotated[int | None, Meta(examples=[40], description="As in the stop's floor plan: booth_limit, else the laid-out places, else null.")] = None
    booths_free: Annotated[int | None, Meta(examples=[1], description="Free booths at the stop; null: no limit.")] = None


class EmployerApplication(View):
    id: uuid.UUID
    event_slug: Slug
    event_title: Annotated[str, Meta(examples=["2026 南京人才专列"])]
    status: Literal["submitted", "waitlisted", "approved", "rejected", "withdrawn", "cancelled"]
    company: Annotated[str, Meta(examples=["南京云帆科技有限公司"])]
    credit_code: Annotated[str, Meta(examples=["91320100MA1MXXXX0X"], description="统一社会信用代码.")]
    contact_name: Annotated[str, Meta(examples=["王敏"])]
    contact_phone: Annotated[str, Meta(examples=["+8613812345678"], description="E.164.")]
    contact_email: Annotated[str, Meta(examples=["hr@example.com"])]
    stops: Annotated[list[ApplicationStop], Meta(description="The stops the employer asked for.")]
    hr_count: Annotated[int, Meta(examples=[2], description="HR accounts to create on approval.")]
    jobs: Annotated[list[str], Meta(examples=[["Java 开发工程师", "管培生"]])]
    licence_type: Annotated[str | None, Meta(examples=["image/png"], description="The business licence's type, or null when none was attached.")]
    approved_stop_ids: Annotated[list[uuid.UUID], Meta(description="The stops the organiser chose (kept while waitlisted).")]
    booth_labels: Annotated[dict[str, str], Meta(examples=[{"0b7e3c1e-4a55-4f0e-9f51-2a8f3d6c9b10": "A12"}])]
    reason: Annotated[str, Meta(examples=["营业执照已过期"], description="Why it was rejected or cancelled.")]
    employer_id: uuid.UUID | None
    waitlist_position: Annotated[int | None, Meta(examples=[1], description="1 for the first waiting application of its event; null unless waitlisted.")]
    decided_at: Moment | None
    created_at: Moment


class ApplicationPage(Page):
    items: list[EmployerApplication]


class InvitationLink(View):
    account_id: uuid.UUID
    name: Annotated[str, Meta(examples=["王敏"])]
    email: str | None
    phone: str | None
    url: Annotated[str, Meta(examples=["https://events.example.com/invitations/3q2-7wEJ..."], description="Shown once: send it to the person.")]
    expires_at: Moment


class ApplicationDecision(View):
    application: EmployerApplication
    invitations: Annotated[list[InvitationLink], Meta(description="One per HR account created; empty unless approved now.")]


class Invitation(View):
    name: Annotated[str, Meta(examples=["王敏"])]
    employer_name: Annotated[str, Meta(examples=["南京云帆科技有限公司"])]
    email: str | None
    phone: str | None
    needs_login: Annotated[bool, Meta(description="True when the account has no e-mail or phone yet: accepting must give one.")]
    expires_at: Moment


# ---------------------------------------------------------------- messages


class Message(View):
    """One thing told to one person on one channel, as its recipient (or an organiser) sees it: never the address in clear."""

    id: uuid.UUID
    kind: Annotated[str, Meta(examples=["registration.promoted"], description="What happened: the domain event's kind, or e.g. reminder.24h.")]
    channel: Literal["email", "sms", "webhook"]
    status: Annotated[
        Literal["pending", "sending", "delivered", "failed", "dead", "skipped", "cancelled"],
        Meta(description="failed: will be tried again; dead: given up; skipped: the channel is not configured."),
    ]
    address_masked: Annotated[str, Meta(examples=["138****5678"])]
    attempts: int
    created_at: Moment
    delivered_at: Moment | None
    last_response_code: int | None = None


class MessagePage(Page):
    items: list[Message]


# ---------------------------------------------------------------- issue 14, slots: interview slots and bookings

BookingStatus = Annotated[
    Literal["booked", "cancelled", "attended", "no_show"],
    Meta(examples=["booked"], description="booked, then attended or no_show as HR marks it; cancelled by the seeker, HR or an organiser."),
]
Education = Literal["none", "high_school", "associate", "bachelor", "master", "doctorate"]


class SlotEligibility(View):
    education_min: Annotated[Education | None, Meta(examples=["bachelor"], description="Lowest degree taken; null: any.")] = None
    majors: Annotated[list[str], Meta(examples=[["软件工程", "计算机科学与技术"]], description="Empty: any major (专业不限).")] = []
    graduation_years: Annotated[list[int], Meta(examples=[[2026, 2027]], description="Empty: any year.")] = []


class Slot(View):
    """An interview slot (面试时段) at a booth."""

    id: uuid.UUID
    booth_id: uuid.UUID
    booth_label: Annotated[str, Meta(examples=["A12"])]
    stop_id: uuid.UUID
    event_slug: Slug
    stop_name: Annotated[str, Meta(examples=["南京大学仙林校区站"])]
    employer: EmployerSummary
    starts_at: Moment
    ends_at: Moment
    timezone: Annotated[str, Meta(examples=["Asia/Shanghai"])]
    size: Annotated[int, Meta(examples=[2], description="Places: 1 for one-to-one, more for a group interview.")]
    booked_count: Annotated[int, Meta(examples=[1])]
    places_left: Annotated[int, Meta(examples=[1])]
    job_ids: Annotated[list[uuid.UUID], Meta(description="Jobs the slot is for; empty: any of the employer's jobs.")]
    eligibility: SlotEligibility
    cancel_cutoff_minutes: Annotated[int, Meta(examples=[60], description="Seekers may cancel until this many minutes before the start.")]
    status: Literal["open", "cancelled"]


class SlotBooking(View):
    """A booking in a slot, as HR and organisers see it."""

    id: uuid.UUID
    seeker_id: uuid.UUID
    seeker_name: Annotated[str, Meta(examples=["李华"])]
    status: BookingStatus
    invited: Annotated[bool, Meta(description="Booked by accepting HR's invitation.")]
    seeker_no_shows: Annotated[int, Meta(examples=[0], description="The seeker's no-shows: at this employer for HR, at every employer for organisers.")]
    created_at: Moment


class ManagedSlot(View):
    slot: Slot
    bookings: list[SlotBooking]


class Booking(View):
    """A seeker's place in an interview slot (预约)."""

    id: uuid.UUID
    status: BookingStatus
    slot: Slot
    invited: Annotated[bool, Meta(description="Booked by accepting HR's invitation.")]
    cancel_until: Annotated[datetime, Meta(examples=["2026-12-03T17:30:00+08:00"], description="The seeker may cancel until then.")]
    created_at: Moment
    cancelled_at: Moment | None


class BoothBooking(View):
    """A scanned seeker's booking at the scanning booth (the nearest one not cancelled)."""

    id: uuid.UUID
    slot_id: uuid.UUID
    starts_at: Moment
    ends_at: Moment
    status: BookingStatus


class SlotInvitation(View):
    id: uuid.UUID
    slot: Slot
    seeker_id: uuid.UUID
    state: Annotated[Literal["invited", "accepted", "declined"], Meta(examples=["invited"])]
    booking_id: Annotated[uuid.UUID | None, Meta(description="The booking accepting made.")]
    created_at: Moment
    decided_at: Moment | None


class EmployerNoShows(View):
    employer: EmployerSummary
    bookings: Annotated[int, Meta(examples=[24], description="Bookings not cancelled.")]
    attended: Annotated[int, Meta(examples=[20])]
    no_shows: Annotated[int, Meta(examples=[3])]


class SeekerNoShows(View):
    seeker_id: uuid.UUID
    name: Annotated[str, Meta(examples=["李华"])]
    no_shows: Annotated[int, Meta(examples=[2])]


class NoShowReport(View):
    """No-shows at an event's interview slots: per employer and per seeker. An HR account sees its own employer's only."""

    employers: list[EmployerNoShows]
    seekers: list[SeekerNoShows]


# ---------------------------------------------------------------- hiring funnel (issue 14, h-funnel)

Stage = Annotated[
    Literal["submitted", "screened", "interviewed", "intention", "signed", "declined", "withdrawn"],
    Meta(examples=["screened"], description="submitted (投递) → screened (初选) → interviewed (面试) → intention (意向) → signed (签约); declined, withdrawn."),
]


class NoteMention(View):
    """That an employer keeps a note about the seeker (for the seeker's data export, without the note)."""

    employer: EmployerSummary
    about: Annotated[Literal["visit", "interest"], Meta(examples=["visit"])]
    updated_at: datetime


class StageChange(View):
    from_stage: Stage
    to_stage: Stage
    actor_name: Annotated[str | None, Meta(examples=["王敏"], description="Who moved it; null once that account is gone.")]
    note: Annotated[str, Meta(examples=["笔试通过"])]
    at: datetime


class SeekerInterest(View):
    """One of a booked student's applications to the employer, as /hr/slots shows it beside the booking."""

    interest_id: uuid.UUID
    seeker_id: uuid.UUID
    job_title: str
    stage: Stage
    #: The stages HR may move it to now (funnel.allowed_moves); empty once final.
    moves: list[Stage]


class InterestStage(View):
    """An interest's stage and its history, oldest move first (HR of its employer)."""

    interest_id: uuid.UUID
    job_id: uuid.UUID
    job_title: Annotated[str, Meta(examples=["Java 开发工程师"])]
    seeker_name: Annotated[str, Meta(examples=["李华"])]
    stage: Stage
    history: list[StageChange]


class ContactNote(View):
    """HR's private note on one visitor or one interest; only the employer's HR ever see it."""

    visit_id: uuid.UUID | None
    interest_id: uuid.UUID | None
    rating: Annotated[int | None, Meta(examples=[4], description="1 (weak) to 5 (strong); null for none.")]
    tags: Annotated[list[str], Meta(examples=[["Java", "可实习"]])]
    text: Annotated[str, Meta(examples=["基础扎实，沟通清楚"])]
    next_step: Annotated[str, Meta(examples=["周三电话面试"])]
    author_name: Annotated[str | None, Meta(examples=["王敏"])]
    updated_at: datetime


class StageCounts(View):
    """Interests at each stage now (`now`) and interests that ever got at least that far (`reached`)."""

    total: Annotated[int, Meta(examples=[120])]
    now: Annotated[dict[str, int], Meta(examples=[{"submitted": 60, "screened": 30, "interviewed": 15, "intention": 8, "signed": 4, "declined": 2, "withdrawn": 1}])]
    reached: Annotated[dict[str, int], Meta(examples=[{"submitted": 120, "screened": 57, "interviewed": 27, "intention": 12, "signed": 4}])]


class FunnelStop(View):
    stop_id: Annotated[uuid.UUID | None, Meta(description="Null: interests with no visit to the employer's booth at any stop of the event (applied online).")]
    name: Annotated[str, Meta(examples=["南京大学 仙林校区"])]
    counts: StageCounts


class FunnelEmployer(View):
    employer: EmployerSummary
    counts: StageCounts


class FunnelJob(View):
    job_id: uuid.UUID
    title: Annotated[str, Meta(examples=["Java 开发工程师"])]
    employer_id: uuid.UUID
    counts: StageCounts


class Funnel(View):
    """The hiring funnel of an event: every interest counted once per breakdown."""

    event_slug: Slug
    generated_at: datetime
    counts: StageCounts
    stops: list[FunnelStop]
    employers: list[FunnelEmployer]
    jobs: list[FunnelJob]


class EmployerInterest(View):
    """One application to the employer as its HR see it in the funnel: the profile only while the seeker shares it."""

    interest_id: uuid.UUID
    job_id: uuid.UUID
    job_title: Annotated[str, Meta(examples=["Java 开发工程师"])]
    event_slug: Slug
    applied_at: datetime
    stage: Stage
    profile: Annotated[VisitorProfile | None, Meta(description="Null once the seeker withdrew (and with it the consent to share).")]
    note: ContactNote | None
