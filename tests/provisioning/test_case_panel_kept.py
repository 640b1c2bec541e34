"""The case page's ③–⑥ panel read by queries kept compiled (provisioning.selectors.case_panel_for,
issue #14): once per person and the case's content type, the case's and its site's ids
parameters. For every role and case it answers what the selectors built anew answer — the
survey, ancillary work, dates, shipments, terminals, holders with their deliveries and tests,
what each terminal lacks, the account sheet, whom the PSA may add — also after the data changed;
it never answers of a case the person does not see, whatever id it is run with; building it
reads no row; and the case page it draws is the page the panel drew before, when every query
was built and every form made on each request."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext

from dsg.core.errors import NotVisible
from dsg.enrollment.models import Enrollment, State
from dsg.enrollment.selectors import enrollment_get_for
from dsg.orgs import permissions
from dsg.orgs.models import Role, User
from dsg.provisioning import selectors, services, views
from dsg.provisioning import services as prov
from dsg.provisioning.forms import (
    AccountHolderForm,
    AncillaryWorkForm,
    AppointmentForm,
    ConnectionTestForm,
    DoneForm,
    IssuedForm,
    OtherDateForm,
    ReceivedForm,
    ReissueForm,
    RouterForm,
    ShipmentForm,
    SurveyForm,
    TerminalForm,
    VeinForm,
)

from ..appointments.dates import business_day_at
from ..factories import SiteFactory, UserFactory
from ..kept_builds import Builds
from ..walk import new_case, setup_terminal_passed, today, walk_to

pytestmark = pytest.mark.django_db


def plain_panel(*, user: User, enrollment: Enrollment, sheet: bool, people: bool):
    """The panel as the selectors read it, built anew (as provisioning_context read it before)."""
    at_six = enrollment.step >= 6
    terminals = list(selectors.terminals_of(enrollment)) if at_six else []
    return selectors.CasePanel(
        provisioning=getattr(enrollment, "provisioning", None),
        ancillary_works=list(enrollment.ancillary_works.all()),
        appointments=list(selectors.appointments_of(user=user, enrollment=enrollment)),
        shipments=list(selectors.shipments_of(enrollment)),
        terminals=terminals,
        holder_rows=selectors.holder_progress(user=user, enrollment=enrollment) if at_six else [],
        readiness=selectors.terminal_readiness_for(
            user=user, enrollment=enrollment, terminals=terminals
        )
        if at_six
        else [],
        sheet=selectors.account_sheet_for(user=user, enrollment=enrollment) if sheet else None,
        people=[
            (p.pk, str(p))
            for p in User.objects.filter(
                organization_id=enrollment.site.company_id, role__in=(Role.PSA, Role.DELEGATE)
            )
        ]
        if people
        else [],
    )


def row(obj: Any, only: tuple[str, ...] = ()) -> Any:
    """A model instance as what it holds: its columns and annotations (not ``named``, the kept
    read's own), and the related objects it was read with, alike (``only`` those named; never
    its case: a related manager sets it on what it reads, a kept query reads by the case's id)."""
    if not isinstance(obj, Model):
        return obj
    values = {k: v for k, v in vars(obj).items() if not k.startswith("_") and k != "named"}
    cached = obj._state.fields_cache.items()
    related = {
        name: row(value)
        for name, value in cached
        if name != "enrollment" and (not only or name in only)
    }
    return (type(obj).__name__, values, related)


def seen(panel) -> dict[str, Any]:
    return {
        "provisioning": row(panel.provisioning),
        "ancillary_works": [row(w) for w in panel.ancillary_works],
        "appointments": [row(a) for a in panel.appointments],
        "shipments": [row(s) for s in panel.shipments],
        "terminals": [row(t) for t in panel.terminals],
        "holder_rows": [
            (row(r.holder), row(r.delivery), r.tested_on, r.step) for r in panel.holder_rows
        ],
        "readiness": [
            (row(r.terminal), row(r.holder, only=("person",)), r.lacks, r.ready)
            for r in panel.readiness
        ],
        "sheet": panel.sheet,
        "people": panel.people,
    }


def related_kept(panel) -> None:
    """What the kept rows were read with: each relation the template follows, without a query."""
    with CaptureQueriesContext(connection) as queries:
        for a in panel.appointments:
            _ = (a.person, a.proposed_by, a.confirmed_by)
        for s in panel.shipments:
            _ = (s.shipped_by, s.received_by)
        for r in panel.holder_rows:
            _ = (r.holder.person, r.holder.added_by, r.delivery and r.delivery.opened_by)
            _ = r.delivery and r.delivery.holder.person
    assert queries.captured_queries == []


@pytest.fixture
def scene(company, other_company, other_psa, cast):
    """Our company's cases: a draft, one at ③ with ancillary work and dates (one to move), one
    at ⑥ with shipments, terminals, an added holder, deliveries opened and waiting, a passed
    test and a vein date, one at ⑦; another company's at ⑥ with its own of each."""
    draft = new_case(SiteFactory(company=company), cast)
    survey = walk_to(new_case(SiteFactory(company=company), cast), State.SURVEY, cast)
    work = prov.ancillary_work_add(enrollment=survey, actor=cast.staff, description="配管<工事>")
    prov.ancillary_work_add(enrollment=survey, actor=cast.staff, description="電源")
    prov.ancillary_work_mark_done(work=work, actor=cast.psa, done_on=today())
    moved = prov.appointment_propose(
        enrollment=survey, actor=cast.staff, purpose="survey", starts_at=business_day_at(3)
    )
    prov.appointment_request_other_date(appointment=moved, actor=cast.psa, message="別日で")
    prov.appointment_propose(
        enrollment=survey, actor=cast.staff, purpose="survey", starts_at=business_day_at(5)
    )
    setup = walk_to(new_case(SiteFactory(company=company), cast), State.TERMINAL_SETUP, cast)
    furnish_setup(setup, cast)
    final = walk_to(new_case(SiteFactory(company=company), cast), State.FINAL_INSPECTION, cast)
    theirs_cast = dataclasses.replace(
        cast,
        psa=other_psa,
        delegate=UserFactory(organization=other_company, role=Role.DELEGATE),
    )
    theirs = walk_to(
        new_case(SiteFactory(company=other_company), theirs_cast),
        State.TERMINAL_SETUP,
        theirs_cast,
    )
    furnish_setup(theirs, theirs_cast)
    return {"draft": draft, "survey": survey, "setup": setup, "final": final, "theirs": theirs}


def furnish_setup(case: Enrollment, cast) -> None:
    shipment = prov.media_ship(
        enrollment=case,
        actor=cast.staff,
        carrier="ヤマト運輸",
        tracking_number=f"T-{case.pk}-1",
        shipped_on=today(),
    )
    prov.media_receive(shipment=shipment, actor=cast.psa, received_on=today())
    prov.media_ship(
        enrollment=case,
        actor=cast.staff,
        carrier="佐川急便",
        tracking_number=f"T-{case.pk}-2",
        shipped_on=today(),
    )
    setup_terminal_passed(case, cast, name="PC-01")
    prov.terminal_register(
        enrollment=case, actor=cast.psa, name="PC-02", model_name="指定端末", serial_number="SN-2"
    )
    added = prov.account_holder_add(
        enrollment=case,
        actor=cast.psa,
        name="追加 花子",
        email=f"hanako{case.pk}@test.example.jp",
        reason="申請書に記載のない担当者",
    )
    prov.account_issue(holder=added, actor=cast.staff, issued_on=today())
    prov.account_delivery_create(holder=added, actor=cast.staff, username="u2", password="Pw-2")
    first = case.account_holders.order_by("pk").first()
    prov.appointment_propose(
        enrollment=case,
        actor=cast.staff,
        purpose="vein_registration",
        starts_at=business_day_at(2),
        holder=first,
        vein_method="remote",
    )


def visible(user: User, case: Enrollment) -> Enrollment | None:
    try:
        return enrollment_get_for(user=user, pk=case.pk)
    except NotVisible:
        return None


def both(user: User, case: Enrollment):
    may_sheet = permissions.may(user, "account_sheet.view", case)
    may_add = permissions.may(user, "account_holder.add", case)
    kept = selectors.case_panel_for(user=user, enrollment=case, sheet=may_sheet, people=may_add)
    anew = plain_panel(user=user, enrollment=case, sheet=may_sheet, people=may_add)
    return kept, anew


def answers_as_built_anew(everyone, scene) -> int:
    """Every person's kept panel of every case they see against the one built anew; how many
    panels had rows of ⑥."""
    holders = 0
    for who, user in everyone.items():
        for name, case in scene.items():
            shown = visible(user, case)
            if shown is None:
                continue
            kept, anew = both(user, shown)
            assert seen(kept) == seen(anew), (who, name)
            related_kept(kept)
            holders += bool(kept.holder_rows)
    return holders


def test_the_kept_panel_answers_as_the_selectors_for_every_role(scene, everyone, cast):
    selectors._PANEL.clear()
    for _round in range(2):  # built, then kept
        assert answers_as_built_anew(everyone, scene) > 0
    setup = visible(cast.psa, scene["setup"])
    kept, _anew = both(cast.psa, setup)
    assert len(kept.holder_rows) >= 2 and len(kept.terminals) == 2 and len(kept.shipments) == 2
    assert [r.step for r in kept.holder_rows][:1] == ["tested"]
    assert {r.delivery.state for r in kept.holder_rows} >= {"opened", "waiting"}
    assert kept.sheet.version and kept.people
    assert any(a.holder_name for a in kept.appointments)  # the vein date names its holder
    user_panel, _anew = both(everyone["user"], setup)
    assert user_panel.holder_rows == [] and len(user_panel.readiness) == 2
    assert all(r.holder is None for r in user_panel.readiness)  # a 利用者 reads no holder
    # The data change: the next call of the kept queries reads it.
    compiled = len(selectors._PANEL._items)
    survey = scene["survey"]
    prov.ancillary_work_add(enrollment=survey, actor=cast.staff, description="追加の配管")
    [moved] = [a for a in kept_appointments(cast.staff, survey) if a.state == "proposed"][:1]
    prov.appointment_confirm(appointment=moved, actor=cast.psa)
    prov.survey_record(enrollment=survey, actor=cast.staff, surveyed_on=today(), route_notes="北")
    open_ship = setup.media_shipments.get(received_on__isnull=True)
    prov.media_receive(shipment=open_ship, actor=cast.psa, received_on=today())
    second = setup.account_holders.order_by("-pk").first()
    _delivery, token = prov.account_delivery_create(
        holder=second, actor=cast.staff, username="u3", password="Pw-3"
    )
    prov.account_delivery_open(token=token, actor=cast.psa)
    prov.account_holder_add(
        enrollment=setup,
        actor=cast.psa,
        person_id=cast.delegate.pk,
        reason="もう一人",
    )
    assert answers_as_built_anew(everyone, scene) > 0
    assert len(selectors._PANEL._items) == compiled  # the same kept queries, new rows
    after = selectors.case_panel_for(
        user=cast.reviewer, enrollment=visible(cast.reviewer, survey), sheet=True, people=False
    )
    assert [w.description for w in after.ancillary_works][-1] == "追加の配管"
    assert after.provisioning.route_notes == "北"
    # the date confirmed, then done by the survey's record (a record closes its date)
    assert {a.state for a in after.appointments} == {"done", "other_date_requested"}


def kept_appointments(user: User, case: Enrollment):
    return selectors.case_panel_for(
        user=user, enrollment=visible(user, case), sheet=False, people=False
    ).appointments


def test_no_kept_read_answers_of_a_case_the_person_does_not_see(scene, everyone):
    """Run with the id of a case they do not see (another company's, or one not yet the
    provider's), each kept read answers nothing: the tenancy is in its SQL, not in the page."""
    nothing = {
        "provisioning": None,
        "ancillary_works": [],
        "appointments": [],
        "shipments": [],
        "terminals": [],
        "holder_rows": [],
        "readiness": [],
        "sheet": selectors.sheet_of(None),
        "people": [],
    }
    unseen = 0
    for who, user in everyone.items():
        for name, case in scene.items():
            if visible(user, case) is not None:
                continue
            panel = selectors.case_panel_for(user=user, enrollment=case, sheet=True, people=True)
            assert seen(panel) == nothing, (who, name)
            unseen += 1
    assert unseen >= 6  # every company member on another company's case, the provider on a draft


def test_building_the_panel_reads_no_row(scene, everyone, monkeypatch):
    builds = Builds()
    for user in everyone.values():
        user.organization  # noqa: B018  # read with the person
    monkeypatch.setattr(selectors, "_PANEL", builds.cache())
    for user in everyone.values():
        for case in scene.values():
            selectors.case_panel_for(user=user, enrollment=case, sheet=True, people=True)
    assert builds.firsts() == {
        "provisioning",
        "shipments",
        "ancillary_works",
        "appointments",
        "terminals",
        "holders",
        "deliveries",
        "passed_tests",
        "accepted_version",
        "people",
    }


# The case page before the panel was kept: every query built and every form made on each request.
def provisioning_context_before(*, user: User, enrollment: Enrollment) -> dict[str, Any]:
    may_add = permissions.may(user, "account_holder.add", enrollment)
    may = {
        action.replace(".", "_"): permissions.may(user, action, enrollment)
        for action in views.PANEL_ACTIONS
    }
    panel = plain_panel(
        user=user, enrollment=enrollment, sheet=may["account_sheet_view"], people=may_add
    )
    holders = [r.holder for r in panel.holder_rows]
    provisioning = getattr(enrollment, "provisioning", None)
    return {
        "sheet": panel.sheet,
        "provisioning": provisioning,
        "ancillary_works": enrollment.ancillary_works.all(),
        "terminals": panel.terminals,
        "holders": holders,
        "holder_rows": panel.holder_rows,
        "ready_holders": [h for h in holders if h.ready_for_connection_test],
        "appointments": panel.appointments,
        "shipments": panel.shipments,
        "readiness": panel.readiness,
        "may": may,
        "in_survey": enrollment.state == State.SURVEY,
        "in_setup": enrollment.state == State.TERMINAL_SETUP,
        "in_provisioning": enrollment.state in services.PROVISIONING_STATES,
        "media_open": enrollment.state in services.MEDIA_STATES,
        "router_open": enrollment.state == State.TERMINAL_SETUP,
        "survey_form": SurveyForm(),
        "ancillary_form": AncillaryWorkForm(),
        "done_form": DoneForm(),
        "terminal_form": TerminalForm(),
        "holder_form": AccountHolderForm(people=panel.people) if may_add else None,
        "reissue_form": ReissueForm(),
        "issued_form": IssuedForm(),
        "vein_form": VeinForm(),
        "test_form": ConnectionTestForm(
            holders=[(h.pk, h.name) for h in holders if h.ready_for_connection_test]
        ),
        "appointment_form": AppointmentForm(
            holders=[(h.pk, h.name) for h in holders if h.account_received],
            purposes=[
                p for p, states in services.PROPOSE_STATES.items() if enrollment.state in states
            ],
        ),
        "other_date_form": OtherDateForm(),
        "router_form": RouterForm(
            initial={"router_model": provisioning and provisioning.router_model}
        ),
        "shipment_form": ShipmentForm(),
        "received_form": ReceivedForm(),
    }


def page(client, user: User, case: Enrollment, language: str) -> tuple[int, str]:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(f"/enrollments/{case.pk}/", HTTP_ACCEPT_LANGUAGE=language)
    body = re.sub(
        r'(csrfmiddlewaretoken" value=|nonce=)"[^"]*"', r'\1"-"', response.content.decode()
    )
    return response.status_code, body


def test_the_case_page_is_the_page_drawn_before_for_every_role(
    client, scene, everyone, monkeypatch
):
    """The panel kept and its forms made only where drawn: the same bytes as the panel built anew
    with every form, for every role and case (some 404 before and after), English too."""
    for language in ("ja", "en"):
        for who, user in everyone.items():
            for name, case in scene.items():
                kept = page(client, user, case, language)
                with monkeypatch.context() as before:
                    before.setattr(views, "provisioning_context", provisioning_context_before)
                    assert page(client, user, case, language) == kept, (who, name, language)
                if kept[0] == 200 and case.step >= 3:
                    assert 'id="provisioning"' in kept[1], (who, name)
    assert "Line, router and terminals" in kept[1] or kept[0] == 404
