"""Words on the pages, in Simplified Chinese first and English second, and how dates read in each."""

from __future__ import annotations

from datetime import datetime

LANGUAGES = ("zh", "en")
#: The zone times are read in without saying so; a stop anywhere else names its own.
HOME_ZONE = "Asia/Shanghai"

TEXT: dict[str, dict[str, str]] = {
    "site": {"zh": "校园招聘活动", "en": "Campus recruitment"},
    "events": {"zh": "招聘活动", "en": "Events"},
    "my_tickets": {"zh": "我的报名", "en": "My tickets"},
    "console": {"zh": "管理后台", "en": "Console"},
    "hr_workspace": {"zh": "招聘工作台", "en": "HR workspace"},
    "account": {"zh": "账户", "en": "Account"},
    "console.home": {"zh": "概览", "en": "Overview"},
    "console.events": {"zh": "活动", "en": "Events"},
    "console.employers": {"zh": "用人单位", "en": "Employers"},
    "console.applications": {"zh": "入驻申请", "en": "Applications"},
    "console.audit": {"zh": "操作日志", "en": "Audit log"},
    "hr.home": {"zh": "我的展位", "en": "My booths"},
    "hr.jobs": {"zh": "岗位", "en": "Jobs"},
    "hr.visitors": {"zh": "到访学生", "en": "Visitors"},
    "hr.team": {"zh": "单位与同事", "en": "Company and team"},
    "sign_in": {"zh": "登录", "en": "Sign in"},
    "sign_out": {"zh": "退出", "en": "Sign out"},
    "sign_up": {"zh": "注册", "en": "Sign up"},
    "switch_language": {"zh": "English", "en": "中文"},
    "kind.talent_train": {"zh": "人才专列", "en": "Talent train"},
    "kind.night_market": {"zh": "人才夜市", "en": "Night market"},
    "kind.job_fair": {"zh": "双选会", "en": "Job fair"},
    "all_kinds": {"zh": "全部", "en": "All"},
    "no_events": {"zh": "暂无招聘活动。", "en": "No events yet."},
    "stops": {"zh": "站点与场次", "en": "Stops"},
    "booths": {"zh": "{n} 家用人单位", "en": "{n} employers", "en_one": "{n} employer"},
    "seats_left": {"zh": "剩余名额", "en": "Seats left"},
    "full_waitlist": {"zh": "名额已满，可排队候补", "en": "Full: join the waitlist"},
    "register": {"zh": "报名", "en": "Register"},
    "join_waitlist": {"zh": "排队候补", "en": "Join the waitlist"},
    "registered": {"zh": "已报名", "en": "Registered"},
    "view_ticket": {"zh": "查看入场码", "en": "View ticket"},
    "cancelled_stop": {"zh": "本场已取消", "en": "This stop is cancelled"},
    "registration_not_open": {"zh": "报名尚未开始", "en": "Registration has not opened"},
    "registration_closed": {"zh": "报名已截止", "en": "Registration is closed"},
    "jobs": {"zh": "岗位", "en": "Jobs"},
    "no_jobs": {"zh": "暂无岗位。", "en": "No jobs yet."},
    "more_jobs": {"zh": "还有 {n} 个岗位", "en": "{n} more jobs", "en_one": "{n} more job"},
    "headcount": {"zh": "招 {n} 人", "en": "{n} openings", "en_one": "{n} opening"},
    "per_month": {"zh": "元/月", "en": "CNY/month"},
    "months": {"zh": "{n}薪", "en": "{n} months' pay"},
    "education.none": {"zh": "学历不限", "en": "Any education"},
    "education.high_school": {"zh": "高中及以上", "en": "High school+"},
    "education.associate": {"zh": "大专及以上", "en": "Associate degree+"},
    "education.bachelor": {"zh": "本科及以上", "en": "Bachelor's+"},
    "education.master": {"zh": "硕士及以上", "en": "Master's+"},
    "education.doctorate": {"zh": "博士", "en": "Doctorate"},
    "degree.none": {"zh": "其他", "en": "Other"},
    "degree.high_school": {"zh": "高中", "en": "High school"},
    "degree.associate": {"zh": "大专", "en": "Associate"},
    "degree.bachelor": {"zh": "本科", "en": "Bachelor's"},
    "degree.master": {"zh": "硕士", "en": "Master's"},
    "degree.doctorate": {"zh": "博士", "en": "Doctorate"},
    "name": {"zh": "姓名", "en": "Name"},
    "phone": {"zh": "手机号", "en": "Mobile number"},
    "phone_hint": {"zh": "中国大陆手机号，用于登录", "en": "Mainland China mobile, used to sign in"},
    "password": {"zh": "密码", "en": "Password"},
    "password_hint": {"zh": "至少 8 位，含字母和数字", "en": "At least 8 characters, letters and digits"},
    "change_password": {"zh": "修改密码", "en": "Change password"},
    "current_password": {"zh": "当前密码", "en": "Current password"},
    "new_password": {"zh": "新密码", "en": "New password"},
    "password_changed": {"zh": "密码已修改。其他设备上的登录已全部退出，本机保持登录。", "en": "Your password has changed. Every other sign-in has ended; this browser stays signed in."},
    "password_change_ends_sign_ins": {"zh": "修改后，其他手机和电脑上的登录会退出，需要用新密码重新登录。", "en": "Changing it signs you out on every other phone and computer; sign in there with the new password."},
    "login": {"zh": "手机号或邮箱", "en": "Mobile number or email"},
    "school": {"zh": "学校", "en": "School"},
    "major": {"zh": "专业", "en": "Major"},
    "degree": {"zh": "学历", "en": "Degree"},
    "graduation_year": {"zh": "毕业年份", "en": "Graduation year"},
    "email_optional": {"zh": "邮箱（选填）", "en": "Email (optional)"},
    # Followed by the notice's name as a link: "我已阅读并同意《个人信息保护说明》".
    "accept_privacy": {"zh": "我已阅读并同意", "en": "I have read and agree to the"},
    "privacy_notice": {"zh": "个人信息保护说明", "en": "Privacy notice"},
    "have_account": {"zh": "已有账号？", "en": "Have an account?"},
    "no_account": {"zh": "还没有账号？", "en": "No account yet?"},
    "status.confirmed": {"zh": "报名成功", "en": "Confirmed"},
    "status.waitlisted": {"zh": "候补中", "en": "Waitlisted"},
    "status.cancelled": {"zh": "已取消", "en": "Cancelled"},
    "waitlist_position": {"zh": "候补第 {n} 位", "en": "Number {n} in line"},
    "ticket": {"zh": "入场码", "en": "Ticket"},
    "ticket_hint": {"zh": "入场时出示此码，调亮屏幕更易扫描。", "en": "Show this code at the entrance; turn your screen brightness up."},
    "short_code": {"zh": "核验码", "en": "Code"},
    "waitlisted_ticket_hint": {
        "zh": "候补转正后这里会显示入场码，届时我们会通知你。",
        "en": "Your ticket appears here once a seat frees up for you.",
    },
    "cancelled_ticket_hint": {"zh": "本次报名已取消，入场码已失效。", "en": "This registration is cancelled; there is no ticket."},
    "stop_cancelled_ticket_hint": {
        "zh": "主办方已取消本场活动，入场码已失效，无需到场。",
        "en": "The organiser cancelled this stop: the ticket no longer admits anyone, and there is no need to come.",
    },
    "view_registration": {"zh": "查看详情", "en": "Details"},
    "local_time": {"zh": "当地时间 {zone} UTC{offset}", "en": "local time, {zone}, UTC{offset}"},
    "cancel_registration": {"zh": "取消报名", "en": "Cancel registration"},
    "confirm_cancel": {"zh": "确定取消这次报名吗？", "en": "Cancel this registration?"},
    "no_tickets": {"zh": "还没有报名。", "en": "No registrations yet."},
    "browse_events": {"zh": "去看看招聘活动", "en": "Browse events"},
    "back": {"zh": "返回", "en": "Back"},
    # The header of a table's column of buttons: read out by screen readers, not shown.
    "actions": {"zh": "操作", "en": "Actions"},
    "error": {"zh": "出错了", "en": "Something is wrong"},
    "time": {"zh": "时间", "en": "Time"},
    "add_to_calendar": {"zh": "添加到日历", "en": "Add to calendar"},
    "download_ics": {"zh": "下载 .ics 文件", "en": "Download .ics"},
    "subscribe_mine": {"zh": "订阅我的报名日历", "en": "Subscribe to my registrations"},
    "subscribe_hint": {
        "zh": "用日历应用订阅这个链接，报名、候补转正和取消都会自动同步。链接只显示这一次，请勿分享；重新生成后旧链接立即失效。",
        "en": "Subscribe to this link in your calendar app: registrations, promotions and cancellations stay in sync. "
        "It is shown only once; keep it private. Making a new one disables the old link at once.",
    },
    "subscribe_link": {"zh": "一键订阅", "en": "Subscribe"},
    "scanner": {"zh": "扫码", "en": "Scanner"},
    "access_code": {"zh": "授权码（主办方提供）", "en": "Access code (from the organiser)"},
    "use_access_code": {"zh": "使用授权码", "en": "Use this code"},
    "typed_code": {"zh": "手动输入核验码或粘贴入场码", "en": "Type the short code, or paste the ticket"},
    "submit_scan": {"zh": "核验", "en": "Check"},
    "open_camera": {"zh": "打开摄像头扫码", "en": "Scan with the camera"},
    "recent_scans": {"zh": "最近扫码", "en": "Recent scans"},
    "dashboard": {"zh": "现场数据", "en": "Live attendance"},
    "registered_count": {"zh": "已报名", "en": "Registered"},
    "checked_in_count": {"zh": "已签到", "en": "Checked in"},
    "walk_ins": {"zh": "现场报名", "en": "Walk-ins"},
    "no_shows": {"zh": "未到", "en": "Not arrived"},
    "check_in_rate": {"zh": "签到率", "en": "Check-in rate"},
    "arrivals_chart": {"zh": "每 15 分钟到场人数", "en": "Arrivals per 15 minutes"},
    "stalls_chart": {"zh": "各摊位到访人数", "en": "Visitors per stall"},
    "no_data_yet": {"zh": "暂无数据", "en": "No data yet"},
    "export_xlsx": {"zh": "导出 Excel", "en": "Export Excel"},
    "export_csv": {"zh": "导出 CSV", "en": "Export CSV"},
    "live_on": {"zh": "实时更新中", "en": "Live"},
    "gate_scans": {"zh": "入口扫码 首次", "en": "Gate scans, first"},
    "repeats": {"zh": "重复", "en": "repeats"},
    "refused": {"zh": "拒绝", "en": "refused"},
    "apply": {"zh": "投递简历", "en": "Apply"},
    "applied": {"zh": "已投递", "en": "Applied"},
    "apply_hint": {"zh": "投递即同意向该单位提供你的姓名、学校、专业、学历和联系方式。", "en": "Applying shares your name, school, major, degree and contact details with this employer."},
    "jobs_asked": {"zh": "访客咨询的岗位（可选）", "en": "Jobs the visitor asked about (optional)"},
    "place": {"zh": "地点", "en": "Place"},
    "not_yet": {"zh": "未开始", "en": "Not yet"},
    "not_shared": {"zh": "（未授权）", "en": "(not shared)"},
    # Gate refusals on the dashboard, by the scan's stored outcome.
    "refusal.ticket_invalid": {"zh": "无效入场码", "en": "invalid ticket"},
    "refusal.ticket_other_stop": {"zh": "其他站点的入场码", "en": "ticket for another stop"},
    "refusal.wrong_stop": {"zh": "其他站点的入场码", "en": "ticket for another stop"},
    "refusal.registration_cancelled": {"zh": "报名已取消", "en": "registration cancelled"},
    "refusal.waitlisted": {"zh": "仍在候补", "en": "still waitlisted"},
    "refusal.stop_cancelled": {"zh": "本场已取消", "en": "stop cancelled"},
    "refusal.stop_closed": {"zh": "不在入场时间", "en": "gate closed"},
    "refusal.other": {"zh": "其他原因", "en": "other reasons"},
}

