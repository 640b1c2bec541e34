"""The role matrix: inside one company, each role reads and does only what its role may.

The tenancy matrix (``test_tenancy_matrix.py``) keeps companies apart. This is its second axis:
company B's own PSA, delegate (保護システム管理者が指定する者) and 利用者 against every kind of B's
objects. The world, the page and API generators and the helpers are the tenancy matrix's,
imported; nothing here is listed by hand but the expectations.

One table, ``READS``, says which rows of every kind each role of the company reads (the DESIGN:
the 利用者 "sees own terminals and media; no applications"; the delegate reads the applications and
takes part in the visits of ② and ⑦ and the tests of ⑥, and files nothing). It is checked against

- the policy each app declares (``Visibility`` in its ``policy.py``): every registered kind must be
  in the table, and the rows ``restrict`` gives each role of B must be the rows the table names;
  a kind a role never reads is kept from it by ``company_roles``, with the app that owns it;
- the actions each app registers: the delegate's and the 利用者's are listed (``ACTS``);
- every page and API operation with an object of B in its path (pages with a session, the API
  with a personal token): a role that reads every object on the path reads it (200) unless
  ``GATED`` names the action it asks for besides; a role that does not is refused (403/404); a
  write changes nothing but what the role's actions allow; a role that uses no API (the 利用者,
  ``uses_api``) is refused every operation with its session as with a token (403
  ``api_not_for_role``, #12);
- every answer, read or refused, and every list: none of it shows the text of a row the role
  does not read (finding notes, review comments, file names, the application's content …).

The tenancy matrix's world is extended with a row of every kind it lacks (remediation with its
evidence, a photo, comments, contacts …), built once per module like it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import models
from django_scopes import scopes_disabled

from dsg.orgs import permissions
from dsg.orgs.models import Organization, Role, User

from .test_tenancy_matrix import (
    _API_PARAM,
    _CONVERTER,
    API_CASES,
    API_OPERATIONS,
    API_PREFIX,
    OBJECTS_OF,
    OFFICE_PAGES,
    PAGE_CASES,
    PAGE_ROUTES,
    PROVIDER_CASE_PAGES,
    World,
    Worlds,
    _call,
    api_client_of,
    fill,
    page_form,
    request_body,
    session_client,
    snapshot,
    token_client,
    visible_text,
    worlds,  # noqa: F401 - the module's fixture: both companies' worlds, built once
)

ROLES = (Role.PSA, Role.DELEGATE, Role.USER)
OTHERS = (Role.DELEGATE, Role.USER)  # the roles probed on the pages and the API


# --------------------------------------------------------------------------------------------
# The expectations: who of a company reads which rows of each kind
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Only:
    """Some rows of a kind: those ``rows`` picks; ``what`` names them in a failure."""

    what: str
    rows: Callable[[Any], bool]


Rule = bool | Only


@dataclass(frozen=True)
class Reads:
    """Which rows of one kind each role of the owning company reads."""

    psa: Rule = True
    delegate: Rule = True
    user: Rule = True

    def of(self, role: str) -> Rule:
        rule: Rule = getattr(self, str(role))
        return rule


EVERYONE = Reads()
APPLICANTS = Reads(user=False)  # the PSA and the delegate: applications, findings, requests
NOBODY = Reads(psa=False, delegate=False, user=False)  # the office's own


def _steps_3_to_6(record: Any) -> bool:
    return 3 <= record.step <= 6


def _user_documents(document: Any) -> bool:
    if document.kind == "disposal_certificate":
        return True
    return document.kind == "notice" and document.notice.kind == "completion"


READS: dict[str, Reads] = {
    # orgs: the company's sites (its people and the company itself are read by all of them)
    "orgs.Site": EVERYONE,
    # enrollment: the case's state and step are the company's; the 利用者 reads of its history
    # only the line's and the terminals' steps (③–⑥), never the review (①) or the findings of
    # ② and ⑦; the application is the applicants'.
    "enrollment.Enrollment": EVERYONE,
    "enrollment.StepRecord": Reads(user=Only("the records of ③–⑥", _steps_3_to_6)),
    "enrollment.Application": APPLICANTS,
    "enrollment.ApplicationContact": APPLICANTS,
    "enrollment.ApplicationAccountHolder": APPLICANTS,
    "enrollment.ApplicationVersion": APPLICANTS,
    "enrollment.ReviewComment": APPLICANTS,
    # inspections (② ⑦): rounds, findings, deficiencies, remediation
    "inspections.Inspection": APPLICANTS,
    "inspections.Finding": APPLICANTS,
    "inspections.Deficiency": APPLICANTS,
    "inspections.RemediationReport": APPLICANTS,
    # documents: a 利用者 reads the disposal certificates and the 加入完了通知書 only
    "documents.Document": Reads(
        user=Only("disposal certificates and the 加入完了通知書", _user_documents)
    ),
    "documents.StorageReport": NOBODY,  # the office's queue
    "notices.Notice": Reads(user=Only("the 加入完了通知書", lambda n: n.kind == "completion")),
    "appointments.Appointment": Reads(
        user=Only(
            "the case's dates, not an inspection's nor another person's vein registration",
            lambda a: a.subject_type.model == "enrollment" and not a.party,
        )
    ),
    # provisioning ③–⑥
    "provisioning.Provisioning": EVERYONE,
    "provisioning.AncillaryWork": EVERYONE,
    "provisioning.SetupMediaShipment": EVERYONE,
    "provisioning.AccountHolder": APPLICANTS,  # the application's アカウント利用者
    "provisioning.AccountDelivery": APPLICANTS,
    # registry: the site's terminals and media are everyone's
    "registry.Terminal": EVERYONE,
    "registry.ConnectionTest": EVERYONE,
    "registry.TerminalDisposal": EVERYONE,
    "registry.RemovableMedium": EVERYONE,
    "registry.MediumDisposal": EVERYONE,
    "registry.TerminalSoftware": EVERYONE,
    # requests: 加入申請内容の変更; the site's history of registered data is everyone's
    "requests.ChangeRequest": APPLICANTS,
    "requests.ChangeVersion": APPLICANTS,
    "requests.ChangeComment": APPLICANTS,
    "requests.ChangeRecord": APPLICANTS,
    "requests.ActionRequest": APPLICANTS,
    "requests.ProviderWork": APPLICANTS,
    "requests.RegisteredChange": EVERYONE,
    # equipment: §5 requests
    "equipment.EquipmentRequest": APPLICANTS,
    "equipment.TerminalLine": APPLICANTS,
    "equipment.SoftwareLine": APPLICANTS,
    "equipment.MediumLine": APPLICANTS,
    "equipment.InfoRequest": APPLICANTS,
    "equipment.HelpdeskRequest": APPLICANTS,
    # annual: 年次確認
    "annual.AnnualConfirmation": APPLICANTS,
    "annual.AnnualReminder": APPLICANTS,
}
# Objects on a path that are no company's rows under a Visibility: the company itself, a
# person's own API token, the office's checklists and annual rounds.
OTHER_KINDS: dict[str, Reads] = {
    "orgs.Organization": EVERYONE,
    "orgs.ApiToken": Reads(delegate=False, user=False),  # B's PSA's own token
    "notifications.Notification": Reads(delegate=False, user=False),  # B's PSA's own (#12)
    "inspections.ChecklistTemplate": NOBODY,
    "annual.AnnualRound": NOBODY,
}

# What each role of a company other than the PSA may do, by the actions the apps register, and
# the kinds a write of each may change. The delegate takes part in ⑥ (set-up, connection tests)
# and reads what the applicants read; the 利用者 reads the catalogues and files nothing.
ACTS: dict[str, dict[str, tuple[str, ...]]] = {
    Role.DELEGATE: {
        "application.view": (),
        "inspection.view": (),
        "account_sheet.view": (),
        "catalogue.read": (),
        "company.people": (),  # the company's people, to name account holders (API /people)
        "connection_test.record": ("registry.ConnectionTest",),
        "terminal.set_up": ("registry.Terminal",),
    },
    Role.USER: {"catalogue.read": ()},
}
# Pages and operations that ask, besides seeing the objects on their path, for an action (or for
# reading some kind of row: a list of requests): a role without it is refused though it sees the
# objects. By URL name (pages) or operation id (API).
APPLICATION_PAGES = (
    "overview company site contacts account_holders terminals schedule requirements documents "
    "confirm compare versions export"
).split()
GATED: dict[str, str] = {
    **{f"application_{page}": "application.view" for page in APPLICATION_PAGES},
    **{
        f"dsg_enrollment_api_application_{op}": "application.view"
        for op in ("detail", "versions", "export")
    },
    "account_sheet": "account_sheet.view",
    "dsg_provisioning_api_account_sheet": "account_sheet.view",
    "account_delivery_open": "account_delivery.open",
    **{f"site_policy_{name}": "policy.export" for name in ("usbguard", "fapolicyd", "santa")},
    "change_edit": "change.file",
    "change_confirm": "change.file",
    "change_withdraw": "change.file",
    "change_remediation": "change.file",  # its confirmation page (#12)
    "inspection_decide": "remediation.decide",  # its confirmation page (#12)
    "enrollment_withdraw": "enrollment.withdraw",  # its confirmation page (#12)
    "enrollment_accept": "enrollment.accept",  # its confirmation page (#12)
    "enrollment_report_remediation": "remediation.report",  # its confirmation page (#12)
    "inspection_deem_by_audit": "inspection.deem_by_audit",  # its confirmation page (#12)
    "enrollment_request_final_inspection": "final_inspection.request",  # its page (#12)
    # ③–⑥'s records that cannot be taken back, each through its confirmation page (#12)
    "ancillary_work_done": "ancillary_work.mark_done",
    "media_receive": "media.receive",
    "account_holder_add": "account_holder.add",
    "account_delivery_reissue_request": "account_delivery.reissue_request",
    "equipment_site_requests": "equipment.EquipmentRequest",
    "equipment_request_new": "equipment_request.file",
    "equipment_forms": "equipment_request.file",
    **{
        f"equipment_form_{kind}": "equipment_request.file"
        for kind in ("terminal", "software", "medium")
    },
    "equipment_request_withdraw": "equipment_request.withdraw",
    "helpdesk_new": "helpdesk.file",
    "annual_confirmation_confirm": "annual.confirm",
    "annual_confirmation_changes": "annual.confirm",
}


# --------------------------------------------------------------------------------------------
# B's world, with a row of every kind
# --------------------------------------------------------------------------------------------


def _every_kind_of_world(w: Worlds) -> None:
    """Rows the tenancy matrix's world has no need of: remediation with its evidence, a photo, a
    disposal certificate, review and change comments, a contact, lines of every kind, an
    追加資料依頼, a change applied to the site's registered data, an annual reminder."""
    from django.utils import timezone

    from dsg.annual.models import AnnualReminder
    from dsg.documents.services import document_store
    from dsg.enrollment.models import ApplicationContact, Enrollment, ReviewComment, State
    from dsg.equipment.models import InfoRequest, SoftwareLine, TerminalLine
    from dsg.inspections.services import remediation_report_file
    from dsg.provisioning.services import account_holder_add
    from dsg.requests.models import ChangeComment, RegisteredChange

    from .documents.files import pdf
    from .inspections.helpers import jpeg

    b, name = w.b, w.b.company.name
    case = b.objects["case_setup"]
    b.objects["case_inspected"] = b.objects["inspection"].subject
    b.objects["case_enrolled"] = Enrollment.objects.get(
        site=b.objects["site_enrolled"], state=State.COMPLETED
    )
    account_holder_add(
        enrollment=case,
        actor=b.psa,
        reason=f"{name} 担当者追加の理由",
        name=f"{name} 追加の口座保有者",
        department=f"{name} 設計部",
        email="holder@momiji.example.jp",
    )
    remediation_report_file(
        deficiency=b.objects["deficiency"],
        actor=b.psa,
        text=f"{name} 改善措置の報告",
        evidence_name=f"{name}-改善証跡.pdf",
        evidence_data=pdf(1, text="remediation momiji"),
    )
    inspected_case = b.objects["inspection"].subject
    document_store(
        actor=w.inspector,
        company=b.company,
        subject=inspected_case,
        kind="inspection_photo",
        filename=f"{name}-現地写真.jpg",
        data=jpeg("blue"),
    )
    document_store(
        actor=b.psa,
        company=b.company,
        subject=case,
        kind="disposal_certificate",
        filename=f"{name}-廃棄証明書.pdf",
        data=pdf(1, text="certificate momiji"),
    )
    ReviewComment.objects.create(
        version=b.objects["version"], part="general", text=f"{name} 審査の指摘", author=w.reviewer
    )
    ApplicationContact.objects.create(
        application=case.application,
        name=f"{name} 連絡担当者",
        department="総務部",
        phone="03-1111-2222",
        email="contact@momiji.example.jp",
    )
    request = b.objects["equipment_request"]
    InfoRequest.objects.create(
        request=request, message=f"{name} 追加資料の依頼", asked_by=w.reviewer
    )
    TerminalLine.objects.create(
        request=request,
        position=2,
        action="add",
        name="momiji-PC-REQ",
        model_name="指定端末",
        serial_number="momiji-SN-REQ",
    )
    SoftwareLine.objects.create(
        request=request,
        position=3,
        name="momiji CAD Viewer",
        vendor="Example KK",
        version="3.1",
        install_method=f"{name} インストール方法",
        update_method=f"{name} アップデート方法",
    )
    change = b.objects["change"]
    ChangeComment.objects.create(
        version=change.versions.first(),
        part="general",
        text=f"{name} 変更申請への指摘",
        author=w.reviewer,
    )
    RegisteredChange.objects.create(
        company=b.company,
        site=b.objects["site_enrolled"],
        change=change,
        field="site_name",
        before=f"{name} 旧拠点名",
        after=f"{name} 新拠点名",
        applied_at=timezone.now(),
        applied_by=w.reviewer,
    )
    AnnualReminder.objects.create(confirmation=b.objects["annual_confirmation"], kind="before")


