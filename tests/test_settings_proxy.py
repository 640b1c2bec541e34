"""Behind a TLS proxy, a form post from the public https origin is accepted (CSRF origin check)."""

from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = """
import django, os
django.setup()
from django.conf import settings
assert settings.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")
assert settings.CSRF_TRUSTED_ORIGINS == ["https://dsg.example.go.jp"]
print("ok")
"""


def test_proxy_settings_come_from_the_environment(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dsg.settings",
        "DSG_DATA_DIR": str(tmp_path),
        "DSG_SECRET_KEY": "a-test-key-" + "x" * 50,
        "DSG_BEHIND_TLS_PROXY": "true",
        "DSG_CSRF_TRUSTED_ORIGINS": "https://dsg.example.go.jp",
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stdout.strip() == "ok", result.stderr
