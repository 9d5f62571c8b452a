"""Employers and their HR staff accounts."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from events import calendar, identifiers, invitations, views
from events.accounts import Actor, create_account, forget_account, generate_password, insert_account, require_organiser, require_role
from events.db import contains, write_transaction
from events.errors import Conflict, Forbidden, Invalid, NotFound, Refused
from events.tables import Account, AuditEntry, Employer, EmployerApplication

#: Fields HR staff may change on their own employer; the legal name and credit code stay with organisers.
HR_EDITABLE = frozenset({"industry", "city", "website", "description"})


def employer_view(row: Employer, *, vetting: str | None = None) -> views.Employer:
    return views.Employer(
        vetting=vetting,
        id=row.id,
        name=row.name,
        credit_code=row.credit_code,
        industry=row.industry,
        city=row.city,
        website=row.website,
        description=row.description,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _clean(changes: Mapping[str, Any]) -> dict[str, Any]:
    cleaned = {name: value.strip() if isinstance(value, str) else value for name, value in changes.items()}
    if "credit_code" in cleaned:
        cleaned["credit_code"] = identifiers.credit_code(cleaned["credit_code"])
    if cleaned.get("website"):
        cleaned["website"] = identifiers.website(cleaned["website"])
    return cleaned


async def create_employer(
    *,
    actor: Actor,
    now: datetime,
    name: str,
    credit_code: str,
    industry: str = "",
    city: str = "",
    website: str | None = None,
    description: str = "",
) -> views.Employer:
    require_organiser(actor)
    fields = _clean(
        {"name": name, "credit_code": credit_code, "industry": industry, "city": city, "website": website, "description": description}
    )
    employer = Employer(**fields, created_at=now, updated_at=now)
    inserted = await Employer.insert(employer).on_conflict(action="DO NOTHING").returning(Employer.id)
    if not inserted:
        raise Conflict("credit_code_taken", "An employer with this credit code already exists.")
    return employer_view(employer)


async def _load(employer_id: uuid.UUID) -> Employer:
    employer = await Employer.objects().where(Employer.id == employer_id).first()
    if employer is None:
        raise NotFound("employer_not_found", "No such employer.")
    return employer


async def get_employer(*, employer_id: uuid.UUID) -> views.Employer:
    """An employer's public profile: the details printed on any business licence."""
    return employer_view(await _load(employer_id))


async def list_employers(*, actor: Actor, q: str | None, limit: int, offset: int) -> views.EmployerPage:
    require_organiser(actor)
    where = []
    if q:
        where.append(contains(Employer.name, q.strip()) | (Employer.credit_code == q.strip().upper()))
    query = Employer.objects().where(*where).order_by(Employer.name).limit(limit).offset(offset)
    total = await Employer.count().where(*where)
    rows = await query
    vetting = await _vetting([row.credit_code for row in rows])
    return views.EmployerPage(items=[employer_view(row, vetting=vetting.get(row.credit_code, "added")) for row in rows], total=total, limit=limit, offset=offset)


#: Which application status decides an employer's vetting state, strongest first.
_VETTING = (("approved", "approved"), ("submitted", "applying"), ("waitlisted", "applying"), ("rejected", "rejected"))


async def _vetting(credit_codes: list[str]) -> dict[str, str]:
    """Each credit code's vetting state from its applications; a code with none was added by an organiser."""
    if not credit_codes:
        return {}
    found: dict[str, set[str]] = {}
    for row in await EmployerApplication.select(EmployerApplication.credit_code, EmployerApplication.status).where(
        EmployerApplication.credit_code.is_in(credit_codes)
    ):
        found.setdefault(row["credit_code"], set()).add(row["status"])
    return {code: next((state for status, state in _VETTING if status in statuses), "added") for code, statuses in found.items()}


async def update_employer(*, actor: Actor, now: datetime, employer_id: uuid.UUID, changes: Mapping[str, Any]) -> views.Employer:
    require_role(actor, "organiser", "hr")
    employer = await _load(employer_id)
    if actor.role == "hr":
        if not actor.works_for(employer.id):
            raise Forbidden("not_your_employer", "HR staff may only edit their own employer.")
        if not HR_EDITABLE.issuperset(changes):
            raise Forbidden("organiser_only_field", "Only organisers may change an employer's name or credit code.")
    fields = _clean(changes)
    if not fields:
        return employer_view(employer)
    fields["updated_at"] = now
    if "credit_code" in fields and fields["credit_code"] != employer.credit_code:
        if await Employer.exists().where((Employer.credit_code == fields["credit_code"]) & (Employer.id != employer.id)):
            raise Conflict("credit_code_taken", "An employer with this credit code already exists.")
    await Employer.update(fields).where(Employer.id == employer.id)
    calendar.changed()
    return employer_view(await _load(employer.id))


