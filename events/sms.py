"""SMS: one templated message to one phone through Alibaba Cloud or Tencent Cloud, signed by hand and sent with httpx.

Why no SDK: both official SDKs (alibabacloud-dysmsapi20170525 with its Tea runtime, tencentcloud-sdk-python with
every Tencent product) pull in large dependency trees and their own HTTP stacks, for one signed request each.
The two signatures are short, documented algorithms; the tests check them with an independent implementation.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

import httpx

from events.messages import MessageParamsError, sms_template
from events.notify import Outcome, Outgoing, mask_phone

if TYPE_CHECKING:
    from events.settings import Settings

log = logging.getLogger(__name__)

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
#: The whole request, however the provider trickles its answer: inside the worker's 60 s lease.
TOTAL_SECONDS = 30.0
#: Quiet hours: no SMS from 22:00 to 08:00 in China (the carriers' own rule for marketing, and simple courtesy).
QUIET_ZONE = ZoneInfo("Asia/Shanghai")
QUIET_STARTS, QUIET_ENDS = time(22, 0), time(8, 0)
#: Kinds sent even in quiet hours: a person waiting for a password code asked for it a moment ago.
URGENT_KINDS = frozenset({"password_reset.code"})
#: Kinds not worth sending once their stop has started (a reminder at 08:00 for a stop that began at 07:00).
_TIMELY_KINDS = frozenset({"reminder.24h", "reminder.2h", "stop.changed", "registration.promoted", "registration.confirmed"})
#: An account without balance: the message stays good, an operator has to top up; look again in a few hours
#: (the worker's 3-day limit ends the wait). A password code is useless by then, so it is given up at once.
NO_BALANCE_RETRY_SECONDS = 6 * 3600


@dataclass(frozen=True)
class SmsRequest:
    """One SMS as a provider sends it: to a phone (E.164), an approved signature and template, its variables in order."""

    message_id: uuid.UUID
    kind: str
    phone: str
    sign_name: str
    template_code: str
    variables: dict[str, str]


#: The provider interface: sign and send one request, answer what happened. Providers never raise for a provider's answer.
SmsProvider = Callable[[SmsRequest, "Settings", httpx.AsyncClient, datetime], Awaitable[Outcome]]


def configured(config: Settings) -> bool:
    """Whether SMS can be sent at all (SMS_PROVIDER is set); without it the worker skips SMS messages (events.notify.channel_sender)."""
    return bool(config.sms_provider)


def sms_configured(config: Settings, kind: str) -> bool:
    """Whether this kind goes out by SMS: a provider is set and SMS_TEMPLATES has a template for the kind."""
    return configured(config) and kind in dict(config.sms_templates)


def quiet_for(now: datetime, kind: str) -> float | None:
    """Seconds until 08:00 Asia/Shanghai when `now` is in quiet hours (and the kind may wait), else None."""
    if kind in URGENT_KINDS:
        return None
    local = now.astimezone(QUIET_ZONE)
    if QUIET_ENDS <= local.time() < QUIET_STARTS:
        return None
    morning = datetime.combine(local.date(), QUIET_ENDS, tzinfo=QUIET_ZONE)
    if local.time() >= QUIET_STARTS:
        morning = datetime.combine(local.date() + timedelta(days=1), QUIET_ENDS, tzinfo=QUIET_ZONE)
    return (morning - local).total_seconds()


def _too_late(outgoing: Outgoing, now: datetime) -> bool:
    starts_at = outgoing.params.get("starts_at")
    if outgoing.kind not in _TIMELY_KINDS or not isinstance(starts_at, str):
        return False
    moment = datetime.fromisoformat(starts_at)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)) <= now


def _seconds_to_midnight(now: datetime) -> float:
    local = now.astimezone(QUIET_ZONE)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=QUIET_ZONE)
    return (midnight - local).total_seconds()


def _masked(text: str, phone: str) -> str:
    """A provider's words without the phone (Tencent echoes it), at most 500 characters."""
    digits = phone.lstrip("+")
    for form in {phone, digits, digits.removeprefix("86")}:
        if len(form) >= 7:
            text = text.replace(form, mask_phone(form))
    return re.sub(r"\d{11,}", lambda match: mask_phone(match.group(0)), text)[:500]