#: Refusals people meet on the pages, by the domain's stable code.
ERRORS: dict[str, dict[str, str]] = {
    "already_registered": {"zh": "你已报名这一场。", "en": "You are already registered for this stop."},
    "stop_cancelled": {"zh": "本场已取消。", "en": "This stop has been cancelled."},
    "stop_ended": {"zh": "本场已结束。", "en": "This stop is over."},
    "registration_not_open": {"zh": "报名尚未开始。", "en": "Registration has not opened yet."},
    "registration_closed": {"zh": "报名已截止。", "en": "Registration is closed."},
    "invalid_credentials": {"zh": "账号或密码错误。", "en": "The login or password is wrong."},
    "login_taken": {"zh": "该手机号或邮箱已注册，请直接登录。", "en": "This number or email already has an account; sign in."},
    "mainland_mobile_required": {"zh": "请填写中国大陆手机号。", "en": "Use a mainland China mobile number."},
    "invalid_phone": {"zh": "手机号格式不正确。", "en": "That is not a valid phone number."},
    "invalid_email": {"zh": "邮箱格式不正确。", "en": "That is not a valid email address."},
    "weak_password": {"zh": "密码至少 8 位，并同时包含字母和数字。", "en": "Use at least 8 characters, with letters and digits."},
    "privacy_consent_required": {"zh": "请阅读并同意个人信息保护说明。", "en": "Please agree to the privacy notice."},
    "graduation_year_out_of_range": {"zh": "毕业年份不正确。", "en": "That graduation year is out of range."},
    "login_account_rate_limited": {"zh": "尝试次数过多，请稍后再试。", "en": "Too many attempts; try again later."},
    "login_address_rate_limited": {"zh": "尝试次数过多，请稍后再试。", "en": "Too many attempts; try again later."},
    "form_incomplete": {"zh": "请填写所有必填项。", "en": "Please fill in every required field."},
    "privacy_notice_outdated": {"zh": "个人信息保护说明已更新，请重新阅读并同意。", "en": "The privacy notice has changed; read it and agree again."},
    "signup_address_rate_limited": {"zh": "操作太频繁，请稍后再试。", "en": "Too many attempts; try again later."},
    "registration_account_rate_limited": {"zh": "操作太频繁，请稍后再试。", "en": "Too many attempts; try again later."},
    "registration_address_rate_limited": {"zh": "操作太频繁，请稍后再试。", "en": "Too many attempts; try again later."},
    "event_cancelled": {"zh": "该招聘活动已取消。", "en": "This event has been cancelled."},
    "event_not_found": {"zh": "找不到这个招聘活动，可能尚未发布或链接有误。", "en": "There is no such event, or it is not published yet."},
    "stop_not_found": {"zh": "找不到这一场，可能尚未发布或链接有误。", "en": "There is no such stop, or it is not published yet."},
    "booth_not_found": {"zh": "找不到这个展位。", "en": "There is no such booth."},
    "job_not_found": {"zh": "这个岗位不存在或已停止招聘。", "en": "This job does not exist or is no longer open."},
    "registration_not_found": {"zh": "找不到这条报名记录。", "en": "There is no such registration."},
    "not_your_booth": {"zh": "只能在本单位的展位扫码。", "en": "HR staff scan only at their own employer's booths."},
    "organiser_only": {"zh": "仅主办方可以查看。", "en": "Only organisers may see this."},
    "seeker_only": {"zh": "请使用求职者账号登录。", "en": "Sign in with a job seeker's account."},
    "hr_or_organiser_only": {"zh": "请使用用人单位或主办方账号登录。", "en": "Sign in with an employer's or organiser's account."},
    "authentication_required": {"zh": "请先登录。", "en": "Please sign in first."},
    "token_expired": {"zh": "登录已过期，请重新登录。", "en": "Your sign-in has expired; sign in again."},
    "token_revoked": {"zh": "密码已修改，请重新登录。", "en": "The password has changed; sign in again."},
    "password_incorrect": {"zh": "当前密码不正确。", "en": "The current password is wrong."},
    "password_unchanged": {"zh": "新密码不能与当前密码相同。", "en": "The new password must differ from the current one."},
    "login_failure_address_rate_limited": {"zh": "尝试次数过多，请稍后再试。", "en": "Too many attempts; try again later."},
}
#: What a refusal says when its code has no words of its own (or the framework refused the request): by status.
STATUS_ERRORS: dict[int, dict[str, str]] = {
    400: {"zh": "请求无法识别，请返回重试。", "en": "The request could not be read; go back and try again."},
    401: {"zh": "请先登录。", "en": "Please sign in first."},
    403: {"zh": "你没有权限进行此操作。", "en": "You may not do this."},
    404: {"zh": "找不到这个页面，可能已删除或链接有误。", "en": "This page does not exist; it may have been removed, or the link is wrong."},
    405: {"zh": "不支持这种操作。", "en": "This cannot be done here."},
    409: {"zh": "当前状态下无法完成此操作。", "en": "This cannot be done in the current state."},
    413: {"zh": "提交的内容太大。", "en": "What was sent is too large."},
    422: {"zh": "填写的内容有误，请检查后重试。", "en": "Something in the form is not right; check it and try again."},
    429: {"zh": "操作太频繁，请稍后再试。", "en": "Too many attempts; try again later."},
    500: {"zh": "服务暂时出现问题，请稍后再试。", "en": "Something went wrong on our side; try again shortly."},
}
#: What the scanner page says, by its own keys and by refusal code; sent to the page as JSON.
SCANNER_TEXT: dict[str, dict[str, str]] = {
    "pending": {"zh": "待同步 {n}", "en": "{n} to sync"},
    "ok": {"zh": "✓ 签到成功", "en": "✓ Welcome"},
    "repeat": {"zh": "↻ 已于 {time} 签到，不重复计数", "en": "↻ Already in at {time}; not counted again"},
    "valid_offline": {"zh": "✓ 离线核验通过（已在本机核对签名），联网后同步", "en": "✓ Valid ticket (signature checked on this phone); will sync when online"},
    "saved_typed": {"zh": "已保存核验码 {code}，联网后核验", "en": "Saved {code}: will be checked when online"},
    "checking": {"zh": "核验中… {code}", "en": "Checking {code}…"},
    "malformed": {"zh": "✗ 核验码是 8 位字母和数字，请检查后重输", "en": "✗ A code has 8 letters and digits: check it and type it again"},
    "refused_other": {"zh": "✗ 未通过核验", "en": "✗ Not admitted"},
    "offline": {"zh": "网络中断，扫码已保存", "en": "Offline: scans are kept"},
    "forged": {"zh": "✗ 伪造或损坏的入场码", "en": "✗ Forged or damaged ticket"},
    "ticket_other_stop": {"zh": "✗ 这是其他站点的入场码", "en": "✗ A ticket for another stop"},
    "wrong_stop": {"zh": "✗ 这是其他站点的入场码", "en": "✗ A ticket for another stop"},
    "ticket_invalid": {"zh": "✗ 无效入场码", "en": "✗ Invalid ticket"},
    "registration_cancelled": {"zh": "✗ 报名已取消", "en": "✗ Registration cancelled"},
    "waitlisted": {"zh": "✗ 仍在候补", "en": "✗ Still on the waitlist"},
    "stop_cancelled": {"zh": "✗ 本场已取消", "en": "✗ Stop cancelled"},
    "stop_closed": {"zh": "✗ 不在入场时间", "en": "✗ The gate is closed"},
    "not_your_booth": {"zh": "✗ 不是你的摊位", "en": "✗ Not your booth"},
    "not_your_stop": {"zh": "✗ 授权码不适用于本场", "en": "✗ Access is for another stop"},
    "access_needed": {"zh": "请输入授权码或重新登录", "en": "Enter an access code, or sign in again"},
    "no_camera": {"zh": "无法打开摄像头，请手动输入", "en": "No camera: type the code"},
}
# The visit scanner says "visited" rather than "welcome".
SCANNER_VISIT_TEXT = {
    "ok": {"zh": "✓ 到访已记录", "en": "✓ Visit recorded"},
    "repeat": {"zh": "↻ 已于 {time} 到访，不重复计数", "en": "↻ Visited at {time}; not counted again"},
}


