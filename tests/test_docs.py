"""Docs are checked: every state and transition of the procedure is documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsg.enrollment.models import Enrollment, State

ROOT = Path(__file__).resolve().parent.parent
PROCEDURE = ROOT / "docs" / "procedure.md"
TRANSITIONS = sorted(
    {t.name for t in Enrollment._meta.get_field("state").get_all_transitions(Enrollment)}
)


@pytest.mark.parametrize("state", State.values)
def test_every_state_is_documented(state):
    assert f"`{state}`" in PROCEDURE.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", TRANSITIONS)
def test_every_transition_is_documented(name):
    assert f"`{name}`" in PROCEDURE.read_text(encoding="utf-8")


@pytest.mark.parametrize("role_doc", ["company.md", "office.md", "provider.md"])
def test_each_role_has_a_workflow_page(role_doc):
    assert (ROOT / "docs" / "workflows" / role_doc).stat().st_size > 500
