"""Read an uploaded .xlsx safely: every check on the zip before a parser sees it, then calamine.

Refused before parsing: not a zip (an OLE file is an old .xls or a password-protected
workbook: the latter is opened with its password by ``decrypt_workbook`` and the result
checked like any .xlsx), too many members, too much unpacked data or a suspicious compression
ratio (zip bomb), macros (``xl/vbaProject.bin``, macro content types), and any DOCTYPE or
ENTITY declaration in an XML part (XXE, billion laughs).
"""

from __future__ import annotations

import hashlib
import io
import threading
import zipfile
from collections.abc import Collection
from typing import Any

from django.utils.translation import gettext_lazy as _

from dsg.core.errors import RuleViolation

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_UNPACKED = 50 * 1024 * 1024
MAX_MEMBERS = 2000
MAX_RATIO = 200  # unpacked / packed, per member and overall
RATIO_FLOOR = 1024 * 1024  # members smaller than this unpacked are not ratio-checked
# Excel encrypts with 100,000 hash rounds; the format allows 10,000,000 (seconds of CPU each try).
MAX_SPIN_COUNT = 1_000_000
MACRO_MARKERS = (b"macroEnabled", b"vbaProject", b"application/vnd.ms-office.vbaProject")
XML_SUFFIXES = (".xml", ".rels", ".vml")


def _refuse(message: object, code: str) -> RuleViolation:
    return RuleViolation(message, code=code, status=422, field="file")


# Workbooks found safe a moment ago, by the SHA-256 of their bytes and the limits they passed:
# filing a form checks its upload before reading it, and the folder checks the same bytes again
# before storing them (unpacking every XML part twice, ~2 % of filing a 500-line form; #14).
# Only passes are kept, the last few; a refusal is checked again every time.
_SAFE: dict[tuple[bytes, int, int], None] = {}
_SAFE_KEPT = 8
_SAFE_LOCK = threading.Lock()


def check_workbook(
    data: bytes, *, max_unpacked: int = MAX_UNPACKED, max_members: int = MAX_MEMBERS
) -> None:
    """Raise RuleViolation unless ``data`` is a plain .xlsx that is safe to parse (the same
    bytes found safe under the same limits a moment ago are not unpacked again)."""
    key = (hashlib.sha256(data).digest(), max_unpacked, max_members)
    if key in _SAFE:
        return
    _check_workbook(data, max_unpacked=max_unpacked, max_members=max_members)
    with _SAFE_LOCK:
        _SAFE[key] = None
        while len(_SAFE) > _SAFE_KEPT:
            del _SAFE[next(iter(_SAFE))]


def _check_workbook(data: bytes, *, max_unpacked: int, max_members: int) -> None:
    if data.startswith(OLE_MAGIC):
        raise _refuse(
            _(
                "The workbook is password-protected or in the old .xls format. Enter the "
                "password that opens it, or save it as an Excel workbook (.xlsx) and upload it "
                "again."
            ),
            "excel_ole",
        )
    if not data.startswith(b"PK\x03\x04") or not zipfile.is_zipfile(io.BytesIO(data)):
        raise _refuse(_("The file is not an Excel workbook (.xlsx)."), "excel_not_xlsx")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            _check_sizes(members, len(data), max_unpacked, max_members)
            _check_parts(archive, members)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as error:
        raise _refuse(_("The workbook is damaged and cannot be read."), "excel_corrupt") from error