@pytest.fixture(scope="module")
def world(worlds: Worlds, django_db_blocker: Any) -> Worlds:  # noqa: F811 - the matrix's fixture
    """The tenancy matrix's two worlds (A's is the control), B's with a row of every kind."""
    with django_db_blocker.unblock(), scopes_disabled():
        _every_kind_of_world(worlds)
    return worlds


@pytest.fixture
def w(world: Worlds, db: Any) -> Worlds:  # noqa: ARG001 - db: each test in its own savepoint
    return world


# --------------------------------------------------------------------------------------------
# Rows, rules and texts
# --------------------------------------------------------------------------------------------


def rows_of(model: type[models.Model], company: Organization) -> models.QuerySet[Any]:
    path = permissions.visibility_of(model).company
    return model._base_manager.filter(**{f"{path}_id": company.pk}).order_by("pk")


def reads(role: str, obj: Any) -> bool:
    """Does ``role`` of the owning company read ``obj``, as the table says?"""
    label = obj._meta.label
    rule = (READS.get(label) or OTHER_KINDS[label]).of(role)
    return rule.rows(obj) if isinstance(rule, Only) else rule


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


MIN_TEXT = 5  # shorter values ("PC-1", "1.0") say nothing of a row
TAG = "momiji"  # B's names in ASCII: serial numbers, file names


