"""Forgotten passwords: a reset by e-mail link or SMS code, single use, 15 minutes, rate-limited, silent about who exists.

A request answers the same whether or not the login belongs to an account (and takes at least
`password_reset_answer_seconds`, so time does not tell either). For an active account it stores a
`PasswordReset` row and records `password_reset.requested`; the fan-out turns that into one message:
a link by e-mail when the account has an address (`password_reset.link`), else a 6-digit code by
SMS (`password_reset.code`).

Neither the link's token nor the code is stored anywhere, not even in the outbox: both are HMACs
of the reset's id under the app's secret. The message carries only the reset id; the channel calls
`secret_params` when it renders the message, in memory, just before sending. So a copy of the
database, a backup or the delivery log opens no account; changing SECRET_KEY voids open resets
(they last 15 minutes anyway). The row keeps the token's SHA-256 (to find the reset by its link)
and an HMAC of the code (six digits would be reversed from a plain hash in a second).

Confirming checks the token or code before hashing the new password (no free argon2 for guessers),
hashes outside the write transaction, then uses the reset up with a conditional UPDATE (two tabs
racing: one wins), moves the account's token generation on (every sign-in ends) and voids the
account's other open resets. Five wrong codes burn a reset; wrong tries also count per account and
per address.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import anyio

from events import accounts, db, outbox
from events.errors import Incorrect, Invalid
from events.notify import DomainEventView, Plan, mask_address, subscriber
from events.ratelimit import Limiter
from events.settings import settings
from events.tables import Account, PasswordReset

RESET_MINUTES = 15
MAX_CODE_ATTEMPTS = 5
REQUESTED = "password_reset.requested"
LINK = "password_reset.link"
CODE = "password_reset.code"


def _mac(purpose: str, text: str) -> bytes:
    return hmac.new(settings.secret_key.encode(), f"password-reset:{purpose}:{text}".encode(), hashlib.sha256).digest()


def link_token(reset_id: uuid.UUID) -> str:
    """The secret in a reset link: 43 URL-safe characters derived from the reset's id and the app's secret."""
    return base64.urlsafe_b64encode(_mac("link", str(reset_id))).rstrip(b"=").decode()


def sms_code(reset_id: uuid.UUID) -> str:
    """The 6-digit code of a reset, derived like the link's token."""
    return f"{int.from_bytes(_mac('code', str(reset_id))[:8], 'big') % 1_000_000:06d}"


def link_url(reset_id: uuid.UUID) -> str:
    return f"{settings.public_url}/password-reset/confirm?token={link_token(reset_id)}"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _code_hash(reset_id: uuid.UUID, code: str) -> str:
    return _mac("code-check", f"{reset_id}:{code}").hex()


