"""Employers and their HR staff accounts."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from events import calendar, identifiers, views
from events.accounts import Actor, create_account, generate_password, require_organiser, require_role
from events.db import contains
from events.errors import Conflict, Forbidden, NotFound
from events.tables import AuditEntry, Employer

#: Fields HR staff may change on their own employer; the legal name and credit code stay with organisers.
HR_EDITABLE = frozenset({"industry", "city", "website", "description"})


def employer_view(row: Employer) -> views.Employer:
    return views.Employer(
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
    return views.EmployerPage(items=[employer_view(row) for row in await query], total=total, limit=limit, offset=offset)


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
    """Create an HR account bound to the employer; a password is generated when none is given."""
    require_organiser(actor)
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
