"""dsg schedule: the スケジュール表 from an application date, or back from a target date."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from dsg.core.wareki import wareki
from dsg.schedule import planner
from dsg.schedule.selectors import step_durations_current
from dsg.schedule.steps import STEP_SUMMARIES


def iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a date in the form YYYY-MM-DD: {value!r}") from error


def terminal_count(value: str) -> int:
    try:
        number = int(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from error
    if not planner.MIN_TERMINALS <= number <= planner.MAX_TERMINALS:
        raise argparse.ArgumentTypeError(
            f"the number of terminals must be from {planner.MIN_TERMINALS} to "
            f"{planner.MAX_TERMINALS}, not {number}"
        )
    return number


def stored_durations() -> dict[int, int]:
    """The office's durations; the defaults when the database is not set up (a bare install)."""
    try:
        return step_durations_current()
    except DatabaseError:
        return dict(planner.DEFAULT_DURATIONS)


class Command(BaseCommand):
    help = (
        "Plan steps ①–⑦ on Japanese business days from an application date (--start); with "
        "--target, also the latest application date that still completes by that date."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--start", type=iso_date, required=True, help="application date")
        parser.add_argument("--target", type=iso_date, help="date by which DSG is needed")
        parser.add_argument(
            "--terminals", type=terminal_count, default=1, help="number of terminals (1-999)"
        )
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        start, target = options["start"], options["target"]
        if target is not None and target < start:
            raise CommandError(f"--target {target} is before --start {start}")
        durations = stored_durations()
        plan = planner.plan(start, terminals=options["terminals"], durations=durations)
        latest = (
            planner.latest_start(target, terminals=options["terminals"], durations=durations)
            if target
            else None
        )
        if options["json"]:
            self._print_json(plan, latest)
        else:
            self._print_table(plan, target, latest)
        for warning in plan.warnings:
            self.stderr.write(f"warning: {warning.message}")

    def _print_json(self, plan: planner.Plan, latest: dt.date | None) -> None:
        steps = [
            {
                "step": s.step,
                "start": s.start.isoformat(),
                "end": s.end.isoformat(),
                "business_days": s.business_days,
            }
            for s in plan.steps
        ]
        body = {
            "start": plan.start.isoformat(),
            "completion": plan.completion.isoformat(),
            "steps": steps,
            "latest_start": latest.isoformat() if latest else None,
        }
        self.stdout.write(json.dumps(body, ensure_ascii=False))

    def _print_table(
        self, plan: planner.Plan, target: dt.date | None, latest: dt.date | None
    ) -> None:
        out = self.stdout.write
        out(f"申請日　　　　{plan.start}（{wareki(plan.start)}）")
        for s in plan.steps:
            out(
                f"{STEP_SUMMARIES[s.step]}\n"
                f"    {s.start} – {s.end}（{wareki(s.start)} – {wareki(s.end)}）"
                f" {s.business_days}営業日"
            )
        out(f"加入完了予定日　{plan.completion}（{wareki(plan.completion)}）")
        if target is not None:
            if latest is None:
                out(f"目標日 {target} に間に合う申請日はありません")
            else:
                out(f"目標日 {target} に間に合う最遅の申請日　{latest}（{wareki(latest)}）")