def _telling(text: str) -> bool:
    """Text a person wrote or a row's own name: not an identifier, date or code of the portal
    (those are ASCII; B's ASCII names carry its tag)."""
    return len(text) >= MIN_TEXT and (not text.isascii() or TAG in text)


def texts_of(obj: Any) -> set[str]:
    """The telling text a row holds: its text fields and the strings of its JSON (no choices)."""
    found: set[str] = set()
    for field in obj._meta.concrete_fields:
        if field.choices or not isinstance(
            field, (models.CharField, models.TextField, models.JSONField)
        ):
            continue
        found.update(s.strip() for s in _strings(getattr(obj, field.attname)))
    return {s for s in found if _telling(s)}


def company_rows(company: Organization) -> Iterator[Any]:
    for model in permissions.VISIBILITY:
        yield from rows_of(model, company)


def hidden_texts(b: World, role: str) -> set[str]:
    """Text of B's rows that ``role`` does not read, and that no row it reads holds too."""
    hidden: set[str] = set()
    shown: set[str] = set()
    for row in company_rows(b.company):
        (shown if reads(role, row) else hidden).update(texts_of(row))
    for named in (*Organization.objects.all(), *User.objects.all()):  # people, companies
        shown.update(texts_of(named))
    return hidden - shown


def assert_shows_nothing_hidden(response: Any, hidden: set[str], what: str) -> None:
    if response.streaming:  # a ZIP: its members' names are in its directory, uncompressed
        text = b"".join(response.streaming_content).decode(errors="replace")
    else:
        text = visible_text(response)
    leaked = sorted(s for s in hidden if s in text)
    assert not leaked, f"{what} shows what the role does not read: {leaked}"