# --- Alibaba Cloud: dysmsapi 2017-05-25 SendSms, RPC signature (HMAC-SHA1, SignatureVersion 1.0) -------------------

ALIYUN_VERSION = "2017-05-25"


def aliyun_percent_encode(value: str) -> str:
    """Alibaba's encoding: UTF-8, RFC 3986 unreserved characters (A-Z a-z 0-9 - _ . ~) kept, everything else %XX; space is %20."""
    return quote(value, safe="-_.~")


def aliyun_signature(method: str, params: dict[str, str], secret: str) -> str:
    """Base64 HMAC-SHA1, keyed by "secret&", of METHOD&%2F&encode(sorted, encoded query)."""
    canonical = "&".join(f"{aliyun_percent_encode(key)}={aliyun_percent_encode(params[key])}" for key in sorted(params))
    string_to_sign = f"{method}&{aliyun_percent_encode('/')}&{aliyun_percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _aliyun_phone(phone: str) -> str:
    # Mainland numbers go without a prefix; others as country code and number (Alibaba's documented forms).
    return phone[3:] if phone.startswith("+86") else phone.lstrip("+")


def _aliyun_outcome(status_code: int, body: dict, request: SmsRequest, now: datetime) -> Outcome:
    code = str(body.get("Code") or "")
    message = str(body.get("Message") or "")
    response = _masked(f"{code}: {message}", request.phone)
    if status_code >= 500:
        return Outcome("retry", status_code, response)  # Alibaba's side is unwell, whatever the body says
    if status_code == 200 and code == "OK":
        return Outcome("delivered", status_code, _masked(f"OK BizId={body.get('BizId', '')}", request.phone))
    if code == "isv.BUSINESS_LIMIT_CONTROL":
        # Per-number flow control; the message says which window: 分钟级 (minute), 小时级 (hour), 天级 (day).
        wait = 60.0 if "分钟" in message else 3600.0 if "小时" in message else _seconds_to_midnight(now) if "天" in message else 300.0
        return Outcome("retry", status_code, response, retry_after=wait)
    if code == "isv.DAY_LIMIT_CONTROL":
        return Outcome("retry", status_code, response, retry_after=_seconds_to_midnight(now))
    if code in {"isv.AMOUNT_NOT_ENOUGH", "isv.OUT_OF_SERVICE"}:
        if request.kind in URGENT_KINDS:
            return Outcome("give_up", status_code, response)
        return Outcome("retry", status_code, response, retry_after=NO_BALANCE_RETRY_SECONDS)
    if code.startswith("isv."):
        # The request itself is wrong (template, signature, number, parameters): sending it again cannot help.
        return Outcome("give_up", status_code, response)
    # isp.* (Alibaba's side), Throttling.*, ServiceUnavailable, and credentials or clock problems
    # (SignatureDoesNotMatch, InvalidAccessKeyId.*, InvalidTimeStamp.Expired) that an operator fixes: retry.
    return Outcome("retry", status_code, response)


