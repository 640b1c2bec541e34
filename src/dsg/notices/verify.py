"""Is this PDF a notice the office issued, unchanged? The signature, then the issued record.

A notice passes when its PAdES signature is intact, cryptographically valid, made with a
certificate we trust (the office's notice certificate unless other trust roots are given), covers
the whole file (nothing appended after signing), and — unless ``check_record`` is off, for offline
use without the database — a notice with the printed document number exists and its stored PDF
has the same SHA-256 as the file.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from .render import NUMBER_KEYWORD

NUMBER_PATTERN = re.compile(r"防装庁情第\d{4}-\d{4,}号")


@dataclass
class Result:
    ok: bool = False
    sha256: str = ""
    signed: bool = False
    intact: bool = False
    valid: bool = False
    trusted: bool = False
    whole_file: bool = False
    signer: str = ""
    signed_at: str = ""
    number: str = ""
    record_checked: bool = False
    record_found: bool = False
    hash_matches: bool = False
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def trusted_certificates(paths: list[Path] | None = None) -> list[Any]:
    """Certificates to trust: the given PEM/DER files, else the portal's notice certificate."""
    from pyhanko.keys import load_certs_from_pemder

    from .keys import signing_material

    if not paths:
        paths = [signing_material().cert_path]
    return list(load_certs_from_pemder([str(path) for path in paths]))


def notice_verify(
    pdf_bytes: bytes, *, trust_roots: list[Any] | None = None, check_record: bool = True
) -> Result:
    """Check ``pdf_bytes``: ``Result.ok`` only when every check passed; bad input never raises."""
    result = Result(sha256=hashlib.sha256(pdf_bytes).hexdigest())
    roots = trust_roots if trust_roots is not None else trusted_certificates()
    _check_signature(pdf_bytes, roots, result)
    result.number = _number_of(pdf_bytes)
    if not result.number:
        result.problems.append(_("The file carries no notice document number."))
    if check_record and result.number:
        _check_record(result)
    signature_ok = result.intact and result.valid and result.trusted and result.whole_file
    record_ok = not check_record or (result.record_found and result.hash_matches)
    result.ok = signature_ok and bool(result.number) and record_ok
    return result


def _check_signature(pdf_bytes: bytes, roots: list[Any], result: Result) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        signatures = PdfFileReader(BytesIO(pdf_bytes), strict=False).embedded_signatures
    except Exception:  # noqa: BLE001 — any parse failure means "not a readable PDF"
        result.problems.append(_("The file is not a readable PDF."))
        return
    if len(signatures) != 1:
        result.problems.append(
            _("The file has no signature.")
            if not signatures
            else _("The file has more signatures than one.")
        )
        return
    result.signed = True
    try:
        status = validate_pdf_signature(
            signatures[0], signer_validation_context=ValidationContext(trust_roots=roots)
        )
    except Exception:  # noqa: BLE001 — a mangled signature is an invalid one
        result.problems.append(_("The signature could not be read: the file was changed."))
        return
    result.intact, result.valid, result.trusted = status.intact, status.valid, status.trusted
    result.whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    result.signer = status.signing_cert.subject.human_friendly if status.signing_cert else ""
    if status.signer_reported_dt:
        result.signed_at = status.signer_reported_dt.isoformat()
    if not (status.intact and status.valid):
        result.problems.append(_("The signature does not match the content: the file was changed."))
    elif not status.trusted:
        result.problems.append(_("The signer is not the office's notice certificate."))
    if status.intact and not result.whole_file:
        result.problems.append(_("The file was changed after it was signed."))


def _number_of(pdf_bytes: bytes) -> str:
    """The document number: from the metadata the notice was rendered with, else its first page."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(BytesIO(pdf_bytes), strict=False)
        metadata = reader.metadata
        keywords = str((metadata.get("/Keywords") if metadata else None) or "")
        for part in keywords.split(","):
            part = part.strip()
            if part.startswith(NUMBER_KEYWORD):
                return part.removeprefix(NUMBER_KEYWORD)[:40]
        match = NUMBER_PATTERN.search(reader.pages[0].extract_text() or "")
    except Exception:  # noqa: BLE001 — an unreadable file has no number
        return ""
    return match.group(0) if match else ""


def _check_record(result: Result) -> None:
    from django_scopes import scopes_disabled

    from .models import Notice

    result.record_checked = True
    with scopes_disabled():  # the number alone is looked up; nothing of the record is returned
        stored = (
            Notice.objects.filter(number=result.number)
            .values_list("document__sha256", flat=True)
            .first()
        )
    result.record_found = stored is not None
    result.hash_matches = stored == result.sha256
    if stored is None:
        result.problems.append(
            _("No notice with the number {number} was issued.").format(number=result.number)
        )
    elif stored != result.sha256:
        result.problems.append(
            _("The file differs from the notice {number} as issued.").format(number=result.number)
        )
