"""Who stores and who reads which documents of a company's folder (申請書等格納フォルダ).

A company's people read their own company's documents; the office reads every company's and
stores any kind; a company never stores the office's kinds (inspection photos, checklists filled
in on paper, notices). The
provider reads only the layout diagram (it plans the line's route to the room) and "other"
documents of the cases it provisions; never audit results, inspection photos, remediation
evidence or notices.

A company's 利用者 reads only what their role may see: the disposal certificates of the terminals
they see, and what the apps that know a document let through (``register_user_readable``: the
notices app lets the 加入完了通知書 through, never a 現地確認結果通知書, whose findings are not
theirs). Applications, audit results, inspection photos and remediation evidence are the PSA's
and the delegate's.

The company-wide folder (every document of one company, ``/folder/``) is the company's and the
office's: the provider never opens it. The queue of storage reports (「格納した旨を連絡」) is the
office's alone; a reviewer marks a report seen, and stores a file a company mailed on its behalf.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Q, QuerySet

from dsg.core import subjects
from dsg.orgs import permissions
from dsg.orgs.models import Role
from dsg.orgs.permissions import ProviderView, Visibility

from .models import Document, StorageReport

PROVIDER_KINDS = frozenset({"layout", "other"})
OFFICE_ONLY_KINDS = frozenset({"inspection_photo", "inspection_checklist", "notice"})
# What a 利用者 reads of the folder by kind; other documents only where an app lets them through.
USER_KINDS = frozenset({"disposal_certificate"})
_USER_READABLE: list[Callable[[Any], Q]] = []


def register_user_readable(rule: Callable[[Any], Q]) -> None:
    """An app above lets a 利用者 read some documents it knows (a Q on Document, for the user)."""
    if rule not in _USER_READABLE:
        _USER_READABLE.append(rule)


def _for_the_role(user: Any, documents: QuerySet[Any]) -> QuerySet[Any]:
    if user.role != Role.USER:
        return documents
    readable = Q(kind__in=USER_KINDS)
    for rule in _USER_READABLE:
        readable |= rule(user)
    return documents.filter(readable)


def _provider_documents(user: Any, documents: QuerySet[Any]) -> QuerySet[Any]:
    """The provider's kinds, of the subjects (cases) it sees."""
    return documents.filter(permissions.subject_visible_q(user), kind__in=PROVIDER_KINDS)


def may_store(user: Any, kind: str, company: Any) -> bool:
    """May ``user`` put a document of ``kind`` into ``company``'s folder?"""
    if not permissions.may(user, "document.store", company):
        return False
    return not (permissions.is_company_member(user) and kind in OFFICE_ONLY_KINDS)


def register_policy() -> None:
    subjects.register_attached(Document)
    permissions.register(
        actions={
            "document.store": {Role.PSA, Role.REVIEWER, Role.INSPECTOR},
            "document.read_password": {Role.REVIEWER, Role.INSPECTOR},
            "document.store_received_by_mail": {Role.REVIEWER},
            "document.report_seen": {Role.REVIEWER},
        },
        models={
            Document: Visibility(
                company="company",
                narrow=_for_the_role,
                provider=ProviderView(rows=_provider_documents),
            ),
            StorageReport: Visibility(company="company", company_roles=frozenset()),
        },
    )
