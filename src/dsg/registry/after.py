"""What each action on the site registry did and what comes next (今後の流れ), said to whoever
took it: one table, as enrollment's ``AFTER_TRANSITION`` is beside its transitions. A message
names the terminal or medium it is about."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

AFTER_ACTION: dict[str, Any] = {
    "terminal_set_up": _(
        "The set-up date of {item} was recorded. Next: record its connection test (接続試験) "
        "on the site's registry; the terminal is in use once the test passed."
    ),
    "terminal_disposal_record": _(
        "The disposal of {item} was recorded. Next: the office (情報システム管理室) checks the "
        "method, the date and the certificate and confirms it; the terminal then leaves the "
        "site's registry (廃棄済). You are told by mail."
    ),
    "medium_disposal_record": _(
        "The disposal of {item} was recorded. Next: the office (情報システム管理室) checks the "
        "method, the date and the certificate and confirms it; the medium then leaves the "
        "site's registry (廃棄済). You are told by mail."
    ),
    "terminal_disposal_confirm": _(
        "The disposal was confirmed: {item} left the site's registry (廃棄済). Next: the "
        "company's PSA is told by mail; nothing more is asked of anyone."
    ),
    "medium_disposal_confirm": _(
        "The disposal was confirmed: {item} left the site's registry (廃棄済). Next: the "
        "company's PSA is told by mail, and the medium is no longer allowed by the site's "
        "USBGuard policy."
    ),
}


def registry_done_message(action: str, item: Any) -> str:
    """The message after ``action`` on ``item`` (a terminal or a medium)."""
    return str(AFTER_ACTION[action]).format(item=item)
