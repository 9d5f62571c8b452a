"""The domain's error vocabulary: each error carries a stable snake_case code clients switch on.

Only `app.py` turns these into HTTP responses (application/problem+json).
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every refusal the domain makes on purpose."""

    status = 400

    def __init__(self, code: str, detail: str, **extra: object) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.extra = extra


class Invalid(DomainError):
    """The request is well-formed but breaks a rule (a stop that ends before it starts)."""

    status = 422


class Incorrect(DomainError):
    """A secret the caller had to know is wrong (the current password, when changing it)."""

    status = 400


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    """The caller is known but may not do this."""

    status = 403


class Unauthorized(DomainError):
    """The caller could not be identified (no, bad or expired credentials)."""

    status = 401


class Conflict(DomainError):
    """The request clashes with the current state (a label already taken)."""

    status = 409


class RateLimited(DomainError):
    status = 429

    def __init__(self, code: str, detail: str, retry_after: int) -> None:
        super().__init__(code, detail)
        self.retry_after = retry_after


class Malformed(DomainError):
    """The request cannot be read at all (not UTF-8 JSON, or absurdly deep)."""

    status = 400


class Refused(DomainError):
    """A well-formed request the current state refuses: a forged ticket, a closed registration window."""

    status = 409


class Unsupported(DomainError):
    """An upload whose content is not of a type the endpoint reads (a PDF sent as a spreadsheet)."""

    status = 415


class TooLarge(DomainError):
    """An upload larger than the endpoint takes."""

    status = 413


class Gone(DomainError):
    """Something that existed and is used up or expired (an invitation link)."""

    status = 410