# --------------------------------------------------------------------------------------------
# The table against the policies and actions the apps register
# --------------------------------------------------------------------------------------------


def test_every_kind_has_a_declared_rule_for_each_role():
    registered = {model._meta.label for model in permissions.VISIBILITY}
    missing = sorted(registered - set(READS))
    assert not missing, (
        f"declare which of a company's roles read {missing} in READS of {__name__} "
        "(and give the kind a Visibility with its company_roles in its app's policy.py)"
    )
    assert not set(READS) - registered, sorted(set(READS) - registered)


@pytest.mark.parametrize("label", sorted(READS))
def test_the_policy_gives_each_role_the_rows_the_table_names(w: Worlds, label: str):
    model = next(m for m in permissions.VISIBILITY if m._meta.label == label)
    visibility = permissions.visibility_of(model)
    rows = list(rows_of(model, w.b.company))
    assert rows, f"B's world has no {label}: add one to _every_kind_of_world"
    for role in ROLES:
        rule = READS[label].of(role)
        if rule is False:  # a kind a role never reads is kept from it by its company_roles
            assert role not in visibility.company_roles, (
                f"{label}: {role} reads none; leave it out of company_roles in its policy.py"
            )
        person = getattr(w.b, role)
        seen = set(
            permissions.restrict(person, model._default_manager.all()).values_list("pk", flat=True)
        )
        expected = {row.pk for row in rows if reads(role, row)}
        what = rule.what if isinstance(rule, Only) else ("every row" if rule else "no row")
        assert seen == expected, f"{label}: B's {role} should read {what}"
        for row in rows:
            assert permissions.sees(person, row) == (row.pk in expected), (label, role, row.pk)


