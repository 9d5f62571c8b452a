"""E-mail: one message to one address through the configured SMTP relay (aiosmtplib), text and HTML."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

import aiosmtplib

from events.messages import KINDS, MessageParamsError, language_of, render_email
from events.notify import Outcome, Outgoing, mask_email

if TYPE_CHECKING:
    from events.settings import Settings

log = logging.getLogger(__name__)

#: Each step of the conversation (connect, STARTTLS, AUTH, each command) may take this long...
TIMEOUT_SECONDS = 15.0
#: ...and the whole conversation this long: well inside the worker's 60 s lease, so a slow relay
#: cannot make a second worker take the message while the first is still sending it.
TOTAL_SECONDS = 40.0
#: Replies that mean "your credentials or TLS setup are wrong": the message is fine, the configuration is not.
_CONFIGURATION_CODES = frozenset({530, 534, 535, 538})
_EMAIL = re.compile(r"[^\s<>\"'(),;:@]+@[A-Za-z0-9.-]+")


def configured(config: Settings) -> bool:
    """Whether e-mail can be sent at all (SMTP_URL is set); without it the worker skips e-mail messages (events.notify.channel_sender)."""
    return bool(config.smtp_url)


def _masked(text: str) -> str:
    """A relay's reply without the addresses it echoes ("550 5.1.1 <who@x>: no such user"), at most 500 characters."""
    return _EMAIL.sub(lambda match: mask_email(match.group(0)), text)[:500]


def message_id(idempotency_key: str, sender: str) -> str:
    """The same Message-ID for every attempt of one message, so a resend after a crash is recognisable (and deduplicated by some clients)."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
    return f"<{digest}@{domain}>"


def build_email(outgoing: Outgoing, *, config: Settings) -> EmailMessage:
    """The MIME message: multipart/alternative (plain text, then HTML) in the recipient's language."""
    language = language_of(outgoing.language)
    subject, text, html = render_email(outgoing.kind, language, outgoing.params)
    email = EmailMessage()
    email["From"] = config.smtp_from
    email["To"] = outgoing.address
    email["Subject"] = subject
    email["Date"] = format_datetime(outgoing.created_at)
    email["Message-ID"] = message_id(outgoing.idempotency_key, config.smtp_from)
    # RFC 3834: automatic messages, so vacation responders stay quiet.
    email["Auto-Submitted"] = "auto-generated"
    if not KINDS[outgoing.kind].transactional:
        # One-click unsubscribe (RFC 8058), which large mailbox providers require of bulk senders.
        email["List-Unsubscribe"] = f"<{outgoing.params['unsubscribe_url']}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content(text)
    email.add_alternative(html, subtype="html")
    # After the parts: set_content and add_alternative move Content-* headers into the first part.
    email["Content-Language"] = language
    return email


def _relay(config: Settings) -> dict:
    """aiosmtplib's connection arguments from SMTP_URL: smtp:// uses STARTTLS whenever the relay offers it, smtps:// is TLS from the start."""
    url = urlsplit(config.smtp_url or "")
    implicit_tls = url.scheme == "smtps"
    return {
        "hostname": url.hostname,
        "port": url.port or (465 if implicit_tls else 587),
        "username": unquote(url.username) if url.username else None,
        "password": unquote(url.password) if url.password else None,
        "use_tls": implicit_tls,
        "start_tls": False if implicit_tls else None,
        "cert_bundle": config.smtp_ca_file,
        "timeout": TIMEOUT_SECONDS,
    }


def _outcome(error: Exception) -> Outcome:
    """Temporary (4xx, connection, timeout) → retry; permanent (5xx) → give up; a refused login → retry, the operator must fix SMTP_URL."""
    if isinstance(error, aiosmtplib.SMTPConnectResponseError | aiosmtplib.SMTPHeloError):
        # The relay itself is unwell or refuses us as a whole (554 at the greeting): not this message's fault.
        return Outcome("retry", error.code, _masked(f"{error.code} {error.message}"))
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused) and error.recipients:
        error = error.recipients[0]
    if isinstance(error, aiosmtplib.SMTPResponseException) and error.code >= 400:
        response = _masked(f"{error.code} {error.message}")
        if isinstance(error, aiosmtplib.SMTPAuthenticationError) or error.code in _CONFIGURATION_CODES:
            return Outcome("retry", error.code, response)
        return Outcome("retry" if error.code < 500 else "give_up", error.code, response)
    # Connection refused or dropped, timeouts, TLS failures, a relay without STARTTLS/AUTH: try again later.
    return Outcome("retry", None, _masked(f"{type(error).__name__}: {error}"))


async def send_email(outgoing: Outgoing, *, config: Settings) -> Outcome:
    """Send one message to outgoing.address through SMTP_URL; never logs the address."""
    if not configured(config):
        return Outcome("give_up", None, "SMTP_URL is not set")
    try:
        email = build_email(outgoing, config=config)
    except (MessageParamsError, ValueError, KeyError, TypeError) as error:
        # A kind or params the renderer cannot use, or an address no header can hold: retrying cannot help.
        log.error("e-mail %s (%s) cannot be written: %s", outgoing.message_id, outgoing.kind, error)
        return Outcome("give_up", None, str(error)[:500])
    started = time.monotonic()
    try:
        async with asyncio.timeout(TOTAL_SECONDS):
            _, reply = await aiosmtplib.send(email, **_relay(config))
    except (aiosmtplib.SMTPException, OSError) as error:  # OSError includes TimeoutError
        outcome = _outcome(error)
        log.warning(
            "e-mail %s (%s) attempt %d: %s %s", outgoing.message_id, outgoing.kind, outgoing.attempt, outcome.status, outcome.response
        )
        return outcome
    code, _, text = reply.partition(" ")
    log.info("e-mail %s (%s) delivered in %.0f ms", outgoing.message_id, outgoing.kind, (time.monotonic() - started) * 1000)
    return Outcome("delivered", int(code) if code.isdigit() else 250, _masked(text or reply))
