"""Every mail ends with the 問い合わせ先 (§6) and the link to the contacts page: the contacts app
registers the footer, the composer below it knows no app above it."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import transaction

from dsg.contacts.services import contact_update
from dsg.notifications.footer import footer_lines
from dsg.notifications.services import mail_queue, outbox_deliver_pending

from ..walk import act, new_case
from .smtp import body_of


@pytest.mark.django_db(transaction=True)
def test_a_mail_ends_with_the_contacts_and_their_page(smtp, site, cast):
    act(new_case(site, cast), "submit", cast.psa)
    outbox_deliver_pending()
    assert smtp.messages
    for message in smtp.messages:
        body = body_of(message)
        head, footer = body.split("\n-- \n")
        assert "防衛装備庁長官官房総務官付情報システム管理室" in footer
        assert "03-3268-3111（内線 32503、32505）" in footer
        assert "dsg-atla@atla.mod.go.jp" in footer
        assert f"{settings.PORTAL_URL}/contacts/" in footer
        assert "/contacts/" not in head


@pytest.mark.django_db(transaction=True)
def test_the_next_mail_carries_what_the_office_changed(smtp, reviewer):
    contact_update(
        actor=reviewer,
        party="provider",
        data={"name": "DSGヘルプデスク", "phone": "0120-123-456", "email": "help@example.jp"},
    )
    with transaction.atomic():
        mail_queue(
            to=["psa@test.example.jp"],
            about="DSG-2026-0001",
            subject="件名",
            lines=["本文"],
            link="/",
            kind="test",
        )
    assert outbox_deliver_pending() == (1, 0)
    footer = body_of(smtp.messages[0]).split("\n-- \n")[1]
    assert "DSGヘルプデスク" in footer and "0120-123-456" in footer and "help@example.jp" in footer


@pytest.mark.django_db
def test_a_contact_not_given_yet_is_left_out_of_the_footer():
    lines = "\n".join(footer_lines())
    assert "情報システム管理室" in lines
    assert "ヘルプデスク" not in lines  # the provider's contact has no number or address yet