def decrypt_workbook(data: bytes, password: str) -> bytes:
    """The .xlsx inside a password-protected workbook (an encrypted OOXML package in an OLE
    file), opened with ``password``; refusals raise RuleViolation. The caller checks the result
    with ``check_workbook`` like any upload."""
    import msoffcrypto
    from msoffcrypto.exceptions import InvalidKeyError

    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        encrypted_ooxml = office.format == "ooxml" and office.type in ("agile", "standard")
    except Exception as error:  # olefile and msoffcrypto raise many kinds on a damaged file
        raise _refuse(_("The workbook is damaged and cannot be read."), "excel_corrupt") from error
    if not encrypted_ooxml:  # an old .xls (with or without a password)
        raise _refuse(
            _(
                "The file is in the old Excel format (.xls). Save it as an Excel workbook "
                "(.xlsx) and upload it again."
            ),
            "excel_xls",
        )
    if office.type == "agile" and office.info["spinValue"] > MAX_SPIN_COUNT:
        raise _refuse(
            _("The workbook's encryption is too costly to check safely; it was refused."),
            "excel_too_complex",
        )
    try:
        office.load_key(password=password, verify_password=True)
        out = io.BytesIO()
        office.decrypt(out, verify_integrity=True)
    except InvalidKeyError as error:
        raise _refuse(
            _("The password does not open this workbook."), "excel_wrong_password"
        ) from error
    except Exception as error:  # a package that does not decrypt to what it claims
        raise _refuse(_("The workbook is damaged and cannot be read."), "excel_corrupt") from error
    return out.getvalue()


def _check_sizes(
    members: list[zipfile.ZipInfo], packed: int, max_unpacked: int, max_members: int
) -> None:
    too_big = _refuse(
        _("The workbook unpacks to too much data (a possible zip bomb); it was refused."),
        "excel_too_large_unpacked",
    )
    if len(members) > max_members:
        raise _refuse(_("The workbook has too many parts; it was refused."), "excel_too_many_parts")
    total = sum(member.file_size for member in members)
    if total > max_unpacked:
        raise too_big
    for member in members:
        ratio_packed = max(member.compress_size, 1)
        if member.file_size > RATIO_FLOOR and member.file_size / ratio_packed > MAX_RATIO:
            raise too_big
    if total > RATIO_FLOOR and total / max(packed, 1) > MAX_RATIO:
        raise too_big


def _check_parts(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> None:
    names = {member.filename for member in members}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise _refuse(_("The file is not an Excel workbook (.xlsx)."), "excel_not_xlsx")
    macros = _refuse(
        _("Workbooks with macros (.xlsm) are not accepted. Save it as .xlsx and upload it again."),
        "excel_macros",
    )
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise macros
    for member in members:
        if not member.filename.lower().endswith(XML_SUFFIXES):
            continue
        # Read with the declared size as the cap: a lying header cannot unpack more.
        with archive.open(member) as handle:
            content = handle.read(member.file_size + 1)
        if len(content) > member.file_size:
            raise _refuse(_("The workbook is damaged and cannot be read."), "excel_corrupt")
        upper = _as_utf8(content).upper()
        if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
            raise _refuse(
                _("The workbook contains XML declarations (DOCTYPE/ENTITY) that are not allowed."),
                "excel_xml_entities",
            )
        if member.filename == "[Content_Types].xml" and any(m in content for m in MACRO_MARKERS):
            raise macros


def _as_utf8(content: bytes) -> bytes:
    """UTF-16 parts are allowed by XML; look at them as UTF-8 so a declaration cannot hide."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")) or content[:2] in (b"<\x00", b"\x00<"):
        encoding = (
            "utf-16"
            if content[:2] in (b"\xff\xfe", b"\xfe\xff")
            else ("utf-16-le" if content[:1] == b"<" else "utf-16-be")
        )
        return content.decode(encoding, "replace").encode("utf-8")
    return content


def read_workbook(
    data: bytes,
    *,
    max_unpacked: int = MAX_UNPACKED,
    max_members: int = MAX_MEMBERS,
    sheets: Collection[str] | None = None,
) -> dict[str, list[list[Any]]]:
    """Every sheet of a checked .xlsx as rows of Python values (str, int, float, bool, dates);
    with ``sheets``, only those of them the workbook has (a form's other sheets — its example,
    the site's list — were a fifth of reading a filled form; docs/performance.md)."""
    from python_calamine import CalamineWorkbook

    check_workbook(data, max_unpacked=max_unpacked, max_members=max_members)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        return {
            name: workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
            for name in workbook.sheet_names
            if sheets is None or name in sheets
        }
    except Exception as error:  # calamine raises its own error types for damaged parts
        raise _refuse(_("The workbook is damaged and cannot be read."), "excel_corrupt") from error
