"""Reads of notices that depend on who asks (see policy.py); a miss is a 404."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from dsg.core import subjects
from dsg.core.errors import NotVisible
from dsg.orgs import permissions
from dsg.orgs.models import User

from .models import Notice


def notice_list_for(*, user: User) -> QuerySet[Notice]:
    return permissions.restrict(user, Notice.objects.select_related("document", "issued_by"))


def notices_of_subject_for(*, user: User, subject: Any) -> QuerySet[Notice]:
    """The notices of a subject (a case) the caller already may see."""
    return subjects.attached_to(notice_list_for(user=user), subject)


def notice_get_for(*, user: User, pk: int) -> Notice:
    notice = notice_list_for(user=user).filter(pk=pk).first()
    if notice is None:
        raise NotVisible()
    return notice


def subject_of(notice: Notice) -> tuple[str, int]:
    """The kind of subject (its registered key) and id a notice is about."""
    content_type = ContentType.objects.get_for_id(notice.subject_type_id)
    return subjects.subject_type_for(content_type).key, notice.subject_id
