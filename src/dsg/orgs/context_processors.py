from __future__ import annotations

from django.http import HttpRequest

from . import permissions


def membership(request: HttpRequest) -> dict[str, object]:
    user = request.user
    return {
        "is_company_member": permissions.is_company_member(user),
        "is_office": permissions.is_office(user),
        "is_provider": permissions.is_provider(user),
    }
