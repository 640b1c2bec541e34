"""Documents on local disk (the default) or on S3-compatible storage, chosen by setting.

The S3 half runs django-storages' S3Storage against moto's in-process S3 (no network): a document
is stored and read back through the same services as on disk, the bucket holds only ciphertext, a
rolled-back upload leaves no object, the integrity check and /readyz work on the bucket.
"""

from __future__ import annotations

import ast
from pathlib import Path

import boto3
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import storages
from django.db import transaction
from django.test import Client
from moto import mock_aws

from dsg.core.storage import LOCAL_BACKEND, S3_BACKEND, documents_storage
from dsg.documents import integrity, services, storage

from . import files

BUCKET = "dsg-documents"
S3_ENV = {
    "DSG_DOCUMENT_STORAGE": "s3",
    "DSG_S3_BUCKET": BUCKET,
    "DSG_S3_REGION": "ap-northeast-1",
    "DSG_S3_ACCESS_KEY_ID": "testing",
    "DSG_S3_SECRET_ACCESS_KEY": "testing",
    "DSG_S3_PREFIX": "portal/documents",
}


def test_local_disk_is_the_default_and_s3_is_chosen_by_setting():
    assert documents_storage({}) == {"BACKEND": LOCAL_BACKEND}
    assert documents_storage({"DSG_DOCUMENT_STORAGE": "local"}) == {"BACKEND": LOCAL_BACKEND}
    s3 = documents_storage({**S3_ENV, "DSG_S3_ENDPOINT_URL": "https://s3.example.internal"})
    assert s3["BACKEND"] == S3_BACKEND
    assert s3["OPTIONS"] == {
        "bucket_name": BUCKET,
        "location": "portal/documents",
        "default_acl": None,
        "file_overwrite": False,
        "querystring_auth": True,
        "endpoint_url": "https://s3.example.internal",
        "region_name": "ap-northeast-1",
        "access_key": "testing",
        "secret_key": "testing",
    }
    with pytest.raises(ImproperlyConfigured, match="DSG_S3_BUCKET"):
        documents_storage({"DSG_DOCUMENT_STORAGE": "s3"})
    with pytest.raises(ImproperlyConfigured, match="local or s3"):
        documents_storage({"DSG_DOCUMENT_STORAGE": "ftp"})


def test_the_settings_name_the_documents_storage(settings):
    assert settings.STORAGES["documents"]["BACKEND"] == LOCAL_BACKEND
    assert type(storages["documents"]).__module__ + "." + type(storages["documents"]).__name__ == (
        LOCAL_BACKEND
    )


PATH_METHODS = {"read_bytes", "write_bytes", "read_text", "write_text", "iterdir", "unlink"}
OS_FUNCTIONS = {"open", "replace", "remove", "unlink", "fsync", "scandir", "listdir", "rename"}


def test_the_documents_app_touches_files_only_through_the_storage():
    """No module of dsg.documents opens, lists or removes a file itself (pathlib, os, open)."""
    found = []
    for module in sorted(Path(storage.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func, where = node.func, f"{module.name}:{node.lineno}"
            if isinstance(func, ast.Name) and func.id == "open":
                found.append(f"{where} open()")
            elif isinstance(func, ast.Attribute) and func.attr in PATH_METHODS:
                found.append(f"{where} .{func.attr}()")
            elif (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id in {"os", "shutil"}
                and func.attr in OS_FUNCTIONS
            ):
                found.append(f"{where} {func.value.id}.{func.attr}()")
    assert not found, found


@pytest.fixture
def s3(settings):
    with mock_aws():
        client = boto3.client("s3", region_name="ap-northeast-1")
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "ap-northeast-1"}
        )
        settings.STORAGES = {**settings.STORAGES, "documents": documents_storage(S3_ENV)}
        yield client


def objects(client) -> dict[str, bytes]:
    listed = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return {o["Key"]: client.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read() for o in listed}


def test_a_document_is_stored_in_the_bucket_encrypted_and_read_back(s3, case, psa, reviewer):
    data = files.pdf(1, text="Layout of the handling facility")
    document = services.document_store(
        actor=psa,
        company=case.site.company,
        subject=case,
        kind="application",
        filename="申請書.pdf",
        data=data,
    )
    stored = objects(s3)
    assert list(stored) == [f"portal/documents/{document.storage_key}"]
    blob = stored[f"portal/documents/{document.storage_key}"]
    assert blob.startswith(storage.MAGIC) and b"Layout" not in blob and b"%PDF" not in blob
    assert services.document_read(document=document, actor=reviewer) == data
    assert storage.stored_files() == {document.storage_key}
    assert integrity.documents_verify().ok
    s3.delete_object(Bucket=BUCKET, Key=f"portal/documents/{document.storage_key}")
    report = integrity.documents_verify()
    assert report.broken == [(document.pk, "the file is missing")]


def test_a_rolled_back_upload_leaves_no_object_in_the_bucket(s3, case, psa):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.document_store(
            actor=psa,
            company=case.site.company,
            subject=case,
            kind="application",
            filename="申請書.pdf",
            data=files.pdf(1),
        )
        assert len(objects(s3)) == 1  # written inside the transaction
        raise RuntimeError("the change failed after the file was written")
    assert objects(s3) == {}


@pytest.mark.django_db
def test_readyz_writes_its_probe_to_the_bucket_and_removes_it(s3):
    response = Client().get("/readyz")
    assert response.status_code == 200 and response.json()["storage"] == "ok"
    assert objects(s3) == {}
