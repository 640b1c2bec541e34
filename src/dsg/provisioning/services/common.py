"""What the services of ③–⑥ share: the provisioning record, input checks, ledger and mail."""

from __future__ import annotations

from typing import Any

from django.db import models

from dsg.audit.services import audit_record
from dsg.enrollment.models import Enrollment, State
from dsg.notifications.services import mail_queue
from dsg.orgs.models import Role, User
from dsg.orgs.selectors import emails_of, psa_emails

from ..models import Provisioning

# The states of ③–⑥, in which the provider's appointments are made and changed.
PROVISIONING_STATES = (
    State.SURVEY,
    State.CONSTRUCTION,
    State.ROUTER_INSTALLATION,
    State.TERMINAL_SETUP,
)


def provisioning_of(enrollment: Enrollment) -> Provisioning:
    provisioning, _created = Provisioning.objects.get_or_create(enrollment=enrollment)
    return provisioning


def _audit(
    actor: User, action: str, obj: models.Model, enrollment: Enrollment, after: dict[str, Any]
) -> None:
    audit_record(
        actor=actor, action=action, obj=obj, company_id=enrollment.site.company_id, after=after
    )


def _psa_emails(enrollment: Enrollment) -> list[str]:
    return psa_emails(enrollment.site.company_id)


def _provider_emails() -> list[str]:
    return emails_of(roles=[Role.PROVIDER_STAFF])


def _mail(
    *, enrollment: Enrollment, recipients: list[str], kind: str, subject: Any, lines: list[Any]
) -> None:
    """A short mail that names the case and points to the portal; details stay behind the login."""
    mail_queue(
        to=recipients,
        about=enrollment.number,
        subject=subject,
        lines=lines,
        link=f"/enrollments/{enrollment.pk}/#provisioning",
        kind=kind,
        company_id=enrollment.site.company_id,
    )
