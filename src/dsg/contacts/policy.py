"""The contacts' one action: the office (its reviewer) keeps the 問い合わせ先 current.

The contacts are no company's data: anyone may read them, logged in or not (the page is public,
like the guideline that prints them), so no model of this app has a ``Visibility``.
"""

from __future__ import annotations

from dsg.orgs.models import Role
from dsg.orgs.permissions import register


def register_policy() -> None:
    register(actions={"contact.edit": {Role.REVIEWER}})
