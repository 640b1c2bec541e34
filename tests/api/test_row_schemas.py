"""The lists' row schemas (issue #14: a list serialises ``.values()`` rows, not model instances
through resolvers) are made from their detail's schema: the same fields, types and descriptions
in the same order, so a field added to one is in the other."""

from __future__ import annotations

import datetime as dt

import pytest

from dsg.enrollment.api import EnrollmentOut, EnrollmentRow
from dsg.equipment.api import EquipmentRequestOut, EquipmentRequestRow
from dsg.orgs.api import SiteOut, SiteRow
from dsg.requests.api import ChangeOut, ChangeRow


@pytest.mark.parametrize(
    ("row", "out"),
    [
        (EnrollmentRow, EnrollmentOut),
        (EquipmentRequestRow, EquipmentRequestOut),
        (SiteRow, SiteOut),
        (ChangeRow, ChangeOut),
    ],
)
def test_a_row_has_the_fields_of_its_detail(row, out):
    assert list(row.model_fields) == list(out.model_fields)
    for name, field in out.model_fields.items():
        assert row.model_fields[name].annotation == field.annotation, name
        assert row.model_fields[name].description == field.description, name
    assert row.__name__.endswith("Row") and row.__doc__


def test_a_row_is_completed_from_its_values():
    change = ChangeRow.model_validate(
        {
            "id": 7,
            "site_id": 1,
            "company_id": 2,
            "kind_code": "site_name",
            "state": "draft",
            "receipt_number": "",
            "created_at": dt.datetime(2026, 4, 1, tzinfo=dt.UTC),
            "state_changed_at": dt.datetime(2026, 4, 1, tzinfo=dt.UTC),
            "applied_at": None,
        }
    )
    assert change.number == "CHG-2026-00007" and change.kind == "site_name"
    assert change.state_label
