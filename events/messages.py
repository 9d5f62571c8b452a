"""What each message says: subject, plain text and HTML in zh-CN and English, and which SMS template carries it.

Every message kind names its parameters (`KINDS`): plain JSON values recorded with the message, never an
e-mail address or phone number. The words live in `COPY` below, one entry per kind and language; the
HTML layout is one Jinja template (events/templates/messages/email.html), escaped like every page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import jinja2

from events import i18n

if TYPE_CHECKING:
    from events.settings import Settings


class MessageParamsError(ValueError):
    """A message kind is unknown or its parameters are missing: sending it again cannot help."""


@dataclass(frozen=True)
class Kind:
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    #: Non-transactional kinds need the person's opt-in and carry an unsubscribe link.
    transactional: bool = True


_STOP = ("event_title", "stop_name", "starts_at", "ends_at")
_STOP_OPTIONAL = ("campus", "address", "timezone", "name")

KINDS: dict[str, Kind] = {
    "registration.confirmed": Kind((*_STOP, "ticket_url"), _STOP_OPTIONAL),
    "registration.waitlisted": Kind(_STOP, (*_STOP_OPTIONAL, "position", "ticket_url")),
    "registration.promoted": Kind((*_STOP, "ticket_url"), _STOP_OPTIONAL),
    "registration.cancelled": Kind(_STOP, (*_STOP_OPTIONAL, "by", "events_url")),
    "reminder.24h": Kind((*_STOP, "ticket_url"), _STOP_OPTIONAL),
    "reminder.2h": Kind((*_STOP, "ticket_url"), _STOP_OPTIONAL),
    "stop.changed": Kind((*_STOP, "changes"), (*_STOP_OPTIONAL, "ticket_url")),
    "stop.cancelled": Kind(_STOP, (*_STOP_OPTIONAL, "reason", "events_url")),
    "employer_application.decided": Kind(("event_title", "company", "decision"), ("reason", "workspace_url", "name")),
    "invitation.created": Kind(("url",), ("company", "expires_at", "timezone", "name")),
    "password_reset.link": Kind(("reset_url",), ("expires_minutes", "name")),
    "password_reset.code": Kind(("code",), ("expires_minutes", "name")),
    "broadcast": Kind(("subject", "body", "unsubscribe_url"), ("event_title", "stop_name", "name"), transactional=False),
    "interest.digest": Kind(
        ("employer_name", "event_title", "date", "interests", "unsubscribe_url"), ("workspace_url", "name"), transactional=False
    ),
    "webhook.disabled": Kind(("url_host", "reason"), ("description", "manage_url", "name")),
    "interest.stage_changed": Kind(("job_title", "employer_name", "stage"), ("event_title", "applications_url", "name")),
}


@dataclass(frozen=True)
class Copy:
    """One kind's words in one language; every string is a Jinja template over the message's params."""

    subject: str
    paragraphs: tuple[str, ...]
    #: Rows of a small details table: (label, value template); rows whose value renders empty are left out.
    details: tuple[tuple[str, str], ...] = ()
    #: A button: (label, name of the param holding its URL); left out when that param is empty.
    action: tuple[str, str] | None = None
    #: Parts beyond paragraphs: 'body' (a broadcast's own text), 'changes' or 'interests' (rows).
    extra: tuple[str, ...] = ()


_WHERE = "{{ [campus, address] | select | join(' ') }}"
_ZH_STOP = (("活动", "{{ event_title }}"), ("场次", "{{ stop_name }}"), ("时间", "{{ when }}"), ("地点", _WHERE))
_EN_STOP = (("Event", "{{ event_title }}"), ("Stop", "{{ stop_name }}"), ("When", "{{ when }}"), ("Where", _WHERE))

COPY: dict[str, dict[str, Copy]] = {
    "registration.confirmed": {
        "zh-CN": Copy("报名成功：{{ event_title }}", ("您已成功报名，入场时请出示入场码。",), _ZH_STOP, ("查看入场码", "ticket_url")),
        "en": Copy(
            "You are registered: {{ event_title }}", ("Your place is confirmed. Show your ticket at the gate.",), _EN_STOP,
            ("View ticket", "ticket_url"),
        ),
    },
    "registration.waitlisted": {
        "zh-CN": Copy(
            "已加入候补：{{ event_title }}",
            ("本场名额已满，您已进入候补名单{% if position %}，当前排在第 {{ position }} 位{% endif %}。", "有名额空出时会按顺序递补，并再次通知您。"),
            _ZH_STOP, ("查看报名", "ticket_url"),
        ),
        "en": Copy(
            "You are on the waitlist: {{ event_title }}",
            ("This stop is full. You are {% if position %}number {{ position }} {% endif %}on the waitlist.", "When a seat frees up, it goes to the next in line and we will tell you."),
            _EN_STOP, ("View registration", "ticket_url"),
        ),
    },
    "registration.promoted": {
        "zh-CN": Copy(
            "候补成功：{{ event_title }}", ("好消息：有名额空出，您已从候补转为正式报名。入场时请出示入场码。",), _ZH_STOP, ("查看入场码", "ticket_url")
        ),
        "en": Copy(
            "You got a seat: {{ event_title }}", ("Good news: a seat freed up and your registration is now confirmed. Show your ticket at the gate.",),
            _EN_STOP, ("View ticket", "ticket_url"),
        ),
    },
    "registration.cancelled": {
        "zh-CN": Copy(
            "报名已取消：{{ event_title }}",
            ("{% if by == 'organiser' %}主办方取消了您在本场的报名。{% else %}您在本场的报名已取消。{% endif %}", "如需参加，可重新报名其他场次。"),
            _ZH_STOP, ("浏览招聘活动", "events_url"),
        ),
        "en": Copy(
            "Registration cancelled: {{ event_title }}",
            ("{% if by == 'organiser' %}The organiser cancelled your registration for this stop.{% else %}Your registration for this stop is cancelled.{% endif %}",
             "You are welcome to register for another stop."),
            _EN_STOP, ("Browse events", "events_url"),
        ),
    },
    "reminder.24h": {
        "zh-CN": Copy("明天见：{{ event_title }}", ("提醒：您报名的场次将于明天开始。入场时请出示入场码。",), _ZH_STOP, ("查看入场码", "ticket_url")),
        "en": Copy(
            "Tomorrow: {{ event_title }}", ("A reminder: the stop you registered for starts tomorrow. Show your ticket at the gate.",), _EN_STOP,
            ("View ticket", "ticket_url"),
        ),
    },
    "reminder.2h": {
        "zh-CN": Copy("两小时后开始：{{ event_title }}", ("提醒：您报名的场次将在约两小时后开始。",), _ZH_STOP, ("查看入场码", "ticket_url")),
        "en": Copy("Starting in two hours: {{ event_title }}", ("A reminder: your stop starts in about two hours.",), _EN_STOP, ("View ticket", "ticket_url")),
    },
    "stop.changed": {
        "zh-CN": Copy("场次有变更：{{ event_title }}", ("您报名的场次有以下变更（原 → 新）：",), _ZH_STOP, ("查看入场码", "ticket_url"), ("changes",)),
        "en": Copy(
            "Changed: {{ event_title }}", ("The stop you registered for has changed (old → new):",), _EN_STOP, ("View ticket", "ticket_url"), ("changes",)
        ),
    },
    "stop.cancelled": {
        "zh-CN": Copy(
            "场次已取消：{{ event_title }}",
            ("很抱歉，您报名的场次已取消，您的报名随之取消。", "{% if reason %}原因：{{ reason }}{% endif %}"),
            _ZH_STOP, ("浏览其他活动", "events_url"),
        ),
        "en": Copy(
            "Cancelled: {{ event_title }}",
            ("We are sorry: the stop you registered for is cancelled, and so is your registration.", "{% if reason %}Reason: {{ reason }}{% endif %}"),
            _EN_STOP, ("Browse other events", "events_url"),
        ),
    },
    "employer_application.decided": {
        "zh-CN": Copy(
            "{% if decision == 'approved' %}入驻申请已通过{% else %}入驻申请未通过{% endif %}：{{ event_title }}",
            ("{% if decision == 'approved' %}{{ company }} 参加「{{ event_title }}」的申请已通过。{% else %}很遗憾，{{ company }} 参加「{{ event_title }}」的申请未获通过。{% endif %}",
             "{% if reason %}{% if decision == 'approved' %}说明{% else %}原因{% endif %}：{{ reason }}{% endif %}"),
            (), ("进入招聘工作台", "workspace_url"),
        ),
        "en": Copy(
            "{% if decision == 'approved' %}Application approved{% else %}Application not approved{% endif %}: {{ event_title }}",
            ("{% if decision == 'approved' %}{{ company }}'s application to take part in {{ event_title }} is approved.{% else %}We are sorry: {{ company }}'s application to take part in {{ event_title }} was not approved.{% endif %}",
             "{% if reason %}{% if decision == 'approved' %}Note{% else %}Reason{% endif %}: {{ reason }}{% endif %}"),
            (), ("Open the HR workspace", "workspace_url"),
        ),
    },
    "invitation.created": {
        "zh-CN": Copy(
            "请设置您的账户密码",
            ("{% if company %}您已被添加为 {{ company }} 的招聘人员。{% else %}已为您创建账户。{% endif %}请点击下方链接设置密码。",
             "{% if expires %}链接有效期至 {{ expires }}。{% endif %}如非本人操作，请忽略本邮件。"),
            (), ("设置密码", "url"),
        ),
        "en": Copy(
            "Set the password of your account",
            ("{% if company %}You were added as recruiting staff of {{ company }}.{% else %}An account was created for you.{% endif %} Follow the link below to set your password.",
             "{% if expires %}The link works until {{ expires }}. {% endif %}If you did not expect this, ignore this e-mail."),
            (), ("Set password", "url"),
        ),
    },
    "password_reset.link": {
        "zh-CN": Copy(
            "重置密码",
            ("我们收到了重置您账户密码的请求。链接 {{ expires_minutes or 15 }} 分钟内有效，仅可使用一次。", "如非本人操作，请忽略本邮件，您的密码不会改变。"),
            (), ("重置密码", "reset_url"),
        ),
        "en": Copy(
            "Reset your password",
            ("We received a request to reset the password of your account. The link works once, for {{ expires_minutes or 15 }} minutes.",
             "If you did not ask for this, ignore this e-mail: your password stays the same."),
            (), ("Reset password", "reset_url"),
        ),
    },
    "password_reset.code": {
        "zh-CN": Copy(
            "验证码：{{ code }}",
            ("您的密码重置验证码是 {{ code }}，{{ expires_minutes or 15 }} 分钟内有效，仅可使用一次。", "请勿将验证码告诉他人。如非本人操作，请忽略。"),
        ),
        "en": Copy(
            "Your code: {{ code }}",
            ("Your password reset code is {{ code }}. It works once, for {{ expires_minutes or 15 }} minutes.",
             "Never share this code. If you did not ask for it, ignore this message."),
        ),
    },
    "broadcast": {
        "zh-CN": Copy("{{ subject }}", (), (("活动", "{{ event_title or '' }}"), ("场次", "{{ stop_name or '' }}")), extra=("body",)),
        "en": Copy("{{ subject }}", (), (("Event", "{{ event_title or '' }}"), ("Stop", "{{ stop_name or '' }}")), extra=("body",)),
    },
    "interest.digest": {
        "zh-CN": Copy(
            "{{ date }} 收到 {{ interests | length }} 份投递：{{ event_title }}",
            ("{{ employer_name }} 在「{{ event_title }}」于 {{ date }} 收到 {{ interests | length }} 份投递意向：",),
            (), ("在工作台查看", "workspace_url"), ("interests",),
        ),
        "en": Copy(
            "{{ interests | length }} new interest{{ '' if interests | length == 1 else 's' }} on {{ date }}: {{ event_title }}",
            ("{{ employer_name }} received {{ interests | length }} interest{{ '' if interests | length == 1 else 's' }} at {{ event_title }} on {{ date }}:",),
            (), ("Open the HR workspace", "workspace_url"), ("interests",),
        ),
    },
    "webhook.disabled": {
        "zh-CN": Copy(
            "Webhook 已停用：{{ url_host }}",
            ("您登记的 Webhook 地址（{{ url_host }}）已被停用，不再接收推送。",
             "原因：{% if reason == 'gone' %}对方服务器返回 410 Gone。{% elif reason == 'failing' %}连续 3 天投递失败。{% else %}{{ reason }}{% endif %}",
             "修复后可在管理页面重新启用。"),
            (("说明", "{{ description or '' }}"),), ("管理 Webhook", "manage_url"),
        ),
        "en": Copy(
            "Webhook disabled: {{ url_host }}",
            ("Your webhook endpoint at {{ url_host }} is disabled and receives nothing more.",
             "Reason: {% if reason == 'gone' %}it answered 410 Gone.{% elif reason == 'failing' %}every delivery failed for 3 days.{% else %}{{ reason }}{% endif %}",
             "Once it is fixed, you can enable it again on the management page."),
            (("Description", "{{ description or '' }}"),), ("Manage webhooks", "manage_url"),
        ),
    },
    # Hiring funnel (issue 14): the moves a student is told of (events.funnel.TOLD_TO_SEEKER); HR's note never goes in.
    "interest.stage_changed": {
        "zh-CN": Copy(
            "{% if stage == 'signed' %}签约确认{% elif stage == 'intention' %}初步意向{% else %}投递结果{% endif %}：{{ employer_name }} · {{ job_title }}",
            ("{% if stage == 'signed' %}恭喜！您与 {{ employer_name }} 就「{{ job_title }}」岗位的签约已确认。"
             "{% elif stage == 'intention' %}{{ employer_name }} 对您投递的「{{ job_title }}」岗位有初步录用意向，请留意对方的联系。"
             "{% else %}很遗憾，{{ employer_name }} 未能推进您投递的「{{ job_title }}」岗位。感谢您的关注，祝求职顺利。{% endif %}",),
            (("活动", "{{ event_title or '' }}"),), ("查看我的投递", "applications_url"),
        ),
        "en": Copy(
            "{% if stage == 'signed' %}Offer signed{% elif stage == 'intention' %}An intention to hire{% else %}Your application{% endif %}: {{ employer_name }} · {{ job_title }}",
            ("{% if stage == 'signed' %}Congratulations: your contract with {{ employer_name }} for {{ job_title }} is signed."
             "{% elif stage == 'intention' %}{{ employer_name }} intends to offer you the {{ job_title }} post; expect them to get in touch."
             "{% else %}We are sorry: {{ employer_name }} will not take your application for {{ job_title }} further. Thank you, and good luck.{% endif %}",),
            (("Event", "{{ event_title or '' }}"),), ("See my applications", "applications_url"),
        ),
    },
}

#: Field names of `stop.changed`'s `changes`, as people read them.
CHANGE_LABELS = {
    "zh-CN": {"name": "场次名称", "starts_at": "开始时间", "ends_at": "结束时间", "timezone": "时区", "school": "学校", "campus": "校区",
              "address": "地址", "city": "城市"},
    "en": {"name": "Name", "starts_at": "Starts", "ends_at": "Ends", "timezone": "Time zone", "school": "School", "campus": "Campus",
           "address": "Address", "city": "City"},
}
FOOTER = {
    "zh-CN": {"greeting": "{{ name }}，您好：", "greeting_anonymous": "您好：", "unsubscribe": "不想再收到此类消息？退订",
              "automatic": "本邮件由系统自动发送，请勿直接回复。"},
    "en": {"greeting": "Hello {{ name }},", "greeting_anonymous": "Hello,", "unsubscribe": "Do not want these any more? Unsubscribe",
           "automatic": "This message was sent automatically; replies are not read."},
}

_TEXT = jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined, keep_trailing_newline=False)  # noqa: S701 (plain text, never HTML)
_HTML = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates" / "messages"), autoescape=True, undefined=jinja2.StrictUndefined
)


def language_of(language: str) -> str:
    """'en' for English, else zh-CN (the default for anyone who chose nothing)."""
    return "en" if language.lower().startswith("en") else "zh-CN"


def check_params(kind: str, params: dict) -> Kind:
    """The kind's description, or MessageParamsError when the kind is unknown or a required param is missing."""
    description = KINDS.get(kind)
    if description is None:
        raise MessageParamsError(f"unknown message kind {kind!r}")
    missing = [name for name in description.required if params.get(name) in (None, "")]
    if missing:
        raise MessageParamsError(f"{kind} needs {', '.join(missing)}")
    return description


