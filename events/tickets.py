"""Tickets: codes a scanner can check offline, their QR images, and the short codes people can type.

A code is `T1.` + base64url(registration id ‖ stop id ‖ Ed25519 signature of both). Ed25519
rather than an HMAC: the scanner holds only the public key, so a lost phone cannot mint
tickets. The signing key is derived from SECRET_KEY (HKDF), so every worker signs alike
without a key file; rotating SECRET_KEY invalidates every ticket issued before.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import io
import secrets
import uuid
from dataclasses import dataclass
from functools import cache

import segno
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from events.errors import Refused
from events.settings import settings

PREFIX = "T1."
_SIGNED_LENGTH = 32
#: Crockford's base32 without look-alikes (no I, L, O, U): what a volunteer can read off a dim phone screen and type.
SHORT_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SHORT_CODE_LENGTH = 8


@dataclass(frozen=True)
class TicketContent:
    registration_id: uuid.UUID
    stop_id: uuid.UUID


@cache
def _private_key() -> Ed25519PrivateKey:
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"events-ticket-signing", info=b"ed25519 v1").derive(
        settings.secret_key.encode()
    )
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key() -> Ed25519PublicKey:
    return _private_key().public_key()


def public_key_base64() -> str:
    """The raw 32-byte public key, base64url, as offline scanners import it."""
    raw = public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def issue(*, registration_id: uuid.UUID, stop_id: uuid.UUID) -> str:
    body = registration_id.bytes + stop_id.bytes
    signature = _private_key().sign(PREFIX.encode() + body)
    return PREFIX + base64.urlsafe_b64encode(body + signature).decode().rstrip("=")


def read(code: str) -> TicketContent:
    """What a genuine code says; Refused(`ticket_invalid`) for anything forged, altered or garbled."""
    code = code.strip()
    if not code.startswith(PREFIX):
        raise Refused("ticket_invalid", "This is not a ticket of ours.")
    encoded = code[len(PREFIX) :]
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError) as error:
        raise Refused("ticket_invalid", "This ticket is garbled.") from error
    body, signature = raw[:_SIGNED_LENGTH], raw[_SIGNED_LENGTH:]
    if len(body) != _SIGNED_LENGTH or len(signature) != 64:
        raise Refused("ticket_invalid", "This ticket is garbled.")
    # Ed25519 signing is deterministic (RFC 8032 derives the nonce from the key and the message) and this
    # server holds the key: signing the body again gives the one signature it ever issued for it, at a third
    # of what verifying costs (56 against 170 µs, a tenth of a gate check-in's time: docs/benchmarks.md).
    # Only what `issue` made matches; offline scanners, which hold only the public key, verify instead.
    if not hmac.compare_digest(_private_key().sign(PREFIX.encode() + body), signature):
        raise Refused("ticket_invalid", "This ticket's signature does not match: forged or altered.")
    return TicketContent(registration_id=uuid.UUID(bytes=body[:16]), stop_id=uuid.UUID(bytes=body[16:]))


def new_short_code() -> str:
    return "".join(secrets.choice(SHORT_CODE_ALPHABET) for _ in range(SHORT_CODE_LENGTH))


#: Crockford's decoding: the look-alikes left out of the alphabet are read as what they look like.
_LOOK_ALIKES = str.maketrans("OIL", "011")


def short_code(typed: str) -> str | None:
    """A typed short code in normal form (`k7q4-m2xa` is K7Q4M2XA; O reads as 0, I and L as 1), or None if it is not one."""
    code = typed.strip().replace("-", "").replace(" ", "").upper().translate(_LOOK_ALIKES)
    return code if len(code) == SHORT_CODE_LENGTH and all(c in SHORT_CODE_ALPHABET for c in code) else None


def _qr(code: str) -> segno.QRCode:
    # Error correction M with a four-module quiet zone: readable off a phone screen at arm's length in dim light.
    return segno.make(code, error="m", micro=False)


def qr_svg(code: str, *, scale: int = 8) -> str:
    """An SVG of the ticket's QR code, sized by `scale` pixels a module (responsive when embedded)."""
    return _qr(code).svg_inline(scale=scale, border=4, dark="#000", light="#fff", omitsize=False)


def qr_png(code: str, *, scale: int = 10) -> bytes:
    buffer = io.BytesIO()
    _qr(code).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
