"""③–⑥'s records that cannot be taken back go through their confirmation pages (#12): the case
page's form keeps posting where it posts, and without the page's ``confirmed`` that draws the
page with the values carried and changes nothing; GET changes nothing either; confirmed, the
record is made and the person goes back to the case with what was done; a refusal (a bad input,
a wrong role, a record already made) changes nothing."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from dsg.appointments.models import Appointment, AppointmentState
from dsg.enrollment.models import State
from dsg.notifications.models import OutboxMessage
from dsg.provisioning import services as prov
from dsg.provisioning.models import AccountDelivery, SetupMediaShipment

from ..appointments.dates import business_day_at
from ..db_rows import table_rows
from ..enrollment.field_errors import assert_error_beside
from ..walk import new_case, today, walk_to

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Record:
    state: str
    who: str  # who makes the record; ``other`` is a role that may not
    other: str
    url: Callable[[Any, Any], str]  # (case, cast) -> the page, after preparing what it needs
    data: Callable[[Any], dict[str, str]]  # cast -> what the case page's form sends
    made: Callable[[Any], bool]  # the case -> was the record made?
    success: str  # the message it ends with (its msgid: shown in Japanese)
    mail: str = ""  # the kind of mail it queues, if any


def _shipment(case, cast) -> str:
    shipment = prov.media_ship(
        enrollment=case,
        actor=cast.staff,
        carrier="日本郵便",
        tracking_number="EMS-9",
        shipped_on=today(),
    )
    return f"/media-shipments/{shipment.pk}/received/"


def _work(case, cast) -> str:
    work = prov.ancillary_work_add(enrollment=case, actor=cast.staff, description="EPS内の配管")
    return f"/ancillary-works/{work.pk}/done/"


def _delivered(case, cast) -> str:
    holder = case.account_holders.get()
    prov.account_delivery_create(holder=holder, actor=cast.staff, username="u-1", password="p-1")
    return f"/account-holders/{holder.pk}/reissue-request/"


def _appointment(case, cast) -> str:
    appointment = prov.appointment_propose(
        enrollment=case, actor=cast.staff, purpose="survey", starts_at=business_day_at(3, 10)
    )
    prov.appointment_confirm(appointment=appointment, actor=cast.psa)
    Appointment.objects.filter(pk=appointment.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=1)
    )
    return f"/appointments/{appointment.pk}/done/"


RECORDS: dict[str, Record] = {
    "media_ship": Record(
        State.TERMINAL_SETUP,
        "staff",
        "psa",
        lambda case, cast: f"/enrollments/{case.pk}/media-shipments/",
        lambda cast: {
            "media": "DVD-ROM",
            "carrier": "ヤマト運輸",
            "tracking_number": "TRK-4242",
            "shipped_on": today().isoformat(),
        },
        lambda case: SetupMediaShipment.objects.filter(enrollment=case).exists(),
        "The shipment of the setup media was recorded.",
        "media.ship",
    ),
    "media_receive": Record(
        State.TERMINAL_SETUP,
        "psa",
        "staff",
        _shipment,
        lambda cast: {"received_on": today().isoformat()},
        lambda case: SetupMediaShipment.objects.get(enrollment=case).received_on is not None,
        "The receipt of the setup media was confirmed.",
    ),
    "ancillary_work_done": Record(
        State.SURVEY,
        "psa",
        "staff",
        _work,
        lambda cast: {"done_on": today().isoformat()},
        lambda case: case.ancillary_works.get().done_on is not None,
        "The ancillary work was marked as done.",
    ),
    "account_holder_add": Record(
        State.TERMINAL_SETUP,
        "psa",
        "delegate",
        lambda case, cast: f"/enrollments/{case.pk}/account-holders/",
        lambda cast: {"person_id": str(cast.delegate.pk), "reason": "交代要員として追加"},
        lambda case: case.account_holders.count() == 2,
        "The account holder was added; the service provider was told.",
        "account_holder.add",
    ),
    "account_delivery_reissue_request": Record(
        State.TERMINAL_SETUP,
        "psa",
        "staff",
        _delivered,
        lambda cast: {"reason": "リンクのメールを削除した"},
        lambda case: case.account_holders.get().reissue_requested_at is not None,
        "The service provider was asked to issue the account information again; the earlier "
        "link no longer works.",
        "account_delivery.reissue_request",
    ),
    "account_delivery_create": Record(
        State.TERMINAL_SETUP,
        "staff",
        "psa",
        lambda case, cast: f"/account-holders/{case.account_holders.get().pk}/account-deliveries/",
        lambda cast: {"username": "dsg-user-77", "password": "Init-Pw-77"},
        lambda case: AccountDelivery.objects.filter(enrollment=case).exists(),
        "The account information is stored; the PSA was sent a one-time link by mail.",
        "account_delivery.create",
    ),
    "appointment_done": Record(
        State.SURVEY,
        "staff",
        "psa",
        _appointment,
        lambda cast: {},
        lambda case: Appointment.objects.get().state == AppointmentState.DONE,
        "The appointment was marked as done.",
    ),
}


def _rows() -> dict[str, Any]:
    return table_rows(volatile=frozenset({"last_login"}))


def _client(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def prepared(request, site, cast):
    record = RECORDS[request.param]
    case = walk_to(new_case(site, cast), record.state, cast)
    url = record.url(case, cast)
    return record, case, url, record.data(cast)


@pytest.mark.parametrize("prepared", sorted(RECORDS), indirect=True)
def test_a_record_is_made_only_when_confirmed_on_its_page(prepared, cast):
    record, case, url, sent = prepared
    client = _client(getattr(cast, record.who))
    before = _rows()
    shown = client.get(url)
    html = shown.content.decode()
    assert shown.status_code == 200 and 'data-form="confirm"' in html and "data-consequence" in html
    assert "data-told" in html
    carried = client.post(url, sent)  # the case page's form, without the page's confirmed
    html = carried.content.decode()
    assert carried.status_code == 200 and 'data-form="confirm"' in html
    for name, value in sent.items():
        if name != "password":
            assert value in html, name
    assert "Init-Pw-77" not in html  # a password is never echoed
    assert _rows() == before and not record.made(case)

    mails = OutboxMessage.objects.filter(kind=record.mail).count()
    done = client.post(url, {**sent, "confirmed": "1"}, follow=True)
    assert done.redirect_chain and done.redirect_chain[0][1] == 303
    assert done.redirect_chain[0][0].startswith(f"/enrollments/{case.pk}/")
    with translation.override("ja"):
        assert gettext(record.success) in done.content.decode()
    assert record.made(case)
    if record.mail:  # the other side is told, as the page said
        assert OutboxMessage.objects.filter(kind=record.mail).count() > mails


@pytest.mark.parametrize("prepared", sorted(RECORDS), indirect=True)
def test_a_role_that_may_not_make_the_record_is_refused_its_page(prepared, cast):
    record, case, url, sent = prepared
    client = _client(getattr(cast, record.other))
    before = _rows()
    assert client.get(url).status_code in (403, 404)
    assert client.post(url, {**sent, "confirmed": "1"}).status_code in (403, 404)
    assert _rows() == before and not record.made(case)


@pytest.mark.parametrize(
    ("prepared", "field", "value"),
    [
        ("media_ship", "shipped_on", "future"),
        ("media_receive", "received_on", "future"),
        ("ancillary_work_done", "done_on", "future"),
        ("account_delivery_create", "username", ""),
    ],
    indirect=["prepared"],
)
def test_a_bad_input_is_said_beside_its_field_on_the_page(prepared, cast, field, value):
    record, case, url, sent = prepared
    if value == "future":
        value = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    client = _client(getattr(cast, record.who))
    before = _rows()
    response = client.post(url, {**sent, field: value, "confirmed": "1"})
    page = response.content.decode()
    ids = [i for i in _ids(page) if i.endswith(f"-{field}")]
    assert ids, f"no {field} on the page"
    assert_error_beside(response, data_form="confirm", field_id=ids[0])
    assert _rows() == before and not record.made(case)


def _ids(page: str) -> list[str]:
    return re.findall(r'\bid="([^"]+)"', page)


@pytest.mark.parametrize(
    "prepared",
    [
        "media_receive",
        "ancillary_work_done",
        "account_delivery_reissue_request",
        "appointment_done",
    ],
    indirect=True,
)
def test_a_record_made_once_says_so_on_its_page_and_is_not_made_again(prepared, cast):
    record, case, url, sent = prepared
    client = _client(getattr(cast, record.who))
    assert client.post(url, {**sent, "confirmed": "1"}).status_code == 303
    before = _rows()
    shown = client.get(url)
    assert shown.status_code == 200 and "data-refusal" in shown.content.decode()
    assert client.post(url, {**sent, "confirmed": "1"}).status_code == 409
    assert _rows() == before
