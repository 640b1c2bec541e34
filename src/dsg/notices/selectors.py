"""Reads of notices that depend on who asks (see policy.py); a miss is a 404."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from dsg.core.errors import NotVisible
from dsg.orgs import permissions
from dsg.orgs.models import User

from .models import Notice


def notice_list_for(*, user: User) -> QuerySet[Notice]:
    return permissions.restrict(user, Notice.objects.select_related("document", "issued_by"))


def notices_of_case_for(*, user: User, enrollment: Any) -> QuerySet[Notice]:
    """The notices of a case the caller already may see (see enrollment_get_for)."""
    return notice_list_for(user=user).filter(enrollment_id=enrollment.pk)


def notice_get_for(*, user: User, pk: int) -> Notice:
    notice = notice_list_for(user=user).select_related("enrollment__site").filter(pk=pk).first()
    if notice is None:
        raise NotVisible()
    return notice
