"""``EquipmentRequest.get_kind_display`` / ``get_state_display`` look the label up (issue #14:
Django's generic ones translated every choice's label on each call, a third of the office's §5
queue panel); they say what Django's say, for every value and an unknown one, in Japanese and
in English."""

from __future__ import annotations

import pytest
from django.db import models
from django.utils import translation

from dsg.equipment.models import EquipmentRequest, RequestKind, RequestState


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize(("name", "choices"), [("kind", RequestKind), ("state", RequestState)])
def test_the_labels_are_djangos(language, name, choices):
    field = EquipmentRequest._meta.get_field(name)
    with translation.override(language):
        for value in [*choices.values, "no_such_value"]:
            request = EquipmentRequest(**{name: value})
            generic = models.Model._get_FIELD_display(request, field)  # type: ignore[attr-defined]
            shown = getattr(request, f"get_{name}_display")()
            assert shown == generic, value
            assert type(shown) is str
