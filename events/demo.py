"""A small demo: a talent train with three campus stops, a night market with twenty stalls, a dozen employers, forty jobs, a pending employer application, a few applications at several funnel stages, and last year's train (over, with check-ins) for the reports."""

from __future__ import annotations

import secrets
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from stdnum.cn import uscc

from events import applications, booths, contact_notes, employers, funnel, interests, job_search, jobs, schedule, seekers
from events.accounts import Actor

EMPLOYERS = [
    ("南京云帆科技有限公司", "软件和信息技术服务业"),
    ("江苏长江智能制造有限公司", "智能制造"),
    ("苏州星河生物医药有限公司", "生物医药"),
    ("无锡芯源微电子有限公司", "集成电路"),
    ("南京金陵银行股份有限公司", "金融"),
    ("常州新能动力电池有限公司", "新能源"),
    ("扬州运河文化传媒有限公司", "文化传媒"),
    ("徐州淮海物流集团有限公司", "物流"),
    ("南通海工装备有限公司", "海洋工程"),
    ("镇江绿源环保科技有限公司", "环保"),
    ("泰州康宁医疗器械有限公司", "医疗器械"),
    ("连云港港湾建设有限公司", "建筑"),
]
JOB_TITLES = [
    ("Java 开发工程师", "技术", "bachelor", ["计算机科学与技术", "软件工程"]),
    ("算法工程师", "技术", "master", ["人工智能", "数学"]),
    ("测试工程师", "技术", "associate", []),
    ("电气工程师", "工程", "bachelor", ["电气工程及其自动化"]),
    ("管培生", "管理", "bachelor", []),
    ("财务专员", "财务", "bachelor", ["会计学", "财务管理"]),
    ("销售代表", "销售", "associate", []),
    ("研发工程师", "技术", "master", ["化学", "生物工程"]),
    ("新媒体运营", "运营", "bachelor", ["新闻学", "广告学"]),
    ("储备干部", "管理", "high_school", []),
]
CAMPUSES = [
    ("南京大学", "仙林校区", "南京市栖霞区仙林大道163号", 32.1128, 118.9583),
    ("东南大学", "九龙湖校区", "南京市江宁区东南大学路2号", 31.8890, 118.8180),
    ("南京航空航天大学", "将军路校区", "南京市江宁区将军大道29号", 31.9400, 118.7900),
]


def credit_code(n: int) -> str:
    """A well-formed demo 统一社会信用代码 (registered-company prefix, valid check digit)."""
    body = f"913201{n:06d}MA1X{n % 10}"
    body = body[:17]
    return body + uscc.calc_check_digit(body)


#: The demo's HR person, at the first demo employer (南京云帆科技), so that a new user can try the HR side at once.
DEMO_HR_EMAIL = "hr@example.com"


async def load_demo(*, organiser: Actor, now: datetime) -> tuple[str, str]:
    """Fill the database; returns the demo HR account's login and its generated password (to be shown once)."""
    zone = ZoneInfo("Asia/Shanghai")
    made = []
    for n, (name, industry) in enumerate(EMPLOYERS, start=1):
        made.append(
            await employers.create_employer(
                actor=organiser, now=now, name=name, credit_code=credit_code(n), industry=industry, city="南京", website=f"https://example.com/{n}"
            )
        )

    first_day = (now.astimezone(zone) + timedelta(days=14)).date()
    train = await schedule.create_event(
        actor=organiser, now=now, kind="talent_train", title="2026 南京高校人才专列", slug="nanjing-talent-train",
        host="南京市人力资源和社会保障局", city="南京", description="用人单位 HR 组团走进三所高校，现场招聘。",
    )
    for day, (school, campus, address, lat, lon) in enumerate(CAMPUSES):
        start = datetime.combine(first_day + timedelta(days=day * 2), time(14), tzinfo=zone)
        stop = await schedule.add_stop(
            actor=organiser, now=now, slug=train.slug, school=school, campus=campus, address=address, city="南京",
            latitude=lat, longitude=lon, starts_at=start, ends_at=start + timedelta(hours=3), capacity=300,
        )
        for n, employer in enumerate(made[:8], start=1):
            await booths.assign_booth(actor=organiser, now=now, stop_id=stop.id, employer_id=employer.id, label=f"A{n:02d}")

    market = await schedule.create_event(
        actor=organiser, now=now, kind="night_market", title="秦淮人才夜市", slug="qinhuai-night-market",
        host="秦淮区就业服务中心", city="南京", description="夜色中的招聘会：逛摊位，扫码投递。",
    )
    for night in range(2):
        start = datetime.combine(first_day + timedelta(days=7 + night), time(18, 30), tzinfo=zone)
        stop = await schedule.add_stop(
            actor=organiser, now=now, slug=market.slug, name=f"第{night + 1}晚", address="南京市秦淮区夫子庙贡院街", city="南京",
            starts_at=start, ends_at=start + timedelta(hours=3), capacity=2000,
        )
        for n, employer in enumerate(made[night * 2 : night * 2 + 10], start=1):
            await booths.assign_booth(actor=organiser, now=now, stop_id=stop.id, employer_id=employer.id, label=f"{'AB'[night]}{n}")

    for n in range(40):
        event = train if n < 24 else market
        pool = made[:8] if event is train else made[:12]
        employer = pool[n % len(pool)]
        title, category, education, majors = JOB_TITLES[n % len(JOB_TITLES)]
        low = 6000 + (n % 7) * 1500
        await jobs.post_job(
            actor=organiser, now=now, slug=event.slug, employer_id=employer.id, title=title, category=category, city="南京",
            headcount=1 + n % 5, salary_min=low, salary_max=low + 4000, salary_months=12 + n % 3, education=education, majors=majors,
            description=f"{employer.name}招聘{title}。",
        )
    for event in (train, market):
        await schedule.publish_event(actor=organiser, now=now, slug=event.slug)
    # An employer's application waiting for the organiser at /manage/applications (企业入驻申请).
    night_stops = (await schedule.get_event(actor=organiser, slug=market.slug)).stops
    await applications.submit_application(
        now=now, event=market.slug, company="南京青禾软件有限公司", credit_code=credit_code(len(EMPLOYERS) + 1), contact_name="王敏",
        contact_phone="13800138000", contact_email="wangmin@qinghe.example.com", stop_ids=[stop.id for stop in night_stops], hr_count=2,
        jobs=["Java 开发工程师", "产品经理"],
    )
    hr = await employers.add_staff(actor=organiser, now=now, employer_id=made[0].id, name="张敏", email=DEMO_HR_EMAIL, phone=None, password=None)
    assert hr.initial_password is not None
    await load_demo_slots(organiser=organiser, now=now, slug=train.slug, employer_id=made[0].id)
    await _funnel_demo(hr=Actor(role="hr", id=hr.account.id, employer_id=made[0].id), now=now, slug=train.slug)
    await _previous_edition(
        organiser=organiser, hr=Actor(role="hr", id=hr.account.id, employer_id=made[0].id), now=now, employer_ids=[employer.id for employer in made[:5]]
    )
    return DEMO_HR_EMAIL, hr.initial_password


