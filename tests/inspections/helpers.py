"""Drive ② and ⑦ through the inspections services, the way the pages and the API do."""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone
from PIL import Image

from dsg.core.calendar import next_business_day
from dsg.enrollment.models import Enrollment, State
from dsg.inspections import services
from dsg.inspections.models import Inspection, Result
from tests.walk import PATH, Cast, act, prepare_for, today


def jpeg(color: str = "red") -> bytes:
    """A real small JPEG photo, made with Pillow."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(out, "JPEG")
    return out.getvalue()


def record(
    inspection: Inspection,
    cast: Cast,
    results: dict[str, str] | None = None,
    *,
    default: str = Result.CONFORMING,
    due_on: dt.date | None = None,
) -> None:
    """Record every item: ``results`` by item code, ``default`` for the rest."""
    results = results or {}
    entries = [
        services.FindingInput(
            finding_id=f.pk,
            result=results.get(f.item.code, default),
            note=f"{f.item.code} 所見" if results.get(f.item.code) else "",
            due_on=due_on if results.get(f.item.code) == Result.NONCONFORMING else None,
        )
        for f in inspection.findings.select_related("item")
    ]
    services.inspection_record(inspection=inspection, actor=cast.inspector, entries=entries)


def inspect(
    enrollment: Enrollment, cast: Cast, results: dict[str, str] | None = None, **kwargs: object
) -> Inspection:
    """Open the current round, record it and finish it: the case moves with the outcome."""
    inspection = services.inspection_open(subject=enrollment, actor=cast.inspector)
    record(inspection, cast, results, **kwargs)  # type: ignore[arg-type]
    return services.inspection_finish(
        inspection=inspection, actor=cast.inspector, performed_on=today()
    )


def report_all(inspection: Inspection, cast: Cast) -> None:
    for deficiency in inspection.deficiencies.all():
        services.remediation_report_file(
            deficiency=deficiency, actor=cast.psa, text=f"{deficiency.finding.item.code} 是正済み"
        )


def walk_from_survey_to_final(enrollment: Enrollment, cast: Cast) -> Enrollment:
    """From ③ to ⑦ by the path tests/walk.py uses."""
    enrollment.refresh_from_db()
    moves = PATH[State.FINAL_INSPECTION][len(PATH[State.SURVEY]) :]
    for name, who, data in moves:
        prepare_for(enrollment, name, cast)
        values = {k: today() if v == "today" else v for k, v in data.items()}
        enrollment = act(enrollment, name, getattr(cast, who), **values)
    assert enrollment.state == State.FINAL_INSPECTION
    return enrollment


def tomorrow_at(hour: int = 10) -> dt.datetime:
    """The next business day at ``hour`` (dates are proposed on business days only)."""
    day = next_business_day(timezone.localdate())
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