async def send_aliyun(request: SmsRequest, config: Settings, client: httpx.AsyncClient, now: datetime) -> Outcome:
    """SendSms as a signed form POST (the phone stays out of URLs and proxy logs)."""
    params = {
        "AccessKeyId": config.sms_access_key_id,
        "Action": "SendSms",
        "Format": "JSON",
        "RegionId": "cn-hangzhou",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": uuid.uuid4().hex,
        "SignatureVersion": "1.0",
        "Timestamp": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Version": ALIYUN_VERSION,
        "PhoneNumbers": _aliyun_phone(request.phone),
        "SignName": request.sign_name,
        "TemplateCode": request.template_code,
        "TemplateParam": json.dumps(request.variables, ensure_ascii=False),
        "OutId": str(request.message_id),
    }
    params["Signature"] = aliyun_signature("POST", params, config.sms_access_key_secret)
    body = "&".join(f"{aliyun_percent_encode(key)}={aliyun_percent_encode(value)}" for key, value in params.items())
    response = await client.post(
        config.aliyun_sms_endpoint + "/", content=body.encode(), headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    return _aliyun_outcome(response.status_code, _json(response), request, now)


# --- Tencent Cloud: SendSms 2021-01-11, signature v3 (TC3-HMAC-SHA256) ----------------------------------------------

TENCENT_VERSION = "2021-01-11"
TENCENT_SERVICE = "sms"


def tencent_authorization(
    *, secret_id: str, secret_key: str, host: str, payload: bytes, timestamp: int, action: str = "SendSms", content_type: str
) -> str:
    """The Authorization header of a POST / with a JSON body: TC3-HMAC-SHA256 over content-type, host and x-tc-action."""
    signed_headers = "content-type;host;x-tc-action"
    canonical_headers = f"content-type:{content_type}\nhost:{host}\nx-tc-action:{action.lower()}\n"
    canonical_request = "\n".join(["POST", "/", "", canonical_headers, signed_headers, hashlib.sha256(payload).hexdigest()])
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    scope = f"{date}/{TENCENT_SERVICE}/tc3_request"
    string_to_sign = "\n".join(["TC3-HMAC-SHA256", str(timestamp), scope, hashlib.sha256(canonical_request.encode()).hexdigest()])

    def sign(key: bytes, message: str) -> bytes:
        return hmac.new(key, message.encode(), hashlib.sha256).digest()

    signing_key = sign(sign(sign(f"TC3{secret_key}".encode(), date), TENCENT_SERVICE), "tc3_request")
    signature = hmac.new(signing_key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    return f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders={signed_headers}, Signature={signature}"


_TENCENT_WAITS = {
    "LimitExceeded.PhoneNumberThirtySecondLimit": 30.0,
    "LimitExceeded.PhoneNumberOneHourLimit": 3600.0,
    "LimitExceeded.DeliveryFrequencyLimit": 60.0,
    "RequestLimitExceeded": 10.0,
}
_TENCENT_DAILY = frozenset(
    {"LimitExceeded.PhoneNumberDailyLimit", "LimitExceeded.PhoneNumberSameContentDailyLimit", "LimitExceeded.DailyLimit",
     "LimitExceeded.AppDailyLimit", "LimitExceeded.AppCountryOrRegionDailyLimit", "LimitExceeded.AppMainlandChinaDailyLimit"}
)
#: Families that mean "this request is wrong": template, signature, number, parameters, content, opted-out number.
_TENCENT_PERMANENT = ("FailedOperation.", "InvalidParameter", "MissingParameter", "UnsupportedOperation", "LimitExceeded.PhoneNumberCountLimit")


def _tencent_outcome(status_code: int, body: dict, request: SmsRequest, now: datetime) -> Outcome:
    answer = body.get("Response") or {}
    error = answer.get("Error")
    if error is None:
        statuses = answer.get("SendStatusSet") or [{}]
        error = statuses[0]
    code = str(error.get("Code") or "")
    response = _masked(f"{code}: {error.get('Message') or ''}", request.phone)
    if status_code >= 500:
        return Outcome("retry", status_code, response)
    if status_code == 200 and code == "Ok":
        return Outcome("delivered", status_code, _masked(f"Ok SerialNo={error.get('SerialNo', '')}", request.phone))
    if code in _TENCENT_WAITS:
        return Outcome("retry", status_code, response, retry_after=_TENCENT_WAITS[code])
    if code in _TENCENT_DAILY:
        return Outcome("retry", status_code, response, retry_after=_seconds_to_midnight(now))
    if code == "FailedOperation.InsufficientBalanceInSmsPackage":
        if request.kind in URGENT_KINDS:
            return Outcome("give_up", status_code, response)
        return Outcome("retry", status_code, response, retry_after=NO_BALANCE_RETRY_SECONDS)
    if code.startswith(_TENCENT_PERMANENT):
        return Outcome("give_up", status_code, response)
    # InternalError.*, RequestLimitExceeded.*, AuthFailure.* (keys or clock, an operator's fix), anything new: retry.
    return Outcome("retry", status_code, response)


async def send_tencent(request: SmsRequest, config: Settings, client: httpx.AsyncClient, now: datetime) -> Outcome:
    """SendSms as a signed JSON POST."""
    payload = json.dumps(
        {
            "PhoneNumberSet": [request.phone],
            "SmsSdkAppId": config.sms_sdk_app_id,
            "SignName": request.sign_name,
            "TemplateId": request.template_code,
            "TemplateParamSet": list(request.variables.values()),
            "SessionContext": str(request.message_id),
        },
        ensure_ascii=False,
    ).encode()
    host = urlsplit(config.tencent_sms_endpoint).netloc
    timestamp = int(now.timestamp())
    content_type = "application/json; charset=utf-8"
    headers = {
        "Authorization": tencent_authorization(
            secret_id=config.sms_access_key_id, secret_key=config.sms_access_key_secret, host=host, payload=payload,
            timestamp=timestamp, content_type=content_type,
        ),
        "Content-Type": content_type,
        "Host": host,
        "X-TC-Action": "SendSms",
        "X-TC-Timestamp": str(timestamp),
        "X-TC-Version": TENCENT_VERSION,
        "X-TC-Region": config.sms_region,
    }
    response = await client.post(config.tencent_sms_endpoint + "/", content=payload, headers=headers)
    return _tencent_outcome(response.status_code, _json(response), request, now)


def _json(response: httpx.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {"Code": f"HTTP {response.status_code}", "Message": "not JSON"}
    return body if isinstance(body, dict) else {}


PROVIDERS: dict[str, SmsProvider] = {"aliyun": send_aliyun, "tencent": send_tencent}


async def send_sms(outgoing: Outgoing, *, config: Settings, now: datetime) -> Outcome:
    """Send one message as an SMS to outgoing.address (E.164), respecting quiet hours; never logs the number."""
    provider = PROVIDERS.get(config.sms_provider or "")
    if provider is None:
        return Outcome("give_up", None, "SMS_PROVIDER is not set")
    try:
        template = sms_template(outgoing.kind, outgoing.params, config)
    except (MessageParamsError, ValueError, KeyError, TypeError) as error:
        return Outcome("give_up", None, str(error)[:500])
    if template is None:
        return Outcome("give_up", None, f"no SMS template for {outgoing.kind}")
    if _too_late(outgoing, now):
        return Outcome("give_up", None, "the stop has started: too late to tell by SMS")
    wait = quiet_for(now, outgoing.kind)
    if wait is not None:
        return Outcome("retry", None, "quiet hours (22:00–08:00 Asia/Shanghai)", retry_after=wait)
    request = SmsRequest(outgoing.message_id, outgoing.kind, outgoing.address, config.sms_sign_name, *template)
    try:
        async with asyncio.timeout(TOTAL_SECONDS), httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False) as client:
            outcome = await provider(request, config, client, now)
    except (httpx.HTTPError, TimeoutError) as error:
        outcome = Outcome("retry", None, _masked(f"{type(error).__name__}: {error}", outgoing.address))
    log.info("sms %s (%s) via %s attempt %d: %s %s", outgoing.message_id, outgoing.kind, config.sms_provider, outgoing.attempt,
             outcome.status, outcome.response)
    return outcome
