"""The homes' panels' lists kept compiled (core.panels.kept_list, #14): the company's §5 requests
asked for more documents, its changes and 依頼 waiting on it, its pending 年次確認 — and the
office's and the provider's lists of the same panels. A kept list must draw what one built anew
draws, for every role and after the data changed (nothing stale, nothing of another company),
and its building must read no row."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dsg.core import panels
from dsg.equipment import services as equipment
from dsg.equipment.models import EquipmentRequest
from dsg.requests import services as changes
from dsg.requests.models import ChangeRequest

from .test_todo_rows import scene, terminal_line  # noqa: F401  # the fixture: items of every app

pytestmark = pytest.mark.django_db


def home(client, user) -> str:
    """``user``'s home, its per-request tokens blanked."""
    client.force_login(user)
    body = client.get("/").content.decode()
    return re.sub(r'(csrfmiddlewaretoken" value=|nonce=)"[^"]*"', r'\1"-"', body)


def fresh(client, user) -> str:
    panels._KEPT.clear()
    return home(client, user)


def test_kept_lists_draw_what_lists_built_anew_draw_for_every_role(
    client,
    scene,  # noqa: F811
    everyone,
    cast,
    company,
):
    for who, user in everyone.items():
        built = fresh(client, user)
        assert home(client, user) == built, who  # kept
        assert home(client, user) == fresh(client, user), who
    psa_home = home(client, cast.psa)
    assert "equipment-asked" in psa_home  # the scene's request asked for more documents
    # The data changes: the office asks for more on another request, the PSA starts a change
    # (a draft: waiting on the company): both on the next draw of the kept lists.
    filed = EquipmentRequest.objects.get(site__company=company, state="filed")  # the scene's
    equipment.request_take_up(request=filed, actor=cast.reviewer)
    equipment.request_ask(request=filed, actor=cast.reviewer, message="図面を")
    enrolled = ChangeRequest.objects.get(company=company).site
    draft = changes.change_start(actor=cast.psa, site=enrolled, kind="contacts")
    for who, user in everyone.items():
        kept = home(client, user)
        assert kept == fresh(client, user), who
        if who == "other_psa":
            assert filed.receipt_number not in kept
    kept = home(client, cast.psa)
    assert f'data-request="{filed.pk}"' in kept
    assert f'data-change="{draft.number}"' in kept


def test_building_a_kept_list_reads_no_row(client, scene, everyone):  # noqa: F811
    for who, user in everyone.items():
        panels._KEPT.clear()
        client.force_login(user)
        with CaptureQueriesContext(connection) as building:
            client.get("/")
        with CaptureQueriesContext(connection) as kept:
            client.get("/")
        assert len(building) == len(kept), who
