"""Who registers terminals, records their tests and their disposal, and who sees the registry.

A company's people see their own sites' terminals and their disposals; the office sees every
site's; the provider sees the terminals of the sites it provisions (it configures them), and
whether they were disposed of. The company's PSA records a terminal's disposal (基準 第6第6項
第3号・第4号); the office's reviewer confirms it.
"""

from __future__ import annotations

from dsg.orgs.models import Role, Site
from dsg.orgs.permissions import Visibility, register, through

from .models import (
    ConnectionTest,
    MediumDisposal,
    RemovableMedium,
    Terminal,
    TerminalDisposal,
    TerminalSoftware,
)


def register_policy() -> None:
    register(
        actions={
            # The PSA registers at ⑥; after 加入 the reviewer does, by approving a request.
            "terminal.register": {Role.PSA},
            "terminal.register_on_approval": {Role.REVIEWER},
            "medium.register": {Role.REVIEWER},
            "software.declare": {Role.PSA},
            "software.decide": {Role.REVIEWER},
            "connection_test.record": {Role.PSA, Role.DELEGATE},
            "terminal.dispose": {Role.PSA},
            "terminal_disposal.confirm": {Role.REVIEWER},
            "terminal.set_up": {Role.PSA, Role.DELEGATE},
            "medium.dispose": {Role.PSA},
            "medium_disposal.confirm": {Role.REVIEWER},
            # The provider's operators enforce the approved media and software on the terminals
            # of the sites they provision; the office and the company's PSA read the same files.
            "policy.export": {Role.PSA, Role.REVIEWER, Role.INSPECTOR, Role.PROVIDER_STAFF},
            # The provider's two software catalogues (§5②): the provider publishes them; every
            # signed-in role reads those in force (a PSA, to know whether to file a request).
            "catalogue.publish": {Role.PROVIDER_STAFF},
            "catalogue.read": set(Role.values),
        },
        models={
            Terminal: Visibility(company="site__company", provider=through("site", Site)),
            ConnectionTest: Visibility(
                company="terminal__site__company", provider=through("terminal", Terminal)
            ),
            TerminalDisposal: Visibility(
                company="terminal__site__company", provider=through("terminal", Terminal)
            ),
            # The provider's operators enforce the approved media and software on the terminals.
            RemovableMedium: Visibility(company="site__company", provider=through("site", Site)),
            MediumDisposal: Visibility(
                company="medium__site__company", provider=through("medium", RemovableMedium)
            ),
            TerminalSoftware: Visibility(
                company="terminal__site__company", provider=through("terminal", Terminal)
            ),
        },
    )
