"""Mail written to the terminal as a person reads it: the local trial's mail (``make run``).

Django's console backend writes the raw MIME message: a Japanese subject appears as
``=?utf-8?b?…?=`` and a long body as quoted-printable. This one writes the sender, the
recipients, the subject and the body as text, so that whoever tries the portal reads the
one-time links and every notification right in the terminal that runs it.
"""

from __future__ import annotations

from typing import Any

from django.core.mail.backends.console import EmailBackend as DjangoConsoleBackend

RULE = "-" * 79


class EmailBackend(DjangoConsoleBackend):
    def write_message(self, message: Any) -> None:
        self.stream.write(
            "\n".join(
                [
                    RULE,
                    f"From: {message.from_email}",
                    f"To: {', '.join(message.to)}",
                    f"Subject: {message.subject}",
                    "",
                    str(message.body),
                    RULE,
                    "",
                ]
            )
        )
