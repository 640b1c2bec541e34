"""``/healthz`` (the process answers) and ``/metrics`` (Prometheus), for probes and scrapers.

``/healthz`` touches nothing: no database, no session, no tenant data — a load balancer or the
service manager asks it to know the process is alive. Readiness (database, storage, the outbox's
backlog) is ``/readyz`` in ``notifications``, which owns the outbox.

``/metrics`` answers django-prometheus's request metrics (counts and latencies by view, method
and status) and what the apps register here with ``register_metrics`` (the task queue and the
outbox, read from the database at each scrape, so every app server reports the same figures).
It answers only a scraper that shows ``DSG_METRICS_TOKEN`` as a bearer token, or — when no token
is set — one on this machine's loopback that came through no proxy. Anything else gets 404.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Callable, Iterable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_prometheus.exports import ExportToDjangoView
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import Metric
from prometheus_client.registry import Collector

# Callables that yield metric families at each scrape (prometheus_client's custom collectors).
_metric_sources: list[Callable[[], Iterable[Metric]]] = []

PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED")


def register_metrics(source: Callable[[], Iterable[Metric]]) -> None:
    """An app adds the figures it owns to ``/metrics`` (called in its ``AppConfig.ready``)."""
    if source not in _metric_sources:
        _metric_sources.append(source)


class _Sources(Collector):
    def collect(self) -> Iterable[Metric]:
        for source in _metric_sources:
            yield from source()


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 ``{"status": "ok"}`` while the process serves requests; nothing else is looked at."""
    return JsonResponse({"status": "ok"})


def metrics_allowed(request: HttpRequest) -> bool:
    """A bearer token equal to ``DSG_METRICS_TOKEN``; without one set, loopback and no proxy."""
    token = settings.DSG_METRICS_TOKEN
    if token:
        given = request.META.get("HTTP_AUTHORIZATION", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    if any(request.META.get(header) for header in PROXY_HEADERS):
        return False  # a proxy on this machine makes every client look local
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


@require_GET
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
    response = ExportToDjangoView(request)  # the process's (or gunicorn's processes') metrics
    portal = CollectorRegistry(auto_describe=False)
    portal.register(_Sources())
    response.content = response.content + generate_latest(portal)
    return response
