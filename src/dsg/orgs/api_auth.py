"""Personal API tokens: `Authorization: Bearer dsg_...`, stored as SHA-256, scoped (read, or read
and write), expiring, revocable."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import cast

from django.contrib.auth.models import AnonymousUser
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from ninja.security import HttpBearer
from ninja.security.session import SessionAuth

from dsg.core.prepared import PreparedCache, PreparedQuery, text_sentinel

from .auth import request_user
from .models import ApiToken, User
from .permissions import may_use_api
from .services import api_not_for_role

# Set on a request the middleware authenticated by token; read by BearerToken.
TOKEN_AUTH_FLAG = "dsg_token_auth"
# "Last used" is written at most once a minute: a read stays a read (under SQLite a write per call
# would queue every API reader behind every writer).
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


_DIGEST = text_sentinel("digest")
_PREPARED: PreparedCache[PreparedQuery] = PreparedCache(size=4)


def _by_digest() -> PreparedQuery:
    """The token by its unique digest, with its person and their organisation: compiled once per
    process (building the query cost more than running it: docs/performance.md)."""
    tokens = ApiToken.objects.select_related("user__organization").order_by()
    return PreparedQuery(tokens.filter(digest=_DIGEST)[:1], [_DIGEST])


def token_for(raw: str) -> ApiToken | None:
    """The live token (not revoked, not expired, of an active person) ``raw`` is, with its user:
    one indexed read, every call (a revoked token is refused at once); "last used" written at
    most once a minute."""
    now = timezone.now()
    # By the unique digest alone, the rest checked on the row.
    query = _PREPARED.get(DEFAULT_DB_ALIAS, _by_digest)
    found = query.objects([ApiToken.digest_of(raw)])
    token = cast(ApiToken, found[0]) if found else None
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        return None
    if not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_RESOLUTION)
        ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now)
    return token


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _role_refusal() -> HttpResponse:
    """The 利用者 uses no API (#13): a token they hold (made before the rule) is refused."""
    refusal = api_not_for_role()
    return JsonResponse({"detail": str(refusal.message), "code": refusal.code}, status=403)


def _read_only_refusal() -> HttpResponse:
    body = {
        "detail": str(_("This token may only read: create a read-and-write token to change data.")),
        "code": "token_read_only",
    }
    return JsonResponse(body, status=403)


class ApiTokenMiddleware:
    """Authenticate API calls that carry a bearer token, before the tenant scope is chosen."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        scheme, _space, raw = request.headers.get("Authorization", "").strip().partition(" ")
        # The scheme is case-insensitive (RFC 9110): "bearer x" must not fall back to the session.
        if request.path_info.startswith("/api/") and scheme.lower() == "bearer":
            setattr(request, TOKEN_AUTH_FLAG, True)
            token = token_for(raw.strip()) if raw.strip() else None
            if token is not None and "accept-language" not in request.headers:
                # a script that asks for no language reads the one its person chose (#12)
                translation.activate(token.user.language)
                request.LANGUAGE_CODE = translation.get_language()
            if token is not None and not may_use_api(token.user):
                return _role_refusal()
            if token is not None and not token.may_write and request.method not in SAFE_METHODS:
                return _read_only_refusal()
            # A bad token never falls back to the session: the call is anonymous.
            request.user = token.user if token is not None else AnonymousUser()
            request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]  # django-stubs omit this attribute, which CsrfViewMiddleware reads
        return self.get_response(request)


class BearerToken(HttpBearer):
    """django-ninja auth for calls the middleware authenticated by token."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        if getattr(request, TOKEN_AUTH_FLAG, False) and request.user.is_authenticated:
            return request_user(request)
        return None


class Session(SessionAuth):
    """django-ninja auth for a signed-in browser session, held to the rule of the token: a role
    that may hold no API token (``may_use_api``: the 利用者, #12) uses no API with its session
    either — refused (403, ``api_not_for_role``, in the person's language) before the CSRF check,
    so the answer is the same for a read and a write. The session's CSRF check applies."""

    def __call__(self, request: HttpRequest) -> User | None:
        if request.user.is_authenticated and not may_use_api(request.user):
            raise api_not_for_role()
        return super().__call__(request)


class SessionLogin(Session):
    """django-ninja auth for what only a signed-in browser session may do (creating an API
    token): as ``Session``, and a call made with a bearer token is refused."""

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        if getattr(request, TOKEN_AUTH_FLAG, False):
            return None
        return super().authenticate(request, key)
