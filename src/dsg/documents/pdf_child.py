"""The child process that opens an uploaded PDF: ``python -m dsg.documents.pdf_child MEMORY CPU``.

It limits its own address space and CPU time before importing pypdf, reads
``<4-byte password length><password><pdf bytes>`` from stdin and prints one JSON line:
``{"ok": true, "pages", "encrypted", "password_needed"}`` or ``{"ok": false, "code"}``.
A decompression bomb ends here (MemoryError, or the kernel's limit), never in the portal.
"""

from __future__ import annotations

import json
import resource
import sys
from typing import Any

# Names that mean active content: scripts, launch actions, embedded files, rich media, forms
# that submit or import data. Checked as dictionary keys and as name values (/S /JavaScript).
ACTIVE_NAMES = frozenset(
    {
        "/JS",
        "/JavaScript",
        "/AA",
        "/Launch",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/FileAttachment",
        "/RichMedia",
        "/RichMediaExecute",
        "/XFA",
        "/SubmitForm",
        "/ImportData",
        "/GoToE",
        "/Sound",
        "/Movie",
    }
)
MAX_OBJECTS = 500_000
MAX_CONTENT_BYTES = 200 * 1024 * 1024  # page content of all pages, unpacked


class Refused(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def limit(memory_bytes: int, cpu_seconds: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def inspect(data: bytes, password: str) -> dict[str, Any]:
    from io import BytesIO

    from pypdf import PasswordType, PdfReader

    if not data.startswith(b"%PDF-"):
        raise Refused("not_pdf")
    if b"%%EOF" not in data[-2048:]:
        raise Refused("truncated")
    reader = PdfReader(BytesIO(data), strict=False)
    encrypted = bool(reader.is_encrypted)
    needed = False
    if encrypted:
        # A PDF with only an owner password opens with "": no password is needed to read it.
        if reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            needed = True
            if not password:
                raise Refused("password_required")
            if reader.decrypt(password) == PasswordType.NOT_DECRYPTED:
                raise Refused("wrong_password")
    pages = len(reader.pages)
    if pages == 0:
        raise Refused("corrupt")
    check_active_content(reader)
    unpacked = 0
    for page in reader.pages:
        # Each content stream on its own: pypdf caps one stream's output, our limits the rest.
        contents = page.get("/Contents")
        contents = contents.get_object() if contents is not None else None
        streams = contents if isinstance(contents, list) else [contents]
        for stream in streams:
            if stream is not None:
                unpacked += len(stream.get_object().get_data())
                if unpacked > MAX_CONTENT_BYTES:
                    raise Refused("too_large_unpacked")
    return {"ok": True, "pages": pages, "encrypted": encrypted, "password_needed": needed}


def check_active_content(reader: Any) -> None:
    """Walk every object reachable from the trailer and every object in the xref table."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    seen: set[tuple[int, int]] = set()
    stack: list[Any] = [reader.trailer]
    for generation, numbers in reader.xref.items():
        stack.extend(IndirectObject(number, generation, reader) for number in numbers)
    stack.extend(IndirectObject(number, 0, reader) for number in reader.xref_objStm)
    visited = 0
    while stack:
        item = stack.pop()
        visited += 1
        if visited > MAX_OBJECTS:
            raise Refused("too_complex")
        if isinstance(item, IndirectObject):
            ref = (item.idnum, item.generation)
            if ref in seen:
                continue
            seen.add(ref)
            item = item.get_object()
        if isinstance(item, NameObject):
            if str(item) in ACTIVE_NAMES:
                raise Refused("active_content")
        elif isinstance(item, DictionaryObject):
            for key, value in item.items():
                if str(key) in ACTIVE_NAMES:
                    raise Refused("active_content")
                stack.append(value)
        elif isinstance(item, ArrayObject):
            stack.extend(item)


def main() -> int:
    memory, cpu = int(sys.argv[1]), int(sys.argv[2])
    raw = sys.stdin.buffer.read()
    limit(memory, cpu)
    length = int.from_bytes(raw[:4], "big")
    password = raw[4 : 4 + length].decode("utf-8", "replace")
    data = raw[4 + length :]
    del raw
    try:
        result = inspect(data, password)
    except Refused as refusal:
        result = {"ok": False, "code": refusal.code}
    except MemoryError:
        result = {"ok": False, "code": "too_large_unpacked"}
    except RecursionError:
        result = {"ok": False, "code": "too_complex"}
    except Exception as error:  # noqa: BLE001 - any parse failure means the file is refused
        code = "too_large_unpacked" if type(error).__name__ == "LimitReachedError" else "corrupt"
        result = {"ok": False, "code": code}
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
