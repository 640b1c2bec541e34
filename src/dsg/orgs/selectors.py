"""Reads of organisations and sites that depend on who asks."""

from __future__ import annotations

from django.db.models import QuerySet

from dsg.core.errors import NotVisible

from . import permissions
from .models import ApiToken, Site, User


def site_list_for(*, user: User) -> QuerySet[Site]:
    return permissions.restrict_sites(user, Site.objects.select_related("company"))


def site_get_for(*, user: User, pk: int) -> Site:
    site = site_list_for(user=user).filter(pk=pk).first()
    if site is None:
        raise NotVisible()
    return site


def api_token_get_for(*, user: User, pk: int) -> ApiToken:
    token = ApiToken.objects.filter(user=user, pk=pk).first()
    if token is None:
        raise NotVisible()
    return token
