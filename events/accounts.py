"""Accounts and who is calling: password hashing, sign-in, signed tokens, the actor behind a request."""

from __future__ import annotations

import asyncio
import contextvars
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import anyio.to_thread
import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import RFC_9106_LOW_MEMORY

from events import db, identifiers, signouts, views
from events.cache import Cache
from events.errors import Conflict, Forbidden, Incorrect, Invalid, NotFound, Unauthorized
from events.ratelimit import Limiter
from events.settings import settings
from events.tables import Account, AuditEntry

Role = Literal["organiser", "hr", "seeker", "scanner", "anonymous"]
TOKEN_ALGORITHM = "HS256"  # noqa: S105 - an algorithm name, not a secret

# RFC 9106's low-memory argon2id profile (64 MiB, 3 passes) in production; a tiny
# profile keeps a test suite that creates hundreds of accounts fast, and is refused in production.
_HASHER = (
    PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY)
    if settings.password_hash_profile == "standard"  # noqa: S105 - a profile name
    else PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
)
# Verified against when the login is unknown, so that a missing account costs as long as a wrong password.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class Actor:
    """Who is calling: an account's id, role and (for hr) employer; a gate scanner's access to one stop; or nobody."""

    role: Role
    id: uuid.UUID | None = None
    employer_id: uuid.UUID | None = None
    #: For role "scanner": the one stop its check-in-only access opens, and that access.
    stop_id: uuid.UUID | None = None
    access_id: uuid.UUID | None = None
    #: The account's token generation the actor's token was issued under (see `change_password`).
    token_generation: int = 0

    @property
    def is_organiser(self) -> bool:
        return self.role == "organiser"

    def works_for(self, employer_id: uuid.UUID) -> bool:
        return self.role == "hr" and self.employer_id == employer_id


ANONYMOUS = Actor(role="anonymous")


async def hash_password(password: str) -> str:
    """The argon2 hash of `password`; refused inside a write transaction.

    Argon2 is deliberately slow (about 120 ms on the standard profile): off the event loop, and
    never while holding SQLite's one writer lock, which would stall every scan and registration
    behind it (issue #11: a 3 ms check-in took 1.1 s while eight sign-ups hashed).
    """
    if db.engine().transaction_exists():
        raise RuntimeError("hash passwords before the write transaction, not inside it")
    return await anyio.to_thread.run_sync(_HASHER.hash, password)


async def _password_matches(password_hash: str, password: str) -> bool:
    def verify() -> bool:
        try:
            return _HASHER.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    return await anyio.to_thread.run_sync(verify)


def check_password_strength(password: str) -> None:
    if len(password) < 8:
        raise Invalid("weak_password", "A password needs at least 8 characters.")
    if password.isdigit() or password.isalpha():
        raise Invalid("weak_password", "A password needs letters and digits or symbols, not only one kind.")


def normalise_login(login: str) -> tuple[str, str]:
    """('email', address) or ('phone', E.164) for what someone typed to sign in."""
    login = login.strip()
    if identifiers.looks_like_email(login):
        return "email", identifiers.email(login)
    return "phone", identifiers.phone(login)


def issue_token(*, account_id: uuid.UUID, role: str, now: datetime, generation: int = 0) -> views.Token:
    """A signed token for the account; `generation` is the account's `token_generation` (0 until its password first changes)."""
    expires_at = now + timedelta(minutes=settings.token_ttl_minutes)
    claims = {"sub": str(account_id), "role": role, "gen": generation, "iat": int(now.timestamp()), "exp": int(expires_at.timestamp())}
    return views.Token(
        access_token=jwt.encode(claims, settings.secret_key, algorithm=TOKEN_ALGORITHM),
        token_type="bearer",  # noqa: S106 - the OAuth token type
        expires_at=expires_at.replace(microsecond=0),
        role=role,
    )


