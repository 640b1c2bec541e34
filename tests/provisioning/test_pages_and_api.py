"""The pages and the API of ③–⑥'s new actions: the same services, the same refusals."""

from __future__ import annotations

import pytest
from django.utils import timezone

from dsg.appointments.models import Appointment, AppointmentState
from dsg.enrollment.models import State
from dsg.provisioning.models import AccountDelivery, SetupMediaShipment

from ..appointments.dates import business_day, business_day_at
from ..walk import new_case, today, walk_to


def local(days: int, hour: int = 10) -> str:
    """The ``days``-th business day from today at ``hour``, as a datetime-local input sends it."""
    return f"{business_day(days).isoformat()}T{hour:02d}:00"


@pytest.fixture
def at_survey(site, cast):
    return walk_to(new_case(site, cast), State.SURVEY, cast)


@pytest.mark.django_db
def test_the_survey_page_says_who_pays_for_what(client, at_survey, cast):
    for person in (cast.psa, cast.staff):
        client.force_login(person)
        page = client.get(f"/enrollments/{at_survey.pk}/").content.decode()
        assert 'data-note="cost"' in page
        assert "費用負担なし" in page


@pytest.mark.django_db
def test_appointments_through_the_pages(client, at_survey, cast):
    client.force_login(cast.staff)
    response = client.post(
        f"/enrollments/{at_survey.pk}/appointments/",
        {"purpose": "survey", "starts_at": local(3), "ends_at": local(3, 12), "place": ""},
    )
    assert response.status_code == 303 and response["Location"].endswith("#appointments")
    appointment = Appointment.objects.get()
    assert timezone.localtime(appointment.starts_at).hour == 10
    page = client.get(f"/enrollments/{at_survey.pk}/").content.decode()
    assert (
        'data-form="appointment-cancel"' in page and 'data-form="appointment-confirm"' not in page
    )

    client.force_login(cast.psa)
    page = client.get(f"/enrollments/{at_survey.pk}/").content.decode()
    assert (
        'data-form="appointment-confirm"' in page and 'data-form="appointment-propose"' not in page
    )
    client.post(f"/appointments/{appointment.pk}/other-date/", {"message": "翌週を希望"})
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.OTHER_DATE_REQUESTED
    assert "翌週を希望" in client.get(f"/enrollments/{at_survey.pk}/").content.decode()

    # A refused action changes nothing and says why, on the case page beside the date (#12).
    response = client.post(f"/appointments/{appointment.pk}/confirm/")
    assert response.status_code == 422
    assert "data-error-summary" in response.content.decode()
    assert Appointment.objects.get().state == AppointmentState.OTHER_DATE_REQUESTED
    client.force_login(cast.delegate)
    assert client.post(f"/appointments/{appointment.pk}/confirm/").status_code == 403


@pytest.mark.django_db
def test_appointments_through_the_api(client, at_survey, cast):
    client.force_login(cast.staff)
    url = f"/api/v1/enrollments/{at_survey.pk}/appointments"
    created = client.post(
        url,
        {"purpose": "construction", "starts_at": local(5)},
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert (
        client.post(
            url, {"purpose": "x", "starts_at": local(5)}, content_type="application/json"
        ).status_code
        == 422
    )
    again = client.post(
        url, {"purpose": "construction", "starts_at": local(6)}, content_type="application/json"
    )
    assert (again.status_code, again.json()["code"]) == (409, "appointment_exists")
    assert client.post(f"/api/v1/appointments/{pk}/confirm").status_code == 403
    client.force_login(cast.psa)
    confirmed = client.post(f"/api/v1/appointments/{pk}/confirm")
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "confirmed"
    listing = client.get(url).json()
    assert [a["state"] for a in listing] == ["confirmed"]
    declined = client.post(
        f"/api/v1/appointments/{pk}/other-date",
        {"message": "工場停止日のため"},
        content_type="application/json",
    )
    assert declined.json()["state"] == "other_date_requested"
    client.force_login(cast.staff)
    assert client.post(f"/api/v1/appointments/{pk}/done").status_code == 409


@pytest.mark.django_db
def test_media_and_accounts_through_the_pages(client, site, cast):
    case = walk_to(new_case(site, cast), State.TERMINAL_SETUP, cast)
    client.force_login(cast.psa)
    client.post(
        f"/enrollments/{case.pk}/account-holders/",
        {"person_id": cast.delegate.pk, "reason": "交代要員", "confirmed": "1"},
    )
    holder = case.account_holders.get(person=cast.delegate)
    assert holder.source == "added" and holder.reason == "交代要員"
    client.force_login(cast.staff)
    client.post(
        f"/enrollments/{case.pk}/media-shipments/",
        {
            "media": "DVD-ROM",
            "carrier": "日本郵便",
            "tracking_number": "EMS-1",
            "shipped_on": today(),
            "confirmed": "1",
        },
    )
    client.post(
        f"/account-holders/{holder.pk}/account-deliveries/",
        {"username": "dsg-u-1", "password": "Pw-secret-1", "confirmed": "1"},
    )
    client.post(f"/enrollments/{case.pk}/router/", {"router_model": "IX"})
    page = client.get(f"/enrollments/{case.pk}/").content.decode()
    assert "EMS-1" in page and 'data-delivery="waiting"' in page and "Pw-secret-1" not in page
    assert AccountDelivery.objects.count() == 1
    client.force_login(cast.psa)
    shipment = SetupMediaShipment.objects.get()
    received = {"received_on": today(), "confirmed": "1"}  # on its confirmation page (#12)
    client.post(f"/media-shipments/{shipment.pk}/received/", received)
    shipment.refresh_from_db()
    assert shipment.received_on == today()
    case.provisioning.refresh_from_db()
    assert case.provisioning.router_model == "IX"


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["psa", "staff"])
def test_the_case_page_queries_stay_fixed_as_provisioning_records_grow(client, site, cast, who):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dsg.provisioning import services as prov

    case = walk_to(new_case(site, cast), State.TERMINAL_SETUP, cast)
    client.force_login(getattr(cast, who))

    def grow(n: int) -> None:
        for i in range(n):
            prov.media_ship(
                enrollment=case,
                actor=cast.staff,
                carrier="c",
                tracking_number=f"T-{n}-{i}",
                shipped_on=today(),
            )
        holder = case.account_holders.order_by("pk").first()
        _delivery, token = prov.account_delivery_create(
            holder=holder, actor=cast.staff, username="u", password="p"
        )
        prov.account_delivery_open(token=token, actor=cast.psa)
        for i in range(n):
            prov.account_holder_add(
                enrollment=case,
                actor=cast.psa,
                name=f"追加 {n}-{i}",
                email=f"added-{n}-{i}@example.jp",
                reason="増員",
            )
            prov.account_delivery_create(
                holder=holder, actor=cast.staff, username="u", password="p"
            )
            appointment = prov.appointment_propose(
                enrollment=case,
                actor=cast.staff,
                purpose="vein_registration",
                holder=holder,
                vein_method="remote",
                starts_at=business_day_at(2),
            )
            prov.appointment_cancel(appointment=appointment, actor=cast.staff)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/enrollments/{case.pk}/").status_code == 200
        return len(queries)

    grow(1)
    few = count()
    grow(4)
    assert count() == few
