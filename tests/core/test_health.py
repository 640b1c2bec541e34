"""/healthz, /readyz and /metrics: JSON or Prometheus text, no login, no tenant data, cheap."""

from __future__ import annotations

import pytest
from django.core.files.storage import storages
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dsg.notifications.services import outbox_queue
from dsg.notifications.tasks import delivery_schedule


def queue_mail(count: int) -> None:
    with transaction.atomic():
        for n in range(count):
            outbox_queue(recipients=[f"a{n}@x.example.jp"], subject="s", body="b", kind="test")


# /healthz ------------------------------------------------------------------------------------
def test_healthz_answers_without_the_database(monkeypatch):
    def no_database(*args, **kwargs):
        raise DatabaseError("the database is gone")

    monkeypatch.setattr(connection, "cursor", no_database)
    response = Client().get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")
    assert Client().post("/healthz").status_code == 405


@pytest.mark.django_db
def test_healthz_runs_no_query():
    with CaptureQueriesContext(connection) as queries:
        assert Client().get(reverse("healthz")).status_code == 200
    assert len(queries) == 0


# /readyz -------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_readyz_checks_database_storage_and_backlog_in_few_queries(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    with CaptureQueriesContext(connection) as queries:
        response = Client().get(reverse("readyz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["storage"] == "ok"
    assert body["outbox_backlog"] == "ok" and body["outbox"]["pending"] == 0
    assert len(queries) == 1
    folder = tmp_path / "documents"
    assert not [p for p in folder.iterdir()] if folder.exists() else True  # the probe is gone


@pytest.mark.django_db
def test_readyz_is_503_when_the_backlog_is_over_its_limit(settings):
    settings.DSG_READY_OUTBOX_BACKLOG = 2
    queue_mail(3)
    response = Client().get(reverse("readyz"))
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["outbox_backlog"] == "over_limit"
    settings.DSG_READY_OUTBOX_BACKLOG = 0  # not checked
    assert Client().get(reverse("readyz")).status_code == 200


@pytest.mark.django_db
def test_readyz_is_503_when_the_storage_cannot_be_written(monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError("read-only file system")

    monkeypatch.setattr(storages["documents"], "save", refuse)
    response = Client().get(reverse("readyz"))
    assert response.status_code == 503 and response.json()["storage"] == "error"


@pytest.mark.django_db
def test_readyz_is_503_when_the_database_does_not_answer(monkeypatch):
    from dsg.notifications import views

    def gone():
        raise DatabaseError("gone")

    monkeypatch.setattr(views, "outbox_counts", gone)
    response = Client().get(reverse("readyz"))
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "error"}


# /metrics ------------------------------------------------------------------------------------
@pytest.fixture
def deployed(settings):
    """As deployed: the local trial's loopback-only middleware (the tests' mode) is not there."""
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.startswith("dsg.core.trial")]


@pytest.mark.django_db
def test_metrics_report_requests_the_outbox_and_the_task_queue(settings):
    settings.DSG_METRICS_TOKEN = ""
    queue_mail(2)
    delivery_schedule(at=None)
    Client().get(reverse("healthz"))
    response = Client(REMOTE_ADDR="127.0.0.1").get(reverse("metrics"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "django_http_requests_total_by_method_total" in text
    assert (
        'django_http_responses_total_by_status_view_method_total{method="GET",status="200"' in text
    )
    assert "dsg_outbox_unsent 2.0" in text
    assert "dsg_outbox_failed 0.0" in text
    assert 'dsg_task_queue_depth{queue="default",state="due"} 1.0' in text
    assert 'dsg_task_queue_depth{queue="default",state="running"} 0.0' in text


@pytest.mark.django_db
@pytest.mark.parametrize(
    "remote, headers",
    [
        ("10.0.0.5", {}),  # another machine
        ("127.0.0.1", {"HTTP_X_FORWARDED_FOR": "203.0.113.9"}),  # through the proxy
        ("127.0.0.1", {"HTTP_X_REAL_IP": "203.0.113.9"}),
    ],
)
def test_metrics_refuse_anyone_but_loopback_without_a_proxy(settings, deployed, remote, headers):
    settings.DSG_METRICS_TOKEN = ""
    response = Client(REMOTE_ADDR=remote).get(reverse("metrics"), **headers)
    assert response.status_code == 404 and b"dsg_outbox" not in response.content


@pytest.mark.django_db
def test_metrics_with_a_token_answer_only_that_token(settings, deployed):
    settings.DSG_METRICS_TOKEN = "scrape-secret-123"
    client = Client(REMOTE_ADDR="10.0.0.5")
    assert client.get(reverse("metrics")).status_code == 404
    wrong = client.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 404
    # a token set: loopback alone is not enough either
    assert Client(REMOTE_ADDR="127.0.0.1").get(reverse("metrics")).status_code == 404
    ok = client.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer scrape-secret-123")
    assert ok.status_code == 200 and b"dsg_outbox_unsent" in ok.content
