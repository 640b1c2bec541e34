"""Uploads are refused by size while they stream: nothing past the limit is spooled to /tmp.

Real multipart bodies larger than the limit, through Django's parser with the portal's handlers,
through the test client (API and pages) and as real HTTP requests to a live server.
"""

from __future__ import annotations

import gc
import http.client
import json
import uuid
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.test import Client, RequestFactory

from dsg.core.uploads import CappedUploadHandler, RefusedUpload, UploadTooLarge
from dsg.documents.models import Document
from dsg.orgs.services import api_token_create
from tests.walk import new_case

LIMIT = 64 * 1024
API = "/api/v1"


@pytest.fixture(autouse=True)
def _small_limits(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.DSG_MAX_UPLOAD_BYTES = LIMIT
    settings.DSG_MAX_REQUEST_BYTES = 8 * LIMIT
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # every file goes to a temporary file
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "spool")
    (tmp_path / "spool").mkdir()
    return tmp_path / "spool"


def pdf_of(size: int) -> bytes:
    """A body that starts like a PDF, ``size`` bytes long."""
    return (b"%PDF-1.7\n%" + b"x" * size)[:size]


class SpoolSpy(TemporaryFileUploadHandler):
    """Django's temporary-file handler, counting the bytes it spools."""

    spooled: list[int] = []

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        SpoolSpy.spooled.append(0)

    def receive_data_chunk(self, raw_data, start):
        SpoolSpy.spooled[-1] += len(raw_data)
        return super().receive_data_chunk(raw_data, start)


def parse(*files: tuple[str, bytes]):
    request = RequestFactory().post(
        "/x/", {name: SimpleUploadedFile(f"{name}.pdf", data) for name, data in files}
    )
    request.upload_handlers = [CappedUploadHandler(request), SpoolSpy(request)]
    SpoolSpy.spooled = []
    return request.FILES, request.POST


def test_a_file_past_the_limit_is_cut_off_while_it_streams(_small_limits):
    big, small = pdf_of(10 * LIMIT), pdf_of(LIMIT)  # 640 KiB and exactly the limit
    uploaded, _post = parse(("big", big), ("small", small))
    refused = uploaded["big"]
    assert isinstance(refused, RefusedUpload)
    assert refused.name == "big.pdf" and refused.size > LIMIT
    assert max(SpoolSpy.spooled) <= LIMIT  # nothing past the limit reached the spool
    with pytest.raises(UploadTooLarge):
        refused.read()
    with pytest.raises(UploadTooLarge):
        list(refused.chunks())
    assert uploaded["small"].read() == small  # a file at the limit passes whole
    uploaded["small"].close()
    del uploaded, refused
    gc.collect()  # the request and its handlers refer to each other
    assert [p.name for p in _small_limits.iterdir()] == []  # what was spooled is gone


@pytest.mark.django_db
def test_the_api_answers_json_and_stores_nothing(site, cast, psa):
    case = new_case(site, cast, complete=False)
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(psa)
    response = client.post(
        f"{API}/enrollments/{case.pk}/documents",
        {"kind": "layout", "file": SimpleUploadedFile("layout.pdf", pdf_of(5 * LIMIT))},
    )
    assert response.status_code == 422
    assert response.json()["code"] == "file_too_large"
    assert "too large" in response.json()["detail"]
    assert not Document.objects.exists()
    # An endpoint that reads the file without checking its size first gets the same refusal.
    verify = client.post(
        f"{API}/notices/verify", {"file": SimpleUploadedFile("n.pdf", b"x" * 2 * LIMIT)}
    )
    assert (verify.status_code, verify.json()["code"]) == (422, "file_too_large")


@pytest.mark.django_db
def test_a_page_shows_the_refusal_on_its_form(site, cast, psa):
    case = new_case(site, cast, complete=False)
    client = Client()
    client.force_login(psa)
    client.cookies["django_language"] = "en"
    page = f"/enrollments/{case.pk}/documents/"
    response = client.post(
        page,
        {"kind": "layout", "file": SimpleUploadedFile("layout.pdf", pdf_of(5 * LIMIT))},
        headers={"Referer": f"http://testserver{page}"},
    )
    assert response.status_code == 303
    assert "too large" in client.get(response["Location"]).content.decode()
    assert not Document.objects.exists()
    # A page that reads the file without a size check: back to the form, with the message.
    verify = client.post(
        "/notices/verify/",
        {"file": SimpleUploadedFile("n.pdf", b"x" * 2 * LIMIT)},
        headers={"Referer": "http://testserver/notices/verify/"},
    )
    assert verify.status_code == 303
    assert "too large" in client.get(verify["Location"]).content.decode()


@pytest.mark.django_db
def test_a_body_declared_past_the_request_limit_is_refused_unread(psa):
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(psa)
    client.cookies["django_language"] = "en"  # the pages' language

    def body():
        return {"file": SimpleUploadedFile("n.pdf", b"x" * 10 * LIMIT)}

    api = client.post(f"{API}/notices/verify", body())
    assert api.status_code == 413
    assert api.json()["code"] == "request_too_large" and "too large" in api.json()["detail"]
    page = client.post("/notices/verify/", body())
    assert page.status_code == 413 and "too large" in page.content.decode()


def _multipart(field: str, filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"'
        "\r\nContent-Type: application/pdf\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), boundary


@pytest.mark.django_db(transaction=True)
def test_a_live_request_is_refused_while_it_streams(live_server, psa, _small_limits):
    token = api_token_create(actor=psa, name="upload test")
    host = urlsplit(live_server.url)
    body, boundary = _multipart("file", "notice.pdf", pdf_of(6 * LIMIT))
    connection = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
    connection.request(
        "POST",
        f"{API}/notices/verify",
        body=body,
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Accept-Language": "en",
        },
    )
    response = connection.getresponse()
    answer = json.loads(response.read())
    assert (response.status, answer["code"]) == (422, "file_too_large")
    assert list(_small_limits.iterdir()) == []
    connection.close()

    # Declared past the request limit: answered before the body is sent at all.
    connection = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
    connection.putrequest("POST", f"{API}/notices/verify")
    for name, value in {
        "Authorization": f"Bearer {token}",
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Content-Length": str(100 * 1024 * 1024),
    }.items():
        connection.putheader(name, value)
    connection.endheaders()  # not one byte of the 100 MB body follows
    response = connection.getresponse()
    assert response.status == 413
    assert json.loads(response.read())["code"] == "request_too_large"
    connection.close()
