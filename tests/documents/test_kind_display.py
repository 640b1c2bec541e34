"""``Document.get_kind_display`` looks the kind's label up (issue #14: Django's generic one
translated every choice's label on each call, a third of the office's storage reports' rows); it
says what Django's says, for every kind and an unknown one, in Japanese and in English."""

from __future__ import annotations

import pytest
from django.db import models
from django.utils import translation

from dsg.documents.models import Document, DocumentKind


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_kinds_label_is_djangos(language):
    field = Document._meta.get_field("kind")
    with translation.override(language):
        for kind in [*DocumentKind.values, "no_such_kind"]:
            document = Document(kind=kind)
            generic = models.Model._get_FIELD_display(document, field)  # type: ignore[attr-defined]
            assert document.get_kind_display() == generic, kind
            assert type(document.get_kind_display()) is str
    with translation.override("ja"):
        assert Document(kind="layout").get_kind_display() != "Layout diagram (レイアウト図)"
