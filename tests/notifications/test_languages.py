"""People are told in their language (#12): every mail is rendered for its recipients' language,
one message per language, whatever the language of the person who caused it."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import trans_real

from dsg.notifications.models import Notification, OutboxMessage
from dsg.notifications.services import mail_queue
from dsg.orgs.models import User

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\(\w+\)[sd]|%[sd]")
ENGLISH_WORDS = re.compile(r"[A-Za-z]{2,}(?:[ ,'’][A-Za-z]{2,}){2,}")  # three words in a row


def english_fragments() -> set[str]:
    """The English text of every translated message id: the runs of three words or more between
    its placeholders ("was returned to the company", "Please log in to the portal for")."""
    catalog = trans_real.translation("ja")._catalog  # type: ignore[attr-defined]
    fragments: set[str] = set()
    for msgid, msgstr in catalog.items():
        if not isinstance(msgid, str) or not msgid or msgid == msgstr:
            continue
        text = msgid.split("\x04", 1)[-1]  # a pgettext context is "context\x04message"
        for part in PLACEHOLDER.split(text):
            fragments.update(m.group(0) for m in ENGLISH_WORDS.finditer(part))
    return fragments


FRAGMENTS = english_fragments()


def english_in(text: str) -> list[str]:
    return sorted(fragment for fragment in FRAGMENTS if fragment in text)


def assert_japanese(message: OutboxMessage) -> None:
    what = f"{message.kind} to {message.recipients}: {message.subject}"
    assert message.language == "ja", what
    assert not message.subject.isascii(), f"an ASCII-only subject: {what}"
    assert message.subject.startswith("[DSGポータル]") or message.kind.startswith("account."), what
    assert not english_in(message.subject + "\n" + message.body), (
        f"English in {what}: {english_in(message.subject + chr(10) + message.body)}"
    )


def test_the_check_knows_english_when_it_sees_it():
    assert len(FRAGMENTS) > 200
    assert english_in("Please log in to the portal for the details: http://x")
    assert not english_in("詳細はポータルにログインしてご確認ください: http://127.0.0.1:8000/")


def test_every_mail_of_the_demo_reaches_japanese_readers_in_japanese(settings, tmp_path):
    """The demo drives every app through its services, as people acting in English: each mail
    it sends to its Japanese readers (everyone, by default) is Japanese, with no English."""
    settings.DATA_DIR = tmp_path
    with translation.override("en"):
        call_command("demo", stdout=io.StringIO())
    messages = list(OutboxMessage.objects.order_by("pk"))
    kinds = {message.kind.split(".", 1)[0] for message in messages}
    # the mails of the procedure's apps (the next test sends those of the inspections, the
    # notices, the folder and the reminders, which the demo does not)
    expected = {"enrollment", "application", "appointment", "account_delivery", "media"}
    expected |= {"change", "equipment_request", "helpdesk", "catalogue"}
    assert expected <= kinds, expected - kinds
    for message in messages:
        assert_japanese(message)


def test_every_other_mail_reaches_japanese_readers_in_japanese(settings, tmp_path, site, cast):
    """What the demo does not send: the inspections' dates, their reminders and the overdue
    remediation, a notice, the annual confirmation and its reminders, the company's folder."""
    from dsg.documents.folder import folder_document_store
    from dsg.enrollment.models import State
    from dsg.inspections import services as insp
    from dsg.inspections.models import Result
    from dsg.notices.services import notice_issue

    from ..appointments.dates import business_day_at
    from ..documents.files import pdf
    from ..walk import after_commit, new_case, today, walk_to

    settings.DATA_DIR = tmp_path
    with translation.override("en"), after_commit():
        case = walk_to(new_case(site, cast), State.INSPECTION, cast)
        inspection = insp.inspection_open(subject=case, actor=cast.inspector)
        insp.inspection_propose_slots(
            inspection=inspection, actor=cast.reviewer, starts=[business_day_at(2)]
        )
        insp.inspection_ask_other_slots(inspection=inspection, actor=cast.psa, message="別の日に")
        [slot] = insp.inspection_propose_slots(
            inspection=inspection, actor=cast.reviewer, starts=[business_day_at(3)]
        )
        insp.inspection_pick_slot(inspection=inspection, actor=cast.psa, slot_id=slot.pk)
        insp.inspections_remind(today=slot.starts_at.date() - dt.timedelta(days=1))
        findings = list(inspection.findings.all())
        entries = [
            insp.FindingInput(
                finding_id=f.pk,
                result=Result.NONCONFORMING if n == 0 else Result.CONFORMING,
                note="記録なし" if n == 0 else "",
            )
            for n, f in enumerate(findings)
        ]
        insp.inspection_record(inspection=inspection, actor=cast.inspector, entries=entries)
        insp.inspection_finish(inspection=inspection, actor=cast.inspector, performed_on=today())
        insp.inspections_remind(today=today() + dt.timedelta(days=400))  # remediation overdue
        notice_issue(
            subject=case,
            kind="inspection_result",
            snapshot={"case_number": case.number, "inspection": {"kind": 2, "items": []}},
            issued_by=cast.reviewer,
        )
        folder_document_store(
            actor=cast.psa, company=site.company, kind="other", filename="a.pdf", data=pdf(1)
        )
    kinds = set(OutboxMessage.objects.values_list("kind", flat=True))
    expected = {
        "inspection.slots",
        "inspection.slot_request",
        "inspection.slot_picked",
        "inspection.reminder",
        "inspection.overdue",
        "notice.issued",
        "document.stored",
    }
    assert expected <= kinds, expected - kinds
    for message in OutboxMessage.objects.order_by("pk"):
        assert_japanese(message)


