"""Real files for the document tests, built here: PDFs with pypdf, workbooks with openpyxl."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
import zlib

from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

# The date printed on the audit-result notices (監査結果通知書) the tests store.
DATED_ON = dt.date(2025, 6, 1)


def _write(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf(pages: int = 1, *, text: str = "DSG test document") -> bytes:
    """A small valid PDF whose pages carry a content stream."""
    writer = PdfWriter()
    for number in range(pages):
        page = writer.add_blank_page(width=595, height=842)
        content = DecodedStreamObject()
        content.set_data(f"BT /F1 12 Tf 72 720 Td ({text} {number + 1}) Tj ET".encode())
        page[NameObject("/Contents")] = writer._add_object(content)
    writer.add_metadata({"/Title": text})
    return _write(writer)


def pdf_with_user_password(password: str = "s3cret-パス", *, owner: str = "owner-pw") -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(pdf(2)))
    writer.encrypt(user_password=password, owner_password=owner, algorithm="AES-256")
    return _write(writer)


def pdf_with_owner_password_only(owner: str = "owner-only") -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(pdf(1)))
    writer.encrypt(user_password="", owner_password=owner, algorithm="AES-128")
    return _write(writer)


def pdf_with_open_action_javascript() -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(pdf(1)))
    action = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Action"),
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('hello');"),
        }
    )
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    return _write(writer)


def pdf_with_launch_action() -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(pdf(1)))
    action = DictionaryObject(
        {
            NameObject("/S"): NameObject("/Launch"),
            NameObject("/F"): TextStringObject("calc.exe"),
        }
    )
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    return _write(writer)


def pdf_with_embedded_file() -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(pdf(1)))
    writer.add_attachment("payload.exe", b"MZ\x90\x00 not really a program")
    return _write(writer)


def pdf_with_open_action_destination() -> bytes:
    """An /OpenAction that only opens page 1 at full width: common and harmless."""
    writer = PdfWriter(clone_from=io.BytesIO(pdf(1)))
    page = writer.pages[0].indirect_reference
    writer._root_object[NameObject("/OpenAction")] = ArrayObject([page, NameObject("/FitH")])
    return _write(writer)


def pdf_bomb(streams: int = 12, megabytes_each: int = 70) -> bytes:
    """A page whose contents are many flate streams of zeros: ~1 KB packed, GBs unpacked."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=200, height=200)
    packed = zlib.compress(b"\x00" * (megabytes_each * 1024 * 1024), 9)
    refs = []
    for _ in range(streams):
        stream = StreamObject()
        stream._data = packed
        stream[NameObject("/Filter")] = NameObject("/FlateDecode")
        stream[NameObject("/Length")] = NumberObject(len(packed))
        refs.append(writer._add_object(stream))
    page[NameObject("/Contents")] = ArrayObject(refs)
    return _write(writer)


def truncated_pdf() -> bytes:
    data = pdf(3)
    return data[: len(data) // 2]


def corrupt_pdf() -> bytes:
    """A PDF header and an ending, with garbage in between."""
    return b"%PDF-1.7\n" + bytes(range(256)) * 20 + b"\ntrailer\n<<>>\n%%EOF\n"


def text_named_pdf() -> bytes:
    return "これはPDFではありません。ただのテキストです。\n".encode() * 10


def png(width: int = 64, height: int = 48, *, gps: bool = False, fmt: str = "PNG") -> bytes:
    from PIL import Image

    image = Image.new("RGB", (width, height), (20, 120, 200))
    out = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "TestCam"  # Make
        exif.get_ifd(0x8825)[2] = (35.0, 41.0, 22.0)  # GPSLatitude
        exif.get_ifd(0x8825)[1] = "N"
        image.save(out, fmt, exif=exif)
    else:
        image.save(out, fmt)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels (a decompression bomb's
    first step): refused from the header, before any pixel is decoded."""
    import struct

    data = bytearray(png(4, 4))
    ihdr = data.index(b"IHDR")
    data[ihdr + 4 : ihdr + 12] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr : ihdr + 17])) & 0xFFFFFFFF
    data[ihdr + 17 : ihdr + 21] = struct.pack(">I", crc)
    return bytes(data)


def jpeg(width: int = 64, height: int = 48, *, gps: bool = False) -> bytes:
    return png(width, height, gps=gps, fmt="JPEG")


def xlsx(rows: list[list[object]] | None = None, *, sheet: str = "端末一覧") -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    for row in rows or [["端末名", "製造番号", "台数"], ["PC-01", "SN-1", 1], ["PC-02", "SN-2", 2]]:
        worksheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _rezip(data: bytes, *, add: dict[str, bytes] | None = None, patch=None) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if patch:
                content = patch(item.filename, content)
            target.writestr(item.filename, content)
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def xlsm() -> bytes:
    """An .xlsx with a VBA project and the macro content type, as Excel writes .xlsm."""

    def patch(name: str, content: bytes) -> bytes:
        if name == "[Content_Types].xml":
            return content.replace(
                b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
            )
        return content

    return _rezip(xlsx(), add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 fake vba"}, patch=patch)


def xlsx_zip_bomb(megabytes: int = 300) -> bytes:
    """A workbook with one member that unpacks to ``megabytes`` of spaces."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx())) as source:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for item in source.infolist():
                target.writestr(item.filename, source.read(item.filename))
            with target.open("xl/worksheets/sheet2.xml", "w", force_zip64=True) as handle:
                chunk = b" " * (1024 * 1024)
                for _ in range(megabytes):
                    handle.write(chunk)
    return out.getvalue()


def xlsx_with_entity() -> bytes:
    """Billion laughs in the shared strings part."""

    def patch(name: str, content: bytes) -> bytes:
        if name == "xl/workbook.xml":
            head, _, rest = content.partition(b"?>")
            return (
                head
                + b'?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
                + rest
            )
        return content

    return _rezip(xlsx(), patch=patch)


def ole_file() -> bytes:
    """The header of an OLE compound file: an old .xls or a password-protected workbook."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + b"\xff" * 512


def xlsx_with_password(password: str = "ブック-pw", *, data: bytes | None = None) -> bytes:
    """A password-protected workbook as Excel saves it: the .xlsx encrypted (ECMA-376 agile) in
    an OLE compound file, by msoffcrypto-tool."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data if data is not None else xlsx())).encrypt(password, out)
    return out.getvalue()
