"""Who issues notices and who reads them.

The office issues and reads every notice; a company's PSA and delegate read their own company's;
a company's 利用者 only the 加入完了通知書 (a 現地確認結果通知書 carries inspection findings). The
provider reads none: notices are addressed to the company, a 現地確認結果通知書 holds findings the
provider never reads, and the document folder gives the provider no notice PDF; it learns of
利用開始 from the case itself.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from dsg.core import subjects
from dsg.documents.policy import register_user_readable
from dsg.orgs.models import Role
from dsg.orgs.permissions import Visibility, register

from .models import Notice, NoticeKind


def _kinds_for_the_role(user: Any, notices: QuerySet[Any]) -> QuerySet[Any]:
    if user.role in (Role.PSA, Role.DELEGATE):
        return notices
    return notices.filter(kind=NoticeKind.COMPLETION)


def _completion_pdfs(user: Any) -> Q:
    """A 利用者 reads the signed PDF of a 加入完了通知書 in the folder, as on the notices page."""
    return Q(kind="notice", notice__kind=NoticeKind.COMPLETION)


def register_policy() -> None:
    subjects.register_attached(Notice)
    register_user_readable(_completion_pdfs)
    register(
        actions={"notice.issue": {Role.REVIEWER, Role.INSPECTOR}},
        models={Notice: Visibility(company="company", narrow=_kinds_for_the_role)},
    )
