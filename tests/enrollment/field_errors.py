"""What a form sent back in error must show (#12, GOV.UK's pattern): the page again (422), the
error beside its field — inside the form that was sent, right after the field's label — and the
error summary at the top linking to the field; nothing changed (no ledger event)."""

from __future__ import annotations

import re

from dsg.audit.models import AuditEvent


def form_html(page: str, data_form: str, *, attr: str = "data-form") -> str:
    """The ``<form … data-form="…">`` of the page that holds an error (or the first one)."""
    forms = re.findall(
        r"<form\b[^>]*" + attr + '="' + re.escape(data_form) + r'"[^>]*>.*?</form>', page, re.S
    )
    assert forms, f"no form {data_form!r} on the page"
    with_error = [f for f in forms if "field__error" in f]
    return with_error[0] if with_error else forms[0]


def assert_error_beside(
    response, *, data_form: str, field_id: str, message: str = "", attr: str = "data-form"
) -> str:
    """The answer drew the page again with the error beside ``field_id`` in ``data_form`` and
    linked from the summary; returns the page."""
    assert response.status_code == 422, response.status_code
    page = response.content.decode()
    summary = re.search(r"<div class=\"error-summary\".*?</div>", page, re.S)
    assert summary, "no error summary"
    assert f'href="#{field_id}"' in summary.group(0), summary.group(0)
    form = form_html(page, data_form, attr=attr)
    assert f'id="{field_id}"' in form, f"the field {field_id} is not in the form"
    assert f'id="{field_id}_error"' in form, f"no error beside {field_id}"
    if message:
        assert message in form
    assert_described_by_exists(page)
    return page


def assert_described_by_exists(page: str) -> None:
    """Every ``aria-describedby`` names elements of the page: a screen reader reads the error
    (and the help) with the input only when the ids match (Django names them ``<id>_error`` and
    ``<id>_helptext``)."""
    ids = set(re.findall(r'\bid="([^"]+)"', page))
    for names in re.findall(r'aria-describedby="([^"]*)"', page):
        missing = [name for name in names.split() if name not in ids]
        assert not missing, f"aria-describedby names no element: {missing}"


class Unchanged:
    """``with Unchanged(): post…``: no ledger event was written (every change writes one)."""

    def __enter__(self) -> Unchanged:
        self.before = AuditEvent.objects.count()
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            assert AuditEvent.objects.count() == self.before, "something was changed"
