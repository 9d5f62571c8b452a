"""SMS through local provider servers that check each request's signature as Alibaba and Tencent document it.

The servers recompute the signatures with their own code (the documented recipes, written apart from
events/sms.py), refuse a bad one the way the provider does, and answer with the providers' documented bodies.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
import logging
import sys
import threading
import time
import uuid
from collections import deque
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote_plus

import pytest
from server import free_port

from events.messages import sms_template
from events.notify import Outgoing
from events.settings import SettingsError, load, settings
from events.sms import quiet_for, send_sms

PHONE = "+8613812345678"
CST = timezone(timedelta(hours=8))
#: 10:00 in Shanghai: outside quiet hours.
MORNING = datetime(2026, 12, 4, 10, 0, tzinfo=CST)
KEY_ID, SECRET = "LTAI5tExampleKeyId", "example-secret-0123456789"
TEMPLATES = (("registration.confirmed", "SMS_100001"), ("password_reset.code", "SMS_100002"), ("reminder.2h", "SMS_100003"),
             ("interest.digest", "SMS_100004"))
STOP = {
    "event_title": "秋季双选会",
    "stop_name": "主会场",
    "starts_at": "2026-12-05T06:00:00+00:00",
    "ends_at": "2026-12-05T09:00:00+00:00",
    "ticket_url": "https://fair.example.cn/t/1",
}


# --- the signature checks, from the providers' documentation -----------------------------------------------------

def aliyun_expected_signature(fields: dict[str, str], secret: str) -> str:
    """Alibaba's documented recipe: URL-encode (UTF-8) then '+'→'%20', '*'→'%2A', '%7E'→'~'; sort; sign "POST&%2F&" + encoded query."""

    def encode(value: str) -> str:
        return quote_plus(value, encoding="utf-8").replace("+", "%20").replace("*", "%2A").replace("%7E", "~")

    query = "&".join(encode(name) + "=" + encode(fields[name]) for name in sorted(fields) if name != "Signature")
    string_to_sign = "POST&" + encode("/") + "&" + encode(query)
    return base64.b64encode(hmac.new((secret + "&").encode(), string_to_sign.encode(), hashlib.sha1).digest()).decode()


