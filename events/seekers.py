"""Seekers: mobile sign-up with recorded consent, their own profile, and their personal data (export and deletion)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import phonenumbers

from events import calendar, contact_notes, funnel, identifiers, views
from events.accounts import (
    Actor,
    account_view,
    check_password_strength,
    forget_account,
    hash_password,
    insert_account,
    issue_token,
    require_role,
)
from events.bookings import cancel_upcoming_bookings, my_bookings, my_invitations
from events.db import write_transaction
from events.errors import Conflict, Invalid, Unauthorized
from events.interests import seekers_interests
from events.registrations import cancel_all_upcoming, my_registrations
from events.tables import Account, AuditEntry, CheckIn, Consent, Interest, SeekerProfile, Visit

#: Version of the privacy notice at /privacy; a sign-up must name the version it agreed to.
PRIVACY_NOTICE_VERSION = "2026-11"
ANONYMOUS_NAME = "已注销用户"
PROFILE_FIELDS = frozenset({"school", "major", "degree", "graduation_year"})


def mainland_mobile(value: str) -> str:
    """A mainland China mobile number in E.164; landlines and other countries are refused."""
    e164 = identifiers.phone(value)
    number = phonenumbers.parse(e164)
    kind = phonenumbers.number_type(number)
    if phonenumbers.region_code_for_number(number) != "CN" or kind not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise Invalid("mainland_mobile_required", "Sign up with a mainland China mobile number (11 digits, 1…).")
    return e164


def _profile_view(row: dict[str, Any] | None) -> views.SeekerProfile | None:
    if row is None:
        return None
    return views.SeekerProfile(school=row["school"], major=row["major"], degree=row["degree"], graduation_year=row["graduation_year"])


async def me(*, actor: Actor) -> views.Me:
    """The signed-in account, with the profile for seekers."""
    require_role(actor, "organiser", "hr", "seeker")
    account = await Account.objects().where(Account.id == actor.id).first()
    if account is None:
        raise Unauthorized("token_invalid", "The access token is not valid.")
    profile = await SeekerProfile.select().where(SeekerProfile.account == actor.id).first() if actor.role == "seeker" else None
    base = account_view(account)
    return views.Me(**{name: getattr(base, name) for name in views.Account.__struct_fields__}, profile=_profile_view(profile))


async def sign_up(
    *,
    now: datetime,
    name: str,
    phone: str,
    password: str,
    school: str,
    major: str,
    degree: str,
    graduation_year: int,
    privacy_notice_version: str,
    accept_privacy_notice: bool,
    email: str | None = None,
) -> views.SignedUp:
    """Create a seeker account, its profile and its consent to the privacy notice, in one transaction."""
    if not accept_privacy_notice:
        raise Invalid("privacy_consent_required", "Agree to the privacy notice to sign up.")
    if privacy_notice_version != PRIVACY_NOTICE_VERSION:
        raise Invalid("privacy_notice_outdated", f"The privacy notice is now version {PRIVACY_NOTICE_VERSION}; read it again.")
    if not now.year - 10 <= graduation_year <= now.year + 10:
        raise Invalid("graduation_year_out_of_range", "The graduation year must be within ten years of now.")
    phone = mainland_mobile(phone)
    check_password_strength(password)
    password_hash = await hash_password(password)
    async with write_transaction():
        account = await insert_account(role="seeker", name=name, email=email, phone=phone, password_hash=password_hash, employer_id=None, now=now)
        await SeekerProfile.insert(
            SeekerProfile(account=account.id, school=school.strip(), major=major.strip(), degree=degree, graduation_year=graduation_year, created_at=now, updated_at=now)
        )
        await Consent.insert(Consent(seeker=account.id, purpose=Consent.Purpose.privacy_notice, version=PRIVACY_NOTICE_VERSION, given_at=now))
    seeker = await me(actor=Actor(role="seeker", id=account.id))
    return views.SignedUp(seeker=seeker, token=issue_token(account_id=account.id, role="seeker", now=now))


async def update_me(*, actor: Actor, now: datetime, changes: Mapping[str, Any]) -> views.Me:
    """Change one's own name, email or phone; seekers also their profile."""
    require_role(actor, "organiser", "hr", "seeker")
    fields = {name: value.strip() if isinstance(value, str) else value for name, value in changes.items()}
    profile = {name: fields.pop(name) for name in PROFILE_FIELDS.intersection(fields)}
    if profile and actor.role != "seeker":
        raise Invalid("profile_is_for_seekers", "Only seekers have a school, major, degree and graduation year.")
    if fields.get("email") is not None:
        fields["email"] = identifiers.email(fields["email"])
    if "phone" in fields:
        fields["phone"] = mainland_mobile(fields["phone"]) if actor.role == "seeker" else identifiers.phone(fields["phone"])
    if "graduation_year" in profile and not now.year - 10 <= profile["graduation_year"] <= now.year + 10:
        raise Invalid("graduation_year_out_of_range", "The graduation year must be within ten years of now.")
    async with write_transaction():
        for column in ("email", "phone"):
            if fields.get(column) is not None and await Account.exists().where(
                (getattr(Account, column) == fields[column]) & (Account.id != actor.id)
            ):
                raise Conflict("login_taken", f"Another account already uses this {column}.")
        if fields:
            await Account.update({**fields, "updated_at": now}).where(Account.id == actor.id)
        if profile:
            await SeekerProfile.update({**profile, "updated_at": now}).where(SeekerProfile.account == actor.id)
    return await me(actor=actor)


