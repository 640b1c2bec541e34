"""The portal's URLs plus the two baselines of bench/api.py (never served by the portal itself).

- ``/bench/bare/``: a bare ``JsonResponse`` view behind the portal's middleware stack (the plain
  Django stack: sessions, CSRF, locale, the token middleware, the tenant scope …).
- ``/api/bench/bare``: the same answer from a django-ninja operation behind the same stack and
  the portal API's authentication (bearer token or session), its parser and its renderer — the
  API stack with no work.

Loaded by ``bench/api_settings.py`` (the portal's settings with this URL conf).
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path
from ninja import NinjaAPI
from ninja.security import django_auth

from dsg.api import JsonParser
from dsg.orgs.api_auth import BearerToken
from dsg.urls import urlpatterns as portal_urlpatterns

ANSWER = {"ok": True, "items": [{"id": n, "name": f"row {n}"} for n in range(3)]}


def bare(request: HttpRequest) -> JsonResponse:
    return JsonResponse(ANSWER)


bench_api = NinjaAPI(
    title="bench",
    urls_namespace="bench_api",
    auth=[BearerToken(), django_auth],  # as the portal's API
    parser=JsonParser(),
    docs_url=None,
    openapi_url=None,
)


@bench_api.get("/bare")
def api_bare(request: HttpRequest) -> dict:
    return ANSWER


urlpatterns = [
    path("bench/bare/", bare),
    path("api/bench/", bench_api.urls),
    *portal_urlpatterns,
]
