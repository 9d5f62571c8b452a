"""Checks and normal forms for the identifiers people type: phones, emails, credit codes, zones, websites."""

from __future__ import annotations

from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as StdnumError

from events.errors import Invalid

_ZONES = frozenset(available_timezones())
#: First character of a credit code: the registering authority (GB 32100-2015, table 1).
REGISTRATION_AUTHORITIES = frozenset("123456789ANY")


def credit_code(value: str) -> str:
    """A 统一社会信用代码 with a valid GB 32100-2015 check digit, upper-cased."""
    try:
        code = uscc.validate(value.strip().upper())
    except StdnumError as error:
        raise Invalid("invalid_credit_code", f"Not a valid unified social credit code: {str(error).rstrip('.')}.") from error
    if code[0] not in REGISTRATION_AUTHORITIES:
        raise Invalid("invalid_credit_code", "Not a valid unified social credit code: unknown registration authority.")
    return code


def phone(value: str) -> str:
    """A phone number in E.164; numbers without a country code are read as mainland China."""
    try:
        number = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException as error:
        raise Invalid("invalid_phone", "Not a phone number.") from error
    if not phonenumbers.is_valid_number(number):
        raise Invalid("invalid_phone", "Not a valid phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email(value: str) -> str:
    """An email address in normal form, lower-cased."""
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise Invalid("invalid_email", str(error)) from error


def timezone(value: str) -> str:
    """An IANA time zone name such as Asia/Shanghai."""
    if value not in _ZONES:
        raise Invalid("invalid_timezone", f"{value!r} is not an IANA time zone such as Asia/Shanghai.")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise Invalid("invalid_timezone", f"{value!r} is not an IANA time zone.") from error
    return value


def website(value: str) -> str:
    """An absolute http(s) URL."""
    parts = urlsplit(value.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc or " " in value.strip():
        raise Invalid("invalid_website", "A website must be an http:// or https:// address.")
    return value.strip()


def looks_like_email(login: str) -> bool:
    return "@" in login