async def login(*, login: str, password: str, address: str, now: datetime, limiter: Limiter) -> views.Token:
    """Sign in with an email or phone and a password."""
    # Failures are counted per account and, apart from all sign-ins, per address: a campus behind one
    # NAT address mostly succeeds, a sweep of leaked passwords across many accounts mostly fails. Both
    # are checked before the password is: refusing only wrong passwords would tell a 200 from a 429.
    await limiter.hit("login_address", address)
    await limiter.check("login_failure_address", address)
    try:
        kind, value = normalise_login(login)
    except Invalid:
        kind, value = "unknown", login.strip().lower()
    await limiter.check("login_account", value)
    account = None
    if kind != "unknown":
        column = Account.email if kind == "email" else Account.phone
        account = await Account.objects().where(column == value).first()
    matches = await _password_matches(account.password_hash if account else _DUMMY_HASH, password)
    if account is None or not matches or not account.is_active:
        await limiter.hit("login_account", value)
        await limiter.hit("login_failure_address", address)
        raise Unauthorized("invalid_credentials", "The login or password is wrong.")
    return issue_token(account_id=account.id, role=account.role, now=now, generation=account.token_generation)


#: How long a verified token's account state (active, role, employer) is trusted before it is read
#: again. Every request used to read the account: under a scan load that read cost as much as
#: writing the scan. A deactivation or a password change takes effect at once in the worker that
#: makes it (`forget_account`) and within this many seconds in the others.
ACCOUNT_RECHECK_SECONDS = 2.0
#: token → (expires at (epoch seconds), actor), for the generation of forgetting it was read in (see `forget_account_here`).
VERIFIED: Cache[tuple[float, Actor]] = Cache("verified tokens", max_entries=20_000)
_forgotten = 0


def forget_account(account_id: uuid.UUID) -> None:
    """Read this account again on its next request, on every worker (after deactivating it or changing its password)."""
    forget_account_here(account_id)
    signouts.announce(account_id)


def forget_account_here(account_id: uuid.UUID) -> None:
    """Read this account again on its next request to this worker."""
    global _forgotten
    # Entries are valid for the generation of forgetting they were read in: a read of the account under way (begun before
    # the change committed) is then kept for a generation no later request asks for. Every other token is read again once
    # too (forgetting is rare: a password change or a deactivation); the account's own entries go at once.
    _forgotten += 1
    VERIFIED.discard_where(lambda _token, known: known[1].id == account_id)


async def _read_account_states(account_ids: list[uuid.UUID]) -> list[dict | None]:
    rows = await Account.select(Account.id, Account.role, Account.employer, Account.is_active, Account.token_generation).where(
        Account.id.is_in(list(set(account_ids)))
    )
    found = {row["id"]: row for row in rows}
    return [found.get(account_id) for account_id in account_ids]


class _AccountReads:
    """Account reads of token checks that wait at the same moment, answered by one query.

    A burst of 2,000 seekers signing in for the first time built and ran 2,000 account queries, a fifth
    of the burst's time (docs/benchmarks.md, "Writes"). Each caller still gets the account as read
    after it asked; only the query is shared. Not an events.batching.Batcher: those stand for hot
    writes coming in (the inline delivery worker yields to them), and this is a read.
    """

    #: Reads in flight at once: one gathers the next batch while the other waits for the database.
    READERS = 2
    #: Account ids per query.
    LIMIT = 500

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiting: dict[uuid.UUID, list[asyncio.Future]] = {}
        self._readers = 0

    async def read(self, account_id: uuid.UUID) -> dict | None:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            # Futures belong to the loop that made them (tests, `main.py run` start more than one).
            self._loop, self._waiting, self._readers = loop, {}, 0
        answer = loop.create_future()
        self._waiting.setdefault(account_id, []).append(answer)
        if self._readers < self.READERS:
            self._readers += 1
            # A context of its own: the reader serves many callers and must not carry one's request id or transaction.
            loop.create_task(self._read(), context=contextvars.Context())
        return await answer

    async def _read(self) -> None:
        try:
            while self._waiting:
                ids = list(self._waiting)[: self.LIMIT]
                taken = {account_id: self._waiting.pop(account_id) for account_id in ids}
                try:
                    rows = await _read_account_states(ids)
                except BaseException as error:  # every caller of this query hears why
                    for answers in taken.values():
                        for answer in answers:
                            if not answer.done():
                                answer.set_exception(error)
                    if not isinstance(error, Exception):
                        raise
                    continue
                for row, answers in zip(rows, taken.values(), strict=True):
                    for answer in answers:
                        if not answer.done():
                            answer.set_result(row)
        finally:
            self._readers -= 1


