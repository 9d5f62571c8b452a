"""Words of the hiring funnel (stages, notes, funnel counts) on HR, student, scanner and organiser pages, Simplified Chinese first; merged into events.i18n."""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    # ------------------------------------------------ stages
    "stage.submitted": {"zh": "已投递", "en": "Submitted"},
    "stage.screened": {"zh": "初选通过", "en": "Screened"},
    "stage.interviewed": {"zh": "已面试", "en": "Interviewed"},
    "stage.intention": {"zh": "初步意向", "en": "Intention"},
    "stage.signed": {"zh": "已签约", "en": "Signed"},
    "stage.declined": {"zh": "未通过", "en": "Declined"},
    "stage.withdrawn": {"zh": "已撤回", "en": "Withdrawn"},
    # ------------------------------------------------ HR: interests
    "hr.interests": {"zh": "投递与进度", "en": "Applications"},
    "hr.interests_hint": {
        "zh": "学生扫码投递的岗位申请。推进招聘进度、写备注；备注只有本单位招聘人员能看到。",
        "en": "Applications students sent by scanning. Move them along and keep notes; only your company's HR staff see the notes.",
    },
    "hr.no_interests": {"zh": "暂无投递。", "en": "No applications yet."},
    "hr.stage": {"zh": "进度", "en": "Stage"},
    "hr.applied_at": {"zh": "投递时间", "en": "Applied"},
    "hr.open_interest": {"zh": "处理", "en": "Open"},
    "hr.open_interest_of": {"zh": "处理 {name} 的投递", "en": "Open {name}'s application"},
    "hr.history": {"zh": "进度记录", "en": "History"},
    "hr.no_history": {"zh": "尚无变更。", "en": "No changes yet."},
    "hr.history_line": {"zh": "{at} {who}：{from_stage} → {to_stage}", "en": "{at} {who}: {from_stage} → {to_stage}"},
    "hr.move_to": {"zh": "推进到", "en": "Move to"},
    "hr.move": {"zh": "更新进度", "en": "Update stage"},
    "hr.move_note": {"zh": "说明（可选）", "en": "Reason (optional)"},
    "hr.final_stage": {"zh": "此投递已结束，不能再更改进度。", "en": "This application is closed; its stage cannot change."},
    "hr.moved": {"zh": "进度已更新。", "en": "Stage updated."},
    "hr.note": {"zh": "备注", "en": "Note"},
    "hr.note_of": {"zh": "对 {name} 的备注", "en": "Note on {name}"},
    "hr.note_hint": {"zh": "仅本单位招聘人员可见；学生可在个人数据导出中看到你单位有备注，但看不到内容。", "en": "Only your company's HR staff see it; the student's data export says your company keeps a note, never what it says."},
    "hr.rating": {"zh": "评分", "en": "Rating"},
    "hr.no_rating": {"zh": "不评分", "en": "No rating"},
    "hr.stars": {"zh": "{n} 星", "en": "{n} stars"},
    "hr.tags": {"zh": "标签", "en": "Tags"},
    "hr.tags_hint": {"zh": "用顿号或逗号分隔，最多 10 个", "en": "Separate with commas; at most 10"},
    "hr.note_text": {"zh": "备注内容", "en": "Note"},
    "hr.next_step": {"zh": "下一步", "en": "Next step"},
    "hr.save_note": {"zh": "保存备注", "en": "Save note"},
    "hr.note_saved": {"zh": "备注已保存。", "en": "Note saved."},
    "hr.all_stages": {"zh": "全部进度", "en": "All stages"},
    "hr.all_jobs": {"zh": "全部岗位", "en": "All jobs"},
    "hr.write_note": {"zh": "写备注", "en": "Write a note"},
    "hr.edit_note": {"zh": "改备注", "en": "Edit note"},
    "hr.visitor": {"zh": "访客", "en": "Visitor"},
    "hr.back_to_visitors": {"zh": "返回访客列表", "en": "Back to visitors"},
    "hr.back_to_interests": {"zh": "返回投递列表", "en": "Back to applications"},
    # ------------------------------------------------ scanner: one tap after a scan
    "scan.note_title": {"zh": "快速备注", "en": "Quick note"},
    "scan.note_text": {"zh": "一句话备注（可选）", "en": "One-line note (optional)"},
    "scan.note_save": {"zh": "保存", "en": "Save"},
    "scan.note_saved": {"zh": "备注已保存", "en": "Note saved"},
    "scan.note_failed": {"zh": "备注未保存，请在访客列表中补写", "en": "Note not saved; add it from the visitor list"},
    "scan.rate": {"zh": "评 {n} 星", "en": "Rate {n} stars"},
    # ------------------------------------------------ students
    "me.applications": {"zh": "我的投递", "en": "My applications"},
    "me.no_applications": {"zh": "还没有投递岗位。", "en": "You have not applied for any job yet."},
    "me.stage_of": {"zh": "{employer} · {job}", "en": "{employer} · {job}"},
    # ------------------------------------------------ organisers: funnel counts
    "funnel.title": {"zh": "招聘进度统计", "en": "Hiring funnel"},
    "funnel.hint": {
        "zh": "各阶段人数：“曾达到”为至少走到该阶段的投递数（投递 → 初选 → 面试 → 意向 → 签约）。",
        "en": "“Reached” counts applications that got at least that far (submitted → screened → interviewed → intention → signed).",
    },
    "funnel.reached": {"zh": "曾达到", "en": "Reached"},
    "funnel.now": {"zh": "当前", "en": "Now"},
    "funnel.total": {"zh": "投递总数", "en": "Applications"},
    "funnel.online": {"zh": "线上投递（未到展位）", "en": "Applied without a booth visit"},
    "funnel.by_stop": {"zh": "按站点", "en": "By stop"},
    "funnel.by_employer": {"zh": "按用人单位", "en": "By employer"},
    "funnel.none": {"zh": "暂无投递。", "en": "No applications yet."},
}

ERRORS: dict[str, dict[str, str]] = {
    "stage_move_invalid": {"zh": "该投递当前不能推进到这个阶段。", "en": "The application cannot move to that stage now."},
    "interest_not_found": {"zh": "找不到这条投递。", "en": "No such application."},
    "visit_not_found": {"zh": "找不到这条到访记录。", "en": "No such visit."},
    "note_not_found": {"zh": "还没有备注。", "en": "No note yet."},
    "form_rating": {"zh": "评分为 1 到 5 星。", "en": "A rating is 1 to 5 stars."},
}