def tencent_expected_authorization(headers, body: bytes, secret_id: str, secret_key: str) -> str:
    """Tencent's signature v3, step by step as documented: canonical request, string to sign, derived key, signature."""
    timestamp = headers["X-TC-Timestamp"]
    day = datetime.fromtimestamp(int(timestamp), UTC).date().isoformat()
    canonical_headers = (
        "content-type:" + headers["Content-Type"].strip().lower() + "\n"
        + "host:" + headers["Host"].strip().lower() + "\n"
        + "x-tc-action:" + headers["X-TC-Action"].strip().lower() + "\n"
    )
    canonical_request = "POST\n/\n\n" + canonical_headers + "\ncontent-type;host;x-tc-action\n" + hashlib.sha256(body).hexdigest()
    credential_scope = day + "/sms/tc3_request"
    string_to_sign = "TC3-HMAC-SHA256\n" + timestamp + "\n" + credential_scope + "\n" + hashlib.sha256(canonical_request.encode()).hexdigest()
    secret_date = hmac.new(("TC3" + secret_key).encode(), day.encode(), hashlib.sha256).digest()
    secret_service = hmac.new(secret_date, b"sms", hashlib.sha256).digest()
    secret_signing = hmac.new(secret_service, b"tc3_request", hashlib.sha256).digest()
    signature = hmac.new(secret_signing, string_to_sign.encode(), hashlib.sha256).hexdigest()
    return f"TC3-HMAC-SHA256 Credential={secret_id}/{credential_scope}, SignedHeaders=content-type;host;x-tc-action, Signature={signature}"


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A client that gave up on a stalling answer (the timeout test) closes first; anything else is a real error.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class Provider:
    """A local provider: verifies, records, then answers the next scripted (status, body) or the documented success."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.answers: deque[tuple[int, object]] = deque()
        self.received: list[dict] = []
        self.verified = 0
        self.nonces: set[str] = set()
        #: Seconds to wait before answering: a provider that stalls.
        self.delay = 0.0
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status, answer = provider.handle(self.headers, body)
                time.sleep(provider.delay)
                data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if not isinstance(answer, bytes) else "text/html")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def handle(self, headers, body: bytes) -> tuple[int, object]:
        request_id = str(uuid.uuid4()).upper()
        if self.kind == "aliyun":
            fields = dict(parse_qsl(body.decode(), keep_blank_values=True))
            self.received.append(fields)
            fresh = fields.get("SignatureNonce") not in self.nonces
            self.nonces.add(fields.get("SignatureNonce", ""))
            good = (
                fields.get("Signature") == aliyun_expected_signature(fields, SECRET)
                and fields.get("AccessKeyId") == KEY_ID
                and (fields.get("SignatureMethod"), fields.get("SignatureVersion"), fields.get("Version")) == ("HMAC-SHA1", "1.0", "2017-05-25")
                and fields.get("Action") == "SendSms"
            )
            if not good:
                return 400, {"RequestId": request_id, "Message": "Specified signature is not matched with our calculation.",
                             "Recommend": "https://next.api.aliyun.com/troubleshoot", "HostId": "dysmsapi.aliyuncs.com",
                             "Code": "SignatureDoesNotMatch"}
            if not fresh:
                return 400, {"RequestId": request_id, "Message": "Specified signature nonce was used already.", "Code": "SignatureNonceUsed"}
            self.verified += 1
            if self.answers:
                return self.answers.popleft()
            return 200, {"Message": "OK", "RequestId": request_id, "BizId": "900619746936498440^0", "Code": "OK"}
        payload = json.loads(body)
        self.received.append({"headers": dict(headers), "body": payload})
        if headers.get("Authorization") != tencent_expected_authorization(headers, body, KEY_ID, SECRET):
            return 200, {"Response": {"Error": {"Code": "AuthFailure.SignatureFailure",
                                                "Message": "The provided credentials could not be validated. Please check your signature is correct."},
                                      "RequestId": request_id}}
        self.verified += 1
        if self.answers:
            return self.answers.popleft()
        return 200, {"Response": {"SendStatusSet": [{"SerialNo": "5000:1045710669157053657849499619", "PhoneNumber": payload["PhoneNumberSet"][0],
                                                     "Fee": 1, "SessionContext": payload.get("SessionContext", ""), "Code": "Ok",
                                                     "Message": "send success", "IsoCode": "CN"}],
                                  "RequestId": request_id}}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def aliyun():
    provider = Provider("aliyun")
    yield provider
    provider.close()


@pytest.fixture(scope="module")
def tencent():
    provider = Provider("tencent")
    yield provider
    provider.close()


@pytest.fixture(autouse=True)
def fresh_answers(request):
    for name in ("aliyun", "tencent"):
        if name in request.fixturenames:
            provider = request.getfixturevalue(name)
            provider.answers.clear()
            provider.received.clear()
            provider.verified = 0
            provider.delay = 0.0


def config_for(provider: Provider, secret: str = SECRET):
    return dataclasses.replace(
        settings, sms_provider=provider.kind, sms_access_key_id=KEY_ID, sms_access_key_secret=secret, sms_sign_name="校园招聘",
        sms_sdk_app_id="1400006666", sms_region="ap-guangzhou", sms_templates=TEMPLATES,
        aliyun_sms_endpoint=provider.url, tencent_sms_endpoint=provider.url,
    )


def outgoing(kind="registration.confirmed", params=None) -> Outgoing:
    return Outgoing(
        message_id=uuid.uuid4(), kind=kind, channel="sms", idempotency_key=f"{uuid.uuid4()}:sms:{uuid.uuid4()}", address=PHONE,
        language="zh-CN", params=STOP if params is None else params, created_at=MORNING, attempt=1,
    )


# --- Alibaba Cloud ---------------------------------------------------------------------------------------------------

async def test_aliyun_receives_a_correctly_signed_sendsms_with_the_template_and_its_variables(aliyun, caplog):
    caplog.set_level(logging.DEBUG)
    # Characters the encodings treat differently: '*' (%2A), '~' (kept), ' ' (%20, not '+'), '+' (%2B), '&', '='.
    message = outgoing(params={**STOP, "event_title": "秋季*双选会 C++ ~ A&B=1"})

    outcome = await send_sms(message, config=config_for(aliyun), now=MORNING)

    assert (outcome.status, outcome.response_code) == ("delivered", 200)
    assert aliyun.verified == 1
    [fields] = aliyun.received
    assert fields["PhoneNumbers"] == "13812345678"
    assert (fields["SignName"], fields["TemplateCode"], fields["OutId"]) == ("校园招聘", "SMS_100001", str(message.message_id))
    assert json.loads(fields["TemplateParam"]) == {"event": "秋季*双选会 C++ ~ A&B=1 主会场", "time": "12月5日14:00"}
    assert fields["Timestamp"] == "2026-12-04T02:00:00Z"
    assert all("13812345678" not in record.getMessage() for record in caplog.records)


async def test_aliyun_refuses_a_request_signed_with_another_secret_and_that_is_retried(aliyun):
    outcome = await send_sms(outgoing(), config=config_for(aliyun, secret="not-the-secret"), now=MORNING)

    assert (outcome.status, outcome.response_code) == ("retry", 400)
    assert "SignatureDoesNotMatch" in outcome.response
    assert aliyun.verified == 0


DAY_LEFT = (datetime(2026, 12, 5, 0, 0, tzinfo=CST) - MORNING).total_seconds()


@pytest.mark.parametrize(
    ("kind", "answer", "status", "retry_after"),
    [
        ("registration.confirmed", {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控Permits:1"}, "retry", 60),
        ("registration.confirmed", {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发小时级流控Permits:5"}, "retry", 3600),
        ("registration.confirmed", {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发天级流控Permits:10"}, "retry", DAY_LEFT),
        ("registration.confirmed", {"Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "模版不合法(不存在或被拉黑)"}, "give_up", None),
        ("registration.confirmed", {"Code": "isv.SMS_SIGNATURE_ILLEGAL", "Message": "签名不合法(不存在或被拉黑)"}, "give_up", None),
        ("registration.confirmed", {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"}, "give_up", None),
        ("registration.confirmed", {"Code": "isv.AMOUNT_NOT_ENOUGH", "Message": "账户余额不足"}, "retry", 6 * 3600),
        ("password_reset.code", {"Code": "isv.AMOUNT_NOT_ENOUGH", "Message": "账户余额不足"}, "give_up", None),
        ("registration.confirmed", {"Code": "isp.SYSTEM_ERROR", "Message": "isp.SYSTEM_ERROR"}, "retry", None),
    ],
)
async def test_aliyun_errors_map_to_retry_or_give_up(aliyun, kind, answer, status, retry_after):
    aliyun.answers.append((200, {**answer, "RequestId": "F655A8D5-B967-440B-8683-DAD6FF8DE990"}))
    params = {"code": "482913"} if kind == "password_reset.code" else None

    outcome = await send_sms(outgoing(kind, params), config=config_for(aliyun), now=MORNING)

    assert (outcome.status, outcome.retry_after) == (status, retry_after)
    assert answer["Code"] in outcome.response
    assert aliyun.verified == 1


async def test_aliyun_server_errors_are_retried_whatever_the_body(aliyun):
    aliyun.answers.append((503, b"<html>Service Unavailable</html>"))
    aliyun.answers.append((500, {"Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "?"}))

    first = await send_sms(outgoing(), config=config_for(aliyun), now=MORNING)
    second = await send_sms(outgoing(), config=config_for(aliyun), now=MORNING)

    assert (first.status, first.response_code) == ("retry", 503)
    assert (second.status, second.response_code) == ("retry", 500)


# --- Tencent Cloud ---------------------------------------------------------------------------------------------------

async def test_tencent_receives_a_correctly_signed_sendsms_and_the_answer_keeps_no_phone(tencent, caplog):
    caplog.set_level(logging.DEBUG)
    message = outgoing("reminder.2h", {**STOP, "campus": "东校区", "address": "体育馆"})

    outcome = await send_sms(message, config=config_for(tencent), now=MORNING)

    assert (outcome.status, outcome.response_code) == ("delivered", 200)
    assert tencent.verified == 1
    [request] = tencent.received
    assert request["headers"]["X-TC-Action"] == "SendSms" and request["headers"]["X-TC-Version"] == "2021-01-11"
    assert request["headers"]["X-TC-Region"] == "ap-guangzhou"
    assert request["headers"]["X-TC-Timestamp"] == str(int(MORNING.timestamp()))
    assert request["body"] == {
        "PhoneNumberSet": [PHONE], "SmsSdkAppId": "1400006666", "SignName": "校园招聘", "TemplateId": "SMS_100003",
        "TemplateParamSet": ["秋季双选会 主会场", "12月5日14:00", "东校区 体育馆"], "SessionContext": str(message.message_id),
    }
    assert "13812345678" not in outcome.response
    assert all("13812345678" not in record.getMessage() for record in caplog.records)


async def test_tencent_refuses_a_request_signed_with_another_secret_and_that_is_retried(tencent):
    outcome = await send_sms(outgoing(), config=config_for(tencent, secret="not-the-secret"), now=MORNING)

    assert outcome.status == "retry" and "AuthFailure.SignatureFailure" in outcome.response
    assert tencent.verified == 0


def tencent_status(code: str, message: str) -> dict:
    return {"Response": {"SendStatusSet": [{"SerialNo": "", "PhoneNumber": PHONE, "Fee": 0, "SessionContext": "", "Code": code,
                                            "Message": message, "IsoCode": "CN"}], "RequestId": "a0aabda6-cf91-4f3e-a81f-9198114a2279"}}


def tencent_error(code: str, message: str) -> dict:
    return {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": "a0aabda6-cf91-4f3e-a81f-9198114a2279"}}


@pytest.mark.parametrize(
    ("kind", "answer", "status", "retry_after"),
    [
        ("registration.confirmed", tencent_status("LimitExceeded.PhoneNumberThirtySecondLimit", "单个手机号30秒内下发短信条数超过设定的上限"), "retry", 30),
        ("registration.confirmed", tencent_status("LimitExceeded.PhoneNumberOneHourLimit", "单个手机号1小时内下发短信条数超过设定的上限"), "retry", 3600),
        ("registration.confirmed", tencent_status("LimitExceeded.PhoneNumberDailyLimit", "单个手机号日下发短信条数超过设定的上限"), "retry", DAY_LEFT),
        ("registration.confirmed", tencent_error("FailedOperation.TemplateIncorrectOrUnapproved", "template is not approved or not exist"), "give_up", None),
        ("registration.confirmed", tencent_status("FailedOperation.PhoneNumberInBlacklist", "手机号在免打扰名单库中"), "give_up", None),
        ("registration.confirmed", tencent_error("InvalidParameterValue.IncorrectPhoneNumber", "手机号格式错误"), "give_up", None),
        ("registration.confirmed", tencent_error("FailedOperation.InsufficientBalanceInSmsPackage", "套餐包余量不足"), "retry", 6 * 3600),
        ("password_reset.code", tencent_error("FailedOperation.InsufficientBalanceInSmsPackage", "套餐包余量不足"), "give_up", None),
        ("registration.confirmed", tencent_error("InternalError.Timeout", "请求下发短信超时"), "retry", None),
    ],
)
async def test_tencent_errors_map_to_retry_or_give_up(tencent, kind, answer, status, retry_after):
    tencent.answers.append((200, answer))
    params = {"code": "482913"} if kind == "password_reset.code" else None

    outcome = await send_sms(outgoing(kind, params), config=config_for(tencent), now=MORNING)

    assert (outcome.status, outcome.retry_after) == (status, retry_after)
    assert tencent.verified == 1
    assert "13812345678" not in outcome.response


async def test_tencent_gateway_errors_are_retried(tencent):
    tencent.answers.append((502, b"<html>Bad Gateway</html>"))

    outcome = await send_sms(outgoing(), config=config_for(tencent), now=MORNING)

    assert (outcome.status, outcome.response_code) == ("retry", 502)


async def test_a_provider_that_stalls_is_cut_off_within_the_bound_and_retried(aliyun, monkeypatch):
    from events import sms

    aliyun.delay = 1.5
    monkeypatch.setattr(sms, "TOTAL_SECONDS", 0.3)

    outcome = await send_sms(outgoing(), config=config_for(aliyun), now=MORNING)

    assert outcome.status == "retry" and "TimeoutError" in outcome.response


async def test_a_provider_that_cannot_be_reached_is_retried(tencent):
    config = dataclasses.replace(config_for(tencent), tencent_sms_endpoint=f"http://127.0.0.1:{free_port()}")

    outcome = await send_sms(outgoing(), config=config, now=MORNING)

    assert outcome.status == "retry" and outcome.response_code is None


# --- quiet hours, timing, templates ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("local", "wait"),
    [((21, 59, 59), None), ((22, 0, 0), 10 * 3600), ((23, 30, 0), 8.5 * 3600), ((0, 0, 0), 8 * 3600), ((7, 59, 30), 30), ((8, 0, 0), None)],
)
def test_quiet_hours_run_from_22_to_8_in_shanghai(local, wait):
    now = datetime(2026, 12, 4, *local, tzinfo=CST).astimezone(UTC)

    assert quiet_for(now, "registration.confirmed") == wait
    assert quiet_for(now, "password_reset.code") is None


async def test_in_quiet_hours_nothing_reaches_the_provider_but_a_password_code_does(aliyun):
    night = datetime(2026, 12, 4, 23, 0, tzinfo=CST)

    waiting = await send_sms(outgoing(), config=config_for(aliyun), now=night)
    assert (waiting.status, waiting.retry_after) == ("retry", 9 * 3600)
    assert aliyun.received == []

    code = await send_sms(outgoing("password_reset.code", {"code": "482913", "expires_minutes": 15}), config=config_for(aliyun), now=night)
    assert code.status == "delivered"
    assert json.loads(aliyun.received[0]["TemplateParam"]) == {"code": "482913", "minutes": "15"}


async def test_a_reminder_for_a_stop_that_has_started_is_given_up(aliyun):
    started = datetime(2026, 12, 5, 14, 30, tzinfo=CST)

    outcome = await send_sms(outgoing("reminder.2h"), config=config_for(aliyun), now=started)

    assert outcome.status == "give_up"
    assert aliyun.received == []


async def test_a_kind_without_a_template_or_an_sms_form_is_given_up_without_a_request(aliyun):
    no_template = await send_sms(outgoing("stop.cancelled"), config=config_for(aliyun), now=MORNING)
    digest = {"employer_name": "ACME", "event_title": "x", "date": "2026-12-04", "interests": [], "unsubscribe_url": "https://u"}
    no_sms_form = await send_sms(outgoing("interest.digest", digest), config=config_for(aliyun), now=MORNING)

    assert no_template.status == no_sms_form.status == "give_up"
    assert aliyun.received == []
    assert sms_template("interest.digest", digest, config_for(aliyun)) is None


def test_sms_configuration_is_checked_when_read(tmp_path):
    base = {"APP_ENV": "test", "SECRET_KEY": "k" * 40, "DATA_DIR": str(tmp_path)}

    with pytest.raises(SettingsError, match="SMS_SDK_APP_ID"):
        load({**base, "SMS_PROVIDER": "tencent", "SMS_ACCESS_KEY_ID": "a", "SMS_ACCESS_KEY_SECRET": "b", "SMS_SIGN_NAME": "c"})
    with pytest.raises(SettingsError, match="SMS_PROVIDER"):
        load({**base, "SMS_PROVIDER": "twilio"})
    with pytest.raises(SettingsError, match="SMS_TEMPLATES"):
        load({**base, "SMS_TEMPLATES": "[1, 2]"})
    loaded = load({**base, "SMS_PROVIDER": "aliyun", "SMS_ACCESS_KEY_ID": "a", "SMS_ACCESS_KEY_SECRET": "b", "SMS_SIGN_NAME": "c",
                   "SMS_TEMPLATES": '{"password_reset.code": "SMS_1"}', "SMTP_URL": "smtps://u:p@mail.example.cn"})
    assert (loaded.sms_provider, loaded.sms_templates) == ("aliyun", (("password_reset.code", "SMS_1"),))
    assert (loaded.smtp_url, loaded.smtp_from) == ("smtps://u:p@mail.example.cn", "no-reply@mail.example.cn")
    assert load(base).sms_provider is None and load(base).smtp_url is None


@pytest.mark.parametrize("provider_name", ["aliyun", "tencent"])
async def test_the_worker_confirms_a_seeker_without_email_by_a_signed_sms(client, stop, provider_name, request, monkeypatch):
    from conftest import many_seekers, now

    from events import delivery
    from events.tables import DeliveryAttempt, Message

    provider = request.getfixturevalue(provider_name)
    # The worker reads the clock when it sends; put it at the next 10:00 in Shanghai, outside quiet hours whenever this runs.
    real = now()
    ten = real.astimezone(CST).replace(hour=10, minute=0, second=0, microsecond=0)
    sending_at = ten if ten > real else ten + timedelta(days=1)
    monkeypatch.setattr(delivery, "_utc_now", lambda: sending_at.astimezone(UTC))
    (headers,) = await many_seekers(1)
    registration = (await client.post(f"/api/stops/{stop['id']}/registrations", headers=headers)).json()

    await delivery.run_once(now=real, config=config_for(provider))

    assert provider.verified == 1
    [message] = await Message.select(Message.id, Message.channel, Message.status, Message.address_masked, Message.params)
    assert (message["channel"], message["status"]) == ("sms", "delivered")
    assert "****" in message["address_masked"] and "+86139" not in message["params"]
    [sent] = provider.received
    if provider_name == "aliyun":
        assert (sent["TemplateCode"], sent["OutId"]) == ("SMS_100001", str(message["id"]))
        starts = datetime.fromisoformat(stop["starts_at"]).astimezone(CST)
        assert json.loads(sent["TemplateParam"])["time"] == f"{starts.month}月{starts.day}日{starts:%H:%M}"
    else:
        assert (sent["body"]["TemplateId"], sent["body"]["SessionContext"]) == ("SMS_100001", str(message["id"]))
    [attempt] = await DeliveryAttempt.select(DeliveryAttempt.outcome, DeliveryAttempt.response)
    assert attempt["outcome"] == "delivered" and "139" not in attempt["response"]
    assert registration["status"] == "confirmed"
