"""One JSON log line per request, and its request id in the ledger events the request causes."""

from __future__ import annotations

import json
import logging

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from dsg.audit.models import AuditEvent
from dsg.audit.services import audit_record, audit_verify, chain_hash
from dsg.audit.triggers import ledger_unlocked
from dsg.core.request_log import (
    RequestIdFilter,
    current_request_id,
    logging_config,
    request_id_bound,
)

PROXY_ID = "proxy-7f3a9c.42"


def request_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "dsg.request"]


def json_line(record: logging.LogRecord) -> dict:
    """The record as the configured JSON formatter writes it."""
    config = logging_config(log_format="json", level="WARNING")
    formatter_config = dict(config["formatters"]["json"])  # type: ignore[index]
    formatter_class = formatter_config.pop("()")
    module, _, name = formatter_class.rpartition(".")
    formatter = getattr(__import__(module, fromlist=[name]), name)(**formatter_config)
    RequestIdFilter().filter(record)
    return json.loads(formatter.format(record))


@pytest.mark.django_db
def test_a_request_writes_one_json_line_with_its_id_user_and_no_query(psa, caplog, settings):
    settings.DSG_TRUST_REQUEST_ID = False
    client = Client()
    client.force_login(psa)
    caplog.set_level(logging.INFO, logger="dsg.request")
    response = client.get(reverse("api_tokens") + "?token=s3cret-value", HTTP_X_REQUEST_ID="x")
    assert response.status_code == 200
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32 and request_id != "x"  # untrusted header: a new id
    (record,) = request_lines(caplog)
    line = json_line(record)
    assert line["method"] == "GET" and line["path"] == "/account/api-tokens/"
    assert line["status"] == 200 and line["user_id"] == psa.pk
    assert line["request_id"] == request_id and line["level"] == "INFO"
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert "s3cret" not in json.dumps(line)


@pytest.mark.django_db
def test_the_ledger_event_carries_the_proxy_request_id(psa, caplog, settings):
    settings.DSG_TRUST_REQUEST_ID = True
    client = Client()
    client.force_login(psa)
    caplog.set_level(logging.INFO, logger="dsg.request")
    response = client.post(
        reverse("api_tokens"),
        {"name": "nightly export", "scope": "read", "days": 30},
        HTTP_X_REQUEST_ID=PROXY_ID,
    )
    assert response.status_code == 200 and response["X-Request-ID"] == PROXY_ID
    event = AuditEvent.objects.get(action="api_token.create")
    assert event.request_id == PROXY_ID
    (record,) = request_lines(caplog)
    assert json_line(record)["request_id"] == PROXY_ID
    assert audit_verify().ok


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["", "has space", "x" * 65, 'quote"d', "改行"])
def test_a_malformed_proxy_id_is_replaced(psa, settings, header):
    settings.DSG_TRUST_REQUEST_ID = True
    response = Client().get(reverse("healthz"), HTTP_X_REQUEST_ID=header)
    assert response["X-Request-ID"] != header and len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_a_password_reset_key_in_the_path_is_not_logged(caplog):
    caplog.set_level(logging.INFO, logger="dsg.request")
    Client().get("/accounts/password/reset/key/1a-abcdefsecretkey123/")
    (record,) = request_lines(caplog)
    assert "abcdefsecretkey123" not in record.path  # type: ignore[attr-defined]
    assert record.path.startswith("/accounts/password/reset/key/")  # type: ignore[attr-defined]


def test_other_log_records_of_the_request_carry_its_id():
    record = logging.LogRecord("dsg.x", logging.WARNING, __file__, 1, "hello", None, None)
    with request_id_bound("abc"):
        assert current_request_id() == "abc"
        RequestIdFilter().filter(record)
    assert record.request_id == "abc"  # type: ignore[attr-defined]
    assert current_request_id() is None


def test_the_local_trial_logs_text_and_a_deployment_json(settings):
    assert settings.DSG_TRIAL_MODE  # the tests run as the local trial
    assert list(settings.LOGGING["formatters"]) == ["text"]
    assert list(logging_config(log_format="json", level="INFO")["formatters"]) == ["json"]


def test_an_unknown_log_format_is_refused():
    with pytest.raises(ValueError, match="DSG_LOG_FORMAT"):
        logging_config(log_format="xml", level="INFO")


# The request id in the hash chain ------------------------------------------------------------
@pytest.mark.django_db
def test_an_event_without_a_request_id_hashes_as_before_the_field_existed(office):
    """Events written before migration audit 0003 (and by commands and the worker) have no
    request id: their hash is that of the eleven fields alone, so old chains still verify."""
    with transaction.atomic():
        event = audit_record(actor=None, action="organization.update", obj=office)
    assert event.request_id is None and "request_id" not in event.canonical_payload()
    assert sorted(event.canonical_payload()) == [
        "action",
        "actor_id",
        "actor_label",
        "after",
        "before",
        "company_id",
        "object_id",
        "object_type",
        "occurred_at",
        "organization_id",
        "sequence",
    ]
    assert event.hash == chain_hash(event.previous_hash, event.canonical_payload())


@pytest.mark.django_db
@pytest.mark.parametrize("forged", ["someone-elses-request", None])
def test_a_changed_or_removed_request_id_breaks_the_chain(office, forged):
    with transaction.atomic(), request_id_bound("req-1"):
        audit_record(actor=None, action="organization.update", obj=office)
    with transaction.atomic():
        audit_record(actor=None, action="organization.update", obj=office)
    assert audit_verify().ok
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with ledger_unlocked(reason="test: tampering"), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET request_id = %s WHERE sequence = 1", [forged])
    result = audit_verify()
    assert not result.ok and result.sequence == 1 and "changed" in result.problem
