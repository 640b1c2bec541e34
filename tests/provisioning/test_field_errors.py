"""③–⑥'s forms on the case page (#12): a bad input or a refusal draws the case page again (422)
with the error beside its field — in the form that was sent, of the row it was sent for — and the
error summary linking to the field; nothing changes. What was typed is kept."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dsg.appointments.models import Appointment
from dsg.enrollment.models import State
from dsg.provisioning import services as prov

from ..appointments.dates import business_day
from ..enrollment.field_errors import Unchanged, assert_error_beside
from ..walk import new_case, today, walk_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def at_survey(site, cast):
    return walk_to(new_case(site, cast), State.SURVEY, cast)


@pytest.fixture
def at_setup(site, cast):
    return walk_to(new_case(site, cast), State.TERMINAL_SETUP, cast)


def _post(client, person, url, data):
    client.force_login(person)
    with Unchanged():
        return client.post(url, data)


@pytest.mark.parametrize(
    ("who", "path", "data", "data_form", "field"),
    [
        ("staff", "survey/", {"surveyed_on": "", "route_notes": "北側"}, "survey", "surveyed_on"),
        ("staff", "ancillary-works/", {"description": " "}, "work-add", "description"),
        (
            "staff",
            "appointments/",
            {"purpose": "survey", "starts_at": "来週の月曜"},
            "appointment-propose",
            "starts_at",
        ),
    ],
    ids=["survey-date", "ancillary-work", "appointment-date"],
)
def test_a_bad_input_at_the_survey_is_said_beside_its_field(
    client, at_survey, cast, who, path, data, data_form, field
):
    response = _post(client, getattr(cast, who), f"/enrollments/{at_survey.pk}/{path}", data)
    page = assert_error_beside(response, data_form=data_form, field_id=f"{data_form}-{field}")
    if "route_notes" in data:  # what was typed is kept
        assert "北側" in page


def test_a_date_outside_business_hours_is_said_beside_the_date(client, at_survey, cast):
    starts = f"{business_day(3).isoformat()}T22:00"
    response = _post(
        client,
        cast.staff,
        f"/enrollments/{at_survey.pk}/appointments/",
        {"purpose": "survey", "starts_at": starts},
    )
    assert_error_beside(
        response, data_form="appointment-propose", field_id="appointment-propose-starts_at"
    )
    assert not Appointment.objects.exists()


def test_a_row_form_shows_its_error_in_its_own_row(client, at_survey, cast):
    first = prov.ancillary_work_add(enrollment=at_survey, actor=cast.staff, description="配管")
    second = prov.ancillary_work_add(enrollment=at_survey, actor=cast.staff, description="電源")
    url = f"/ancillary-works/{second.pk}/done/"  # through its confirmation page (#12)
    response = _post(client, cast.psa, url, {"done_on": "昨日", "confirmed": "1"})
    page = assert_error_beside(
        response, data_form="confirm", field_id=f"work-done-{second.pk}-done_on"
    )
    assert f"work-done-{first.pk}-done_on" not in page  # the other row's work is not touched
    first.refresh_from_db(), second.refresh_from_db()
    assert first.done_on is None and second.done_on is None


def test_asking_for_another_date_without_saying_which_is_said_beside_the_message(
    client, at_survey, cast
):
    appointment = prov.appointment_propose(
        enrollment=at_survey,
        actor=cast.staff,
        purpose="survey",
        starts_at=_at(business_day(3), 10),
    )
    response = _post(client, cast.psa, f"/appointments/{appointment.pk}/other-date/", {})
    assert_error_beside(
        response,
        data_form="appointment-other-date",
        field_id=f"appointment-other-date-{appointment.pk}-message",
    )


def _at(day, hour):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.mark.parametrize(
    ("who", "path", "data", "data_form", "field"),
    [
        (
            "psa",
            "terminals/",
            {"name": "PC-01", "model_name": "指定端末", "serial_number": ""},
            "terminal",
            "serial_number",
        ),
        ("staff", "router/", {"router_model": ""}, "router", "router_model"),
    ],
    ids=["terminal-serial", "router-model"],
)
def test_a_bad_input_at_the_setup_is_said_beside_its_field(
    client, at_setup, cast, who, path, data, data_form, field
):
    response = _post(client, getattr(cast, who), f"/enrollments/{at_setup.pk}/{path}", data)
    page = assert_error_beside(response, data_form=data_form, field_id=f"{data_form}-{field}")
    if data_form == "terminal":
        assert 'value="PC-01"' in page


@pytest.mark.parametrize(
    ("who", "path", "data", "key", "field"),
    [
        ("psa", "account-holders/", {"name": "追加 花子", "reason": ""}, "holder", "reason"),
        (
            "staff",
            "media-shipments/",
            {"media": "DVD-ROM", "carrier": "", "tracking_number": "1234", "shipped_on": "x"},
            "media-ship",
            "carrier",
        ),
    ],
    ids=["holder-reason", "media-carrier"],
)
def test_a_bad_input_of_a_record_that_cannot_be_taken_back_is_said_on_its_page(
    client, at_setup, cast, who, path, data, key, field
):
    """Confirmed on its page (#12), checked there: the error beside the field, what was typed
    kept, nothing changed."""
    url = f"/enrollments/{at_setup.pk}/{path}"
    response = _post(client, getattr(cast, who), url, {**data, "confirmed": "1"})
    page = assert_error_beside(response, data_form="confirm", field_id=f"{key}-{field}")
    assert ("追加 花子" if key == "holder" else 'value="1234"') in page


@pytest.mark.parametrize(
    ("who", "path", "data", "data_form", "field"),
    [
        ("staff", "account-issued/", {"issued_on": ""}, "account-issued", "issued_on"),
        (
            "staff",
            "account-deliveries/",
            {"username": "", "password": "x"},
            "account-delivery",
            "username",
        ),
    ],
    ids=["issued-date", "delivery-user-id"],
)
def test_a_bad_input_for_an_account_holder_is_said_in_their_row(
    client, at_setup, cast, who, path, data, data_form, field
):
    holder = at_setup.account_holders.get()
    confirmed = data_form == "account-delivery"  # confirmed on its page (#12), checked there
    response = _post(
        client,
        getattr(cast, who),
        f"/account-holders/{holder.pk}/{path}",
        {**data, "confirmed": "1"} if confirmed else data,
    )
    page = assert_error_beside(
        response,
        data_form="confirm" if confirmed else data_form,
        field_id=f"{data_form}-{holder.pk}-{field}",
    )
    if confirmed:
        assert 'type="password"' in page and 'value="x"' not in page  # never echoed


def test_a_vein_registration_and_a_connection_test_say_their_errors_beside_their_fields(
    client, at_setup, cast
):
    holder = at_setup.account_holders.get()
    _delivery, token = prov.account_delivery_create(
        holder=holder, actor=cast.staff, username="dsg-1", password="Init-Pw-1"
    )
    prov.account_delivery_open(token=token, actor=cast.psa)
    response = _post(
        client,
        cast.staff,
        f"/account-holders/{holder.pk}/vein-registration/",
        {"registered_on": "", "method": "remote"},
    )
    assert_error_beside(response, data_form="vein", field_id=f"vein-{holder.pk}-registered_on")

    prov.vein_registration_record(
        holder=holder, actor=cast.staff, registered_on=today(), method="remote"
    )
    terminal = prov.terminal_register(
        enrollment=at_setup, actor=cast.psa, name="PC-01", model_name="指定端末", serial_number="S1"
    )
    response = _post(
        client,
        cast.psa,
        f"/terminals/{terminal.pk}/connection-tests/",
        {"holder_id": holder.pk, "tested_on": "", "passed": "1"},
    )
    page = assert_error_beside(
        response,
        data_form="connection-test",
        field_id=f"connection-test-{terminal.pk}-tested_on",
    )
    assert f'<option value="{holder.pk}" selected>' in page  # the holder chosen stays chosen


def test_a_refusal_of_the_service_is_said_beside_the_field_it_names(client, at_setup, cast):
    """The router's serial corrected without a reason: the service's refusal (field=reason)."""
    response = _post(
        client,
        cast.staff,
        f"/enrollments/{at_setup.pk}/router/",
        {"router_model": "RT-X", "router_serial": "NEW-SERIAL", "reason": ""},
    )
    assert_error_beside(response, data_form="router", field_id="router-reason")


def test_the_inline_forms_carry_their_help_text(client, at_survey, cast):
    client.force_login(cast.staff)
    page = client.get(f"/enrollments/{at_survey.pk}/").content.decode()
    assert "現場調査" in page
    form = page[page.index('data-form="survey"') :]
    assert 'class="help"' in form[: form.index("</form>")]
