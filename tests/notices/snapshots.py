"""Snapshots as the inspections part builds them, for issuing notices in tests."""

from __future__ import annotations

from typing import Any

from dsg.enrollment.models import Enrollment

# Text typed by people ends up on the notice: it must print as text, never as markup.
MARKUP_NOTE = "<b>太字</b> & <script>alert(1)</script>"


def inspection_snapshot(enrollment: Enrollment, **overrides: Any) -> dict[str, Any]:
    site = enrollment.site
    snapshot: dict[str, Any] = {
        "company": {"name": site.company.name, "corporate_number": site.company.corporate_number},
        "site": {"name": site.name, "address": site.address},
        "case_number": enrollment.number,
        "psa": {"name": "試験 太郎", "email": "psa@test.example.jp"},
        "inspection": {
            "kind": 2,
            "round": 1,
            "performed_on": "2026-11-20",
            "inspector": {"name": "検査 一郎"},
            "outcome": "deficiencies",
            "checklist": "現地確認チェックリスト v1",
            "items": [
                {
                    "code": "A-1",
                    "theme": "設備",
                    "text": "取扱施設の施錠",
                    "result": "conforming",
                    "note": "",
                },
                {
                    "theme": "機器",
                    "text": "端末の改造なし",
                    "result": "nonconforming",
                    "note": MARKUP_NOTE,
                },
                {"theme": "機器", "text": "可搬記憶媒体", "result": "not_applicable", "note": ""},
                {"theme": "運用", "text": "入退室記録", "result": "unchecked", "note": ""},
            ],
            "deficiencies": [{"item": "端末の改造なし", "due_date": "2026-12-25"}],
        },
    }
    snapshot.update(overrides)
    return snapshot


def completion_snapshot(enrollment: Enrollment) -> dict[str, Any]:
    site = enrollment.site
    return {
        "company": {"name": site.company.name},
        "site": {"name": site.name},
        "case_number": enrollment.number,
        "psa": {"name": "試験 太郎"},
        "completion": {
            "started_on": "2026-12-01",
            "terminals": [{"name": "PC-01", "model_name": "DSG-T1", "serial_number": "SN-0001"}],
        },
    }
