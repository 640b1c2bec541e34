"""Issuing a notice: the number and the snapshot in the issuing transaction, then the PDF.

``notice_issue`` runs inside the transaction of the change that concludes the step (an inspection
finished, a remediation accepted): it takes the next document number, freezes the snapshot and
records the notice as prepared, all under the subject's lock. Rendering (WeasyPrint) and signing
(pyHanko) take 0.2–2 s, so they happen right after that transaction commits, outside any lock
(``notice_render_pending``): the signed PDF is stored in the company's folder, the ledger records
"notice.issued" with its SHA-256 and the PSA is told. A rendering that fails leaves the notice
pending (shown as such, never lost); the worker and ``dsg notice render-pending`` retry it.

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
import logging
from functools import partial
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from dsg.audit.services import audit_record
from dsg.core import subjects
from dsg.core.errors import RuleViolation
from dsg.documents.models import DocumentKind
from dsg.documents.services import document_store_generated
from dsg.notifications.services import in_reader_language, mail_queue
from dsg.orgs.models import User
from dsg.orgs.permissions import require_permission
from dsg.orgs.selectors import psa_emails

from .models import Notice, NoticeCounter, NoticeKind
from .render import modules_load, notice_render, notice_sign

log = logging.getLogger(__name__)

NUMBER_FORMAT = "防装庁情第{year}-{serial:04d}号"
MAX_ATTEMPTS = 20
FILENAME_PREFIX: dict[str, str] = {
    NoticeKind.INSPECTION_RESULT: "inspection-result",
    NoticeKind.COMPLETION: "completion",
}
TITLES: dict[str, str] = {
    NoticeKind.INSPECTION_RESULT: "現地確認結果通知書",
    NoticeKind.COMPLETION: "加入完了通知書",
}


def notice_issue(*, subject: Any, kind: str, snapshot: dict[str, Any], issued_by: User) -> Notice:
    """The office issues a notice of ``kind`` about ``subject`` (a case), printing ``snapshot``.

    The notice is prepared in the current transaction; its PDF follows right after commit.
    """
    require_permission(actor=issued_by, action="notice.issue", obj=subject)
    if kind not in NoticeKind.values:
        raise RuleViolation(_("Unknown kind of notice."), code="invalid", status=422, field="kind")
    frozen = _frozen(snapshot)
    subject_type = subjects.subject_type_of(subject)
    with transaction.atomic():
        locked = subject_type.lock(subject)
        issued_at = timezone.now()
        notice = Notice.objects.create(
            company=subject_type.company(locked),
            subject_type=ContentType.objects.get_for_model(locked),
            subject_id=locked.pk,
            kind=kind,
            number=notice_number_next(year=timezone.localtime(issued_at).year),
            issued_at=issued_at,
            issued_by=issued_by,
            snapshot=frozen,
        )
        audit_record(
            actor=issued_by,
            action="notice.prepared",
            obj=notice,
            company_id=notice.company_id,
            after={
                "number": notice.number,
                "kind": kind,
                "subject": {"type": subject_type.key, "id": locked.pk},
            },
        )
        transaction.on_commit(partial(_render_after_commit, notice.pk))
    return notice


def _render_after_commit(notice_id: int) -> None:
    if notice_render_pending(notice_id=notice_id) is None:
        notices_render_later()


def notice_render_pending(*, notice_id: int) -> Notice | None:
    """Render, sign and store the PDF of a prepared notice; None when it failed (kept pending).

    Runs outside any transaction of the subject: the slow part holds no lock. Two workers on one
    notice store one PDF: the second finds it stored and leaves it.
    """
    notice = Notice.objects.select_related("issued_by").get(pk=notice_id)
    if not notice.is_pending:
        return notice
    try:
        pdf = _signed_pdf(_printed(notice))
    except Exception as error:  # noqa: BLE001 — any rendering failure is recorded and retried
        _render_failed(notice, error)
        return None
    return _store_signed(notice, pdf)


Printed = tuple[dict[str, Any], str, str, Any]  # snapshot, kind, number, issued_at


def _printed(notice: Notice) -> Printed:
    """Everything a notice's PDF is made of (plain values: a worker process needs nothing else)."""
    return (notice.snapshot, notice.kind, notice.number, notice.issued_at)


def _signed_pdf(printed: Printed) -> bytes:
    snapshot, kind, number, issued_at = printed
    return notice_sign(
        notice_render(snapshot, kind, number, issued_at), number=number, title=TITLES[kind]
    )


def _render_failed(notice: Notice, error: BaseException) -> None:
    log.error("notice %s could not be rendered", notice.number, exc_info=error)
    Notice.objects.filter(pk=notice.pk).update(
        render_attempts=F("render_attempts") + 1,
        render_error=f"{type(error).__name__}: {error}"[:2000],
    )


