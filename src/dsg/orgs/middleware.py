"""Activate the tenant scope for the whole request: a company member can only reach its rows."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django_scopes import scope, scopes_disabled

from . import permissions


class TenantScopeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if permissions.is_company_member(user):
            with scope(company=user.organization_id):
                return self.get_response(request)
        if permissions.is_office(user) or permissions.is_provider(user) or user.is_superuser:
            # Office and provider see across companies; selectors narrow what they get.
            with scopes_disabled():
                return self.get_response(request)
        # Anonymous or unassigned users: a scope that matches no company.
        with scope(company=None):
            return self.get_response(request)
