"""The checklist sent to the company in advance, printed to PDF with WeasyPrint (IPAex fonts)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation

from dsg.core.wareki import wareki

from .models import Inspection, InspectionKind
from .selectors import findings_by_theme, findings_of

TITLES = {
    InspectionKind.SITE: "現地確認 確認項目一覧",
    InspectionKind.FINAL: "最終現地確認 確認項目一覧",
}


def checklist_pdf_response(inspection: Inspection) -> HttpResponse:
    """The checklist PDF as a download (page and API)."""
    response = HttpResponse(checklist_pdf(inspection), content_type="application/pdf")
    name = f"checklist-{inspection.subject_number}-{inspection.kind}-{inspection.round}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def checklist_pdf(inspection: Inspection) -> bytes:
    """The PDF of ``inspection``'s checklist, items grouped by theme as on the page."""
    from weasyprint import HTML

    themes: list[tuple[str, list[Any]]] = findings_by_theme(findings_of(inspection))

    scheduled = ""
    if inspection.scheduled_at:
        local = timezone.localtime(inspection.scheduled_at)
        scheduled = f"{wareki(local.date())}（{local:%Y-%m-%d}）{local:%H:%M}"
    with translation.override("ja"):
        html = render_to_string(
            "inspections/checklist_pdf.html",
            {
                "inspection": inspection,
                "themes": themes,
                "title": TITLES[InspectionKind(inspection.kind)],
                "scheduled": scheduled,
            },
        )
    return HTML(string=html).write_pdf()