def _store_signed(notice: Notice, pdf: bytes) -> Notice:
    with transaction.atomic():
        locked = Notice.objects.select_for_update().get(pk=notice.pk)
        if not locked.is_pending:
            return locked
        subject = subjects.linked_subject(locked)
        locked.document = _store(subject, locked.kind, locked.number, pdf, notice.issued_by)
        locked.render_error = ""
        locked.save(update_fields=["document", "render_error"])
        audit_record(
            actor=notice.issued_by,
            action="notice.issued",
            obj=locked,
            company_id=locked.company_id,
            after={
                "number": locked.number,
                "kind": locked.kind,
                "subject": {"type": subjects.subject_type_of(subject).key, "id": subject.pk},
                "document": locked.document.pk,
                "sha256": hashlib.sha256(pdf).hexdigest(),
            },
        )
        _tell_psa(subject, locked)
    return locked


def notices_render_pending(*, limit: int | None = 50, workers: int = 1) -> tuple[int, int]:
    """Render the notices still waiting for their PDF, oldest first: (rendered, failed).

    With ``workers`` > 1 the PDFs are made (WeasyPrint and the signature, no database) in that
    many forked processes, while this process stores each one as it arrives (the encrypted file,
    the ledger, the mail) — only this process writes, so SQLite and a caller's transaction are
    fine. ``limit`` None: every pending notice.
    """
    pending = Notice.objects.filter(document__isnull=True, render_attempts__lt=MAX_ATTEMPTS)
    ids = list(pending.order_by("issued_at", "pk").values_list("pk", flat=True)[:limit])
    if workers <= 1 or len(ids) <= 1:
        results = [notice_render_pending(notice_id=pk) for pk in ids]
        return sum(r is not None for r in results), sum(r is None for r in results)
    return _render_in_pool(ids, workers)


def _signed_pdf_in_worker(printed: Printed) -> bytes:
    """What a batch worker runs (sent by name; it looks ``_signed_pdf`` up in its own copy)."""
    return _signed_pdf(printed)


BATCH_CHUNK = 200  # notices read from the database at a time by the batch


def _render_in_pool(ids: list[int], workers: int) -> tuple[int, int]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    rendered = failed = 0
    # Forked: the workers inherit the settings, the loaded templates and (modules_load) WeasyPrint
    # and pyHanko, and start at once. They never touch the database (the connection they inherit
    # stays unused).
    modules_load()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for start in range(0, len(ids), BATCH_CHUNK):
            notices = list(
                Notice.objects.select_related("issued_by")
                .filter(pk__in=ids[start : start + BATCH_CHUNK], document__isnull=True)
                .order_by("issued_at", "pk")
            )
            futures = [pool.submit(_signed_pdf_in_worker, _printed(notice)) for notice in notices]
            for notice, future in zip(notices, futures, strict=True):
                try:
                    pdf = future.result()
                except Exception as error:  # noqa: BLE001 — as in notice_render_pending
                    _render_failed(notice, error)
                    failed += 1
                    continue
                _store_signed(notice, pdf)
                rendered += 1
    return rendered, failed


def notices_render_later() -> None:
    """Hand the pending notices to the worker (``dsg worker``); the command is the fallback."""
    from .tasks import notices_render

    try:
        notices_render.enqueue()
    except Exception:  # the pending notice is durable; `dsg notice render-pending` renders it
        log.exception("could not enqueue the rendering of pending notices")


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


def _store(subject: Any, kind: str, number: str, pdf: bytes, actor: User) -> Any:
    serial = number.removeprefix("防装庁情第").removesuffix("号")
    return document_store_generated(
        actor=actor,
        company=subjects.subject_type_of(subject).company(subject),
        subject=subject,
        kind=DocumentKind.NOTICE,
        filename=f"{FILENAME_PREFIX[kind]}-{serial}.pdf",
        data=pdf,
        content_type="application/pdf",
    )


def _tell_psa(subject: Any, notice: Notice) -> None:
    """Mail the company's PSAs that a notice waits in the portal; the mail carries no contents."""
    number = subjects.subject_type_of(subject).number(subject)
    mail_queue(
        to=psa_emails(notice.company_id),
        about=number,
        subject=_("a notice was issued"),
        lines=[
            format_lazy(
                _("The office issued a notice ({kind}) for the enrollment case {number}."),
                kind=in_reader_language(notice.get_kind_display),
                number=number,
            )
        ],
        link=f"{subjects.subject_type_of(subject).url(subject)}notices/",
        kind="notice.issued",
        company_id=notice.company_id,
    )