@pytest.mark.parametrize("role", OTHERS)
def test_the_actions_of_each_role_are_declared(role: str):
    registered = {a for a, roles in permissions.ACTION_ROLES.items() if role in roles}
    assert registered == set(ACTS[role]), (
        f"the actions registered for the {role} differ from ACTS in {__name__}: "
        f"not declared {sorted(registered - set(ACTS[role]))}, "
        f"no longer registered {sorted(set(ACTS[role]) - registered)}"
    )


# --------------------------------------------------------------------------------------------
# Pages and API: every object of B on the path, read and written by B's delegate and 利用者
# --------------------------------------------------------------------------------------------

# Rows a refused write may touch all the same: the ledger and mail follow a change, never alone.
LEDGER = {"audit", "audit.AuditHead"}
BOOKKEEPING = {
    *LEDGER,
    "notifications.OutboxMessage",
    "notifications.Notification",  # a mail's copy in its people's inboxes (#12)
    "django_tasks_db.DBTaskResult",
}
# Cases the tenancy matrix has no need of, probed here for every page and operation of a case:
# the case inspected at ② with a deficiency (its findings, photo and remediation), and a case
# completed (its notices). A transition is probed on one case: no role here takes any.
MORE_CASES = ("case_inspected", "case_enrolled")


def _role_cases(cases: list[Any]) -> list[Any]:
    found = []
    for case in cases:
        *args, combo = case.values
        if "name" in combo and combo["enrollment_id"] != "case_setup":
            continue
        found.append(case)
        if combo == {"enrollment_id": "case_setup"}:
            found += [
                pytest.param(*args, {"enrollment_id": key}, id=case.id.replace("case_setup", key))
                for key in MORE_CASES
                if not (_provider_only(args) and key == "case_inspected")  # at ②: not theirs
            ]
    return found


def _provider_only(args: list[Any]) -> bool:
    """A page of a case only the provider opens (PROVIDER_CASE_PAGES), from ③ on."""
    return bool(args) and getattr(args[0], "route", None) in PROVIDER_CASE_PAGES


ROLE_PAGE_CASES = _role_cases(PAGE_CASES)
ROLE_API_CASES = _role_cases(API_CASES)


@pytest.fixture(scope="module")
def hidden(world: Worlds, django_db_blocker: Any) -> dict[str, set[str]]:
    with django_db_blocker.unblock(), scopes_disabled():
        return {role: hidden_texts(world.b, role) for role in OTHERS}


def path_objects(combo: dict[str, str | None], b: World) -> list[Any]:
    """B's objects named on the path (a transition's name is no object)."""
    from dsg.enrollment.services import TRANSITION_NAMES
    from dsg.provisioning.models import AccountDelivery

    found = []
    for key in combo.values():
        if key is None or key in TRANSITION_NAMES:
            continue
        if key == "delivery":  # a link named by its token: the account delivery behind it
            found.append(AccountDelivery.objects.filter(holder=b.objects["holder"]).latest("pk"))
        else:
            found.append(b.objects[key])
    return found


