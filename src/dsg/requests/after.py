"""What each action on a change did and what comes next (今後の流れ), said to whoever took it:
one table, beside the confirmation pages' texts (``views.DECISIONS``), as enrollment's
``AFTER_TRANSITION`` is beside its transitions. A message names the change's number; an outcome
with more than one next step (受理 that still waits for an inspection or the provider's work,
a change that moves the PSA or closes the site) adds its lines from ``AFTER_EXTRA``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from .models import ChangeRequest, ChangeState

AFTER_ACTION: dict[str, Any] = {
    "return": _(
        "The change {number} was returned for correction (補正). Next: the company's PSA reads "
        "your comments, corrects the change and submits it again; it then comes back to the "
        "review."
    ),
    "reject": _(
        "The change {number} was rejected (却下) and is closed; the registered data stays as it "
        "is. Next: the company's PSA is told the reason by mail; a new change can be filed if it "
        "is still needed."
    ),
    "withdraw": _(
        "The change {number} was withdrawn (取下げ) and is closed; the registered data stays as "
        "it is. Next: the office is told by mail. File a new change if it is needed later."
    ),
    "accept": _(
        "The change {number} was accepted (受理). Next: what it still needs (below); once that "
        "is done, the change applies to the registered data."
    ),
    "accept_applied": _(
        "The change {number} was accepted (受理) and applied to the registered data (変更完了). "
        "Next: nothing; the company's PSA is told by mail and the site's history shows the "
        "change."
    ),
    "complete": _(
        "The change {number} was applied to the registered data (変更完了). Next: nothing; the "
        "company's PSA is told by mail and the site's history shows the change."
    ),
    "comment": _(
        "The comment was added to the change {number}. Next: return the change for correction "
        "(補正) so that the company reads it, or accept it."
    ),
    "ask": _(
        "The request (依頼) on the change {number} was sent to the company's PSA by mail. Next: "
        "the PSA answers it on the change's page by {due}."
    ),
    "answer": _(
        "Your answer on the change {number} was sent. Next: whoever asked reads it; the change "
        "goes on from there."
    ),
    "work_done": _(
        "The work on the change {number} was recorded as done. Next: once no other work or "
        "inspection remains, the change applies to the registered data."
    ),
    "remediation": _(
        "The remediation of the change {number} was reported (改善報告). Next: the office "
        "decides whether to accept it or to inspect again."
    ),
}

# What an outcome adds, by what the change still needs or what applying it did.
AFTER_EXTRA: dict[str, Any] = {
    "inspection": _(
        "A new on-site inspection (現地確認): the office opens its round on the change's page "
        "and proposes dates; the company's PSA picks one."
    ),
    "provider_work": _(
        "The service provider's work: the provider records it on the change's page when done."
    ),
    "psa": _(
        "The new protection system administrator receives a mail to sign in; the former "
        "administrator's access has ended."
    ),
    "equipment": _(
        "The site's terminals and media leave the registry first (their disposal confirmed by "
        "the office); the change applies when the last one is gone."
    ),
    "closes_site": _("The site is closed: it no longer appears among the company's open sites."),
}


def change_done_message(action: str, change: ChangeRequest, **values: Any) -> str:
    """The message after ``action`` on ``change`` (read again after the action): the table's
    line, and what the change still needs or what applying it changed."""
    key = action
    extra: list[str] = []
    if action == "accept" and change.state == ChangeState.COMPLETED:
        key = "accept_applied"
    elif action == "work_done" and change.state == ChangeState.COMPLETED:
        key = "complete"
    elif action == "accept":
        extra += ["inspection"] if change.needs_inspection else []
        extra += ["provider_work"] if any(not w.is_done for w in change.provider_work.all()) else []
        extra += ["equipment"] if change.kind.closes_site else []
    if change.state == ChangeState.COMPLETED:
        extra += ["psa"] if "psa" in change.kind.groups else []
        extra += ["closes_site"] if change.kind.closes_site else []
    message = str(AFTER_ACTION[key]).format(number=change.number, **values)
    return " ".join([message, *(str(AFTER_EXTRA[name]) for name in extra)])


class AfterMessage:
    """The confirmation page's success message, known only once the action is taken (受理 may
    apply the change at once or wait): ``core.views.confirm_action`` reads it after the action."""

    def __init__(self) -> None:
        self.text = ""

    def __str__(self) -> str:
        return self.text
