"""Reads of notices that depend on who asks (see policy.py); a miss is a 404."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from dsg.core import subjects
from dsg.core.errors import NotVisible
from dsg.core.prepared import PreparedCache, PreparedQuery, person_key
from dsg.orgs import permissions
from dsg.orgs.models import User

from .models import Notice


def notice_list_for(*, user: User) -> QuerySet[Notice]:
    return permissions.restrict(user, Notice.objects.select_related("document", "issued_by"))


def notices_of_subject_for(*, user: User, subject: Any) -> QuerySet[Notice]:
    """The notices of a subject (a case) the caller already may see."""
    return subjects.attached_to(notice_list_for(user=user), subject)


# The case page's notices, read by a query compiled once per person (the tenancy filters), kind of
# subject and the subjects' content types, the subject's id a parameter (a positive sentinel:
# ``subject_id`` is a PositiveBigIntegerField, and Django answers a lookup out of its range with
# no SQL): building it cost the page ~2 ms (#14;
# tests/documents/test_case_folder_and_notices_kept.py).
_OF_SUBJECT: PreparedCache[PreparedQuery] = PreparedCache(size=256)
_SUBJECT = [2**62 + 7_391_000_201]


def notices_of_subject_kept(*, user: User, subject: Any) -> list[Notice]:
    """``notices_of_subject_for``'s notices, by a query kept compiled."""
    kind = type(subject)
    types = ContentType.objects.get_for_models(*(known.model for known in subjects.subject_types()))
    key = (*person_key(user), kind, tuple(sorted(t.pk for t in types.values())))
    query = _OF_SUBJECT.get(
        key,
        lambda: PreparedQuery(
            notices_of_subject_for(user=user, subject=kind(pk=_SUBJECT[0])), _SUBJECT
        ),
    )
    return cast(list[Notice], query.objects([subject.pk]))


def notice_get_for(*, user: User, pk: int) -> Notice:
    notice = notice_list_for(user=user).filter(pk=pk).first()
    if notice is None:
        raise NotVisible()
    return notice


def subject_of(notice: Notice) -> tuple[str, int]:
    """The kind of subject (its registered key) and id a notice is about."""
    content_type = ContentType.objects.get_for_id(notice.subject_type_id)
    return subjects.subject_type_for(content_type).key, notice.subject_id
