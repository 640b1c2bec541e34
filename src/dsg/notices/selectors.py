"""Reads of notices that depend on who asks; a miss is a 404.

The office sees every notice; a company's PSA and delegate their own cases' notices; a
company's 利用者 only their 加入完了通知書 (a 現地確認結果通知書 carries inspection findings).
The provider sees none: notices are addressed to the company, a 現地確認結果通知書 holds
findings the provider never reads, and the document folder gives the provider no notice PDF;
it learns of 利用開始 from the case itself.
"""

from __future__ import annotations

from django.db.models import QuerySet

from dsg.core.errors import NotVisible
from dsg.enrollment.models import Enrollment
from dsg.orgs import permissions
from dsg.orgs.models import Role, User

from .models import Notice, NoticeKind


def notice_list_for(*, user: User) -> QuerySet[Notice]:
    visible_cases = permissions.restrict_enrollments(user, Enrollment.objects.all())
    notices = Notice.objects.filter(enrollment__in=visible_cases.values("pk")).select_related(
        "document", "issued_by"
    )
    if permissions.is_office(user) or (
        permissions.is_company_member(user) and user.role in (Role.PSA, Role.DELEGATE)
    ):
        return notices
    if permissions.is_company_member(user):
        return notices.filter(kind=NoticeKind.COMPLETION)
    return notices.none()


def notices_of_case_for(*, user: User, enrollment: Enrollment) -> QuerySet[Notice]:
    """The notices of a case the caller already may see (see enrollment_get_for)."""
    return notice_list_for(user=user).filter(enrollment_id=enrollment.pk)


def notice_get_for(*, user: User, pk: int) -> Notice:
    notice = notice_list_for(user=user).select_related("enrollment__site").filter(pk=pk).first()
    if notice is None:
        raise NotVisible()
    return notice
