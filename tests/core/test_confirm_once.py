"""Nothing irreversible by one click, held in one place (#12): ``core.views.confirm_action`` acts
only on a POST from its own page (the hidden ``confirmed`` every confirmation form carries); any
other POST — a one-click button elsewhere, a crafted request — draws the page (200) with what it
carried and changes nothing. And a service's refusal on a form (``core.forms.form_refused``):
beside its field when the form has it, else an error of the whole form, which the error summary
links to by the form's id."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.test import Client, RequestFactory
from django.utils import translation

from dsg.audit.models import AuditEvent
from dsg.core.errors import RuleViolation
from dsg.core.forms import ActionForm, ConfirmForm, error_summary, form_id, form_refused
from dsg.core.views import NOT_YET, Confirmation, confirm_action
from dsg.enrollment.models import State

from ..walk import new_case, walk_to

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def summary_links(html: str) -> list[str]:
    box = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert box, "no error summary"
    return re.findall(r'href="#([^"]+)"', box.group(0))


def ids_of(html: str) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', html))


# The confirmation page's own form ------------------------------------------------------------


def test_every_confirmation_form_carries_the_hidden_confirmed_field(psa):
    class Reason(forms.Form):  # a form of an app's own, without the field
        reason = forms.CharField()

    factory = RequestFactory()
    request = factory.get("/")
    request.user = psa
    confirmation = Confirmation(title="t", back="/", success="ok")
    for form in (None, Reason):
        page = confirm_action(request, confirmation, lambda _data: None, form=form)
        html = page.content.decode()
        assert page.status_code == 200
        assert html.count('name="confirmed"') == 1 and 'value="1"' in html
        assert 'id="confirm-form"' in html  # where a refusal of the whole form is linked
    assert ConfirmForm.base_fields["confirmed"].required


def _withdrawable(site, cast):
    return walk_to(new_case(site, cast), State.SUBMITTED, cast)


def test_a_post_without_confirmed_draws_the_page_and_changes_nothing(site, cast):
    case = _withdrawable(site, cast)
    psa = client_of(cast.psa)
    url = f"/enrollments/{case.pk}/withdraw/"
    events = AuditEvent.objects.count()
    response = psa.post(url, {"comment": "一度押しただけ"})
    html = response.content.decode()
    assert response.status_code == 200 and 'data-form="confirm"' in html
    assert "一度押しただけ" in html  # what it carried, to confirm on the page
    with translation.override("ja"):
        assert f'<p class="notice notice--warning">{NOT_YET}</p>' in html  # said why
    case.refresh_from_db()
    assert case.state == State.SUBMITTED and AuditEvent.objects.count() == events

    done = psa.post(url, {"comment": "確認して取下げ", "confirmed": "1"})
    assert done.status_code == 303
    case.refresh_from_db()
    assert case.state == State.WITHDRAWN


def test_a_disposal_is_not_confirmed_by_a_post_that_skipped_its_page(site, psa, reviewer):
    from dsg.registry.models import DisposalState

    from ..registry.disposal import record, terminal_at

    disposal = record(terminal_at(site, psa), psa)
    office = client_of(reviewer)
    url = f"/disposals/{disposal.pk}/confirm/"
    response = office.post(url)
    assert response.status_code == 200 and 'data-form="confirm"' in response.content.decode()
    disposal.refresh_from_db()
    assert disposal.state == DisposalState.RECORDED
    assert office.post(url, {"confirmed": "1"}).status_code == 303
    disposal.refresh_from_db()
    assert disposal.state == DisposalState.CONFIRMED


# A refusal on its form -----------------------------------------------------------------------


class _Dated(forms.Form):
    day = forms.DateField()


def _bound() -> _Dated:
    form = _Dated({"day": "2026-01-05"})
    assert form.is_valid()
    return form


def test_a_refusal_of_a_field_goes_beside_it_else_on_the_whole_form():
    beside = _bound()
    form_refused(beside, RuleViolation("後日です", code="x", field="day"))
    assert beside.errors == {"day": ["後日です"]}

    whole = _bound()
    whole.html_id = "dated-form"
    form_refused(whole, RuleViolation("受付期間外です", code="x", field="other"))
    assert whole.non_field_errors() == ["受付期間外です"]
    assert error_summary(whole) == [
        {"label": "", "message": "受付期間外です", "anchor": "dated-form"}
    ]

    other = _Dated(prefix="second")
    first = _bound()
    other_bound = _Dated({"second-day": "2026-01-05"}, prefix="second")
    form_refused(first, RuleViolation("別の欄", code="x", field="nothing"), other_bound)
    assert first.non_field_errors() == ["別の欄"]
    assert form_id(other) == "second-form"


@pytest.mark.parametrize("status", [403, 404])
def test_a_refusal_of_access_is_never_drawn_on_a_form(status):
    with pytest.raises(RuleViolation):
        form_refused(_bound(), RuleViolation("no", code="x", status=status))


def test_an_action_form_is_linked_by_its_id():
    form = ActionForm({}, html_id="open-case")
    form_refused(form, RuleViolation("開けません", code="x"))
    assert error_summary(form)[0]["anchor"] == "open-case"


# The pages' refusals of a whole form: an error summary linked to the form -------------------


def test_opening_a_second_case_is_refused_in_the_error_summary_linked_to_its_form(site, cast):
    case = new_case(site, cast)  # an open case: the site takes no second one
    psa = client_of(cast.psa)
    response = psa.post("/enrollments/new/", {"site_id": site.pk})
    html = response.content.decode()
    assert response.status_code == 422
    assert summary_links(html) == ["open-case"] and "open-case" in ids_of(html)
    assert 'id="open-case"' in html and "data-form-error" in html
    assert site.enrollments.count() == 1 and site.enrollments.get() == case


def test_opening_a_round_refused_is_in_the_error_summary_linked_to_its_form(site, cast):
    from dsg.inspections.models import Inspection

    case = walk_to(new_case(site, cast), State.SUBMITTED, cast)  # at ①: no round to open
    inspector = client_of(cast.inspector)
    response = inspector.post(f"/enrollments/{case.pk}/inspections/open/")
    html = response.content.decode()
    assert response.status_code == 422
    assert summary_links(html) == ["inspection-open"] and 'id="inspection-open"' in html
    assert "data-form-error" in html
    assert not Inspection.objects.filter(subject_id=case.pk).exists()


def test_a_step_refused_by_a_rule_is_linked_to_its_form_on_its_confirmation_page(site, cast):
    case = walk_to(new_case(site, cast), State.TERMINAL_SETUP, cast)  # no terminal passed yet
    psa = client_of(cast.psa)
    url = f"/enrollments/{case.pk}/request-final-inspection/"
    response = psa.post(url, {"comment": "", "confirmed": "1"})
    html = response.content.decode()
    assert response.status_code == 422
    assert summary_links(html) == ["confirm-form"] and 'id="confirm-form"' in html
    assert 'class="form-errors"' in html  # the rule, at the top of the page's form
    case.refresh_from_db()
    assert case.state == State.TERMINAL_SETUP