# ---------------------------------------------------------------- issue 14, slots


async def load_demo_slots(*, organiser: Actor, now: datetime, slug: str, employer_id) -> None:
    """Interview slots at the first employer's booth of the train's first stop (every 20 minutes, two places), and three students' bookings."""
    import secrets

    from events import bookings, slots
    from events.accounts import create_account

    stop = (await schedule.get_event(actor=organiser, slug=slug)).stops[0]
    booth = next(booth for booth in stop.booths if booth.employer.id == employer_id)
    opened = await slots.open_slots(
        actor=organiser, now=now, booth_id=booth.id, starts_at=stop.starts_at + timedelta(minutes=30), minutes=20, size=2, every_minutes=20,
        until=stop.starts_at + timedelta(hours=2, minutes=30), cancel_cutoff_minutes=120,
    )
    for n, name in enumerate(("李华", "王芳", "陈晨")):
        account = await create_account(
            role="seeker", name=name, email=f"student{n + 1}@slots.demo.example.com", phone=None, password=secrets.token_urlsafe(12) + "-1",
            employer_id=None, now=now,
        )
        await bookings.book(actor=Actor(role="seeker", id=account.id), now=now, slot_id=opened[n // 2].id)


# ---------------------------------------------------------------- hiring funnel (issue 14, h-funnel)

#: Demo students who applied to the first employer's jobs at the talent train, and how far each got (投递 → 签约).
FUNNEL_STUDENTS = [
    ("陈思远", "南京大学", "软件工程", ["screened", "interviewed", "intention", "signed"]),
    ("刘雨桐", "东南大学", "计算机科学与技术", ["screened", "interviewed", "intention"]),
    ("王子涵", "南京航空航天大学", "人工智能", ["screened", "interviewed"]),
    ("赵一鸣", "南京大学", "数学", ["screened"]),
    ("孙嘉怡", "东南大学", "软件工程", ["declined"]),
    ("周博文", "南京大学", "电子信息工程", []),
]


async def _funnel_demo(*, hr: Actor, now: datetime, slug: str) -> None:
    """A few applications to the demo HR's employer at several stages, with a note on the furthest, so /hr/interests and the funnel counts have something to show."""
    offered = (await job_search.search_jobs(actor=hr, slug=slug, employer_id=hr.employer_id, limit=100, offset=0)).items
    for n, (name, school, major, moves) in enumerate(FUNNEL_STUDENTS):
        # Nobody signs in as these students: a random password, with a digit so that it always passes the strength rule.
        signed = await seekers.sign_up(
            now=now, name=name, phone=f"1390000{n:04d}", password=f"{secrets.token_urlsafe(12)}-7", school=school, major=major, degree="bachelor",
            graduation_year=now.year + 1, privacy_notice_version=seekers.PRIVACY_NOTICE_VERSION, accept_privacy_notice=True,
        )
        student = Actor(role="seeker", id=signed.seeker.id)
        interest, _new = await interests.express_interest(actor=student, now=now, job_id=offered[n % len(offered)].id)
        for stage in moves:
            await funnel.move_stage(actor=hr, now=now, interest_id=interest.id, stage=stage)
        if n == 0:
            await contact_notes.save_interest_note(
                actor=hr, now=now, interest_id=interest.id, rating=5, tags=["Java", "应届"], text="基础扎实，沟通清楚。", next_step="寄送录用通知",
            )


# ---------------------------------------------------------------- reports (issue 15): a previous edition that has happened

#: Last year's students: (school, major, degree) cycled over 24 registrations, 18 of whom came.
PREVIOUS_STUDENTS = [
    ("南京大学", "软件工程", "bachelor"), ("东南大学", "计算机科学与技术", "master"), ("南京大学", "会计学", "bachelor"),
    ("南京航空航天大学", "电气工程及其自动化", "bachelor"), ("东南大学", "数学", "master"), ("南京大学", "英语", "associate"),
]


async def _previous_edition(*, organiser: Actor, hr: Actor, now: datetime, employer_ids: list) -> None:
    """The talent train a year ago, one campus, over: registrations, gate check-ins, visitors at the demo HR's booth and their applications.

    So that the train's report has a previous edition to compare with, and a report of a stop that has happened.
    """
    from events import registrations, scanning

    zone = ZoneInfo("Asia/Shanghai")
    start = datetime.combine((now - timedelta(days=365)).astimezone(zone).date(), time(14), tzinfo=zone)
    before = start - timedelta(days=30)
    event = await schedule.create_event(
        actor=organiser, now=before, kind="talent_train", title=f"{start.year} 南京高校人才专列", slug="nanjing-talent-train-previous",
        host="南京市人力资源和社会保障局", city="南京", description="上一届人才专列。",
    )
    school, campus, address, lat, lon = CAMPUSES[0]
    stop = await schedule.add_stop(
        actor=organiser, now=before, slug=event.slug, school=school, campus=campus, address=address, city="南京", latitude=lat, longitude=lon,
        starts_at=start, ends_at=start + timedelta(hours=3), capacity=200,
    )
    offered = []
    for n, employer_id in enumerate(employer_ids, start=1):
        booth = await booths.assign_booth(actor=organiser, now=before, stop_id=stop.id, employer_id=employer_id, label=f"A{n:02d}")
        title, category, education, majors = JOB_TITLES[n]
        job = await jobs.post_job(
            actor=organiser, now=before, slug=event.slug, employer_id=employer_id, title=title, category=category, city="南京", headcount=2 + n,
            salary_min=7000 + n * 1000, salary_max=11000 + n * 1000, education=education, majors=majors, description=f"{title}。",
        )
        offered.append((booth.id, job))
    booth_id, job = offered[0]  # the demo HR's employer's booth and job
    await schedule.publish_event(actor=organiser, now=before, slug=event.slug)
    scans, visits, students = [], [], []
    for n in range(24):
        school, major, degree = PREVIOUS_STUDENTS[n % len(PREVIOUS_STUDENTS)]
        signed = await seekers.sign_up(
            now=before, name=f"往届学生{n + 1}", phone=f"1390001{n:04d}", password=f"{secrets.token_urlsafe(12)}-7", school=school, major=major,
            degree=degree, graduation_year=start.year + n % 2, privacy_notice_version=seekers.PRIVACY_NOTICE_VERSION, accept_privacy_notice=True,
        )
        registration = await registrations.register(actor=Actor(role="seeker", id=signed.seeker.id), now=before + timedelta(days=1, minutes=n), stop_id=stop.id)
        if n % 4 and registration.ticket is not None:
            scans.append(
                scanning.ScanRequest(kind="check_in", ticket=registration.ticket.code, nonce=f"demo-previous-{n}", stop_id=stop.id, scanned_at=start + timedelta(minutes=4 * n))
            )
            if len(visits) < 10:
                visits.append(
                    scanning.ScanRequest(
                        kind="visit", ticket=registration.ticket.code, nonce=f"demo-previous-visit-{n}", booth_id=booth_id, scanned_at=start + timedelta(minutes=4 * n + 20)
                    )
                )
                students.append(Actor(role="seeker", id=signed.seeker.id))
    await scanning.sync_scans(actor=organiser, now=start + timedelta(hours=2), requests=scans)
    await scanning.sync_scans(actor=hr, now=start + timedelta(hours=2), requests=visits)
    # Six of the visitors applied there; HR took them along the funnel (one signed, one intention, two screened).
    for student, moves in zip(students, [["screened", "interviewed", "intention", "signed"], ["screened", "interviewed", "intention"], ["screened"], ["screened"], [], []], strict=False):
        interest, _new = await interests.express_interest(actor=student, now=start + timedelta(hours=1), job_id=job.id)
        for stage in moves:
            await funnel.move_stage(actor=hr, now=start + timedelta(days=3), interest_id=interest.id, stage=stage)
