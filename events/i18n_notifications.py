"""Words of the password-reset and unsubscribe pages, zh first, en second."""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    "reset.forgot": {"zh": "忘记密码？", "en": "Forgot password?"},
    "reset.title": {"zh": "找回密码", "en": "Reset your password"},
    "reset.intro": {
        "zh": "填写注册时的手机号或邮箱。有邮箱的账号会收到一封带链接的邮件，只有手机号的账号会收到 6 位短信验证码，15 分钟内有效。",
        "en": "Enter the mobile number or email you signed up with. An account with an email gets a link, one with only a phone a 6-digit SMS code; either works for 15 minutes.",
    },
    "reset.send": {"zh": "发送", "en": "Send"},
    "reset.sent": {
        "zh": "如果该手机号或邮箱已注册，链接或验证码已发出，15 分钟内有效。没收到可稍后重试。",
        "en": "If an account has this login, a link or code is on its way; it works for 15 minutes. Nothing yet? Try again in a while.",
    },
    "reset.have_code": {"zh": "已收到短信验证码？", "en": "Got an SMS code?"},
    "reset.enter_code": {"zh": "输入验证码", "en": "Enter the code"},
    "reset.set_title": {"zh": "设置新密码", "en": "Set a new password"},
    "reset.code": {"zh": "短信验证码", "en": "SMS code"},
    "reset.submit": {"zh": "设置新密码", "en": "Set the new password"},
    "reset.done": {
        "zh": "密码已重设。所有设备上的登录都已退出，请用新密码登录。",
        "en": "Your password has been reset. Every sign-in has ended; sign in with the new password.",
    },
    "unsubscribe.title": {"zh": "退订通知", "en": "Unsubscribe"},
    "unsubscribe.intro": {
        "zh": "退订后，你将不再收到主办方的群发通知和每日汇总等非必要消息。报名确认、活动变更、提醒和密码找回等必要通知仍会发送。",
        "en": "After unsubscribing you get no more organisers' broadcasts, digests or other optional messages. Confirmations, changes, reminders and password resets are still sent.",
    },
    "unsubscribe.confirm": {"zh": "确认退订", "en": "Unsubscribe"},
    "unsubscribe.done": {"zh": "已退订。你不会再收到群发通知和每日汇总。", "en": "You are unsubscribed: no more broadcasts or digests."},
    "unsubscribe.undo": {"zh": "误点了？重新订阅", "en": "Clicked by mistake? Subscribe again"},
    "unsubscribe.resubscribed": {"zh": "已重新订阅通知。", "en": "You are subscribed again."},
    "broadcast.title": {"zh": "群发通知", "en": "Broadcast"},
    "broadcast.hint": {
        "zh": "写给本场的学生。先预览人数和内容，再发送；已退订的人不会收到。每场每小时最多发送 5 次。",
        "en": "Write to this stop's students. Preview the count and the text, then send; people who unsubscribed are left out. At most 5 a stop an hour.",
    },
    "broadcast.audience": {"zh": "发给谁", "en": "Audience"},
    "broadcast.audience.registered": {"zh": "已报名（确认）", "en": "Registered (confirmed)"},
    "broadcast.audience.checked_in": {"zh": "已签到", "en": "Checked in"},
    "broadcast.audience.not_arrived": {"zh": "已报名未到场", "en": "Registered, not arrived"},
    "broadcast.channels": {"zh": "发送方式", "en": "Channels"},
    "broadcast.channel.sms": {"zh": "短信", "en": "SMS"},
    "broadcast.channel.email": {"zh": "邮件", "en": "E-mail"},
    "broadcast.subject": {"zh": "标题", "en": "Subject"},
    "broadcast.body": {"zh": "正文", "en": "Message"},
    "broadcast.preview": {"zh": "预览人数和内容", "en": "Preview the count and text"},
    "broadcast.send": {"zh": "发送给 {n} 人", "en": "Send to {n} people", "en_one": "Send to {n} person"},
    "broadcast.count": {"zh": "将发送给 {n} 人。", "en": "{n} people will get it.", "en_one": "{n} person will get it."},
    "broadcast.opted_out": {"zh": "（{n} 人已退订，不发送）", "en": "({n} unsubscribed, left out)"},
    "broadcast.footer": {"zh": "每条消息末尾附有退订链接。", "en": "Every message ends with an unsubscribe link."},
    "broadcast.sent": {"zh": "已提交发送，共 {n} 人。", "en": "Sent to {n} people.", "en_one": "Sent to {n} person."},
    "notify.title": {"zh": "通知设置", "en": "Notifications"},
    "notify.always": {
        "zh": "报名确认、活动变更、开场提醒和密码找回等必要通知总会发送到你留下的手机或邮箱。",
        "en": "Confirmations, changes, reminders and password resets are always sent to the phone or e-mail you gave.",
    },
    "notify.opt_in": {
        "zh": "我同意接收其他通知（每日汇总、所报名场次以外的活动资讯）；主办方关于我所报名场次的群发通知也可在此退订",
        "en": "I agree to other messages (daily digests, news beyond the stops I registered for); unticking also stops organisers' broadcasts about my stops",
    },
    "notify.state.given": {"zh": "当前：已同意。", "en": "Now: agreed."},
    "notify.state.withdrawn": {"zh": "当前：已退订，只收必要通知。", "en": "Now: unsubscribed; only the necessary messages."},
    "notify.state.unasked": {"zh": "当前：未选择，你会收到所报名场次的群发通知。", "en": "Now: not chosen; you get broadcasts about your own stops."},
    "notify.save": {"zh": "保存", "en": "Save"},
    "notify.saved": {"zh": "已保存。", "en": "Saved."},
}
ERRORS: dict[str, dict[str, str]] = {
    "password_reset_invalid": {
        "zh": "链接或验证码无效、已使用或已过期，请重新申请。",
        "en": "This link or code is wrong, used or expired; ask for a new one.",
    },
    "token_or_code_required": {"zh": "请填写短信验证码。", "en": "Enter the SMS code."},
    "password_reset_account_rate_limited": {"zh": "申请太频繁，请稍后再试。", "en": "Too many requests; try again later."},
    "password_reset_address_rate_limited": {"zh": "申请太频繁，请稍后再试。", "en": "Too many requests; try again later."},
    "password_reset_confirm_account_rate_limited": {"zh": "尝试次数过多，请稍后再试。", "en": "Too many attempts; try again later."},
    "broadcast_stop_rate_limited": {"zh": "本场群发太频繁，请一小时后再试。", "en": "Too many broadcasts for this stop; try again within the hour."},
    "channels_required": {"zh": "请至少选择一种发送方式。", "en": "Choose at least one channel."},
    "unsubscribe_link_invalid": {"zh": "退订链接无效，请使用邮件或短信中的完整链接。", "en": "This unsubscribe link is not valid; use the whole link from the message."},
}
