"""Words of the reports (issue 15) on the organiser console, Simplified Chinese first; merged into events.i18n."""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    "console.reports": {"zh": "报告", "en": "Reports"},
    "reports.title": {"zh": "统计报告", "en": "Reports"},
    "reports.hint": {
        "zh": "报告只含计数，可直接报送上级部门：少于 5 人的组显示为“<5”。PDF 含封面、目录和图表；Excel 每张表一个工作表。",
        "en": "Reports hold counts only and can be sent onward as they are: groups of fewer than 5 people show as “<5”. "
              "The PDF has a cover, contents and charts; the Excel workbook has a sheet per table.",
    },
    "reports.event_report": {"zh": "报告", "en": "Report"},
    "reports.event_hint": {"zh": "本活动的统计报告：各站点到场、各展位到访与投递、来访学生构成、招聘进度。",
                           "en": "This event's report: attendance per stop, visits and applications per booth, who came, the hiring funnel."},
    "reports.pdf": {"zh": "报告 PDF", "en": "Report PDF"},
    "reports.xlsx": {"zh": "报告 Excel", "en": "Report Excel"},
    "reports.pdf_of": {"zh": "{title} 报告 PDF", "en": "{title}: report PDF"},
    "reports.xlsx_of": {"zh": "{title} 报告 Excel", "en": "{title}: report Excel"},
    "reports.period": {"zh": "期间报告", "en": "Period report"},
    "reports.period_hint": {"zh": "统计期间内的全部活动：按类型和城市汇总、供求对比、同比变化。",
                            "en": "Every event in the period: by kind and city, jobs offered against people attending, year on year."},
    "reports.from": {"zh": "开始日期", "en": "From"},
    "reports.to": {"zh": "结束日期（含）", "en": "To (included)"},
    "reports.presets": {"zh": "快捷选择", "en": "Quick picks"},
    "reports.month": {"zh": "本月", "en": "This month"},
    "reports.quarter": {"zh": "本季度", "en": "This quarter"},
    "reports.year": {"zh": "本年", "en": "This year"},
    "reports.download_pdf": {"zh": "下载 PDF", "en": "Download PDF"},
    "reports.download_xlsx": {"zh": "下载 Excel", "en": "Download Excel"},
    "reports.events": {"zh": "活动报告", "en": "Event reports"},
    "reports.no_events": {"zh": "暂无活动。", "en": "No events yet."},
}

ERRORS: dict[str, dict[str, str]] = {
    "invalid_date": {"zh": "请选择日期。", "en": "Choose a date."},
    "period_reversed": {"zh": "结束日期不能早于开始日期。", "en": "The end cannot come before the start."},
    "period_too_long": {"zh": "一份报告最长覆盖三年。", "en": "A report covers at most three years."},
}
