"""⑥ account information (アカウント情報): stored encrypted, announced by mail without the secret,
opened once through a one-time link by the PSA of the company, then destroyed."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from dsg.audit.models import AuditEvent
from dsg.core.errors import RuleViolation
from dsg.enrollment.models import State
from dsg.notifications.models import OutboxMessage
from dsg.orgs.models import Role
from dsg.provisioning import services as prov
from dsg.provisioning.models import AccountDelivery, AccountDeliveryState
from dsg.provisioning.services import token_hash

from ..factories import UserFactory
from ..notifications.conftest import smtp  # noqa: F401 — the aiosmtpd fixture
from ..walk import new_case, walk_to

USERNAME = "dsg-user-7731"
PASSWORD = "Init!Pw-9f3K2q"


@pytest.fixture
def holder(site, cast):
    """The account holder the application named (the PSA), taken over when ⑥ started."""
    case = walk_to(new_case(site, cast), State.TERMINAL_SETUP, cast)
    return case.account_holders.get()


def deliver(holder, cast):
    return prov.account_delivery_create(
        holder=holder, actor=cast.staff, username=USERNAME, password=PASSWORD
    )


def _body(message) -> str:
    return message.get_payload(decode=True).decode(message.get_content_charset())


@pytest.mark.django_db(transaction=True)
def test_the_mail_says_where_to_look_and_never_carries_the_account_information(
    smtp,  # noqa: F811
    holder,
    cast,
):
    delivery, token = deliver(holder, cast)
    call_command("worker", "--batch", "--no-startup-delay")
    [received] = [m for m in smtp.messages if "アカウント情報" in _body(m)]
    body = _body(received)
    assert received["To"] == cast.psa.email
    assert USERNAME not in body and PASSWORD not in body
    assert f"/account-deliveries/open/#{token}" in body  # the one-time link, its code after #
    for message in OutboxMessage.objects.all():
        assert USERNAME not in message.body and PASSWORD not in message.body
    holder.refresh_from_db()
    assert holder.account_issued_on == timezone.localdate()  # delivering means issued


@pytest.mark.django_db
def test_the_secret_is_stored_encrypted_and_the_token_only_as_its_hash(holder, cast):
    delivery, token = deliver(holder, cast)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT * FROM {AccountDelivery._meta.db_table} WHERE id = %s", [delivery.pk]
        )
        row = cursor.fetchone()
    raw = b"".join(bytes(v) if isinstance(v, (bytes, memoryview)) else str(v).encode() for v in row)
    assert USERNAME.encode() not in raw and PASSWORD.encode() not in raw
    assert token.encode() not in raw
    assert len(bytes(delivery.secret)) > len(USERNAME) + len(PASSWORD)  # there is a ciphertext
    ledger = str(list(AuditEvent.objects.values_list("before", "after")))
    assert USERNAME not in ledger and PASSWORD not in ledger and token not in ledger


@pytest.mark.django_db
def test_only_the_psa_of_the_company_opens_it_and_only_once(holder, cast, everyone):
    _delivery, token = deliver(holder, cast)
    for key in ("delegate", "user", "reviewer", "inspector", "provider_staff", "other_psa"):
        with pytest.raises(RuleViolation) as refusal:
            prov.account_delivery_open(token=token, actor=everyone[key])
        assert refusal.value.status == 404, key
    with pytest.raises(RuleViolation) as refusal:
        prov.account_delivery_open(token=token + "x", actor=cast.psa)
    assert refusal.value.status == 404

    delivery, values = prov.account_delivery_open(token=token, actor=cast.psa)
    assert values == {"username": USERNAME, "password": PASSWORD}
    delivery.refresh_from_db()
    assert delivery.state == AccountDeliveryState.OPENED and delivery.secret is None
    assert delivery.opened_by == cast.psa
    event = AuditEvent.objects.get(action="account_delivery.open")
    assert event.actor_id == cast.psa.pk

    with pytest.raises(RuleViolation) as refusal:
        prov.account_delivery_open(token=token, actor=cast.psa)
    assert (refusal.value.status, refusal.value.code) == (409, "already_opened")


@pytest.mark.django_db
def test_another_psa_of_the_same_company_may_open_it(holder, cast, company):
    _delivery, token = deliver(holder, cast)
    second_psa = UserFactory(organization=company, role=Role.PSA)
    assert prov.account_delivery_open(token=token, actor=second_psa)[1]["username"] == USERNAME


@pytest.mark.django_db
def test_an_expired_link_is_refused(holder, cast):
    delivery, token = deliver(holder, cast)
    AccountDelivery.objects.filter(pk=delivery.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    with pytest.raises(RuleViolation) as refusal:
        prov.account_delivery_open(token=token, actor=cast.psa)
    assert (refusal.value.status, refusal.value.code) == (410, "link_expired")
    assert AccountDelivery.objects.get().state == AccountDeliveryState.WAITING


@pytest.mark.django_db
def test_the_provider_issues_again_and_the_old_link_dies(holder, cast):
    old, old_token = deliver(holder, cast)
    prov.account_delivery_open(token=old_token, actor=cast.psa)
    second, second_token = deliver(holder, cast)  # after an open: a new link
    third, third_token = deliver(holder, cast)  # replaces the one not yet opened
    second.refresh_from_db()
    assert second.state == AccountDeliveryState.REVOKED and second.secret is None
    with pytest.raises(RuleViolation) as refusal:
        prov.account_delivery_open(token=second_token, actor=cast.psa)
    assert refusal.value.code == "link_replaced"
    assert prov.account_delivery_open(token=third_token, actor=cast.psa)[1]["password"] == PASSWORD


@pytest.mark.django_db
def test_only_the_provider_enters_account_information(holder, everyone):
    for key in ("psa", "delegate", "user", "reviewer", "inspector", "other_psa"):
        with pytest.raises(RuleViolation) as refusal:
            prov.account_delivery_create(
                holder=holder, actor=everyone[key], username=USERNAME, password=PASSWORD
            )
        assert refusal.value.status == 403, key
    assert not AccountDelivery.objects.exists()


@pytest.mark.django_db
def test_the_link_page_shows_it_once_to_the_psa(client, holder, cast):
    _delivery, token = deliver(holder, cast)
    url = f"/account-deliveries/{token}/"
    client.force_login(cast.delegate)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    client.force_login(cast.psa)
    page = client.get(url)
    assert page.status_code == 200 and PASSWORD not in page.content.decode()
    assert AccountDelivery.objects.get().state == AccountDeliveryState.WAITING  # GET opens nothing
    opened = client.post(url)
    text = opened.content.decode()
    assert opened.status_code == 200 and USERNAME in text and PASSWORD in text
    assert {"no-store", "private"} <= {d.strip() for d in opened["Cache-Control"].split(",")}
    again = client.post(url)
    assert again.status_code == 409 and PASSWORD not in again.content.decode()
    case_page = client.get(f"/enrollments/{holder.enrollment_id}/").content.decode()
    assert PASSWORD not in case_page and USERNAME not in case_page
    assert re.search(r'data-delivery="opened"', case_page)


@pytest.mark.django_db
def test_the_api_opens_once_and_declares_its_refusals(client, holder, cast):
    client.force_login(cast.staff)
    created = client.post(
        f"/api/v1/account-holders/{holder.pk}/account-deliveries",
        {"username": USERNAME, "password": PASSWORD},
        content_type="application/json",
    )
    assert created.status_code == 201
    assert PASSWORD not in created.content.decode() and "token" not in created.json()
    token = re.search(
        r"/account-deliveries/open/#([\w-]+)",
        OutboxMessage.objects.get(kind="account_delivery.create").body,
    )[1]
    client.force_login(cast.psa)
    url, body = "/api/v1/account-deliveries/open", {"token": token}
    opened = client.post(url, body, content_type="application/json")
    assert opened.status_code == 200 and opened.json()["password"] == PASSWORD
    again = client.post(url, body, content_type="application/json")
    assert (again.status_code, again.json()["code"]) == (409, "already_opened")
    listing = client.get(f"/api/v1/enrollments/{holder.enrollment_id}/account-deliveries")
    assert listing.json()[0]["state"] == "opened" and PASSWORD not in listing.content.decode()


@pytest.mark.django_db
def test_opening_the_link_is_the_receipt_of_the_account_information(holder, cast):
    _delivery, token = deliver(holder, cast)
    holder.refresh_from_db()
    assert holder.account_received_at is None  # sent is not received
    delivery, _values = prov.account_delivery_open(token=token, actor=cast.psa)
    holder.refresh_from_db()
    assert holder.account_received_at == delivery.opened_at


@pytest.mark.django_db
def test_a_psa_who_lost_the_link_asks_again_and_the_old_link_dies(holder, cast, everyone):
    from dsg.provisioning import worklist

    with pytest.raises(RuleViolation) as refusal:  # nothing sent yet
        prov.account_delivery_reissue_request(holder=holder, actor=cast.psa)
    assert refusal.value.code == "not_delivered"
    _old, old_token = deliver(holder, cast)
    for key in ("delegate", "user", "reviewer", "inspector", "provider_staff", "other_psa"):
        with pytest.raises(RuleViolation) as refusal:
            prov.account_delivery_reissue_request(holder=holder, actor=everyone[key])
        assert refusal.value.status == 403, key
    asked = prov.account_delivery_reissue_request(
        holder=holder, actor=cast.psa, reason="メールを誤って削除"
    )
    assert asked.reissue_requested_by == cast.psa and asked.reissue_requested_at is not None
    with pytest.raises(RuleViolation) as refusal:  # the lost link stops working at once
        prov.account_delivery_open(token=old_token, actor=cast.psa)
    assert refusal.value.code == "link_replaced"
    with pytest.raises(RuleViolation) as refusal:
        prov.account_delivery_reissue_request(holder=holder, actor=cast.psa)
    assert refusal.value.code == "already_requested"
    event = AuditEvent.objects.get(action="account_delivery.reissue_request")
    assert event.after["reason"] == "メールを誤って削除"
    mail = OutboxMessage.objects.get(kind="account_delivery.reissue_request")
    assert mail.recipients == [cast.staff.email] and old_token not in mail.body

    tasks = worklist.provider_tasks_complete(list(worklist.provider_task_rows(user=cast.staff)))
    assert [(t.kind, t.holder) for t in tasks if t.holder] == [("account_reissue", holder)]
    _new, new_token = deliver(holder, cast)  # the provider issues it again
    holder.refresh_from_db()
    assert holder.reissue_requested_at is None
    assert not [
        r
        for r in worklist.provider_task_rows(user=cast.staff)
        if r["task_kind"] in ("account", "account_reissue")
    ]
    assert prov.account_delivery_open(token=new_token, actor=cast.psa)[1]["password"] == PASSWORD


@pytest.mark.django_db
def test_the_psa_asks_again_from_the_case_page(client, holder, cast):
    _delivery, token = deliver(holder, cast)
    client.force_login(cast.psa)
    page = client.get(f"/enrollments/{holder.enrollment_id}/").content.decode()
    assert 'data-form="reissue-request"' in page
    response = client.post(
        f"/account-holders/{holder.pk}/reissue-request/",
        {"reason": "リンクを紛失", "confirmed": "1"},  # on its confirmation page (#12)
    )
    assert response.status_code == 303
    page = client.get(f"/enrollments/{holder.enrollment_id}/").content.decode()
    assert 'data-reissue="requested"' in page and 'data-form="reissue-request"' not in page
    client.force_login(cast.staff)
    assert client.post(f"/account-holders/{holder.pk}/reissue-request/").status_code == 403
    api = client.get("/api/v1/provider/tasks").json()
    assert [i["kind"] for i in api["items"] if i["holder_id"] == holder.pk] == ["account_reissue"]


@pytest.mark.django_db
def test_the_link_is_in_the_psas_mail_and_on_no_page_or_answer(client, holder, cast, everyone):
    _delivery, token = deliver(holder, cast)
    [mail] = OutboxMessage.objects.filter(body__contains=token)
    assert mail.kind == "account_delivery.create" and mail.recipients == [cast.psa.email]
    case = holder.enrollment_id
    urls = [
        "/",
        f"/enrollments/{case}/",
        f"/enrollments/{case}/account-sheet/",
        f"/api/v1/enrollments/{case}",
        f"/api/v1/enrollments/{case}/account-holders",
        f"/api/v1/enrollments/{case}/account-deliveries",
        f"/api/v1/enrollments/{case}/account-sheet",
        "/api/v1/provider/tasks",
    ]
    for key, person in everyone.items():
        client.force_login(person)
        for url in urls:
            assert token not in client.get(url).content.decode(), (key, url)
    ledger = str(list(AuditEvent.objects.values_list("before", "after")))
    assert token not in ledger and token_hash(token) not in ledger