async def export_me(*, actor: Actor, now: datetime) -> views.PersonalData:
    """Everything stored about the seeker, as one JSON document (PIPL art. 45)."""
    require_role(actor, "seeker")
    consents = await Consent.select(Consent.purpose, Consent.version, Consent.employer, Consent.given_at, Consent.withdrawn_at).where(
        Consent.seeker == actor.id
    )
    await AuditEntry.insert(AuditEntry(actor=actor.id, action="export_own_data", target=f"account:{actor.id}", at=now))
    check_ins = await CheckIn.select(CheckIn.checked_in_at).where(CheckIn.registration.seeker == actor.id)
    visits = await Visit.select(Visit.booth.label, Visit.booth.employer.name, Visit.visited_at).where(Visit.seeker == actor.id)
    return views.PersonalData(
        exported_at=now,
        account=await me(actor=actor),
        consents=[views.ConsentRecord(**row) for row in consents],
        registrations=await my_registrations(actor=actor),
        interests=await seekers_interests(actor.id),
        check_ins=[row["checked_in_at"] for row in check_ins],
        visits=[f"{row['booth.label']} {row['booth.employer.name']} {row['visited_at'].isoformat()}" for row in visits],
        bookings=await my_bookings(actor=actor),
        slot_invitations=await my_invitations(actor=actor),
        contact_notes=await contact_notes.notes_about(actor.id),
    )


async def delete_me(*, actor: Actor, now: datetime) -> None:
    """Anonymise the seeker: registrations and counts stay, name, phone, email and profile go; upcoming places are given up."""
    require_role(actor, "seeker")
    await cancel_all_upcoming(seeker_id=actor.id, now=now)
    await cancel_upcoming_bookings(seeker_id=actor.id, now=now)
    # Nothing can match a hash of a random password nobody saw.
    unusable = await hash_password(secrets.token_urlsafe(32))
    async with write_transaction():
        await Account.update(
            {
                Account.name: ANONYMOUS_NAME,
                Account.email: None,
                Account.phone: None,
                Account.password_hash: unusable,
                Account.is_active: False,
                Account.updated_at: now,
            }
        ).where(Account.id == actor.id)
        await SeekerProfile.update({SeekerProfile.school: "", SeekerProfile.major: "", SeekerProfile.updated_at: now}).where(
            SeekerProfile.account == actor.id
        )
        await Consent.update({Consent.withdrawn_at: now}).where((Consent.seeker == actor.id) & Consent.withdrawn_at.is_null())
        open_interests = await Interest.select(Interest.id, Interest.stage).where((Interest.seeker == actor.id) & Interest.withdrawn_at.is_null())
        await Interest.update({Interest.withdrawn_at: now, Interest.stage: Interest.Stage.withdrawn}).where(
            (Interest.seeker == actor.id) & Interest.withdrawn_at.is_null()
        )
        for row in open_interests:
            await funnel.record_change(interest_id=row["id"], from_stage=row["stage"], to_stage=Interest.Stage.withdrawn, actor_id=actor.id, note="", now=now)
        await AuditEntry.insert(AuditEntry(actor=actor.id, action="delete_own_account", target=f"account:{actor.id}", at=now))
    forget_account(actor.id)
    calendar.changed()
