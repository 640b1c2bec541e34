"""Who registers terminals and records their tests, and who sees the registry.

A company's people see their own sites' terminals; the office sees every site's; the provider
sees the terminals of the sites it provisions (it configures them).
"""

from __future__ import annotations

from dsg.orgs.models import Role, Site
from dsg.orgs.permissions import Visibility, register, through

from .models import ConnectionTest, Terminal


def register_policy() -> None:
    register(
        actions={
            "terminal.register": {Role.PSA},
            "connection_test.record": {Role.PSA, Role.DELEGATE},
        },
        models={
            Terminal: Visibility(company="site__company", provider=through("site", Site)),
            ConnectionTest: Visibility(
                company="terminal__site__company", provider=through("terminal", Terminal)
            ),
        },
    )
