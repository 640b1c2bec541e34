"""Who may do what with the 年次確認, and who sees it.

The protection system administrator answers for the company (confirms, or says that changes were
filed); the person the PSA designates reads the confirmation; a 利用者 sees nothing of it. The
office's reviewers open rounds; the whole office reads every company's answers. The provider
sees nothing: the confirmation is between the company and the office.
"""

from __future__ import annotations

from dsg.orgs.models import Role
from dsg.orgs.permissions import Visibility, register

from .models import AnnualConfirmation, AnnualReminder

ACTIONS = {
    "annual.open": {Role.REVIEWER},
    "annual.confirm": {Role.PSA},
}
READERS = frozenset({Role.PSA, Role.DELEGATE})


def register_policy() -> None:
    register(
        actions=ACTIONS,
        models={
            AnnualConfirmation: Visibility(company="company", company_roles=READERS),
            AnnualReminder: Visibility(company="confirmation__company", company_roles=READERS),
        },
    )
