"""Registering a 拠点: only the company's PSA, only in Japan, one name once per company."""

from __future__ import annotations

import pytest

from dsg.audit.models import AuditEvent
from dsg.audit.services import audit_verify
from dsg.core.errors import RuleViolation
from dsg.orgs.models import Site
from dsg.orgs.services import SITE_FIELDS, site_create

DATA = {
    "name": "市ヶ谷事業所",
    "postal_code": "162-8870",
    "prefecture": "13",
    "address": "新宿区市谷本村町5-1",
    "facility": "第2棟 3階 保護システム室",
}


def refused(actor, data) -> RuleViolation:
    before = (Site.objects.count(), AuditEvent.objects.count())
    with pytest.raises(RuleViolation) as refusal:
        site_create(actor=actor, data=data)
    assert (Site.objects.count(), AuditEvent.objects.count()) == before
    return refusal.value


@pytest.mark.django_db
def test_the_psa_registers_a_site_of_their_company(psa, company):
    site = site_create(actor=psa, data=DATA)
    assert site.company == company
    assert {name: getattr(site, name) for name in SITE_FIELDS} == DATA
    assert site.full_address == "〒162-8870 東京都新宿区市谷本村町5-1"
    event = AuditEvent.objects.order_by("-sequence").first()
    assert event.action == "site.create"
    assert (event.object_type, event.object_id) == ("orgs.site", str(site.pk))
    assert (event.actor_id, event.company_id) == (psa.pk, company.pk)
    assert event.after == DATA
    assert audit_verify().ok


@pytest.mark.django_db
def test_the_site_belongs_to_the_psas_company_whatever_the_data_says(psa, company, other_company):
    site = site_create(actor=psa, data={**DATA, "company": other_company})
    assert site.company == company


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["delegate", "user", "reviewer", "inspector", "provider_staff"])
def test_no_one_else_registers_a_site(everyone, key):
    refusal = refused(everyone[key], DATA)
    assert (refusal.status, refusal.code) == (403, "forbidden")


@pytest.mark.django_db
@pytest.mark.parametrize("prefecture", ["00", "48", "US", ""])
def test_a_site_outside_japan_is_refused(psa, prefecture):
    refusal = refused(psa, {**DATA, "prefecture": prefecture})
    assert (refusal.status, refusal.code, refusal.field) == (422, "invalid", "prefecture")


@pytest.mark.django_db
def test_a_site_outside_japan_is_told_why(psa):
    refusal = refused(psa, {**DATA, "prefecture": "US"})
    assert "Japan" in str(refusal.message) or "日本" in str(refusal.message)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [("postal_code", "162-887"), ("postal_code", "１６２-８８７"), ("name", ""), ("address", "")],
)
def test_other_invalid_site_data_is_refused(psa, field, value):
    refusal = refused(psa, {**DATA, field: value})
    assert (refusal.status, refusal.code, refusal.field) == (422, "invalid", field)


@pytest.mark.django_db
def test_a_postal_code_typed_in_full_width_is_stored_normalised(psa):
    site = site_create(actor=psa, data={**DATA, "postal_code": "〒１６２－８８７０"})
    assert site.postal_code == "162-8870"


@pytest.mark.django_db
def test_a_duplicate_site_name_in_the_company_is_refused_cleanly(psa, other_psa):
    site_create(actor=psa, data=DATA)
    refusal = refused(psa, {**DATA, "address": "新宿区市谷本村町5-2"})
    assert (refusal.status, refusal.code) == (422, "invalid")
    assert str(refusal.message)
    # Another company may use the same name.
    other = site_create(actor=other_psa, data=DATA)
    assert other.company_id == other_psa.organization_id
    assert Site.objects.filter(name=DATA["name"]).count() == 2
