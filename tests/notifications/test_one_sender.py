"""Every mail goes through the outbox: no code but the outbox's sends mail."""

from __future__ import annotations

import re
from pathlib import Path

import dsg

SENDING = re.compile(
    r"\bsend_mail\b|\bsend_mass_mail\b|\bmail_admins\b|\bmail_managers\b|\bEmailMessage\b|"
    r"\bEmailMultiAlternatives\b|\bsmtplib\b|"
    r"from django\.core\.mail import|from django\.core import mail"
)
# The outbox's delivery, and allauth's adapter, whose send_mail queues into the outbox.
ALLOWED = {
    "notifications/services.py": {"EmailMessage", "from django.core.mail import"},
    "orgs/adapters.py": {"send_mail"},
    "orgs/throttle.py": {"send_mail"},  # the unlock link, through that adapter's send_mail
}


def test_only_the_outbox_sends_mail():
    root = Path(dsg.__file__).parent
    found = {}
    for path in root.rglob("*.py"):
        name = path.relative_to(root).as_posix()
        if "/migrations/" in name:
            continue
        text = path.read_text(encoding="utf-8")
        words = {m.group(0) for m in SENDING.finditer(text)} - ALLOWED.get(name, set())
        if words:
            found[name] = sorted(words)
    assert found == {}