_account_reads = _AccountReads()


async def _account_state(account_id: uuid.UUID) -> dict | None:
    """The account's role, employer, is_active and token_generation (None if there is no such account), read now."""
    if db.engine().transaction_exists():
        # Inside a transaction the account may be its own uncommitted row: read it there, not on another connection.
        return (await _read_account_states([account_id]))[0]
    return await _account_reads.read(account_id)


async def actor_from_token(token: str) -> Actor:
    """The actor a bearer token speaks for; Unauthorized if it is forged, expired or its account is gone.

    Concurrent first requests with one token (a scanner's burst) wait for one read of the account.
    """
    expires, actor = await VERIFIED.get_or_make(token, lambda: _verify(token), version=_forgotten, ttl=ACCOUNT_RECHECK_SECONDS)
    if expires > time.time():
        return actor
    VERIFIED.discard(token)
    raise Unauthorized("token_expired", "The access token has expired; sign in again.")


async def _verify(token: str) -> tuple[float, Actor]:
    try:
        claims = jwt.decode(token, settings.secret_key, algorithms=[TOKEN_ALGORITHM], options={"require": ["exp", "sub", "role"]})
        account_id = uuid.UUID(claims["sub"])
    except jwt.ExpiredSignatureError as error:
        raise Unauthorized("token_expired", "The access token has expired; sign in again.") from error
    except (jwt.InvalidTokenError, ValueError) as error:
        raise Unauthorized("token_invalid", "The access token is not valid.") from error
    row = await _account_state(account_id)
    if row is None or not row["is_active"] or row["role"] != claims["role"]:
        raise Unauthorized("token_invalid", "The access token is not valid.")
    # Tokens from before the generation claim count as generation 0, which a password change ends too.
    if claims.get("gen", 0) != row["token_generation"]:
        raise Unauthorized("token_revoked", "This sign-in ended when the account's password changed; sign in again.")
    actor = Actor(role=row["role"], id=account_id, employer_id=row["employer"], token_generation=row["token_generation"])
    return float(claims["exp"]), actor


def account_view(account: Account) -> views.Account:
    return views.Account(
        id=account.id,
        role=account.role,
        name=account.name,
        email=account.email,
        phone=account.phone,
        employer_id=account.employer,
        created_at=account.created_at,
        language=account.language,
    )


async def create_account(
    *,
    role: str,
    name: str,
    email: str | None,
    phone: str | None,
    password: str,
    employer_id: uuid.UUID | None,
    now: datetime,
) -> views.Account:
    """Create an account; email and phone are normalised and must be unused."""
    check_password_strength(password)
    password_hash = await hash_password(password)
    return await insert_account(role=role, name=name, email=email, phone=phone, password_hash=password_hash, employer_id=employer_id, now=now)


async def insert_account(
    *,
    role: str,
    name: str,
    email: str | None,
    phone: str | None,
    password_hash: str,
    employer_id: uuid.UUID | None,
    now: datetime,
) -> views.Account:
    """Store an account whose password was already checked and hashed (so it can join a write transaction)."""
    if email is None and phone is None:
        raise Invalid("login_required", "An account needs an email or a phone number to sign in with.")
    email = identifiers.email(email) if email is not None else None
    phone = identifiers.phone(phone) if phone is not None else None
    account = Account(
        role=role,
        name=name.strip(),
        email=email,
        phone=phone,
        password_hash=password_hash,
        employer=employer_id,
        created_at=now,
        updated_at=now,
    )
    # The unique indexes on email and phone are the guarantee; ON CONFLICT tells us without
    # an exception (which would abort a PostgreSQL transaction).
    inserted = await Account.insert(account).on_conflict(action="DO NOTHING").returning(Account.id)
    if not inserted:
        raise Conflict("login_taken", "An account with this email or phone already exists.")
    return account_view(account)


def generate_password() -> str:
    """A random password that passes `check_password_strength`."""
    while True:
        password = secrets.token_urlsafe(12)
        if not (password.isdigit() or password.isalpha()):
            return password


