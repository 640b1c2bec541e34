"""The plan as iCalendar: one all-day event per step, with a UID stable per case and step."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from icalendar import Calendar, Event

from dsg.enrollment.models import Enrollment

from .calendar import ONE_DAY
from .planner import Plan

PRODID = "-//DSG Portal//schedule//JA"
UID_DOMAIN = "dsg-portal"
STEP_SUMMARIES = {  # Japanese, as in the guideline: calendars are shared with partners
    1: "① 加入申請書の提出（審査）",
    2: "② 利用端末設置場所の現地確認",
    3: "③ 回線敷設のための現場調査",
    4: "④ 回線敷設工事",
    5: "⑤ 通信ルータの設置",
    6: "⑥ 端末セットアップ・接続テスト",
    7: "⑦ 最終現地確認",
}


def step_uid(enrollment: Enrollment, step: int) -> str:
    return f"enrollment-{enrollment.pk}-step-{step}@{UID_DOMAIN}"


def schedule_ics(enrollment: Enrollment, plan: Plan) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{enrollment.number} スケジュール表")
    stamp = timezone.now().astimezone(dt.UTC).replace(microsecond=0)
    for step in plan.steps:
        event = Event()
        event.add("uid", step_uid(enrollment, step.step))
        event.add("dtstamp", stamp)
        event.add("summary", f"{enrollment.number} {STEP_SUMMARIES[step.step]}")
        event.add("dtstart", step.start)
        event.add("dtend", step.end + ONE_DAY)  # DTEND of an all-day event is exclusive
        event.add("description", f"{step.business_days} 営業日")
        calendar.add_component(event)
    return calendar.to_ical()
