"""Who is asking: the signed-in user of a request, typed as the portal's User."""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest

from .models import User


def request_user(request: HttpRequest) -> User:
    """The user of a request that passed ``login_required`` or the API's authentication.

    django-stubs types ``request.user`` as ``User | AnonymousUser``; past those guards it is always
    the signed-in ``User`` (AUTH_USER_MODEL is ``orgs.User``). Call it only behind them: it checks
    nothing and changes nothing, it states the type once for every page and API handler.
    """
    return cast(User, request.user)