async def add_staff(
    *,
    actor: Actor,
    now: datetime,
    employer_id: uuid.UUID,
    name: str,
    email: str | None,
    phone: str | None,
    password: str | None,
) -> views.StaffCreated:
    """Create an HR account bound to the employer; a password is generated when none is given.

    Organisers add staff to any employer; HR staff invite colleagues to their own.
    """
    require_role(actor, "organiser", "hr")
    if actor.role == "hr" and not actor.works_for(employer_id):
        raise Forbidden("not_your_employer", "HR staff may only add colleagues to their own employer.")
    await _load(employer_id)
    initial_password = generate_password() if password is None else None
    account = await create_account(
        role="hr",
        name=name,
        email=email,
        phone=phone,
        password=password or initial_password,
        employer_id=employer_id,
        now=now,
    )
    await AuditEntry.insert(AuditEntry(actor=actor.id, action="create_hr_account", target=f"employer:{employer_id}", detail=f"account:{account.id}", at=now))
    return views.StaffCreated(account=account, initial_password=initial_password)


async def invite_staff(
    *, actor: Actor, now: datetime, employer_id: uuid.UUID, name: str, email: str | None, phone: str | None
) -> views.StaffCreated:
    """An HR account without a password and its invitation link (shown once): the colleague sets the password.

    Organisers invite to any employer; HR staff to their own. Nobody but the colleague ever knows the password.
    """
    require_role(actor, "organiser", "hr")
    if actor.role == "hr" and not actor.works_for(employer_id):
        raise Forbidden("not_your_employer", "HR staff may only add colleagues to their own employer.")
    await _load(employer_id)
    async with write_transaction():
        account = await insert_account(
            role="hr", name=name, email=email, phone=phone, password_hash=invitations.NO_PASSWORD, employer_id=employer_id, now=now
        )
        link = await invitations.invite(account_id=account.id, name=account.name, email=account.email, phone=account.phone, now=now)
        await AuditEntry.insert(AuditEntry(actor=actor.id, action="invite_hr_account", target=f"employer:{employer_id}", detail=f"account:{account.id}", at=now))
    return views.StaffCreated(account=account, initial_password=None, invitation=link)


def _may_manage_staff(actor: Actor, employer_id: uuid.UUID) -> None:
    require_role(actor, "organiser", "hr")
    if actor.role == "hr" and not actor.works_for(employer_id):
        raise Forbidden("not_your_employer", "HR staff see and change only their own employer's accounts.")


async def list_staff(*, actor: Actor, now: datetime, employer_id: uuid.UUID) -> list[views.Colleague]:
    """The employer's HR accounts, active first, for its own HR staff and organisers."""
    _may_manage_staff(actor, employer_id)
    await _load(employer_id)
    rows = await Account.select(Account.id, Account.name, Account.email, Account.phone, Account.is_active, Account.created_at).where(
        (Account.employer == employer_id) & (Account.role == Account.Role.hr)
    ).order_by(Account.is_active, ascending=False).order_by(Account.created_at)
    invited = await invitations.pending_accounts([row["id"] for row in rows], now)
    return [views.Colleague(**row, is_invited=row["id"] in invited) for row in rows]


async def deactivate_staff(*, actor: Actor, now: datetime, employer_id: uuid.UUID, account_id: uuid.UUID) -> views.Colleague:
    """Stop an HR account from signing in; its sign-ins end at once. Nobody deactivates themselves (the last way in might go)."""
    _may_manage_staff(actor, employer_id)
    if actor.id == account_id:
        raise Refused("cannot_deactivate_self", "You cannot deactivate your own account; ask a colleague or the organiser.")
    async with write_transaction():
        rows = await Account.update({Account.is_active: False, Account.token_generation: Account.token_generation + 1, Account.updated_at: now}).where(
            (Account.id == account_id) & (Account.employer == employer_id) & (Account.role == Account.Role.hr)
        ).returning(Account.id, Account.name, Account.email, Account.phone, Account.is_active, Account.created_at)
        if not rows:
            # Another employer's account reads as missing: HR learn nothing about who works elsewhere.
            raise NotFound("account_not_found", "No such colleague.")
        # A link still unused would activate the account again: it goes too.
        await invitations.withdraw_invitations(account_id=account_id)
        await AuditEntry.insert(AuditEntry(actor=actor.id, action="deactivate_hr_account", target=f"account:{account_id}", detail=f"employer:{employer_id}", at=now))
    forget_account(account_id)
    return views.Colleague(**rows[0])


async def check_credit_code(*, actor: Actor, code: str) -> views.CreditCodeCheck:
    """Whether a typed 统一社会信用代码 is valid (check digit) and already an employer's: what the form says as it is typed."""
    require_organiser(actor)
    try:
        normal = identifiers.credit_code(code)
    except Invalid as error:
        return views.CreditCodeCheck(valid=False, credit_code=code.strip().upper(), taken=False, code=error.code)
    taken = await Employer.exists().where(Employer.credit_code == normal)
    return views.CreditCodeCheck(valid=True, credit_code=normal, taken=taken, code="credit_code_taken" if taken else None)


async def staff_counts(*, actor: Actor, employer_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Active HR accounts per employer (an employer nobody can sign in for is not ready for an event)."""
    require_organiser(actor)
    if not employer_ids:
        return {}
    from piccolo.query.functions.aggregate import Count

    rows = await Account.select(Account.employer, Count()).where(
        Account.employer.is_in(employer_ids) & (Account.is_active == True)  # noqa: E712 - a SQL comparison
    ).group_by(Account.employer)
    return {row["employer"]: row["count"] for row in rows}