def test_the_annual_confirmation_mails_are_japanese(site, cast, reviewer):
    from dsg.annual.services import annual_remind_pending, annual_round_open
    from dsg.enrollment.models import State

    from ..walk import after_commit, new_case, today, walk_to

    with translation.override("en"), after_commit():
        walk_to(new_case(site, cast), State.COMPLETED, cast)
        OutboxMessage.objects.all().delete()
        annual = annual_round_open(
            actor=reviewer, title="年次確認 2026", due_on=today() + dt.timedelta(days=30)
        )
        annual_remind_pending(today=today() + dt.timedelta(days=29))
        annual_remind_pending(today=today() + dt.timedelta(days=31))
    kinds = set(OutboxMessage.objects.values_list("kind", flat=True))
    assert {"annual.open", "annual.reminder.due_soon", "annual.reminder.overdue"} <= kinds, kinds
    for message in OutboxMessage.objects.order_by("pk"):
        assert_japanese(message)
    assert annual.pk


def _queue(to: list[str], kind: str = "test.kind") -> list[OutboxMessage]:
    with transaction.atomic():
        return mail_queue(
            to=to,
            about="DSG-2026-0001",
            subject=_("a notice was issued"),
            lines=[_("a notice was issued")],
            link="/enrollments/1/",
            kind=kind,
        )


def test_one_message_per_language_each_in_its_readers_language(psa, reviewer):
    reviewer.language = "en"
    reviewer.save(update_fields=["language"])
    with translation.override("en"):  # the actor's language changes nothing
        messages = _queue([psa.email, reviewer.email, "outside@example.jp"])
    by_language = {message.language: message for message in messages}
    assert set(by_language) == {"ja", "en"}
    ja, en = by_language["ja"], by_language["en"]
    assert sorted(ja.recipients) == sorted([psa.email, "outside@example.jp"])
    assert en.recipients == [reviewer.email]
    assert en.subject == "[DSG Portal] DSG-2026-0001: a notice was issued"
    assert "a notice was issued" in en.body and "Please log in" in en.body
    assert "通知書が発行されました" in ja.body
    assert_japanese(ja)
    # each person finds their own language's message in their inbox; an outside address has none
    inbox = dict(Notification.objects.values_list("user__email", "message__language"))
    assert inbox == {psa.email: "ja", reviewer.email: "en"}


def test_links_in_mail_point_to_the_configured_portal_url(settings, psa):
    settings.PORTAL_URL = "https://dsg.example.jp"
    [message] = _queue([psa.email])
    assert "https://dsg.example.jp/enrollments/1/" in message.body
    assert "8000" not in message.body


def test_the_password_reset_mail_speaks_the_reader_language(client, psa):
    english = UserFactory(organization=psa.organization, role=psa.role, language="en")
    for person in (psa, english):
        client.post("/accounts/password/reset/", {"email": person.email})
    ja = OutboxMessage.objects.get(recipients=[psa.email])
    en = OutboxMessage.objects.get(recipients=[english.email])
    assert (ja.language, en.language) == ("ja", "en")
    assert not ja.subject.isascii() and en.subject.isascii(), (ja.subject, en.subject)
    assert User.objects.get(pk=english.pk).notifications.get().message == en
