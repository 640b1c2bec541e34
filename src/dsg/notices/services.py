"""Issuing a notice: number, render, sign, store, record, tell the PSA — in one transaction.

The snapshot (``Notice.snapshot``) is everything the notice prints. The caller (the inspections
part) builds it from the case at the moment of issue; afterwards only the snapshot is read, so a
later change of the company name, the checklist or the terminals never changes an issued notice.
Expected keys (every one optional; text is user input and is escaped when printed):

    {
      "company": {"name": str, "corporate_number": str, "address": str},   # or just the name
      "site": {"name": str, "address": str},                               # or just the name
      "case_number": str,                                                  # 加入案件番号
      "psa": {"name": str, "email": str},                                  # 保護システム管理者
      "inspection": {                                   # 現地確認結果通知書
        "kind": 2 | 7 | "initial" | "final",            # ② 現地確認 or ⑦ 最終現地確認
        "round": int,                                   # 1 for the first visit, 2 for a re-visit
        "performed_on": "YYYY-MM-DD",
        "inspector": {"name": str} | str,
        "outcome": "passed" | "deficiencies" | "deemed_by_audit" | free text,
        "checklist": str,                               # the checklist's name and version
        "items": [{"code": str, "theme": str, "text": str,
                   "result": "conforming" | "nonconforming" | "not_applicable" | "unchecked",
                   "note": str}],                        # printed 適合/不適合/該当なし/未確認
        "deficiencies": [{"item": str, "due_date": "YYYY-MM-DD"}],
      },
      "completion": {                                   # 加入完了通知書
        "started_on": "YYYY-MM-DD",                     # 利用開始日
        "terminals": [{"name": str, "model_name": str, "serial_number": str}],
      },
    }

Dates are printed in 和暦 and western form. Unknown result or outcome values are printed as given.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from dsg.audit.services import audit_record
from dsg.core.errors import RuleViolation
from dsg.documents.models import DocumentKind
from dsg.documents.services import document_store_generated
from dsg.enrollment.models import Enrollment
from dsg.enrollment.services import enrollment_lock
from dsg.notifications.services import mail_queue
from dsg.orgs.models import User
from dsg.orgs.permissions import require_permission
from dsg.orgs.selectors import psa_emails

from .models import Notice, NoticeCounter, NoticeKind
from .render import notice_render, notice_sign

NUMBER_FORMAT = "防装庁情第{year}-{serial:04d}号"
FILENAME_PREFIX = {
    NoticeKind.INSPECTION_RESULT: "inspection-result",
    NoticeKind.COMPLETION: "completion",
}
TITLES = {
    NoticeKind.INSPECTION_RESULT: "現地確認結果通知書",
    NoticeKind.COMPLETION: "加入完了通知書",
}


def notice_issue(
    *, enrollment: Enrollment, kind: str, snapshot: dict[str, Any], issued_by: User
) -> Notice:
    """The office issues a signed notice of ``kind`` for the case, printing ``snapshot``."""
    require_permission(actor=issued_by, action="notice.issue", obj=enrollment)
    if kind not in NoticeKind.values:
        raise RuleViolation(_("Unknown kind of notice."), code="invalid", status=422, field="kind")
    frozen = _frozen(snapshot)
    with transaction.atomic():
        locked = enrollment_lock(enrollment)
        issued_at = timezone.now()
        number = notice_number_next(year=timezone.localtime(issued_at).year)
        pdf = notice_sign(
            notice_render(frozen, kind, number, issued_at), number=number, title=TITLES[kind]
        )
        document = _store(locked, kind, number, pdf, issued_by)
        notice = Notice.objects.create(
            enrollment=locked,
            kind=kind,
            number=number,
            issued_at=issued_at,
            issued_by=issued_by,
            snapshot=frozen,
            document=document,
        )
        audit_record(
            actor=issued_by,
            action="notice.issued",
            obj=notice,
            company_id=locked.site.company_id,
            after={
                "number": number,
                "kind": kind,
                "enrollment": locked.pk,
                "document": document.pk,
                "sha256": hashlib.sha256(pdf).hexdigest(),
            },
        )
        _tell_psa(locked, notice)
    return notice


def notice_number_next(*, year: int) -> str:
    """The next document number of ``year``, taken under a row lock (never twice, no gaps)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("notice_number_next must run inside the issuing transaction")
    NoticeCounter.objects.get_or_create(year=year)
    counter = NoticeCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return NUMBER_FORMAT.format(year=year, serial=counter.last)


def _frozen(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The snapshot as stored: plain JSON (dates as ISO strings), what every re-render reads."""
    if not isinstance(snapshot, dict):
        raise RuleViolation(
            _("The notice's content is missing."), code="invalid", status=422, field="snapshot"
        )
    return json.loads(json.dumps(snapshot, cls=DjangoJSONEncoder, ensure_ascii=False))


def _store(enrollment: Enrollment, kind: str, number: str, pdf: bytes, actor: User) -> Any:
    serial = number.removeprefix("防装庁情第").removesuffix("号")
    return document_store_generated(
        actor=actor,
        company=enrollment.site.company,
        subject=enrollment,
        kind=DocumentKind.NOTICE,
        filename=f"{FILENAME_PREFIX[kind]}-{serial}.pdf",
        data=pdf,
        content_type="application/pdf",
    )


def _tell_psa(enrollment: Enrollment, notice: Notice) -> None:
    """Mail the company's PSAs that a notice waits in the portal; the mail carries no contents."""
    mail_queue(
        to=psa_emails(enrollment.site.company_id),
        about=enrollment.number,
        subject=_("a notice was issued"),
        lines=[
            format_lazy(
                _("The office issued a notice ({kind}) for the enrollment case {number}."),
                kind=notice.get_kind_display(),
                number=enrollment.number,
            )
        ],
        link=f"/enrollments/{enrollment.pk}/notices/",
        kind="notice.issued",
        company_id=enrollment.site.company_id,
    )