def scanner_text(language: str, kind: str) -> dict[str, str]:
    entries = {**SCANNER_TEXT, **(SCANNER_VISIT_TEXT if kind == "visit" else {})}
    return {key: entry[language] for key, entry in entries.items()}


WEEKDAYS = {"zh": "一二三四五六日", "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]}
MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def translate(key: str, language: str, **values: object) -> str:
    """The words for `key`; English has a singular form where a count of one needs it ("1 opening")."""
    entry = TEXT.get(key)
    if entry is None:
        text = key
    elif language == "en" and values.get("n") == 1 and "en_one" in entry:
        text = entry["en_one"]
    else:
        text = entry[language]
    return text.format(**values) if values else text


def error_message(code: str, language: str, status: int) -> str:
    """A refusal in the reader's language: by its code, else by its HTTP status (never the API's English detail)."""
    entry = ERRORS.get(code) or STATUS_ERRORS.get(status) or STATUS_ERRORS[500 if status >= 500 else 400]
    return entry[language]


def zone_label(moment: datetime, zone: str | None, language: str) -> str:
    """'' in the home zone; elsewhere which zone the times are in, so nobody reads Tokyo's 14:00 as Beijing's."""
    if not zone or zone == HOME_ZONE:
        return ""
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    text = f"{sign}{hours}" + (f":{rest:02d}" if rest else "")
    return translate("local_time", language, zone=zone, offset=text)


def when(starts_at: datetime, ends_at: datetime, language: str, zone: str | None = None) -> str:
    """'12月10日 周四 14:00–17:00' or 'Thu 10 Dec 14:00–17:00', in the times' own zone; a second date if it runs past midnight.

    With `zone` other than Asia/Shanghai, the zone is named after the times.
    """
    if language == "zh":
        day = f"{starts_at.month}月{starts_at.day}日 周{WEEKDAYS['zh'][starts_at.weekday()]}"
        end_day = f"{ends_at.month}月{ends_at.day}日 " if ends_at.date() != starts_at.date() else ""
    else:
        day = f"{WEEKDAYS['en'][starts_at.weekday()]} {starts_at.day} {MONTHS_EN[starts_at.month - 1]}"
        end_day = f"{ends_at.day} {MONTHS_EN[ends_at.month - 1]} " if ends_at.date() != starts_at.date() else ""
    label = zone_label(starts_at, zone, language)
    if label:
        label = f"（{label}）" if language == "zh" else f" ({label})"
    return f"{day} {starts_at:%H:%M}–{end_day}{ends_at:%H:%M}{label}"

# Each back-office area keeps its words in a module of its own.
from events import i18n_applications, i18n_console, i18n_hr, i18n_notifications  # noqa: E402

for _area in (i18n_hr, i18n_console, i18n_applications, i18n_notifications):
    TEXT.update(_area.TEXT)
    ERRORS.update(_area.ERRORS)

# issue 14, slots: interview slots and bookings
from events import i18n_slots  # noqa: E402

TEXT.update(i18n_slots.TEXT)
ERRORS.update(i18n_slots.ERRORS)
SCANNER_VISIT_TEXT.update(i18n_slots.SCANNER_VISIT_TEXT)
from events import i18n_funnel  # noqa: E402

TEXT.update(i18n_funnel.TEXT)
ERRORS.update({code: words for code, words in i18n_funnel.ERRORS.items() if code not in ERRORS})
from events import i18n_reports  # noqa: E402

TEXT.update(i18n_reports.TEXT)
ERRORS.update(i18n_reports.ERRORS)
