"""One JSON log line per request, and the request id that ties it to the ledger.

``RequestLogMiddleware`` stands first in ``MIDDLEWARE``. It takes the request id from the proxy's
``X-Request-ID`` header when ``DSG_TRUST_REQUEST_ID`` says the proxy in front sets it (a client
could send any value otherwise), or makes one; it answers it in ``X-Request-ID``, keeps it in a
context variable for the request's duration (``current_request_id``: the audit ledger writes it
into every event the request causes, and ``RequestIdFilter`` into every log record), and logs
one line to the ``dsg.request`` logger when the answer is ready: method, path (no query string;
a secret in the path, such as a password-reset key, replaced by ``…``), status, duration in
milliseconds, the user's id and the request id.

The lines are JSON through python-json-logger's formatter (``DSG_LOG_FORMAT=json``, the default;
``text`` for a terminal), written to standard error for the service manager to collect.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterator

from django.conf import settings
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("dsg.request")

HEADER = "X-Request-ID"
META_KEY = "HTTP_X_REQUEST_ID"
# What a request id taken from the proxy may look like: short, no spaces or quotes.
ACCEPTED = re.compile(r"[A-Za-z0-9._:@+=/-]{1,64}")
# Route parameters that carry a secret: never logged.
SECRET_PARAMETERS = re.compile(r"key|token|secret|uidb", re.IGNORECASE)

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "dsg_request_id", default=None
)


def current_request_id() -> str | None:
    """The id of the request being served on this thread, or None (a command, the worker)."""
    return _request_id.get()


@contextlib.contextmanager
def request_id_bound(value: str | None) -> Iterator[None]:
    """Bind ``value`` as the current request id for the block (the middleware; tests)."""
    token = _request_id.set(value)
    try:
        yield
    finally:
        _request_id.reset(token)


def request_id_of(request: HttpRequest) -> str:
    """The proxy's id when it is trusted and well formed; otherwise a new one."""
    if settings.DSG_TRUST_REQUEST_ID:
        given = request.META.get(META_KEY, "").strip()
        if ACCEPTED.fullmatch(given):
            return given
    return uuid.uuid4().hex


def loggable_path(request: HttpRequest) -> str:
    """The path without its query string, and with the values of secret route parameters
    (a password-reset key) replaced by ``…``."""
    path = request.path
    match = getattr(request, "resolver_match", None)
    if match is not None:
        for name, value in match.kwargs.items():
            if SECRET_PARAMETERS.search(name) and str(value):
                path = path.replace(str(value), "…")
    return path


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_of(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        started = time.perf_counter()
        with request_id_bound(request_id):
            response = self.get_response(request)
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            response[HEADER] = request_id
            user = getattr(request, "user", None)
            logger.info(
                "%s %s %s",
                request.method,
                loggable_path(request),
                response.status_code,
                extra={
                    "method": request.method,
                    "path": loggable_path(request),
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                    "user_id": user.pk if user is not None and user.is_authenticated else None,
                },
            )
        return response


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record logged while a request is served (None outside);
    Django's own line about a refused request, logged once the middleware is done, takes it
    from the request it names."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            request = getattr(record, "request", None)
            record.request_id = current_request_id() or getattr(request, "request_id", None)
        return True


def logging_config(*, log_format: str, level: str) -> dict[str, object]:
    """``LOGGING`` for the settings: every record to standard error, JSON or text, each with
    the request id; the request lines at INFO whatever ``level`` says of the rest."""
    formatters: dict[str, dict[str, object]] = {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s",
            "timestamp": "time",  # ISO 8601 in UTC
            "rename_fields": {"levelname": "level", "name": "logger"},
            "json_ensure_ascii": False,
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    }
    if log_format not in formatters:
        raise ValueError(f"DSG_LOG_FORMAT must be json or text, not {log_format!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "dsg.core.request_log.RequestIdFilter"}},
        "formatters": {log_format: formatters[log_format]},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"dsg.request": {"level": "INFO"}},
    }
