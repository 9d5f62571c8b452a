"""Invitation links: how an HR account made without a password gets one (single use, seven days).

Three places make such accounts: an approved employer application, the employer import, and HR staff
inviting a colleague. Each shows the link once, to whoever made the account, and the invited person is
sent it. The token is an HMAC of the invitation's id under the app's secret (like a password reset's,
events/password_reset.py): the row keeps only its SHA-256, the outbox only the invitation's id, and the
message gets its link from `secret_params` in memory just before sending. Changing SECRET_KEY voids
the links not used yet. Accepting sets the password (and a login, for an account that has none), activates the
account and answers a token to sign in with. Deactivating an account withdraws its unused links
(`withdraw_invitations`), so a link cannot bring back someone who was let go.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from datetime import datetime, timedelta
from typing import Any

from events import accounts, identifiers, outbox, views
from events.db import write_transaction
from events.errors import Conflict, Gone, Invalid, NotFound
from events.settings import settings
from events.tables import Account, AuditEntry, Invitation

INVITATION_DAYS = 7
#: Stored instead of a password hash until the invitation is accepted: argon2 cannot verify it, so nobody signs in.
NO_PASSWORD = "!invited"  # noqa: S105 - a marker, not a password


#: The message kind that carries an invitation's link.
KIND = "invitation.created"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_token(invitation_id: uuid.UUID) -> str:
    """The secret in an invitation link: 43 URL-safe characters derived from the invitation's id and the app's secret."""
    mac = hmac.new(settings.secret_key.encode(), f"invitation:{invitation_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def invitation_url(invitation_id: uuid.UUID) -> str:
    return f"{settings.public_url}/invitations/{invitation_token(invitation_id)}"


def secret_params(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    """An invitation message's parameters with its link added, for rendering just before sending (never stored); other kinds as they are."""
    if kind != KIND or "invitation_id" not in params:
        return params
    return {**params, "url": invitation_url(uuid.UUID(str(params["invitation_id"])))}


def new_invitation(
    *, account_id: uuid.UUID, name: str, email: str | None, phone: str | None, now: datetime, application_id: uuid.UUID | None = None
) -> tuple[Invitation, views.InvitationLink]:
    """An unsaved invitation row and the link to show once; the caller inserts the row in its own transaction (one or many at once)."""
    invitation_id = uuid.uuid4()
    token = invitation_token(invitation_id)
    expires_at = now + timedelta(days=INVITATION_DAYS)
    row = Invitation(
        id=invitation_id, account=account_id, application=application_id, token_hash=_hash(token), expires_at=expires_at, created_at=now
    )
    link = views.InvitationLink(account_id=account_id, name=name, email=email, phone=phone, url=f"{settings.public_url}/invitations/{token}", expires_at=expires_at)
    return row, link


async def invite(
    *, account_id: uuid.UUID, name: str, email: str | None, phone: str | None, now: datetime, application_id: uuid.UUID | None = None
) -> views.InvitationLink:
    """Store an invitation for an account and answer its link (shown once)."""
    row, link = new_invitation(account_id=account_id, name=name, email=email, phone=phone, now=now, application_id=application_id)
    await Invitation.insert(row)
    await record_invitations([(row, link)], now=now)
    return link


async def record_invitations(invited: list[tuple[Invitation, views.InvitationLink]], *, now: datetime) -> None:
    """One `invitation.created` domain event per stored invitation, so the invited person is sent the link.

    The payload names the invitation, never its link: the message derives the link when it is sent (`secret_params`).
    """
    await outbox.record_many(
        KIND, [{"invitation_id": row.id, "account_id": link.account_id, "name": link.name, "expires_at": link.expires_at} for row, link in invited], now=now
    )


async def withdraw_invitations(*, account_id: uuid.UUID) -> None:
    """Unused links of an account stop working (its account was deactivated)."""
    await Invitation.delete().where((Invitation.account == account_id) & Invitation.used_at.is_null())


async def pending_accounts(account_ids: list[uuid.UUID], now: datetime) -> set[uuid.UUID]:
    """Which of these accounts hold a link that is neither used nor expired: invited, not joined yet."""
    if not account_ids:
        return set()
    rows = await Invitation.select(Invitation.account).where(
        Invitation.account.is_in(account_ids) & Invitation.used_at.is_null() & (Invitation.expires_at > now)
    )
    return {row["account"] for row in rows}


async def _invitation(token: str, now: datetime) -> dict[str, Any]:
    row = await Invitation.select(
        Invitation.id, Invitation.account, Invitation.expires_at, Invitation.used_at, Invitation.account.name, Invitation.account.email,
        Invitation.account.phone, Invitation.account.employer.name,
    ).where(Invitation.token_hash == _hash(token)).first()
    if row is None:
        raise NotFound("invitation_not_found", "No such invitation.")
    if row["used_at"] is not None:
        raise Gone("invitation_used", "This invitation was already used; sign in with the password set then.")
    if row["expires_at"] <= now:
        raise Gone("invitation_expired", "This invitation has expired; ask the organiser for a new one.")
    return row


async def get_invitation(*, token: str, now: datetime) -> views.Invitation:
    """Who an invitation is for (anyone holding the link may ask)."""
    row = await _invitation(token, now)
    return views.Invitation(
        name=row["account.name"],
        employer_name=row["account.employer.name"],
        email=row["account.email"],
        phone=row["account.phone"],
        needs_login=row["account.email"] is None and row["account.phone"] is None,
        expires_at=row["expires_at"],
    )


async def accept_invitation(
    *, token: str, now: datetime, password: str, email: str | None = None, phone: str | None = None
) -> views.Token:
    """Set the account's password (and its login, when it has none) and use the invitation up; answers a token to sign in with."""
    row = await _invitation(token, now)
    accounts.check_password_strength(password)
    login: dict[Any, Any] = {}
    if row["account.email"] is None and row["account.phone"] is None:
        if not (email or phone):
            raise Invalid("login_required", "Give an e-mail address or a mobile number to sign in with.")
        if email:
            login[Account.email] = identifiers.email(email)
        if phone:
            login[Account.phone] = identifiers.phone(phone)
    password_hash = await accounts.hash_password(password)
    async with write_transaction():
        for column, value in login.items():
            if await Account.exists().where((column == value) & (Account.id != row["account"])):
                raise Conflict("login_taken", "An account with this email or phone already exists.")
        # Single use: only the first of two tabs submitting the same link gets past this UPDATE.
        # A withdrawn link (its account deactivated meanwhile) is gone, and this finds nothing either.
        used = await Invitation.update({Invitation.used_at: now}).where(
            (Invitation.id == row["id"]) & Invitation.used_at.is_null() & (Invitation.expires_at > now)
        ).returning(Invitation.id)
        if not used:
            raise Gone("invitation_used", "This invitation was already used; sign in with the password set then.")
        updated = await Account.update(
            {Account.password_hash: password_hash, Account.is_active: True, Account.token_generation: Account.token_generation + 1, Account.updated_at: now, **login}
        ).where(Account.id == row["account"]).returning(Account.token_generation, Account.role)
        await AuditEntry.insert(AuditEntry(actor=row["account"], action="accept_invitation", target=f"account:{row['account']}", at=now))
    accounts.forget_account(row["account"])
    return accounts.issue_token(account_id=row["account"], role=updated[0]["role"], now=now, generation=updated[0]["token_generation"])
