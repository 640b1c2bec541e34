"""``core.forms.form_refused``, the one helper that puts a service's refusal on the form that asked
for it (#12): beside the refusal's field, else beside the form's ``default_field`` when the view
names one (an upload's file field), else on the whole form. The pages that use it:
tests/enrollment (the application's parts, uploads, workbook import, review comments) and
tests/equipment (the request's lines, the .xlsx form upload)."""

from __future__ import annotations

from django import forms

from dsg.core.errors import RuleViolation
from dsg.core.forms import form_refused


class _Upload(forms.Form):
    file = forms.CharField()
    password = forms.CharField(required=False)


def _bound() -> _Upload:
    form = _Upload({"file": "a.xlsx", "password": ""})
    assert form.is_valid()
    return form


def test_a_refusal_naming_a_field_of_the_form_goes_beside_it_whatever_the_default():
    form = _bound()
    form_refused(
        form,
        RuleViolation("パスワードが違います", code="x", field="password"),
        default_field="file",
    )
    assert form.errors == {"password": ["パスワードが違います"]}


def test_a_refusal_naming_no_field_of_the_form_goes_beside_the_default_field():
    for field in (None, "company_name"):  # none, or a cell of the workbook
        form = _bound()
        form_refused(
            form, RuleViolation("シート1 の 3 行目", code="x", field=field), default_field="file"
        )
        assert form.errors == {"file": ["シート1 の 3 行目"]}


def test_without_a_default_field_or_with_an_unknown_one_the_whole_form_is_refused():
    for default in (None, "missing"):
        form = _bound()
        form_refused(form, RuleViolation("大きすぎます", code="x"), default_field=default)
        assert form.non_field_errors() == ["大きすぎます"]