def secret_params(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    """A reset message's parameters with its link or code added, for rendering just before sending (never stored).

    Other kinds come back as they are.
    """
    if kind not in (LINK, CODE) or "reset_id" not in params:
        return params
    reset_id = uuid.UUID(str(params["reset_id"]))
    if kind == LINK:
        return {**params, "reset_url": link_url(reset_id)}
    return {**params, "code": sms_code(reset_id)}


def _login(login: str) -> tuple[str, str]:
    """How sign-in reads a login; text that is neither an e-mail nor a phone number is counted under itself and finds nobody."""
    try:
        return accounts.normalise_login(login)
    except Invalid:
        return "unknown", login.strip().lower()


async def _account(kind: str, value: str) -> dict[str, Any] | None:
    if kind == "unknown":
        return None
    column = Account.email if kind == "email" else Account.phone
    return await Account.select(Account.id, Account.email, Account.phone).where((column == value) & (Account.is_active == True)).first()  # noqa: E712 - SQL


async def request_reset(*, login: str, address: str, now: datetime, limiter: Limiter) -> None:
    """Start a reset for the account behind `login`, if there is one; the caller answers 202 either way."""
    started = time.monotonic()
    try:
        await limiter.hit("password_reset_address", address)
        kind, value = _login(login)
        # Counted per login whether or not an account has it: a 429 says nothing about who exists.
        await limiter.hit("password_reset_account", value)
        account = await _account(kind, value)
        if account is not None:
            await _start(account, now=now)
    finally:
        # A known login writes a row and an event, an unknown one nothing: pad both to the same floor.
        await anyio.sleep(max(0.0, settings.password_reset_answer_seconds - (time.monotonic() - started)))


async def _start(account: dict[str, Any], *, now: datetime) -> uuid.UUID:
    reset_id = uuid.uuid4()
    method = "link" if account["email"] else "code"
    async with db.write_transaction():
        # One open reset per account: asking again voids the link or code sent before.
        await PasswordReset.update({PasswordReset.used_at: now}).where((PasswordReset.account == account["id"]) & PasswordReset.used_at.is_null())
        await PasswordReset.insert(
            PasswordReset(
                id=reset_id,
                account=account["id"],
                method=method,
                token_hash=_token_hash(link_token(reset_id)),
                code_hash=_code_hash(reset_id, sms_code(reset_id)),
                expires_at=now + timedelta(minutes=RESET_MINUTES),
                created_at=now,
            )
        )
        await outbox.record(
            REQUESTED,
            {"account_id": str(account["id"]), "reset_id": str(reset_id), "method": method, "expires_at": (now + timedelta(minutes=RESET_MINUTES)).isoformat()},
            now=now,
        )
    return reset_id


def _refused() -> Incorrect:
    return Incorrect("password_reset_invalid", "This reset link or code is wrong, used or expired; ask for a new one.")


async def confirm_reset(
    *, login: str, token: str | None, code: str | None, new_password: str, address: str, now: datetime, limiter: Limiter
) -> None:
    """Set a new password with a reset's link token or SMS code; every sign-in of the account ends."""
    if (token is None) == (code is None):
        raise Invalid("token_or_code_required", "Send either the link's token or the SMS code.")
    kind, value = _login(login)
    await limiter.check("password_reset_confirm_account", value)
    await limiter.check("login_failure_address", address)
    accounts.check_password_strength(new_password)
    account = await _account(kind, value)
    row = None
    if account is not None:
        query = PasswordReset.select().where(PasswordReset.account == account["id"])
        if token is not None:
            row = await query.where(PasswordReset.token_hash == _token_hash(token)).first()
        else:
            row = await query.order_by(PasswordReset.created_at, ascending=False).first()
    open_ = row is not None and row["used_at"] is None and row["expires_at"] > now and row["attempts"] < MAX_CODE_ATTEMPTS
    # A code opens only a reset whose code was sent: one sent as a link gives six-digit guesses nothing to find.
    matches = open_ and (token is not None or (row["method"] == "code" and hmac.compare_digest(_code_hash(row["id"], code or ""), row["code_hash"])))
    if not matches:
        if open_ and code is not None:
            await _count_wrong_code(row["id"], now=now)
        await limiter.hit("password_reset_confirm_account", value)
        await limiter.hit("login_failure_address", address)
        raise _refused()
    assert account is not None and row is not None
    password_hash = await accounts.hash_password(new_password)
    async with db.write_transaction():
        # Single use: of two tabs confirming at once, only one gets past this UPDATE.
        used = await PasswordReset.update({PasswordReset.used_at: now}).where(
            (PasswordReset.id == row["id"]) & PasswordReset.used_at.is_null() & (PasswordReset.expires_at > now)
            & (PasswordReset.attempts < MAX_CODE_ATTEMPTS)
        ).returning(PasswordReset.id)
        if not used:
            raise _refused()
        await PasswordReset.update({PasswordReset.used_at: now}).where((PasswordReset.account == account["id"]) & PasswordReset.used_at.is_null())
        await accounts.store_password(actor_id=account["id"], account_id=account["id"], password_hash=password_hash, action="reset_forgotten_password", now=now)
    accounts.forget_account(account["id"])


async def _count_wrong_code(reset_id: uuid.UUID, *, now: datetime) -> None:
    """One more wrong code against the reset; the fifth burns it."""
    async with db.write_transaction():
        await PasswordReset.update({PasswordReset.attempts: PasswordReset.attempts + 1}).where(PasswordReset.id == reset_id)
        await PasswordReset.update({PasswordReset.used_at: now}).where(
            (PasswordReset.id == reset_id) & PasswordReset.used_at.is_null() & (PasswordReset.attempts >= MAX_CODE_ATTEMPTS)
        )


@subscriber(REQUESTED)
async def plan_reset_message(event: DomainEventView, *, now: datetime) -> list[Plan]:
    """The link by e-mail or the code by SMS, carrying only the reset's id (`secret_params` adds the secret when sending)."""
    if datetime.fromisoformat(event.payload["expires_at"]) <= now:
        return []  # fanned out too late to be of use: a new request sends a new one
    account_id = uuid.UUID(event.payload["account_id"])
    row = await Account.select(Account.email, Account.phone).where(Account.id == account_id).first()
    link = event.payload["method"] == "link"
    address = None if row is None else row["email"] if link else row["phone"]
    if address is None:
        return []
    channel = "email" if link else "sms"
    return [
        Plan(
            kind=LINK if link else CODE,
            channel=channel,
            idempotency_key=f"{event.id}:{channel}:{account_id}",
            account_id=account_id,
            params={"reset_id": event.payload["reset_id"], "expires_at": event.payload["expires_at"], "expires_minutes": RESET_MINUTES},
            address_masked=mask_address(channel, address),
        )
    ]
