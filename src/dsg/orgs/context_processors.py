from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from . import permissions


def membership(request: HttpRequest) -> dict[str, object]:
    # Requests answered before the auth middleware (a missing static file) have no user.
    user = getattr(request, "user", None) or AnonymousUser()
    return {
        "is_company_member": permissions.is_company_member(user),
        "is_office": permissions.is_office(user),
        "is_provider": permissions.is_provider(user),
    }
