"""`dsg demo`: load the demo data (idempotent) and print how to log in as each role."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.core.management.base import BaseCommand

from dsg.demo.loader import DEMO_PASSWORD, demo_load


class Command(BaseCommand):
    help = "Load demo organisations, users of every role and cases at different steps."

    def handle(self, *args: Any, **options: Any) -> None:
        logins = demo_load()
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        self.stdout.write("デモ用ログイン（パスワードは共通）")
        roles = [str(login.role) for login in logins]
        width = max(map(_display_width, roles))
        for role, login in zip(roles, logins, strict=True):
            padding = " " * (width - _display_width(role))
            self.stdout.write(f"  {role}{padding}  {login.email:<30} {login.organization}")


def _display_width(text: str) -> int:
    """Columns on a terminal: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
