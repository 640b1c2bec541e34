"""``/readyz``: is the portal ready to serve, and is its mail getting through? (JSON, no login)."""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .selectors import outbox_counts

logger = logging.getLogger(__name__)


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """200 while the database answers; ``status`` is "degraded" while mail has failed for good.

    ``outbox``: unsent messages (``pending``), those of them being retried (``retrying``), those
    that failed after their last attempt (``failed``: the office resends them) and the age of the
    oldest unsent one in seconds. A monitor alerts on ``failed > 0`` or a growing age.
    """
    try:
        counts = outbox_counts()
    except DatabaseError:
        logger.exception("readyz: the database does not answer")
        return JsonResponse({"status": "unavailable", "database": "error"}, status=503)
    status = "degraded" if counts["failed"] else "ok"
    return JsonResponse({"status": status, "database": "ok", "outbox": counts})
