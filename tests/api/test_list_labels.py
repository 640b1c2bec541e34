"""The case list's rows say each state's label in the reader's language: the label is
translated once per language and state, not per row (enrollment.api._state_label, issue #14)."""

from __future__ import annotations

import datetime as dt

from django.utils import translation

from dsg.enrollment.api import _enrollment_row
from dsg.enrollment.models import State


def test_a_rows_state_label_is_in_the_active_language():
    row = {"id": 7, "state": State.SUBMITTED, "created_at": dt.datetime(2026, 4, 1, tzinfo=dt.UTC)}
    labels = {}
    for language in ("ja", "en", "ja"):
        with translation.override(language):
            labels[language] = _enrollment_row(dict(row))["state_label"]
            assert labels[language] == str(State.SUBMITTED.label)
    assert labels["ja"] != labels["en"] and "審査中" in labels["ja"]
