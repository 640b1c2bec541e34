"""`dsg demo`: load the demo data (idempotent) and print how to log in as each role."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from dsg.enrollment.demo import DEMO_PASSWORD, demo_load


class Command(BaseCommand):
    help = "Load demo organisations, users of every role and cases at different steps."

    def handle(self, *args: Any, **options: Any) -> None:
        logins = demo_load()
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        self.stdout.write("デモ用ログイン（パスワードは共通）")
        for login in logins:
            self.stdout.write(f"  {login.role:<60} {login.email:<30} {login.organization}")
