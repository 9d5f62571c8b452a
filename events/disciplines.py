"""Majors grouped by discipline (学科门类, after the Ministry of Education's undergraduate catalogue), for reports.

Seekers type their major as free text, so a report groups it here: first by the exact name of a major the
app knows (the demo's, the job forms' and the catalogue's common ones), then by a word in it ("…工程" is
engineering), else 其他. Unknown majors land in 其他 rather than being guessed into a discipline.
"""

from __future__ import annotations

#: Key, Chinese and English name of each discipline, in the catalogue's order; 其他 last.
DISCIPLINES: tuple[tuple[str, str, str], ...] = (
    ("philosophy", "哲学", "Philosophy"),
    ("economics", "经济学", "Economics"),
    ("law", "法学", "Law"),
    ("education", "教育学", "Education"),
    ("literature", "文学", "Literature"),
    ("history", "历史学", "History"),
    ("science", "理学", "Science"),
    ("engineering", "工学", "Engineering"),
    ("agriculture", "农学", "Agriculture"),
    ("medicine", "医学", "Medicine"),
    ("management", "管理学", "Management"),
    ("art", "艺术学", "Art"),
    ("other", "其他", "Other"),
)

_MAJORS: dict[str, tuple[str, ...]] = {
    "philosophy": ("哲学", "逻辑学", "宗教学", "伦理学"),
    "economics": ("经济学", "经济统计学", "国民经济管理", "财政学", "税收学", "金融学", "金融工程", "保险学", "投资学", "国际经济与贸易", "贸易经济", "数字经济"),
    "law": ("法学", "知识产权", "政治学与行政学", "国际政治", "外交学", "社会学", "社会工作", "思想政治教育", "马克思主义理论", "侦查学", "治安学"),
    "education": ("教育学", "学前教育", "小学教育", "特殊教育", "教育技术学", "体育教育", "运动训练", "社会体育指导与管理", "心理健康教育"),
    "literature": (
        "汉语言文学", "汉语言", "汉语国际教育", "秘书学", "英语", "日语", "俄语", "法语", "德语", "西班牙语", "翻译", "商务英语",
        "新闻学", "广播电视学", "广告学", "传播学", "网络与新媒体", "编辑出版学",
    ),
    "history": ("历史学", "世界史", "考古学", "文物与博物馆学"),
    "science": (
        "数学", "数学与应用数学", "信息与计算科学", "物理学", "应用物理学", "化学", "应用化学", "天文学", "地理科学", "地理信息科学",
        "大气科学", "海洋科学", "地质学", "生物科学", "生物技术", "生态学", "心理学", "应用心理学", "统计学", "应用统计学",
    ),
    "engineering": (
        "计算机科学与技术", "软件工程", "网络工程", "信息安全", "物联网工程", "数据科学与大数据技术", "人工智能", "电子信息工程",
        "电子科学与技术", "通信工程", "微电子科学与工程", "集成电路设计与集成系统", "自动化", "电气工程及其自动化", "机械工程",
        "机械设计制造及其自动化", "车辆工程", "材料科学与工程", "土木工程", "建筑学", "城乡规划", "给排水科学与工程", "测绘工程",
        "化学工程与工艺", "生物工程", "环境工程", "环境科学与工程", "能源与动力工程", "新能源科学与工程", "船舶与海洋工程",
        "航空航天工程", "飞行器设计与工程", "交通运输", "交通工程", "食品科学与工程", "安全工程", "工业设计", "光电信息科学与工程",
    ),
    "agriculture": ("农学", "园艺", "植物保护", "植物科学与技术", "种子科学与工程", "动物科学", "动物医学", "林学", "园林", "水产养殖学", "草业科学"),
    "medicine": (
        "临床医学", "基础医学", "口腔医学", "预防医学", "中医学", "中药学", "药学", "护理学", "医学影像学", "医学检验技术", "康复治疗学",
        "麻醉学", "儿科学", "精神医学", "法医学",
    ),
    "management": (
        "管理科学", "信息管理与信息系统", "工程管理", "工商管理", "市场营销", "会计学", "财务管理", "人力资源管理", "审计学",
        "资产评估", "物业管理", "文化产业管理", "公共事业管理", "行政管理", "劳动与社会保障", "土地资源管理", "物流管理",
        "物流工程", "电子商务", "旅游管理", "酒店管理", "会展经济与管理", "图书馆学", "档案学", "供应链管理",
    ),
    "art": (
        "艺术史论", "音乐学", "音乐表演", "舞蹈学", "表演", "戏剧影视文学", "广播电视编导", "播音与主持艺术", "动画", "美术学",
        "绘画", "雕塑", "摄影", "视觉传达设计", "环境设计", "产品设计", "服装与服饰设计", "数字媒体艺术",
    ),
}

#: Exact major name → discipline key.
MAJOR_DISCIPLINE: dict[str, str] = {major: key for key, majors in _MAJORS.items() for major in majors}

#: A word in an unlisted major that decides its discipline, tried in this order ("艺术设计" is art, "软件设计" engineering).
_WORDS: tuple[tuple[str, str], ...] = (
    ("医", "medicine"),
    ("护理", "medicine"),
    ("药", "medicine"),
    ("艺术", "art"),
    ("管理", "management"),
    ("会计", "management"),
    ("工程", "engineering"),
    ("技术", "engineering"),
    ("设计", "art"),
    ("经济", "economics"),
    ("金融", "economics"),
    ("法", "law"),
    ("教育", "education"),
    ("语", "literature"),
    ("新闻", "literature"),
    ("史", "history"),
    ("农", "agriculture"),
    ("数学", "science"),
    ("物理", "science"),
    ("化学", "science"),
    ("生物", "science"),
    ("哲学", "philosophy"),
)


def discipline_of(major: str) -> str:
    """The discipline key of a major as a seeker typed it; "other" when it is empty or unknown."""
    name = major.strip()
    if not name:
        return "other"
    if name in MAJOR_DISCIPLINE:
        return MAJOR_DISCIPLINE[name]
    return next((key for word, key in _WORDS if word in name), "other")


def discipline_name(key: str, language: str) -> str:
    zh, en = next((zh, en) for k, zh, en in DISCIPLINES if k == key)
    return zh if language == "zh" else en