def uses_api(role: str) -> bool:
    """Does ``role`` use the API at all? The rule of the token (``may_use_api``: every role but
    the 利用者) holds for the session too (#12): the 利用者's API column is "refused", whatever
    the operation — one place, here."""
    return role in permissions.API_ROLES


def assert_refused_the_api(response: Any, what: str) -> None:
    assert response.status_code == 403, (what, response.status_code)
    assert response.json()["code"] == "api_not_for_role", (what, response.content)


def may_read(role: str, objects: list[Any], gate: str | None) -> bool:
    """Does ``role`` read every object on the path, and pass the page's gate?"""
    needs = GATED.get(gate or "")
    if needs in READS:  # a page of rows of one kind
        allowed = READS[needs].of(role) is not False
    else:
        allowed = needs is None or role in permissions.ACTION_ROLES[needs]
    return allowed and all(reads(role, obj) for obj in objects)


def changed_kinds(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    return {label for label in before if before[label] != after.get(label)}


def assert_write_allowed(role: str, before: dict[str, Any], what: str) -> tuple[bool, Any]:
    """What a write changed is within the role's actions: (changed anything, the state after)."""
    after = snapshot()
    changed = changed_kinds(before, after)
    kinds = changed - BOOKKEEPING
    allowed = {label for labels in ACTS[role].values() for label in labels}
    assert kinds <= allowed, f"{what} changed {sorted(kinds - allowed)}, which the {role} may not"
    # a read is ledgered (a download through POST): the ledger may move alone, mail may not
    assert kinds or changed <= LEDGER, f"{what} changed {sorted(changed)} and nothing else"
    return bool(kinds), after


@pytest.mark.parametrize(("route", "combo"), ROLE_PAGE_CASES)
def test_a_page_of_the_company_as_each_role_may(w: Worlds, hidden, route, combo):
    url = "/" + fill(route.route, _CONVERTER, combo, w.b)
    office = route.route in OFFICE_PAGES
    owner = getattr(w, OFFICE_PAGES[route.route]) if office else w.b.psa
    owner_get = session_client(owner).get(url)
    assert owner_get.status_code in (200, 405), (url, owner_get.status_code)
    objects = path_objects(combo, w.b)
    gate = route.name
    state = snapshot()
    for role in OTHERS:
        client = session_client(getattr(w.b, role))
        what = f"GET {url} ({route.name}) as B's {role}"
        response = client.get(url)
        if owner_get.status_code == 405:
            assert response.status_code in (403, 404, 405), (what, response.status_code)
        elif not office and may_read(role, objects, gate):
            assert response.status_code == 200, (
                f"{what}: {response.status_code}; the role reads every object on the path: "
                f"if a page asks for an action besides, name it in GATED"
            )
        else:
            assert response.status_code in (403, 404), (what, response.status_code)
        assert_shows_nothing_hidden(response, hidden[role], what)
        what = f"POST {url} as B's {role}"
        response = client.post(url, page_form(w.b))
        wrote, state = assert_write_allowed(role, state, what)
        reading = response.status_code == 200 and may_read(role, objects, gate) and not office
        if not (wrote or reading):  # refused, or answered with the form's errors
            assert response.status_code in (303, 403, 404, 405, 422), (what, response.status_code)
        assert_shows_nothing_hidden(response, hidden[role], what)


@pytest.mark.parametrize(("method", "path", "op", "combo"), ROLE_API_CASES)
def test_an_operation_on_the_company_as_each_role_may(w: Worlds, hidden, method, path, op, combo):
    url = fill(path, _API_PARAM, combo, w.b)
    body = request_body(op, w.b)
    objects = path_objects(combo, w.b)
    gate = op.get("operationId")
    state = snapshot() if method != "GET" else None
    for role in OTHERS:
        client = api_client_of(w.b, role)  # the 利用者 through their session (#13), refused (#12)
        what = f"{method} {url} ({op.get('operationId')}) as B's {role}"
        response = _call(client, method, url, body)
        if not uses_api(role):
            assert_refused_the_api(response, what)
            if method != "GET":
                wrote, state = assert_write_allowed(role, state, what)
                assert not wrote, what
        elif method == "GET":
            if may_read(role, objects, gate):
                assert response.status_code == 200, (
                    f"{what}: {response.status_code}; the role reads every object on the path: "
                    f"if the operation asks for an action besides, name it in GATED"
                )
            else:
                assert response.status_code in (403, 404), (what, response.status_code)
        else:
            wrote, state = assert_write_allowed(role, state, what)
            if not wrote:
                assert response.status_code in (403, 404, 409, 422), (what, response.status_code)
        assert_shows_nothing_hidden(response, hidden[role], what)


# Pages and operations about no object on their path (dashboards, lists, the folder, searches):
# each role reads them, with nothing of what it does not read.
LIST_PAGES = [route for route in PAGE_ROUTES if not route.params]
LIST_OPERATIONS = [
    path for method, path, _ in API_OPERATIONS if method == "GET" and "{" not in path
]


@pytest.mark.parametrize("role", OTHERS)
def test_the_lists_show_each_role_only_what_it_reads(w: Worlds, hidden, role: str):
    assert len(LIST_PAGES) >= 10 and len(LIST_OPERATIONS) >= 10
    page_client = session_client(getattr(w.b, role))
    for route in LIST_PAGES:
        response = page_client.get("/" + route.route)
        what = f"GET /{route.route} as B's {role}"
        assert response.status_code in (200, 302, 400, 403, 404, 405), (what, response.status_code)
        assert_shows_nothing_hidden(response, hidden[role], what)
    api_client = api_client_of(w.b, role)
    for path in LIST_OPERATIONS:
        response = api_client.get(path)
        what = f"GET {path} as B's {role}"
        if not uses_api(role):
            assert_refused_the_api(response, what)
        assert response.status_code in (200, 403, 422), (what, response.status_code)
        assert_shows_nothing_hidden(response, hidden[role], what)


def test_the_check_sees_what_the_user_must_not(w: Worlds, hidden):
    """Control: the 利用者's hidden text holds the findings, the review and the remediation, and
    the delegate, who reads them, is shown them on the same case page and answer."""
    b = w.b
    note = b.objects["finding"].inspection.findings.exclude(note="").get().note
    for text in (note, f"{b.company.name} 審査の指摘", f"{b.company.name} 改善措置の報告"):
        assert text in hidden[Role.USER], text
        assert text not in hidden[Role.DELEGATE], text
    case = b.objects["case_inspected"].pk
    for client, url in (
        (session_client(b.delegate), f"/enrollments/{case}/"),
        (token_client(b.tokens[Role.DELEGATE]), f"{API_PREFIX}/enrollments/{case}"),
    ):
        shown = visible_text(client.get(url))
        assert note in shown, url
        assert not {s for s in hidden[Role.DELEGATE] if s in shown}


def test_a_user_reads_the_plan_of_a_case_not_the_application_s_dates(w: Worlds):
    """The schedule: the plan and its actual dates are the company's; the desired start of use
    and the contract's date are the application's."""
    case = w.b.objects["case_setup"]
    url = f"{API_PREFIX}/enrollments/{case.pk}/schedule"
    delegate = token_client(w.b.tokens[Role.DELEGATE]).get(url).json()
    assert delegate["desired_start"] == case.application.desired_start.isoformat()
    assert_refused_the_api(api_client_of(w.b, Role.USER).get(url), url)  # the page is theirs
    page = session_client(w.b.user).get(f"/enrollments/{case.pk}/").content.decode()
    assert 'id="schedule"' in page and "data-latest-start" not in page
    assert case.application.desired_start.isoformat() not in page


@pytest.mark.parametrize("auth", ["token", "session"])
def test_the_user_is_refused_by_every_operation(w: Worlds, auth: str):
    """The 利用者 uses no API (#13, #12): a token made before the rule and their browser session
    are refused (403, the reason in the caller's language) by every operation, and change
    nothing."""
    if auth == "token":
        client = token_client(w.b.tokens[Role.USER])
    else:
        client = session_client(w.b.user)
    before = snapshot()
    for method, path, op in API_OPERATIONS:
        names = [m["name"] for m in _API_PARAM.finditer(path)]
        combo = {name: OBJECTS_OF.get(name, [None])[0] for name in names}  # or a reference
        url = fill(path, _API_PARAM, combo, w.b)
        response = _call(client, method, url, request_body(op, w.b))
        assert_refused_the_api(response, f"{method} {url} with B's 利用者's {auth}")
    assert snapshot() == before
