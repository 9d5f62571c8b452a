"""Storage: every Piccolo table, with the constraints that keep the data true.

Composite unique constraints live in migrations as `CREATE UNIQUE INDEX` (Piccolo's
`Unique` constraint does not work on SQLite); their names are listed beside each table.
"""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import (
    UUID,
    Boolean,
    Bytea,
    ForeignKey,
    Integer,
    OnDelete,
    Real,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


def _created_at() -> Timestamptz:
    return Timestamptz(default=TimestamptzNow())


class Employer(Table):
    """A company that recruits."""

    id = UUID(primary_key=True)
    name = Varchar(length=200)
    #: 统一社会信用代码 (GB 32100-2015), 18 characters, check digit verified on the way in.
    credit_code = Varchar(length=18, unique=True)
    industry = Varchar(length=100, default="")
    city = Varchar(length=100, default="")
    website = Varchar(length=300, null=True, default=None)
    description = Text(default="")
    created_at = _created_at()
    updated_at = _created_at()


class Account(Table):
    """Anyone who signs in: organisers, HR staff bound to one employer, seekers."""

    class Role(StrEnum):
        organiser = "organiser"
        hr = "hr"
        seeker = "seeker"

    id = UUID(primary_key=True)
    role = Varchar(length=16, choices=Role)
    name = Varchar(length=100)
    #: Lower-cased; unique when present.
    email = Varchar(length=254, null=True, default=None, unique=True)
    #: E.164 (+8613812345678); unique when present.
    phone = Varchar(length=20, null=True, default=None, unique=True)
    password_hash = Varchar(length=255)
    #: Set for hr accounts only.
    employer = ForeignKey(Employer, null=True, default=None, on_delete=OnDelete.restrict)
    is_active = Boolean(default=True)
    #: Moves on every password change or reset; a token carries the number it was issued under and
    #: is refused once this moves on, so the account's other sign-ins end.
    token_generation = Integer(default=0)
    #: What messages to this person are written in: zh-CN or en.
    language = Varchar(length=8, default="zh-CN")
    created_at = _created_at()
    updated_at = _created_at()


class Event(Table):
    """One recruitment event: a talent train, a night market or a job fair."""

    class Kind(StrEnum):
        talent_train = "talent_train"
        night_market = "night_market"
        job_fair = "job_fair"

    class Status(StrEnum):
        draft = "draft"
        published = "published"
        cancelled = "cancelled"

    id = UUID(primary_key=True)
    slug = Varchar(length=80, unique=True)
    kind = Varchar(length=16, choices=Kind)
    title = Varchar(length=200)
    description = Text(default="")
    #: 主办单位, who runs it.
    host = Varchar(length=200, default="")
    city = Varchar(length=100, default="", index=True)
    timezone = Varchar(length=64, default="Asia/Shanghai")
    status = Varchar(length=16, choices=Status, default=Status.draft, index=True)
    #: Span of the event's stops that are not cancelled; kept by `schedule` for listing and date filters.
    starts_at = Timestamptz(null=True, default=None, index=True)
    ends_at = Timestamptz(null=True, default=None)
    published_at = Timestamptz(null=True, default=None)
    #: Registration window for every stop that sets none of its own; unset: from publication until the stop ends.
    registration_opens_at = Timestamptz(null=True, default=None)
    registration_closes_at = Timestamptz(null=True, default=None)
    created_at = _created_at()
    updated_at = _created_at()


class Stop(Table):
    """One place-and-time of an event: a campus visit, a night, a fair day."""

    class Status(StrEnum):
        scheduled = "scheduled"
        cancelled = "cancelled"

    id = UUID(primary_key=True)
    event = ForeignKey(Event, null=False, on_delete=OnDelete.restrict, index=True)
    name = Varchar(length=200, default="")
    school = Varchar(length=200, default="")
    campus = Varchar(length=200, default="")
    address = Varchar(length=300)
    city = Varchar(length=100, default="")
    latitude = Real(null=True, default=None)
    longitude = Real(null=True, default=None)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    #: IANA zone the stop's times are shown in; defaults to the event's.
    timezone = Varchar(length=64, default="Asia/Shanghai")
    capacity = Integer()
    status = Varchar(length=16, choices=Status, default=Status.scheduled)
    #: Bumped whenever time, place or status changes, so calendar subscribers see the change.
    sequence = Integer(default=0)
    registration_opens_at = Timestamptz(null=True, default=None)
    registration_closes_at = Timestamptz(null=True, default=None)
    #: Confirmed registrations; only ever changed by conditional UPDATEs in `registrations`.
    confirmed_count = Integer(default=0)
    #: Last waitlist ticket number handed out; waitlist order is by this number.
    waitlist_seq = Integer(default=0)
    #: Booths employers' applications may take at this stop; unset: no limit (see events.applications).
    booth_limit = Integer(null=True, default=None)
    created_at = _created_at()
    updated_at = _created_at()


class Booth(Table):
    """An employer's place at one stop (摊位/展位). Unique: booth_stop_label_unique, booth_stop_employer_unique."""

    id = UUID(primary_key=True)
    stop = ForeignKey(Stop, null=False, on_delete=OnDelete.restrict)
    employer = ForeignKey(Employer, null=False, on_delete=OnDelete.restrict, index=True)
    #: As printed on the floor plan, upper-cased ("A12").
    label = Varchar(length=16)
    created_at = _created_at()
    updated_at = _created_at()


class Job(Table):
    """A post an employer offers at an event."""

    class Status(StrEnum):
        open = "open"
        closed = "closed"

    class Education(StrEnum):
        none = "none"
        high_school = "high_school"
        associate = "associate"
        bachelor = "bachelor"
        master = "master"
        doctorate = "doctorate"

    id = UUID(primary_key=True)
    event = ForeignKey(Event, null=False, on_delete=OnDelete.restrict)
    employer = ForeignKey(Employer, null=False, on_delete=OnDelete.restrict, index=True)
    title = Varchar(length=200)
    description = Text(default="")
    category = Varchar(length=50, default="")
    city = Varchar(length=100, default="")
    headcount = Integer()
    #: Monthly salary in whole CNY.
    salary_min = Integer()
    salary_max = Integer()
    #: Months paid a year: 13 for 13薪.
    salary_months = Integer(default=12)
    education = Varchar(length=16, choices=Education, default=Education.none)
    #: JSON array of majors; an empty array means open to every major (专业不限).
    majors = Text(default="[]")
    status = Varchar(length=16, choices=Status, default=Status.open)
    #: Soft deletion: a deleted job keeps its row for the records that point at it.
    deleted_at = Timestamptz(null=True, default=None)
    created_at = _created_at()
    updated_at = _created_at()


class SeekerProfile(Table):
    """What a seeker tells about themselves at sign-up; one row per seeker account."""

    id = UUID(primary_key=True)
    account = ForeignKey(Account, null=False, unique=True, on_delete=OnDelete.restrict)
    school = Varchar(length=200, default="")
    major = Varchar(length=100, default="")
    #: One of Job.Education's values.
    degree = Varchar(length=16, choices=Job.Education, default=Job.Education.bachelor)
    graduation_year = Integer()
    created_at = _created_at()
    updated_at = _created_at()


class Consent(Table):
    """A seeker's recorded consent: to the privacy notice, or to share their profile with one employer."""

    class Purpose(StrEnum):
        privacy_notice = "privacy_notice"
        share_profile = "share_profile"
        #: Opt-in to non-transactional messages (digests, news beyond one's own stops); see events/consents.py.
        notifications = "notifications"

    id = UUID(primary_key=True)
    seeker = ForeignKey(Account, null=False, on_delete=OnDelete.restrict, index=True)
    purpose = Varchar(length=32, choices=Purpose)
    #: Version of the text agreed to (the privacy notice's, or of the sharing wording).
    version = Varchar(length=32)
    #: For share_profile: the employer the seeker agreed to share with.
    employer = ForeignKey(Employer, null=True, default=None, on_delete=OnDelete.restrict)
    given_at = Timestamptz()
    withdrawn_at = Timestamptz(null=True, default=None)


class Registration(Table):
    """A seeker's place at one stop. Unique: registration_stop_seeker_unique, registration_stop_short_code_unique."""

    class Status(StrEnum):
        confirmed = "confirmed"
        waitlisted = "waitlisted"
        cancelled = "cancelled"

    id = UUID(primary_key=True)
    stop = ForeignKey(Stop, null=False, on_delete=OnDelete.restrict)
    seeker = ForeignKey(Account, null=False, on_delete=OnDelete.restrict, index=True)
    status = Varchar(length=16, choices=Status)
    #: Place in the stop's waitlist order while waitlisted (see Stop.waitlist_seq).
    waitlist_seq = Integer(null=True, default=None)
    #: Eight characters a gate volunteer can type when the QR will not scan.
    short_code = Varchar(length=12)
    #: Bumped on every change of status, so a seeker's calendar feed can raise its SEQUENCE.
    revision = Integer(default=0)
    confirmed_at = Timestamptz(null=True, default=None)
    cancelled_at = Timestamptz(null=True, default=None)
    created_at = _created_at()
    updated_at = _created_at()


class AuditEntry(Table):
    """Who did what to whose data, and when: exports of personal data, access changes."""

    id = UUID(primary_key=True)
    actor = ForeignKey(Account, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    action = Varchar(length=64)
    #: What was acted on, as "table:id".
    target = Varchar(length=100, default="")
    detail = Text(default="")
    at = Timestamptz(index=True)


class CalendarToken(Table):
    """The secret in an account's private feed URL; only its SHA-256 is stored, one per account."""

    id = UUID(primary_key=True)
    account = ForeignKey(Account, null=False, unique=True, on_delete=OnDelete.cascade)
    #: hex SHA-256 of the token; the token itself is shown once.
    token_hash = Varchar(length=64, unique=True)
    created_at = _created_at()


class ScannerAccess(Table):
    """Check-in-only access to one stop's gate, for a volunteer's phone without an account."""

    id = UUID(primary_key=True)
    stop = ForeignKey(Stop, null=False, on_delete=OnDelete.restrict, index=True)
    label = Varchar(length=100, default="")
    #: hex SHA-256 of the access code; the code itself is shown once.
    token_hash = Varchar(length=64, unique=True)
    created_by = ForeignKey(Account, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = _created_at()
    expires_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)


class Scan(Table):
    """One raw scan from one device, kept for history and replay safety. Unique: scan_nonce_sender_unique."""

    class Kind(StrEnum):
        check_in = "check_in"
        visit = "visit"

    id = UUID(primary_key=True)
    #: The device's own id for this scan; a replayed scan carries the same nonce. Unique per sender, not globally:
    #: another account's device may pick the same one, and must neither be refused for it nor get this scan's answer.
    nonce = Varchar(length=64)
    #: Whose nonce it is: the scanner access of a volunteer's phone, else the staff account (staff may be blanked later; this stays).
    #: NOT NULL on PostgreSQL; SQLite cannot add that to an existing column, and scanning always sets it.
    sender = UUID(null=True, default=None)
    #: hex SHA-256 of the ticket as read: with kind and place, what a replay of the nonce must repeat. NULL on scans from before it was kept.
    ticket_digest = Varchar(length=64, null=True, default=None)
    kind = Varchar(length=16, choices=Kind)
    stop = ForeignKey(Stop, null=False, on_delete=OnDelete.restrict, index=True)
    booth = ForeignKey(Booth, null=True, default=None, on_delete=OnDelete.restrict, index=True)
    registration = ForeignKey(Registration, null=True, default=None, on_delete=OnDelete.restrict)
    #: "first", "repeat", or the refusal's code.
    outcome = Varchar(length=40)
    device = Varchar(length=100, default="")
    staff = ForeignKey(Account, null=True, default=None, on_delete=OnDelete.set_null)
    scanner_access = ForeignKey(ScannerAccess, null=True, default=None, on_delete=OnDelete.set_null)
    #: The device's clock when it scanned (offline scans arrive later).
    scanned_at = Timestamptz(null=True, default=None)
    received_at = Timestamptz()
    #: JSON array of job ids HR attached to a visit scan.
    job_ids = Text(default="[]")


class CheckIn(Table):
    """A registration's entry through a stop's gate, once. Unique: registration."""

    id = UUID(primary_key=True)
    registration = ForeignKey(Registration, null=False, unique=True, on_delete=OnDelete.restrict)
    stop = ForeignKey(Stop, null=False, on_delete=OnDelete.restrict, index=True)
    scan = ForeignKey(Scan, null=False, on_delete=OnDelete.restrict)
    checked_in_at = Timestamptz()
    #: Unix time // 900 of checked_in_at: the 15-minute slot, so reports group without date maths per engine.
    slot = Integer(index=True)


class Visit(Table):
    """A seeker's first scan at a booth; unique per (booth, seeker): visit_booth_seeker_unique."""

    id = UUID(primary_key=True)
    booth = ForeignKey(Booth, null=False, on_delete=OnDelete.restrict)
    seeker = ForeignKey(Account, null=False, on_delete=OnDelete.restrict, index=True)
    registration = ForeignKey(Registration, null=False, on_delete=OnDelete.restrict)
    stop = ForeignKey(Stop, null=False, on_delete=OnDelete.restrict, index=True)
    scan = ForeignKey(Scan, null=False, on_delete=OnDelete.restrict)
    visited_at = Timestamptz()
    slot = Integer()


class VisitJob(Table):
    """A job a visitor asked about at a booth, as HR noted it. Unique: visit_job_visit_job_unique."""

    id = UUID(primary_key=True)
    visit = ForeignKey(Visit, null=False, on_delete=OnDelete.restrict)
    job = ForeignKey(Job, null=False, on_delete=OnDelete.restrict)


class Interest(Table):
    """A seeker's consented "send my profile to this employer for this job" (扫码投递). Unique: interest_seeker_job_unique."""

    id = UUID(primary_key=True)
    seeker = ForeignKey(Account, null=False, on_delete=OnDelete.restrict, index=True)
    job = ForeignKey(Job, null=False, on_delete=OnDelete.restrict, index=True)
    employer = ForeignKey(Employer, null=False, on_delete=OnDelete.restrict, index=True)
    consent = ForeignKey(Consent, null=False, on_delete=OnDelete.restrict)
    created_at = _created_at()
    withdrawn_at = Timestamptz(null=True, default=None)

    class Stage(StrEnum):
        submitted = "submitted"
        screened = "screened"
        interviewed = "interviewed"
        intention = "intention"
        signed = "signed"
        declined = "declined"
        withdrawn = "withdrawn"

    #: Where the interest stands in the hiring funnel (events.funnel); its history is StageChange.
    stage = Varchar(length=16, choices=Stage, default=Stage.submitted)


class BoothPlace(Table):
    """A labelled place on a stop's floor plan (A01), laid out before employers are known. Unique: booth_place_stop_label_unique.

    A place is taken when the stop has a booth with its label; the booth, not the place, says whose it is.
    """

    id = UUID(primary_key=True)
    stop = ForeignKey(Stop, null=False, on_delete=OnDelete.restrict, index=True)
    #: As printed on the floor plan, upper-cased ("A01").
    label = Varchar(length=16)
    created_at = _created_at()


class EmployerApplication(Table):
    """An employer's request to take part in an event with booths at chosen stops (企业入驻 / 展位申请).

    Status: employer_application_status_check (CHECK on PostgreSQL, triggers on SQLite). One open application
    (submitted or waitlisted) per credit code and event: employer_application_open_unique.
    """

    class Status(StrEnum):
        submitted = "submitted"
        #: Approved by an organiser while a chosen stop had no free booth: waits, in order of application.
        waitlisted = "waitlisted"
        approved = "approved"
        rejected = "rejected"
        withdrawn = "withdrawn"
        cancelled = "cancelled"

    id = UUID(primary_key=True)
    event = ForeignKey(Event, null=False, on_delete=OnDelete.restrict, index=True)
    status = Varchar(length=16, choices=Status, default=Status.submitted, index=True)
    company = Varchar(length=200)
    #: 统一社会信用代码, check digit verified; not unique: a company applies to many events.
    credit_code = Varchar(length=18, index=True)
    contact_name = Varchar(length=100)
    #: E.164.
    contact_phone = Varchar(length=20)
    contact_email = Varchar(length=254)
    #: JSON array of the stop ids the employer asked for.
    stop_ids = Text(default="[]")
    hr_count = Integer(default=1)
    #: JSON array of job titles the employer brings.
    jobs = Text(default="[]")
    #: The business licence as uploaded (PNG, JPEG or PDF, at most 5 MB). In the database, not under DATA_DIR: it is
    #: written in the same statement as the application (no orphan or missing file), every worker on every machine
    #: reads it without a shared disk, and backups of the database carry it. Listings never select this column.
    licence = Bytea(null=True, default=None)
    licence_type = Varchar(length=32, null=True, default=None)
    #: The organiser's decision: JSON array of stop ids and JSON object stop id → booth label (kept while waitlisted).
    approved_stop_ids = Text(default="[]")
    booth_labels = Text(default="{}")
    reason = Text(default="")
    employer = ForeignKey(Employer, null=True, default=None, on_delete=OnDelete.restrict)
    decided_by = ForeignKey(Account, null=True, default=None, on_delete=OnDelete.set_null)
    decided_at = Timestamptz(null=True, default=None)
    created_at = _created_at()
    updated_at = _created_at()


class Invitation(Table):
    """A single-use link that lets an HR account set its password; only the token's SHA-256 is stored."""

    id = UUID(primary_key=True)
    account = ForeignKey(Account, null=False, on_delete=OnDelete.cascade, index=True)
    application = ForeignKey(EmployerApplication, null=True, default=None, on_delete=OnDelete.set_null)
    #: hex SHA-256 of the token; the token itself is shown once, to the organiser who approved.
    token_hash = Varchar(length=64, unique=True)
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    created_at = _created_at()


class DomainEvent(Table):
    """A fact a domain function recorded in the same transaction as the change (the outbox); the delivery worker fans it out."""

    id = UUID(primary_key=True)
    #: `registration.promoted`, `stop.changed`, ... (docs/notifications.md lists them).
    kind = Varchar(length=64)
    #: JSON object: the ids (as strings) subscribers need to find recipients, never an e-mail address or phone number.
    payload = Text(default="{}")
    occurred_at = Timestamptz()
    #: Set once the fan-out turned it into messages; unprocessed ones are indexed (domain_event_unprocessed).
    processed_at = Timestamptz(null=True, default=None)
    #: A worker's lease while it fans the event out; an expired lease lets another worker take it.
    claimed_until = Timestamptz(null=True, default=None)


class Message(Table):
    """One thing to tell one recipient on one channel, from a domain event; delivered at least once by the delivery worker."""

    class Channel(StrEnum):
        email = "email"
        sms = "sms"
        webhook = "webhook"

    class Status(StrEnum):
        pending = "pending"
        sending = "sending"
        delivered = "delivered"
        #: The last attempt failed; another follows at next_attempt_at.
        failed = "failed"
        #: Given up: too old, too many attempts, or refused for good.
        dead = "dead"
        #: The channel is not configured here (no SMTP_URL, no SMS provider).
        skipped = "skipped"
        cancelled = "cancelled"

    id = UUID(primary_key=True)
    domain_event = ForeignKey(DomainEvent, null=True, default=None, on_delete=OnDelete.set_null)
    #: The message kind: the domain event's kind, or e.g. `reminder.24h`, `password_reset.link`.
    kind = Varchar(length=64)
    channel = Varchar(length=16, choices=Channel)
    #: The person it is for; NULL for a webhook.
    account = ForeignKey(Account, null=True, default=None, on_delete=OnDelete.cascade, index=True)
    #: The webhook endpoint it is for (the webhooks migration adds the foreign key).
    webhook_id = UUID(null=True, default=None)
    #: `z***@example.com`, `138****0000` or the webhook's host: what logs and the delivery history may show.
    address_masked = Varchar(length=254, default="")
    #: JSON template parameters; never an address in clear.
    params = Text(default="{}")
    #: `{domain_event_id}:{channel}:{recipient id}`: a second fan-out of the same event creates nothing.
    idempotency_key = Varchar(length=200, unique=True)
    status = Varchar(length=16, choices=Status, default=Status.pending)
    attempts = Integer(default=0)
    #: Not before: the next try, or when a scheduled message is due. Due ones are indexed (message_due).
    next_attempt_at = Timestamptz()
    #: A worker's lease while it sends; a worker killed mid-send leaves it to expire, and the message is sent again.
    claimed_until = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    delivered_at = Timestamptz(null=True, default=None)
    last_response_code = Integer(null=True, default=None)
    #: At most 500 characters, addresses masked.
    last_error = Text(default="")


class DeliveryAttempt(Table):
    """One try at sending a message: the delivery log."""

    id = UUID(primary_key=True)
    message = ForeignKey(Message, null=False, on_delete=OnDelete.cascade, index=True)
    attempted_at = Timestamptz()
    #: delivered, retry or give_up.
    outcome = Varchar(length=16)
    response_code = Integer(null=True, default=None)
    #: At most 500 characters, addresses masked.
    response = Text(default="")
    duration_ms = Integer(default=0)


class PasswordReset(Table):
    """A forgotten-password request: an e-mail link or an SMS code, single use, 15 minutes (events/password_reset.py).

    Neither the link's token nor the code is stored: both are HMACs of this row's id under the
    app's secret, so a copy of the database (or of the outbox's message params) opens no account.
    """

    id = UUID(primary_key=True)
    account = ForeignKey(Account, null=False, on_delete=OnDelete.cascade, index=True)
    #: "link" (sent to the account's e-mail) or "code" (sent by SMS to its phone).
    method = Varchar(length=8)
    #: hex SHA-256 of the link's token, to find the reset by the token.
    token_hash = Varchar(length=64, unique=True)
    #: hex HMAC-SHA256 of the 6-digit code (a plain hash of six digits would be reversed in a second).
    code_hash = Varchar(length=64)
    expires_at = Timestamptz()
    #: Set when the reset was used, superseded by a newer one, or burnt by too many wrong codes.
    used_at = Timestamptz(null=True, default=None)
    #: Wrong codes tried against this reset.
    attempts = Integer(default=0)
    created_at = _created_at()


class WebhookEndpoint(Table):
    """A URL an organiser or an employer's HR registered to receive domain events, signed per Standard Webhooks."""

    id = UUID(primary_key=True)
    owner = ForeignKey(Account, null=False, on_delete=OnDelete.cascade, index=True)
    #: An HR owner's employer: the endpoint receives only events about this employer (events.webhooks). NULL for organisers.
    employer = ForeignKey(Employer, null=True, default=None, on_delete=OnDelete.cascade)
    #: https:// (http:// only with WEBHOOK_ALLOW_HTTP); checked when registered and again, after DNS, on every delivery.
    url = Varchar(length=2000)
    #: JSON array of domain event kinds.
    event_types = Text(default="[]")
    description = Varchar(length=500, default="")
    #: whsec_<base64 of 32 random bytes>, the HMAC key; shown once, when created or rotated.
    secret = Varchar(length=100, secret=True)
    #: The secret before the last rotation: deliveries are signed with both until previous_secret_expires_at.
    previous_secret = Varchar(length=100, null=True, default=None, secret=True)
    previous_secret_expires_at = Timestamptz(null=True, default=None)
    is_active = Boolean(default=True)
    #: Why it stopped: "gone" (answered 410), "failing" (3 days of failures), "" while active.
    disabled_reason = Varchar(length=32, default="")
    #: First failed delivery since the last success; NULL while healthy.
    failing_since = Timestamptz(null=True, default=None)
    created_at = _created_at()


# ---------------------------------------------------------------- issue 14, slots: interview slots and bookings


class Slot(Table):
    """A time at a booth when HR interview one or a few seekers (面试时段). Bookings fill it; never past `size`."""

    class Status(StrEnum):
        open = "open"
        cancelled = "cancelled"

    id = UUID(primary_key=True)
    booth = ForeignKey(Booth, null=False, on_delete=OnDelete.restrict, index=True)
    #: The booth's stop, kept beside it so a stop's slots are read without a join.
    stop = ForeignKey(Stop, null=False, on_delete=OnDelete.restrict, index=True)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    #: Places: 1 for one-to-one, more for a group interview.
    size = Integer(default=1)
    #: Places taken; only ever changed by conditional UPDATEs in `bookings` (never above size).
    booked_count = Integer(default=0)
    #: JSON array of the job ids the slot is for; empty: any of the employer's jobs.
    job_ids = Text(default="[]")
    #: JSON object {"education_min", "majors", "graduation_years"}; a missing or empty key sets no condition.
    eligibility = Text(default="{}")
    #: A seeker may cancel until this many minutes before the slot starts.
    cancel_cutoff_minutes = Integer(default=60)
    status = Varchar(length=16, choices=Status, default=Status.open)
    #: Bumped whenever the time or status changes, so calendar subscribers see the change.
    sequence = Integer(default=0)
    created_by = ForeignKey(Account, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = _created_at()
    updated_at = _created_at()


class Booking(Table):
    """A seeker's place in a slot. One active booking per (slot, seeker): booking_slot_seeker_active_unique."""

    class Status(StrEnum):
        booked = "booked"
        cancelled = "cancelled"
        attended = "attended"
        no_show = "no_show"

    id = UUID(primary_key=True)
    slot = ForeignKey(Slot, null=False, on_delete=OnDelete.restrict, index=True)
    seeker = ForeignKey(Account, null=False, on_delete=OnDelete.restrict, index=True)
    #: The seeker's registration at the slot's stop when they booked, if they had one.
    registration = ForeignKey(Registration, null=True, default=None, on_delete=OnDelete.set_null)
    #: Copied from the slot, so overlap checks and counts need no join: stop, employer and times.
    stop = ForeignKey(Stop, null=False, on_delete=OnDelete.restrict)
    employer = ForeignKey(Employer, null=False, on_delete=OnDelete.restrict, index=True)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    status = Varchar(length=16, choices=Status, default=Status.booked)
    #: The HR account whose invitation the seeker accepted; NULL when the seeker booked on their own.
    invited_by = ForeignKey(Account, null=True, default=None, on_delete=OnDelete.set_null)
    #: Bumped on every change, so the seeker's calendar feed raises its SEQUENCE.
    revision = Integer(default=0)
    created_at = _created_at()
    cancelled_at = Timestamptz(null=True, default=None)
    #: When HR marked attended or no-show.
    marked_at = Timestamptz(null=True, default=None)
    updated_at = _created_at()


class SlotInvitation(Table):
    """HR asking a visitor who shared their profile to come to a slot; accepting books the place. Unique: slot_invitation_slot_seeker_unique."""

    class State(StrEnum):
        invited = "invited"
        accepted = "accepted"
        declined = "declined"

    id = UUID(primary_key=True)
    slot = ForeignKey(Slot, null=False, on_delete=OnDelete.restrict, index=True)
    seeker = ForeignKey(Account, null=False, on_delete=OnDelete.restrict, index=True)
    invited_by = ForeignKey(Account, null=True, default=None, on_delete=OnDelete.set_null)
    state = Varchar(length=16, choices=State, default=State.invited)
    booking = ForeignKey(Booking, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = _created_at()
    decided_at = Timestamptz(null=True, default=None)


# ---------------------------------------------------------------- hiring funnel (issue 14, h-funnel)


class StageChange(Table):
    """One move of an interest between funnel stages: who moved it, when, and why (the interest's history)."""

    id = UUID(primary_key=True)
    interest = ForeignKey(Interest, null=False, on_delete=OnDelete.restrict, index=True)
    from_stage = Varchar(length=16, choices=Interest.Stage)
    to_stage = Varchar(length=16, choices=Interest.Stage)
    #: HR who moved it, or the seeker (withdrawal); null once that account is gone.
    actor = ForeignKey(Account, null=True, default=None, on_delete=OnDelete.set_null)
    note = Text(default="")
    at = Timestamptz()


class ContactNote(Table):
    """HR's private note on one visitor or one interest; belongs to the employer.

    Unique: contact_note_employer_visit_unique, contact_note_employer_interest_unique. Exactly one of visit and interest is set.
    """

    id = UUID(primary_key=True)
    employer = ForeignKey(Employer, null=False, on_delete=OnDelete.restrict, index=True)
    visit = ForeignKey(Visit, null=True, default=None, on_delete=OnDelete.restrict)
    interest = ForeignKey(Interest, null=True, default=None, on_delete=OnDelete.restrict)
    #: 1 (weak) to 5 (strong), or none.
    rating = Integer(null=True, default=None)
    #: A JSON list of the employer's own tags.
    tags = Text(default="[]")
    text = Text(default="")
    next_step = Varchar(length=200, default="")
    author = ForeignKey(Account, null=True, default=None, on_delete=OnDelete.set_null)
    updated_at = Timestamptz()


ALL_TABLES: tuple[type[Table], ...] = (
    Employer,
    Account,
    Event,
    Stop,
    Booth,
    Job,
    SeekerProfile,
    Consent,
    Registration,
    AuditEntry,
    CalendarToken,
    ScannerAccess,
    Scan,
    CheckIn,
    Visit,
    VisitJob,
    Interest,
    BoothPlace,
    EmployerApplication,
    Invitation,
    DomainEvent,
    Message,
    DeliveryAttempt,
    PasswordReset,
    WebhookEndpoint,
    # issue 14, slots
    Slot,
    Booking,
    SlotInvitation,
    StageChange,
    ContactNote,
)
