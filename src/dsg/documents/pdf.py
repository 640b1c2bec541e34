"""Open an uploaded PDF in a child process with a memory limit and a time-out.

pypdf parses and decrypts; our own walk of the objects refuses active content. A refusal raises
``RuleViolation`` (422) with a message in the user's language; nothing of the child's trouble
(a decompression bomb, an endless parse) reaches the portal's process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _

from dsg.core.errors import RuleViolation

CHILD_MEMORY_BYTES = 512 * 1024 * 1024
CHILD_TIMEOUT_SECONDS = 20

MESSAGES = {
    "not_pdf": _("The file is not a PDF (its content is not that of a PDF, whatever its name)."),
    "truncated": _("The PDF is incomplete (truncated). Please upload the whole file again."),
    "corrupt": _("The PDF is damaged and cannot be read."),
    "password_required": _("The PDF is protected by a password. Enter the password that opens it."),
    "wrong_password": _("The password does not open this PDF."),
    "active_content": _(
        "The PDF contains active content (JavaScript, actions, embedded files or media), "
        "which the portal does not accept. Please save it again without it (e.g. print to PDF)."
    ),
    "too_large_unpacked": _(
        "The PDF unpacks to more data than the portal reads safely (a possible decompression bomb)."
    ),
    "too_complex": _("The PDF is too complex to be checked safely."),
    "timeout": _("Checking the PDF took too long; it was refused."),
}


@dataclass(frozen=True)
class PdfInfo:
    pages: int
    encrypted: bool  # has an /Encrypt dictionary (also: owner password only)
    password_needed: bool  # a user password is needed to open it


def refusal(code: str) -> RuleViolation:
    return RuleViolation(MESSAGES[code], code=f"pdf_{code}", status=422, field="file")


def _child_env() -> dict[str, str]:
    src = str(Path(__file__).resolve().parents[2])
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
    env["PYTHONPATH"] = src
    env["PYTHONWARNINGS"] = "ignore"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def inspect_pdf(
    data: bytes,
    password: str = "",
    *,
    memory_bytes: int = CHILD_MEMORY_BYTES,
    timeout: float = CHILD_TIMEOUT_SECONDS,
) -> PdfInfo:
    """Check ``data`` is a readable PDF without active content; refusals raise RuleViolation."""
    if not data.startswith(b"%PDF-"):
        raise refusal("not_pdf")  # no child needed to see that
    secret = password.encode("utf-8")
    payload = len(secret).to_bytes(4, "big") + secret + data
    command = [
        sys.executable,
        "-m",
        "dsg.documents.pdf_child",
        str(memory_bytes),
        str(int(timeout) + 1),
    ]
    try:
        completed = subprocess.run(  # noqa: S603 - our own interpreter and module
            command,
            input=payload,
            capture_output=True,
            timeout=timeout,
            env=_child_env(),
            cwd="/",
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise refusal("timeout") from error
    result = _parse(completed.stdout)
    if result is None:
        # Killed by its limits (SIGKILL, SIGXCPU) or died without an answer.
        raise refusal("too_large_unpacked" if completed.returncode else "corrupt")
    if not result.get("ok"):
        code = result.get("code")
        raise refusal(code if code in MESSAGES else "corrupt")
    return PdfInfo(
        pages=int(result["pages"]),
        encrypted=bool(result["encrypted"]),
        password_needed=bool(result["password_needed"]),
    )


def _parse(stdout: bytes) -> dict[str, Any] | None:
    lines = stdout.strip().splitlines()
    if not lines:
        return None
    try:
        value = json.loads(lines[-1])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