def _moment(value: str, zone: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(ZoneInfo(zone))


def _context(kind: str, language: str, params: dict) -> dict:
    description = check_params(kind, params)
    context: dict = {name: None for name in description.optional} | dict(params)
    zone = params.get("timezone") or i18n.HOME_ZONE
    lang = "zh" if language == "zh-CN" else "en"
    if params.get("starts_at") and params.get("ends_at"):
        context["when"] = i18n.when(_moment(params["starts_at"], zone), _moment(params["ends_at"], zone), lang, zone)
    if params.get("old_starts_at") and params.get("old_ends_at"):
        context["old_when"] = i18n.when(_moment(params["old_starts_at"], zone), _moment(params["old_ends_at"], zone), lang, zone)
    if params.get("expires_at"):
        moment = _moment(params["expires_at"], zone)
        context["expires"] = f"{moment:%Y-%m-%d %H:%M}"
    else:
        context["expires"] = None
    return context


def _show_value(field_name: str, value: object, language: str, zone: str) -> str:
    if value is None or value == "":
        return "—"
    if field_name.endswith("_at") and isinstance(value, str):
        moment = _moment(value, zone)
        return i18n.when(moment, moment, "zh" if language == "zh-CN" else "en", zone).rsplit("–", 1)[0]
    return str(value)


def _rows(kind: str, language: str, context: dict) -> list[tuple[str, str]]:
    """The extra rows a kind lists: what changed (old → new) or which interests arrived."""
    zone = context.get("timezone") or i18n.HOME_ZONE
    if kind == "stop.changed":
        labels = CHANGE_LABELS[language]
        return [
            (labels.get(name, name), f"{_show_value(name, pair[0], language, zone)} → {_show_value(name, pair[1], language, zone)}")
            for name, pair in dict(context["changes"]).items()
        ]
    if kind == "interest.digest":
        return [(str(item.get("job_title") or ""), str(item.get("seeker_name") or "")) for item in context["interests"]]
    return []


@dataclass(frozen=True)
class Rendered:
    subject: str
    greeting: str
    paragraphs: list[str]
    details: list[tuple[str, str]]
    rows: list[tuple[str, str]]
    action: tuple[str, str] | None
    unsubscribe: tuple[str, str] | None
    automatic: str


def _render(kind: str, language: str, params: dict) -> Rendered:
    language = language_of(language)
    context = _context(kind, language, params)
    copy = COPY[kind][language]

    def text(template: str) -> str:
        return _TEXT.from_string(template).render(context).strip()

    paragraphs = [text(paragraph) for paragraph in copy.paragraphs]
    if "body" in copy.extra:
        # An organiser's own words: paragraphs split on blank lines, each escaped in the HTML like everything else.
        paragraphs += [part.strip() for part in str(params["body"]).replace("\r\n", "\n").split("\n\n")]
    footer = FOOTER[language]
    action_url = copy.action and params.get(copy.action[1])
    return Rendered(
        subject=" ".join(text(copy.subject).split()),  # a subject is one line, whatever a param holds
        greeting=text(footer["greeting"] if params.get("name") else footer["greeting_anonymous"]),
        paragraphs=[paragraph for paragraph in paragraphs if paragraph],
        details=[(label, value) for label, template in copy.details if (value := text(template))],
        rows=_rows(kind, language, context),
        action=(copy.action[0], str(action_url)) if copy.action and action_url else None,
        unsubscribe=None if KINDS[kind].transactional else (footer["unsubscribe"], str(params["unsubscribe_url"])),
        automatic=footer["automatic"],
    )


def render_email(kind: str, language: str, params: dict) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of one message in the recipient's language; MessageParamsError when params fall short."""
    message = _render(kind, language, params)
    colon = "：" if language_of(language) == "zh-CN" else ": "
    lines = [message.greeting, ""]
    for paragraph in message.paragraphs:
        lines += [paragraph, ""]
    if message.rows:
        lines += [f"- {label}{colon}{value}" if value else f"- {label}" for label, value in message.rows] + [""]
    if message.details:
        lines += [f"{label}{colon}{value}" for label, value in message.details] + [""]
    if message.action:
        lines += [f"{message.action[0]}{colon}{message.action[1]}", ""]
    lines += ["--", message.automatic]
    if message.unsubscribe:
        lines += [f"{message.unsubscribe[0]}{colon}{message.unsubscribe[1]}"]
    text = "\n".join(lines) + "\n"
    html = _HTML.get_template("email.html").render(message=message, lang=language_of(language))
    return message.subject, text, html


# SMS: carriers in China deliver only pre-approved templates, so an SMS is a template code plus a few short
# variables. The variables each kind offers, in the order Tencent's positional {1}, {2}… expect them;
# Alibaba's templates name them (${event}). Kinds absent here have no SMS form (links belong in e-mail). A digest's
# SMS says only how many interests came in: HR read them in the workspace.
SMS_VARIABLES: dict[str, tuple[str, ...]] = {
    "registration.confirmed": ("event", "time"),
    "registration.waitlisted": ("event", "position"),
    "registration.promoted": ("event", "time"),
    "registration.cancelled": ("event", "time"),
    "reminder.24h": ("event", "time", "venue"),
    "reminder.2h": ("event", "time", "venue"),
    "stop.changed": ("event", "time"),
    "stop.cancelled": ("event", "time"),
    "employer_application.decided": ("event", "result"),
    "password_reset.code": ("code", "minutes"),
    "broadcast": ("event", "subject", "unsubscribe"),
    "interest.digest": ("event", "count", "unsubscribe"),
    "interest.stage_changed": ("employer", "job", "stage"),
}
#: The reply keyword non-transactional SMS end with (PIPL: a way out in every message that needs an opt-in). Carriers
#: and both providers treat a "T" reply as an opt-out of the sender's marketing SMS; the e-mail forms carry a link instead.
SMS_UNSUBSCRIBE = "回T退订"
#: Alibaba allows at most 35 characters in a variable; a longer value is refused, so values are shortened.
SMS_VARIABLE_MAX = 35


def _sms_values(kind: str, params: dict) -> dict[str, str]:
    zone = params.get("timezone") or i18n.HOME_ZONE
    time = ""
    if params.get("starts_at"):
        moment = _moment(params["starts_at"], zone)
        time = f"{moment.month}月{moment.day}日{moment:%H:%M}"
    return {
        "event": " ".join(filter(None, [params.get("event_title"), params.get("stop_name")])),
        "time": time,
        "venue": " ".join(filter(None, [params.get("campus"), params.get("address")])),
        "position": str(params.get("position") or ""),
        "result": "已通过" if params.get("decision") == "approved" else "未通过",
        "code": str(params.get("code") or ""),
        "minutes": str(params.get("expires_minutes") or 15),
        "subject": str(params.get("subject") or ""),
        "count": str(len(params.get("interests") or [])),
        "unsubscribe": SMS_UNSUBSCRIBE,
        "employer": str(params.get("employer_name") or ""),
        "job": str(params.get("job_title") or ""),
        "stage": {"intention": "初步意向", "signed": "已签约", "declined": "未通过"}.get(str(params.get("stage")), ""),
    }


def sms_templates(config: Settings) -> dict[str, str]:
    """Message kind → the provider's approved template code, from SMS_TEMPLATES."""
    return dict(config.sms_templates)


def sms_template(kind: str, params: dict, config: Settings) -> tuple[str, dict[str, str]] | None:
    """(template code, variables in order) of a kind's SMS, or None when the kind is not sent by SMS."""
    code = sms_templates(config).get(kind)
    if code is None or kind not in SMS_VARIABLES:
        return None
    check_params(kind, params)
    values = _sms_values(kind, params)
    return code, {name: values[name][:SMS_VARIABLE_MAX] for name in SMS_VARIABLES[kind]}


# ---------------------------------------------------------------- issue 14, slots: what students hear about interview slots

_SLOT = ("event_title", "stop_name", "starts_at", "ends_at", "employer_name", "booth_label")
_SLOT_OPTIONAL = ("address", "timezone", "bookings_url", "booking_id", "invitation_id", "slot_id", "name")
_ZH_SLOT = (("单位", "{{ employer_name }}"), ("展位", "{{ booth_label }}"), ("时间", "{{ when }}"), ("活动", "{{ event_title }} · {{ stop_name }}"),
            ("地点", "{{ address or '' }}"))
_EN_SLOT = (("Employer", "{{ employer_name }}"), ("Booth", "{{ booth_label }}"), ("When", "{{ when }}"), ("Event", "{{ event_title }} · {{ stop_name }}"),
            ("Where", "{{ address or '' }}"))

KINDS.update({
    "booking.created": Kind(_SLOT, _SLOT_OPTIONAL),
    "booking.cancelled": Kind(_SLOT, (*_SLOT_OPTIONAL, "by")),
    "slot.cancelled": Kind(_SLOT, _SLOT_OPTIONAL),
    "slot.moved": Kind((*_SLOT, "old_starts_at", "old_ends_at"), _SLOT_OPTIONAL),
    "slot.invitation_created": Kind(_SLOT, _SLOT_OPTIONAL),
})
COPY.update({
    "booking.created": {
        "zh-CN": Copy("面试预约成功：{{ employer_name }}", ("您已预约以下面试时段，请准时到展位。如需取消，请在截止时间前操作。",), _ZH_SLOT, ("查看我的预约", "bookings_url")),
        "en": Copy("Interview booked: {{ employer_name }}", ("You booked this interview slot; please be at the booth on time. Cancel before the cut-off if you cannot come.",),
                   _EN_SLOT, ("My bookings", "bookings_url")),
    },
    "booking.cancelled": {
        "zh-CN": Copy("面试预约已取消：{{ employer_name }}", ("用人单位取消了您的以下面试预约。",), _ZH_SLOT, ("查看我的预约", "bookings_url")),
        "en": Copy("Interview booking cancelled: {{ employer_name }}", ("The employer cancelled your booking of this interview slot.",), _EN_SLOT,
                   ("My bookings", "bookings_url")),
    },
    "slot.cancelled": {
        "zh-CN": Copy("面试时段已取消：{{ employer_name }}", ("很抱歉，您预约的面试时段已取消，您的预约随之取消。可以预约其他时段。",), _ZH_SLOT, ("查看我的预约", "bookings_url")),
        "en": Copy("Interview slot called off: {{ employer_name }}", ("We are sorry: the interview slot you booked is called off, and so is your booking. You may book another slot.",),
                   _EN_SLOT, ("My bookings", "bookings_url")),
    },
    "slot.moved": {
        "zh-CN": Copy("面试时间已调整：{{ employer_name }}", ("用人单位调整了您预约的面试时段，原时间 {{ old_when }}，新时间见下。您的预约仍然有效；如不能参加，请在截止时间前取消。",),
                      _ZH_SLOT, ("查看我的预约", "bookings_url")),
        "en": Copy("Interview moved: {{ employer_name }}", ("The employer moved the interview slot you booked from {{ old_when }} to the time below. Your booking stands; "
                   "cancel before the cut-off if you cannot come.",), _EN_SLOT, ("My bookings", "bookings_url")),
    },
    "slot.invitation_created": {
        "zh-CN": Copy("面试邀请：{{ employer_name }}", ("{{ employer_name }} 邀请您参加以下时段的面试。请在「我的门票」中接受或婉拒。",), _ZH_SLOT, ("回复邀请", "bookings_url")),
        "en": Copy("Interview invitation: {{ employer_name }}", ("{{ employer_name }} invites you to an interview in this slot. Accept or decline it on My tickets.",),
                   _EN_SLOT, ("Answer the invitation", "bookings_url")),
    },
})
SMS_VARIABLES.update({"booking.created": ("event", "time"), "booking.cancelled": ("event", "time"), "slot.cancelled": ("event", "time"),
                      "slot.moved": ("event", "time"), "slot.invitation_created": ("event", "time")})
