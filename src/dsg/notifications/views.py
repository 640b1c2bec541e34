"""``/readyz``: is the portal ready to serve, and is its mail getting through? (JSON, no login)."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .selectors import outbox_counts

logger = logging.getLogger(__name__)

PROBE_PREFIX = ".readyz-"  # a dot file: the documents' integrity check passes over it


def storage_writable() -> bool:
    """Write and delete a small file in the documents' storage (local disk or S3)."""
    storage = storages["documents"]
    name = f"{PROBE_PREFIX}{secrets.token_hex(8)}"
    try:
        saved = storage.save(name, ContentFile(b"ready"))
        storage.delete(saved)
    except Exception:  # noqa: BLE001 — any failure of the storage means not ready
        logger.exception("readyz: the documents' storage cannot be written")
        return False
    return True


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """200 while the database answers, the documents' storage takes a file and the outbox's
    backlog is at most ``DSG_READY_OUTBOX_BACKLOG`` unsent messages (0: not checked); else 503.

    ``status`` is "degraded" (still 200) while mail has failed for good. ``outbox``: unsent
    messages (``pending``), those of them being retried (``retrying``), those that failed after
    their last attempt (``failed``: the office resends them) and the age of the oldest unsent one
    in seconds. A monitor alerts on ``failed > 0`` or a growing age.
    """
    try:
        counts = outbox_counts()
    except DatabaseError:
        logger.exception("readyz: the database does not answer")
        return JsonResponse({"status": "unavailable", "database": "error"}, status=503)
    limit = settings.DSG_READY_OUTBOX_BACKLOG
    answer: dict[str, Any] = {
        "status": "degraded" if counts["failed"] else "ok",
        "database": "ok",
        "storage": "ok" if storage_writable() else "error",
        "outbox": counts,
        "outbox_backlog": "ok" if not limit or counts["pending"] <= limit else "over_limit",
    }
    if answer["storage"] != "ok" or answer["outbox_backlog"] != "ok":
        answer["status"] = "unavailable"
        return JsonResponse(answer, status=503)
    return JsonResponse(answer)
