"""A browser session ends after it has been idle (30 minutes by default), as well as after its
absolute lifetime (SESSION_COOKIE_AGE, 8 hours): a portal left open on an unattended desk does
not stay logged in.

The time of the last request is kept in the session — set when the person logs in, then written
at most once a minute, so that a read does not become a session write each time. API calls with
a token carry no session.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

LAST_SEEN = "dsg_last_seen"
RESOLUTION = 60  # seconds


def _note_login(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN] = int(time.time())


def track_idle_sessions() -> None:
    """Start the idle clock at login (connected when the app is ready)."""
    user_logged_in.connect(_note_login, dispatch_uid="dsg.orgs.sessions.note_login")


def idle_limit() -> int:
    return int(getattr(settings, "DSG_SESSION_IDLE_SECONDS", 30 * 60))


class IdleSessionMiddleware:
    """Log out a session idle for longer than DSG_SESSION_IDLE_SECONDS; a page asks to log in
    again (and comes back), an API call is answered as anonymous."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last = request.session.get(LAST_SEEN)
            if isinstance(last, int) and now - last > idle_limit():
                logout(request)
                if not request.path_info.startswith("/api/"):
                    messages.info(request, _("You were logged out after a time without activity."))
                    login = reverse("account_login")
                    query = urlencode({"next": request.get_full_path()})
                    return HttpResponseRedirect(f"{login}?{query}")
            elif not isinstance(last, int) or now - last >= RESOLUTION:
                request.session[LAST_SEEN] = now
        return self.get_response(request)