async def ensure_organiser(*, email: str, password: str | None, now: datetime) -> tuple[views.Account | None, str | None]:
    """Create the first organiser if none exists; returns it and the generated password, if any."""
    if await Account.exists().where(Account.role == Account.Role.organiser):
        return None, None
    generated = None
    if password is None:
        password = generated = generate_password()
    view = await create_account(role="organiser", name="Organiser", email=email, phone=None, password=password, employer_id=None, now=now)
    return view, generated


async def _set_password(*, actor: Actor, account_id: uuid.UUID, password_hash: str, now: datetime) -> int:
    """Store a new hash and move the token generation on, ending every sign-in made before; returns the new generation."""
    async with db.write_transaction():
        action = "change_own_password" if actor.id == account_id else "reset_password"
        generation = await store_password(actor_id=actor.id, account_id=account_id, password_hash=password_hash, action=action, now=now)
    forget_account(account_id)
    return generation


async def store_password(*, actor_id: uuid.UUID | None, account_id: uuid.UUID, password_hash: str, action: str, now: datetime) -> int:
    """Inside the caller's write transaction: the new hash, the next token generation, an audit entry; call `forget_account` after the commit."""
    rows = await Account.update(
        {Account.password_hash: password_hash, Account.token_generation: Account.token_generation + 1, Account.updated_at: now}
    ).where(Account.id == account_id).returning(Account.token_generation)
    await AuditEntry.insert(AuditEntry(actor=actor_id, action=action, target=f"account:{account_id}", at=now))
    return rows[0]["token_generation"]


async def change_password(*, actor: Actor, current_password: str, new_password: str, now: datetime, limiter: Limiter) -> views.Token:
    """Change the caller's own password; every earlier token of the account stops working. Returns a fresh token."""
    require_role(actor, "organiser", "hr", "seeker")
    # Wrong guesses count as failed sign-ins of this account: a stolen token must not turn into a password oracle.
    key = f"account:{actor.id}"
    await limiter.check("login_account", key)
    check_password_strength(new_password)
    row = await Account.select(Account.password_hash, Account.role).where((Account.id == actor.id) & (Account.is_active == True)).first()  # noqa: E712 - a SQL comparison
    if row is None:
        raise Unauthorized("token_invalid", "The access token is not valid.")
    if not await _password_matches(row["password_hash"], current_password):
        await limiter.hit("login_account", key)
        raise Incorrect("password_incorrect", "The current password is wrong.")
    if current_password == new_password:
        raise Invalid("password_unchanged", "The new password is the same as the current one.")
    # Hashed before the write, never inside a write transaction (it would hold SQLite's writer lock).
    password_hash = await hash_password(new_password)
    generation = await _set_password(actor=actor, account_id=actor.id, password_hash=password_hash, now=now)
    return issue_token(account_id=actor.id, role=row["role"], now=now, generation=generation)


async def reset_password(*, actor: Actor, account_id: uuid.UUID, new_password: str | None, now: datetime) -> views.PasswordReset:
    """An organiser sets (or has generated) a new password for an HR account; the account's sign-ins end."""
    require_organiser(actor)
    row = await Account.select(Account.role).where(Account.id == account_id).first()
    if row is None:
        raise NotFound("account_not_found", "No such account.")
    # Organisers and seekers reset their own through the notification channels (issue: notifications), never by hand.
    if row["role"] != Account.Role.hr:
        raise Forbidden("hr_accounts_only", "Organisers can reset the passwords of HR accounts only.")
    generated = new_password is None
    password = generate_password() if new_password is None else new_password
    check_password_strength(password)
    password_hash = await hash_password(password)
    await _set_password(actor=actor, account_id=account_id, password_hash=password_hash, now=now)
    return views.PasswordReset(account_id=account_id, password=password if generated else None)


def require_role(actor: Actor, *roles: Role) -> None:
    """Unauthorized for nobody, Forbidden for the wrong role."""
    if actor.role == "anonymous":
        raise Unauthorized("authentication_required", "Sign in first.")
    if actor.role not in roles:
        raise Forbidden(f"{'_or_'.join(roles)}_only", f"Only {' or '.join(roles)} accounts may do this.")


def require_organiser(actor: Actor) -> None:
    require_role(actor, "organiser")
