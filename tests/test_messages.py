"""Every message kind, written in zh-CN and English: subject, text and escaped HTML; the documented params; SMS templates."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from events.messages import KINDS, MessageParamsError, render_email, sms_template
from events.settings import settings

HOSTILE = "<script>alert('x')</script>"
STOP = {
    "event_title": f"秋季双选会{HOSTILE}",
    "stop_name": "南京大学",
    "campus": "仙林校区",
    "address": "仙林大道163号",
    "starts_at": "2026-12-05T06:00:00+00:00",
    "ends_at": "2026-12-05T09:00:00+00:00",
    "timezone": "Asia/Shanghai",
    "ticket_url": "https://fair.example.cn/me/tickets/1",
}
#: The required params of each kind, as docs/notifications.md lists them.
EXAMPLES = {
    "registration.confirmed": STOP,
    "registration.waitlisted": {**STOP, "position": 3},
    "registration.promoted": STOP,
    "registration.cancelled": {**STOP, "by": "organiser"},
    "reminder.24h": STOP,
    "reminder.2h": STOP,
    "stop.changed": {**STOP, "changes": {"starts_at": ["2026-12-05T06:00:00+00:00", "2026-12-06T02:00:00+00:00"], "address": ["旧楼", "新楼"]}},
    "stop.cancelled": {**STOP, "reason": "天气原因"},
    "employer_application.decided": {"event_title": "秋季双选会", "company": "ACME", "decision": "rejected", "reason": "材料不全"},
    "invitation.created": {"url": "https://fair.example.cn/password?token=a&b", "company": "ACME", "expires_at": "2026-12-07T00:00:00+00:00"},
    "password_reset.link": {"reset_url": "https://fair.example.cn/reset?token=x"},
    "password_reset.code": {"code": "482913", "expires_minutes": 15},
    "broadcast": {"subject": "明晚改地点", "body": f"请到图书馆。\n\n{HOSTILE}", "unsubscribe_url": "https://fair.example.cn/u/1"},
    "interest.digest": {"employer_name": "ACME", "event_title": "秋季双选会", "date": "2026-12-05", "unsubscribe_url": "https://fair.example.cn/u/2",
                        "interests": [{"job_title": "后端工程师", "seeker_name": "张三"}, {"job_title": "测试工程师", "seeker_name": "李四"}]},
    "webhook.disabled": {"url_host": "hooks.example.com", "reason": "gone", "description": f"ATS {HOSTILE}"},
    "interest.stage_changed": {"job_title": f"Java 开发工程师{HOSTILE}", "employer_name": "南京云帆科技有限公司", "stage": "intention", "event_title": "秋季双选会"},
}
# issue 14, slots
_SLOT = {**STOP, "employer_name": f"云帆科技{HOSTILE}", "booth_label": "A12", "bookings_url": "https://fair.example.cn/me/tickets"}
EXAMPLES.update({"booking.created": _SLOT, "booking.cancelled": {**_SLOT, "by": "hr"}, "slot.cancelled": _SLOT, "slot.invitation_created": _SLOT,
                 "slot.moved": {**_SLOT, "old_starts_at": "2026-12-05T06:00:00+00:00", "old_ends_at": "2026-12-05T06:20:00+00:00"}})


def test_every_kind_has_an_example():
    assert set(EXAMPLES) == set(KINDS)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_is_written_in_both_languages_with_escaped_html(kind):
    zh = render_email(kind, "zh-CN", EXAMPLES[kind])
    en = render_email(kind, "en", EXAMPLES[kind])

    for subject, text, html in (zh, en):
        assert subject and "\n" not in subject
        assert text.strip() and html.startswith("<!doctype html>")
        assert "<script>" not in html
        assert 'name="viewport"' in html
    assert zh[0] != en[0] or kind == "broadcast"  # a broadcast's subject is the organiser's own
    assert '<html lang="zh-CN">' in zh[2] and '<html lang="en">' in en[2]
    if HOSTILE in str(EXAMPLES[kind]):
        assert "&lt;script&gt;" in zh[2]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_non_transactional_kinds_and_only_they_carry_an_unsubscribe_link(kind):
    _, text, html = render_email(kind, "en", EXAMPLES[kind])

    unsubscribe = EXAMPLES[kind].get("unsubscribe_url")
    assert ("Unsubscribe" in text) == (not KINDS[kind].transactional) == bool(unsubscribe)
    if unsubscribe:
        assert unsubscribe in text and f'href="{unsubscribe}"' in html


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_missing_required_param_is_refused_by_name(kind):
    for name in KINDS[kind].required:
        params = {key: value for key, value in EXAMPLES[kind].items() if key != name}
        with pytest.raises(MessageParamsError, match=name):
            render_email(kind, "zh-CN", params)


def test_a_changed_stop_says_what_changed_old_to_new_in_its_own_zone():
    _, zh, _ = render_email("stop.changed", "zh-CN", EXAMPLES["stop.changed"])
    _, en, _ = render_email("stop.changed", "en", EXAMPLES["stop.changed"])

    assert "- 开始时间：12月5日 周六 14:00 → 12月6日 周日 10:00" in zh
    assert "- 地址：旧楼 → 新楼" in zh
    assert "- Starts: Sat 5 Dec 14:00 → Sun 6 Dec 10:00" in en


def test_an_application_decision_says_approved_or_rejected_with_the_reason():
    rejected = EXAMPLES["employer_application.decided"]
    approved = {**rejected, "decision": "approved", "reason": ""}

    assert render_email("employer_application.decided", "zh-CN", rejected)[0] == "入驻申请未通过：秋季双选会"
    assert "原因：材料不全" in render_email("employer_application.decided", "zh-CN", rejected)[1]
    assert render_email("employer_application.decided", "en", approved)[0] == "Application approved: 秋季双选会"
    assert "Reason" not in render_email("employer_application.decided", "en", approved)[1]


def test_the_waitlist_says_the_place_in_line_and_a_digest_lists_each_interest():
    assert "number 3 on the waitlist" in render_email("registration.waitlisted", "en", EXAMPLES["registration.waitlisted"])[1]
    subject, text, _ = render_email("interest.digest", "zh-CN", EXAMPLES["interest.digest"])
    assert subject == "2026-12-05 收到 2 份投递：秋季双选会"
    assert "- 后端工程师：张三" in text and "- 测试工程师：李四" in text


def test_an_unknown_kind_is_refused():
    with pytest.raises(MessageParamsError, match="unknown"):
        render_email("registration.teleported", "en", {})


def test_docs_list_every_kind_with_its_required_params():
    docs = (Path(__file__).resolve().parent.parent / "docs" / "notifications.md").read_text(encoding="utf-8")
    docs = docs.split("## Message kinds and their params", 1)[1].split("\n## ", 1)[0]
    for kind, description in KINDS.items():
        row = re.search(rf"^\| `{re.escape(kind)}` \|(.*)$", docs, re.M)
        assert row, f"{kind} is not in the docs' table"
        required = re.findall(r"`(\w+)`", row.group(1).split("|")[0])
        assert required == list(description.required), kind


def test_an_sms_is_a_configured_template_and_short_variables():
    config = dataclasses.replace(settings, sms_provider="aliyun", sms_templates=(("stop.cancelled", "SMS_9"), ("invitation.created", "SMS_10")))
    long_title = {**STOP, "event_title": "很长的活动名称" * 10}

    code, variables = sms_template("stop.cancelled", long_title, config)
    assert code == "SMS_9" and list(variables) == ["event", "time"]
    assert len(variables["event"]) == 35 and variables["time"] == "12月5日14:00"
    assert sms_template("stop.changed", EXAMPLES["stop.changed"], config) is None  # no template configured
    assert sms_template("invitation.created", EXAMPLES["invitation.created"], config) is None  # no SMS form at all


def test_a_student_hears_intention_signed_and_declined_in_their_own_words():
    params = EXAMPLES["interest.stage_changed"]
    assert render_email("interest.stage_changed", "zh-CN", params)[0].startswith("初步意向：南京云帆科技有限公司")
    assert "签约已确认" in render_email("interest.stage_changed", "zh-CN", {**params, "stage": "signed"})[1]
    assert "will not take your application" in render_email("interest.stage_changed", "en", {**params, "stage": "declined"})[1]
