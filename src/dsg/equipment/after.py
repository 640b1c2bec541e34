"""What each action on a §5 request did and what comes next (今後の流れ), said to whoever took
it: one table per action, and for a decision one line per kind of request (what the approved lines
became and what the company does next), as enrollment's ``AFTER_TRANSITION`` is beside its
transitions. The confirmation pages' own texts (what the action does, who is told) are in
``views.STEPS``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from .models import EquipmentRequest, Outcome, RequestKind, RequestState

AFTER_ACTION: dict[str, Any] = {
    "take_up": _(
        "You took the request {number} up (受理); it is under review (受理・審査中) and you "
        "are its reviewer. Next: decide its lines (承認・却下), or ask the company for more "
        "documents (追加資料依頼). The company's PSA is told by mail."
    ),
    "ask": _(
        "The request for more documents (追加資料依頼) on {number} was sent to the company's PSA "
        "by mail. Next: the PSA answers on the request's page; the review goes on then."
    ),
    "answer": _(
        "Your answer on the request {number} was sent to the office. Next: the office goes on "
        "with its review and decides the lines; you are told by mail."
    ),
    "upload": _(
        "“{name}” was stored with the request {number}; the office has been told. Next: the "
        "office reads it with the request."
    ),
    "withdraw": _(
        "The request {number} was withdrawn (取下げ) and is closed; nothing enters the site's "
        "registry. Next: the office is told by mail. File a new request if it is needed later."
    ),
    "decided_some": _(
        "The lines you decided on the request {number} were recorded; {pending} line(s) remain "
        "undecided. Next: decide them; the company's PSA is told when the request is decided."
    ),
    "decided_rejected": _(
        "The request {number} was decided: rejected (却下). Nothing enters the site's registry. "
        "Next: the company's PSA is told by mail with your reasons; the company would have to "
        "file a new request."
    ),
    "decided": _(
        "The request {number} was decided: {outcome}. The company's PSA is told by mail with "
        "each line's decision."
    ),
    "test_passed": _(
        "The connection test (接続試験) of {terminal} was recorded: passed (合格). The terminal "
        "is in use (利用中) from {date}. Next: nothing more is needed for it."
    ),
    "test_failed": _(
        "The connection test (接続試験) of {terminal} was recorded: failed (不合格). Next: "
        "correct the terminal's set-up and record a new test; it is in use once a test passed."
    ),
    "helpdesk_answer": _(
        "Your instructions were sent to the company by mail. Next: the company enables the "
        "software on its terminals as instructed; nothing else is asked of the helpdesk."
    ),
}

# What comes next for the approved lines, by kind of request.
AFTER_APPROVED: dict[str, Any] = {
    RequestKind.TERMINAL: _(
        "Next: each terminal approved for registration is in the site's registry; the company "
        "sets it up and records its connection test (接続試験), and it is in use once the test "
        "passed. A terminal approved for removal stays until its disposal (廃棄) is recorded by "
        "the company and confirmed by the office."
    ),
    RequestKind.SOFTWARE: _(
        "Next: the approved software is registered on the terminals it names and enters the "
        "site's policy export; the company installs it offline (オフライン) and may start and "
        "use it from now on."
    ),
    RequestKind.MEDIUM: _(
        "Next: each medium approved for registration is in the site's registry on the "
        "terminals it names and enters the site's USBGuard policy; a medium approved for "
        "removal stays until its disposal (廃棄) is recorded and confirmed by the office."
    ),
}


def connection_test_done_message(terminal: Any) -> str:
    """The message after a connection test of a terminal added by a request (read again after
    the test: a passed test puts it in use)."""
    label = f"{terminal.ref} {terminal.name}"
    if terminal.in_use_since is None:
        return str(AFTER_ACTION["test_failed"]).format(terminal=label)
    day = terminal.in_use_since
    return str(AFTER_ACTION["test_passed"]).format(terminal=label, date=day.isoformat())


def request_done_message(action: str, filed: EquipmentRequest, **values: Any) -> str:
    """The message after ``action`` on ``filed`` (read again after the action). A decision says
    what became of the request: lines still to decide (``pending``), rejected, or approved (all
    or some) with what comes next for the kind's approved lines."""
    if action != "decide":
        return str(AFTER_ACTION[action]).format(number=filed.receipt_number, **values)
    if filed.state != RequestState.DECIDED:  # ``pending``: the lines still undecided
        return str(AFTER_ACTION["decided_some"]).format(number=filed.receipt_number, **values)
    if filed.outcome == Outcome.REJECTED:
        return str(AFTER_ACTION["decided_rejected"]).format(number=filed.receipt_number)
    decided = str(AFTER_ACTION["decided"]).format(
        number=filed.receipt_number, outcome=filed.get_outcome_display()
    )
    return f"{decided} {AFTER_APPROVED[RequestKind(filed.kind)]}"


class AfterMessage:
    """The confirmation page's success message, known only once the step is taken (a decision
    may end the request or leave lines to decide): ``core.views.confirm_action`` reads it after
    the action."""

    def __init__(self) -> None:
        self.text = ""

    def __str__(self) -> str:
        return self.text
