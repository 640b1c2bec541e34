"""Use cases of the §5 requests: file, take up, ask for more, answer, decide lines, withdraw; and
the helpdesk requests for whitelisted software.

Every service locks what it changes, checks the role and the input, writes the ledger and queues
mail in one transaction. The site's registry changes only when a line is approved, in the
deciding transaction; nothing is half done.
"""

from .common import (
    LINE_MODELS,
    LINES_MAX,
    PURPOSE_MAX,
    RULE_OFFICE,
    RULE_ONLINE,
    lines_snapshot,
    receipt_number_for,
    request_lock,
)
from .filing import Filing, removal_pending_terminals, request_check, request_file
from .helpdesk import helpdesk_answer, helpdesk_file
from .review import (
    LineVerdict,
    medium_values,
    request_answer,
    request_ask,
    request_decide,
    request_take_up,
    request_withdraw,
)

__all__ = [
    "LINES_MAX",
    "LINE_MODELS",
    "PURPOSE_MAX",
    "RULE_OFFICE",
    "RULE_ONLINE",
    "Filing",
    "LineVerdict",
    "helpdesk_answer",
    "helpdesk_file",
    "lines_snapshot",
    "medium_values",
    "receipt_number_for",
    "removal_pending_terminals",
    "request_answer",
    "request_ask",
    "request_check",
    "request_decide",
    "request_file",
    "request_lock",
    "request_take_up",
    "request_withdraw",
]
