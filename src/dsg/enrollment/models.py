"""The 加入案件 (one per site) and its seven-step procedure, declared as a state machine.

Each transition states its source, target, the permission (asked of ``orgs.permissions``) and its
conditions (``rules``). Transition methods only change the state; the services in ``services.py``
lock the row, record the step, write the ledger and queue mail in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import GET_STATE, FSMField, FSMModelMixin, Transition, transition
from django_scopes import ScopedManager

from dsg.orgs import permissions
from dsg.orgs.japan import (
    OUTSIDE_JAPAN,
    PREFECTURES,
    validate_corporate_number,
    validate_postal_code,
    validate_prefecture,
)
from dsg.orgs.models import Site, User
from dsg.schedule.steps import STEP_NAMES as STEP_NAMES  # the steps' names, named here too

from . import rules


class State(models.TextChoices):
    DRAFT = "draft", _("Draft (下書き)")
    SUBMITTED = "submitted", _("Under review (審査中)")
    RETURNED = "returned", _("Returned for correction (補正)")
    INSPECTION = "inspection", _("On-site inspection (現地確認)")
    INSPECTION_REMEDIATION = "inspection_remediation", _("Remediation required (改善措置)")
    INSPECTION_REMEDIATION_REPORTED = (
        "inspection_remediation_reported",
        _("Remediation reported (改善報告済み)"),
    )
    SURVEY = "survey", _("Site survey for the line (現場調査)")
    CONSTRUCTION = "construction", _("Line construction (回線敷設工事)")
    ROUTER_INSTALLATION = "router_installation", _("Router installation (通信ルータの設置)")
    TERMINAL_SETUP = (
        "terminal_setup",
        _("Terminal setup and connection test (端末セットアップ・接続テスト)"),
    )
    FINAL_INSPECTION = "final_inspection", _("Final on-site inspection (最終現地確認)")
    FINAL_REMEDIATION = "final_remediation", _("Remediation required at the final inspection")
    FINAL_REMEDIATION_REPORTED = (
        "final_remediation_reported",
        _("Remediation reported at the final inspection"),
    )
    COMPLETED = "completed", _("Enrollment completed (加入完了)")
    WITHDRAWN = "withdrawn", _("Withdrawn (取下げ)")
    REJECTED = "rejected", _("Rejected (却下)")


# Which of the seven steps (①–⑦) each state belongs to; 8 means past ⑦, 0 means ended early.
STEP_OF_STATE: dict[str, int] = {
    State.DRAFT: 1,
    State.SUBMITTED: 1,
    State.RETURNED: 1,
    State.INSPECTION: 2,
    State.INSPECTION_REMEDIATION: 2,
    State.INSPECTION_REMEDIATION_REPORTED: 2,
    State.SURVEY: 3,
    State.CONSTRUCTION: 4,
    State.ROUTER_INSTALLATION: 5,
    State.TERMINAL_SETUP: 6,
    State.FINAL_INSPECTION: 7,
    State.FINAL_REMEDIATION: 7,
    State.FINAL_REMEDIATION_REPORTED: 7,
    State.COMPLETED: 8,
    State.WITHDRAWN: 0,
    State.REJECTED: 0,
}
CLOSED_STATES = frozenset({State.COMPLETED, State.WITHDRAWN, State.REJECTED})
OPEN_STATES = [s for s in State.values if s not in CLOSED_STATES]
PROVIDER_VISIBLE_STATES = frozenset(s for s, step in STEP_OF_STATE.items() if 3 <= step <= 8)
STATE_LABELS: dict[str, Any] = dict(State.choices)  # lazy labels: translated when shown

# Whose move it is in each open state, for the dashboards.
WAITING_ON: dict[str, str] = {
    State.DRAFT: "company",
    State.SUBMITTED: "office",
    State.RETURNED: "company",
    State.INSPECTION: "office",
    State.INSPECTION_REMEDIATION: "company",
    State.INSPECTION_REMEDIATION_REPORTED: "office",
    State.SURVEY: "provider",
    State.CONSTRUCTION: "provider",
    State.ROUTER_INSTALLATION: "provider",
    State.TERMINAL_SETUP: "company",
    State.FINAL_INSPECTION: "office",
    State.FINAL_REMEDIATION: "company",
    State.FINAL_REMEDIATION_REPORTED: "office",
}

# What each transition did and what comes next (今後の流れ), said to whoever took it: the message
# and the step whose business days (the office's durations) it names as {days}, if any.
AFTER_TRANSITION: dict[str, tuple[Any, int | None]] = {
    "submit": (
        _(
            "The application was submitted. The office (情報システム管理室) reviews it "
            "(about {days} business days)."
        ),
        1,
    ),
    "return_for_correction": (
        _(
            "The application was returned for correction (補正). The company corrects it and "
            "submits it again; the comments say what to correct."
        ),
        None,
    ),
    "accept": (
        _(
            "The application was accepted (受理). Next: open the on-site inspection (②) and "
            "propose dates; the company's PSA picks one."
        ),
        None,
    ),
    "report_remediation": (
        _(
            "The remediation report (改善報告) was sent. The office decides whether to accept "
            "it or to inspect again."
        ),
        None,
    ),
    "complete_survey": (
        _(
            "The site survey was recorded. Next: the line construction (④), about {days} "
            "business days."
        ),
        4,
    ),
    "complete_construction": (
        _(
            "The line construction was recorded. Next: the router installation (⑤), about "
            "{days} business days."
        ),
        5,
    ),
    "install_router": (
        _(
            "The router installation was recorded. Next: the company sets up and tests its "
            "terminals (⑥) and the provider delivers the account information."
        ),
        None,
    ),
    "request_final_inspection": (
        _(
            "The final on-site inspection (⑦) was requested. The office proposes dates; the "
            "company's PSA picks one."
        ),
        None,
    ),
    "withdraw": (
        _(
            "The case was withdrawn (取下げ) and is closed. A new case can be opened for the "
            "site from its page."
        ),
        None,
    ),
    "reject": (
        _("The application was rejected (却下) and the case is closed. The company is told why."),
        None,
    ),
}

_AFTER_PASSED: dict[str, str] = {
    State.INSPECTION: State.SURVEY,
    State.FINAL_INSPECTION: State.COMPLETED,
}
_REMEDIATION_OF: dict[str, str] = {
    State.INSPECTION: State.INSPECTION_REMEDIATION,
    State.FINAL_INSPECTION: State.FINAL_REMEDIATION,
}
_REPORTED_OF: dict[str, str] = {
    State.INSPECTION_REMEDIATION: State.INSPECTION_REMEDIATION_REPORTED,
    State.FINAL_REMEDIATION: State.FINAL_REMEDIATION_REPORTED,
}
_ACCEPTED_OF: dict[str, str] = {
    State.INSPECTION_REMEDIATION_REPORTED: State.SURVEY,
    State.FINAL_REMEDIATION_REPORTED: State.COMPLETED,
}
_REINSPECTION_OF: dict[str, str] = {
    State.INSPECTION_REMEDIATION_REPORTED: State.INSPECTION,
    State.FINAL_REMEDIATION_REPORTED: State.FINAL_INSPECTION,
}


def _next(mapping: dict[str, str]) -> GET_STATE:
    return GET_STATE(
        lambda enrollment, **kwargs: mapping[enrollment.state], states=list(set(mapping.values()))
    )


def _conditions(*checks: Callable[[Enrollment], bool]) -> list[Callable[[models.Model], bool]]:
    """The conditions of a transition, as django-fsm takes them (it calls each with the case)."""
    return list(checks)  # type: ignore[arg-type]  # django-fsm types a condition as taking any Model, not the model that declares the transition


def _allowed(action: str) -> Any:
    return lambda enrollment, user: permissions.may(user, action, enrollment)


class Enrollment(FSMModelMixin, models.Model):
    """A 加入案件: one site's way from the application to 加入完了."""

    site = models.ForeignKey(
        Site, verbose_name=_("site (拠点)"), on_delete=models.PROTECT, related_name="enrollments"
    )
    state = FSMField(
        _("state"),
        max_length=40,
        choices=State.choices,
        default=State.DRAFT,
        protected=True,
        db_index=True,
    )
    created_by = models.ForeignKey(
        User, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    state_changed_at = models.DateTimeField(_("state changed at"), default=timezone.now)
    # Set by the office when it completes the case (the 加入完了通知書 prints it).
    use_starts_on = models.DateField(_("start of use (利用開始日)"), null=True, blank=True)
    # The guideline's ④–⑦ rule (「④～⑦の作業は、同一月内に実施」), kept when a date that counts
    # changes (enrollment.month_rule): while the case is at ③–⑦, the first date of ④–⑦ when
    # those dates span more than one calendar month; NULL otherwise (#14).
    month_rule_broken_from = models.DateField(
        _("④–⑦ outside one month, from"), null=True, blank=True, editable=False
    )

    # django-scopes builds its manager class inside ScopedManager(), out of the mypy plugin's
    # sight: the manager's type is declared, and _default_manager with it (related managers
    # follow _default_manager).
    objects: ClassVar[models.Manager[Enrollment]] = ScopedManager(company="site__company")
    _default_manager: ClassVar[models.Manager[Enrollment]]

    class Meta:
        verbose_name = _("enrollment case (加入案件)")
        verbose_name_plural = _("enrollment cases (加入案件)")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["site"],
                condition=~models.Q(state__in=["completed", "withdrawn", "rejected"]),
                name="one_open_enrollment_per_site",
            ),
        ]
        # The office's search sorts on these (enrollment.search.SORTS).
        indexes = [
            models.Index(fields=["state_changed_at", "id"], name="enrollment_since_idx"),
            models.Index(fields=["created_at", "id"], name="enrollment_created_idx"),
            # The homes' step lists: a step's longest waiting, read in order (#14).
            models.Index(
                fields=["state", "state_changed_at", "id"], name="enrollment_state_since_idx"
            ),
            # The provider's ④–⑦ warnings: the cases that break the rule, earliest first.
            models.Index(
                fields=["month_rule_broken_from", "id"],
                condition=models.Q(month_rule_broken_from__isnull=False),
                name="enrollment_month_rule_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"DSG-{self.created_at:%Y}-{self.pk:05d}" if self.pk else "DSG-(new)"

    @property
    def step(self) -> int:
        return STEP_OF_STATE[self.state]

    @staticmethod
    def step_of(state: str) -> int:
        return STEP_OF_STATE[state]

    @property
    def is_closed(self) -> bool:
        return self.state in CLOSED_STATES

    @property
    def waiting_on(self) -> str | None:
        return WAITING_ON.get(self.state)

    def get_state_display(self) -> str:  # type: ignore[no-redef]  # replaces the one Django adds (django-stubs declares it)
        """The state's label, looked up. Django's generic one builds and hashes a dict of all 16
        choices (each label translated to be hashed) on every call: a sixth of the office
        dashboard's time with its 180 case rows (bench/pages.py, docs/performance.md)."""
        return str(STATE_LABELS.get(self.state, self.state))

    if TYPE_CHECKING:
        # Added by the FSMField at class creation (django-fsm).
        def get_all_state_transitions(self) -> Iterator[Transition]: ...

    def transitions_from_here(self) -> list[Any]:
        """Every transition declared from the current state, whatever its conditions."""
        return [t for t in self.get_all_state_transitions() if t.source in (self.state, "*")]

    # ① 加入申請書の提出 ------------------------------------------------------------------
    @transition(
        field=state,
        source=[State.DRAFT, State.RETURNED],
        target=State.SUBMITTED,
        permission=_allowed("enrollment.submit"),
        conditions=_conditions(rules.APPLICATION_COMPLETE),
        custom={"label": _("Submit the application"), "payload": {}},
    )
    def submit(self) -> None: ...

    @transition(
        field=state,
        source=State.SUBMITTED,
        target=State.RETURNED,
        permission=_allowed("enrollment.return"),
        custom={"label": _("Return for correction (補正)"), "payload": {"comment": True}},
    )
    def return_for_correction(self) -> None: ...

    @transition(
        field=state,
        source=State.SUBMITTED,
        target=State.INSPECTION,
        permission=_allowed("enrollment.accept"),
        custom={"label": _("Accept the application (受理)"), "payload": {}},
    )
    def accept(self) -> None: ...

    # ② 現地確認 and ⑦ 最終現地確認 share their result and remediation loop ------------------
    # Their outcomes are recorded as rounds of the inspections app, never by a bare transition:
    # the transitions marked "taken_by" are taken only when a round ends (with its notice) or
    # the office decides on a remediation (enrollment/inspection.py).
    @transition(
        field=state,
        source=list(_AFTER_PASSED),
        target=_next(_AFTER_PASSED),
        permission=_allowed("inspection.record"),
        conditions=_conditions(rules.INSPECTION_PASSED),
        custom={
            "taken_by": "inspections",
            "label": _("Record: inspection passed"),
            "payload": {"performed_on": True, "comment": False},
        },
    )
    def pass_inspection(self) -> None: ...

    @transition(
        field=state,
        source=list(_REMEDIATION_OF),
        target=_next(_REMEDIATION_OF),
        permission=_allowed("inspection.record"),
        conditions=_conditions(rules.INSPECTION_FOUND_DEFICIENCIES),
        custom={
            "taken_by": "inspections",
            "label": _("Record: remediation required"),
            "payload": {"performed_on": True, "comment": True},
        },
    )
    def require_remediation(self) -> None: ...

    @transition(
        field=state,
        source=State.INSPECTION,
        target=State.SURVEY,
        permission=_allowed("inspection.deem_by_audit"),
        conditions=_conditions(rules.AUDIT_RESULT_CHOSEN),
        custom={
            "taken_by": "inspections",
            "label": _("Deem done by an earlier audit result"),
            "payload": {"comment": True},
        },
    )
    def deem_inspection_by_audit(self) -> None: ...

    @transition(
        field=state,
        source=list(_REPORTED_OF),
        target=_next(_REPORTED_OF),
        permission=_allowed("remediation.report"),
        conditions=_conditions(rules.EVERY_DEFICIENCY_REPORTED),
        custom={"label": _("Report the remediation"), "payload": {"comment": True}},
    )
    def report_remediation(self) -> None: ...

    @transition(
        field=state,
        source=list(_ACCEPTED_OF),
        target=_next(_ACCEPTED_OF),
        permission=_allowed("remediation.decide"),
        custom={
            "taken_by": "inspections",
            "label": _("Accept the remediation without re-inspection"),
            "payload": {"comment": False},
        },
    )
    def accept_remediation(self) -> None: ...

    @transition(
        field=state,
        source=list(_REINSPECTION_OF),
        target=_next(_REINSPECTION_OF),
        permission=_allowed("remediation.decide"),
        custom={
            "taken_by": "inspections",
            "label": _("Require a re-inspection"),
            "payload": {"comment": False},
        },
    )
    def require_reinspection(self) -> None: ...

    # ③–⑥ provisioning --------------------------------------------------------------------
    @transition(
        field=state,
        source=State.SURVEY,
        target=State.CONSTRUCTION,
        permission=_allowed("survey.record"),
        conditions=_conditions(rules.registered("complete_survey")),
        custom={"label": _("Finish the survey and start line construction"), "payload": {}},
    )
    def complete_survey(self) -> None: ...

    @transition(
        field=state,
        source=State.CONSTRUCTION,
        target=State.ROUTER_INSTALLATION,
        permission=_allowed("construction.complete"),
        custom={
            "label": _("Record: line construction completed"),
            "payload": {"performed_on": True},
        },
    )
    def complete_construction(self) -> None: ...

    @transition(
        field=state,
        source=State.ROUTER_INSTALLATION,
        target=State.TERMINAL_SETUP,
        permission=_allowed("router.install"),
        custom={
            "label": _("Record: router installed"),
            "payload": {"performed_on": True, "router_serial": True},
        },
    )
    def install_router(self) -> None: ...

    @transition(
        field=state,
        source=State.TERMINAL_SETUP,
        target=State.FINAL_INSPECTION,
        permission=_allowed("final_inspection.request"),
        conditions=_conditions(rules.HAS_TERMINALS, rules.EVERY_TERMINAL_PASSED),
        custom={"label": _("Request the final on-site inspection"), "payload": {"comment": False}},
    )
    def request_final_inspection(self) -> None: ...

    # Ending early, at any step -------------------------------------------------------------
    @transition(
        field=state,
        source=OPEN_STATES,
        target=State.WITHDRAWN,
        permission=_allowed("enrollment.withdraw"),
        custom={"label": _("Withdraw (取下げ)"), "payload": {"comment": False}},
    )
    def withdraw(self) -> None: ...

    @transition(
        field=state,
        source=[s for s in OPEN_STATES if s != State.DRAFT],
        target=State.REJECTED,
        permission=_allowed("enrollment.reject"),
        custom={"label": _("Reject (却下)"), "payload": {"comment": True}},
    )
    def reject(self) -> None: ...


class FacilityBasis(models.TextChoices):
    STANDARD = "standard", _("Complies with 防衛産業サイバーセキュリティ基準 第8")
    EXCEPTION = "exception", _("Approved exception under 特約条項 第9条第5項")


PHONE = RegexValidator(
    r"\A\+?[0-9][0-9()\- ]{8,18}[0-9]\Z",
    _("Enter a telephone number of 10 to 11 digits, as in 03-3268-3111."),
    code="phone_format",
)


class Application(models.Model):
    """The 加入申請書 of a case, a draft saved part by part until it is submitted.

    The parts (会社, 拠点, 保護システム管理者, 利用端末, 日程, 加入の要件, 添付書類) are
    described in ``parts.py``; every submission is kept as an immutable ``ApplicationVersion``.
    """

    enrollment = models.OneToOneField(
        Enrollment,
        verbose_name=_("enrollment case"),
        on_delete=models.CASCADE,
        related_name="application",
    )
    # 会社 --------------------------------------------------------------------------------
    company_corporate_number = models.CharField(
        _("corporate number (法人番号)"),
        max_length=13,
        blank=True,
        validators=[validate_corporate_number],
    )
    company_name = models.CharField(_("company name"), max_length=200, blank=True)
    company_postal_code = models.CharField(
        _("postal code of the company"),
        max_length=8,
        blank=True,
        validators=[validate_postal_code],
    )
    company_prefecture = models.CharField(
        _("prefecture of the company"),
        max_length=2,
        blank=True,
        choices=PREFECTURES,
        validators=[validate_prefecture],
        error_messages={"invalid_choice": OUTSIDE_JAPAN},
    )
    company_address = models.CharField(
        _("address of the company"),
        max_length=300,
        blank=True,
        help_text=_("City, street and building, after the prefecture."),
    )
    # 拠点 and its 取扱施設等 ----------------------------------------------------------------
    site_name = models.CharField(_("site name"), max_length=200, blank=True)
    site_postal_code = models.CharField(
        _("postal code of the site"), max_length=8, blank=True, validators=[validate_postal_code]
    )
    site_prefecture = models.CharField(
        _("prefecture of the site (拠点地域)"),
        max_length=2,
        blank=True,
        choices=PREFECTURES,
        validators=[validate_prefecture],
        error_messages={"invalid_choice": OUTSIDE_JAPAN},
    )
    site_address = models.CharField(
        _("address of the site"),
        max_length=300,
        blank=True,
        help_text=_("City, street and building, after the prefecture."),
    )
    facility_name = models.CharField(
        _("name of the handling facility (取扱施設等)"), max_length=200, blank=True
    )
    facility_description = models.TextField(
        _("description of the handling facility (取扱施設等)"),
        max_length=4000,
        blank=True,
        help_text=_("Room, floor, entrance control: where the terminals will stand."),
    )
    # 保護システム管理者 (contacts are ApplicationContact rows) ---------------------------------
    psa_name = models.CharField(
        _("name of the protection system administrator (保護システム管理者)"),
        max_length=100,
        blank=True,
    )
    psa_department = models.CharField(
        _("department of the protection system administrator"), max_length=200, blank=True
    )
    psa_phone = models.CharField(
        _("telephone of the protection system administrator"),
        max_length=20,
        blank=True,
        validators=[PHONE],
    )
    psa_email = models.EmailField(_("email of the protection system administrator"), blank=True)
    # 利用端末 -------------------------------------------------------------------------------
    planned_terminals = models.PositiveSmallIntegerField(
        _("planned terminals"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(999)],
    )
    terminal_models = models.CharField(
        _("models of the planned terminals"),
        max_length=300,
        blank=True,
        help_text=_("Maker and model of each kind of terminal, as specified by the office."),
    )
    # 日程 -----------------------------------------------------------------------------------
    desired_start = models.DateField(_("desired start of use"), null=True, blank=True)
    contract_name = models.CharField(
        _("contract for which DSG is needed"), max_length=200, blank=True
    )
    contract_expected_on = models.DateField(
        _("expected date of the contract"), null=True, blank=True
    )
    schedule_request = models.TextField(
        _("schedule request (free text)"), max_length=4000, blank=True
    )
    # 加入の要件 -------------------------------------------------------------------------------
    track_record = models.TextField(
        _("track record and prospects (実績等)"),
        max_length=4000,
        blank=True,
        help_text=_("The contracts for which the company will use DSG, performed or expected."),
    )
    facility_basis = models.CharField(
        _("facility (設備)"), max_length=16, blank=True, choices=FacilityBasis.choices
    )
    equipment_confirmed = models.BooleanField(
        _("equipment (機器) meets the specification and has no unintended modification"),
        default=False,
    )
    # Latest submission (each one is an ApplicationVersion) -----------------------------------
    receipt_number = models.CharField(
        _("receipt number (到達番号)"), max_length=32, blank=True, db_index=True
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submission_count = models.PositiveSmallIntegerField(_("submissions"), default=0)

    objects: ClassVar[models.Manager[Application]] = ScopedManager(
        company="enrollment__site__company"
    )
    _default_manager: ClassVar[models.Manager[Application]]

    class Meta:
        verbose_name = _("application (加入申請書)")
        verbose_name_plural = _("applications (加入申請書)")

    def __str__(self) -> str:
        return f"{self.enrollment} application"

    def missing_parts(self) -> list[str]:
        """What still stops submission: field names and ``document:<kind>`` (see parts.py)."""
        from .parts import application_missing

        return application_missing(self)


class ApplicationContact(models.Model):
    """A contact person (連絡先) of the application, besides the protection system administrator."""

    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="contacts",
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    name = models.CharField(_("name"), max_length=100)
    department = models.CharField(_("department"), max_length=200, blank=True)
    phone = models.CharField(_("telephone"), max_length=20, validators=[PHONE])
    email = models.EmailField(_("email address"))

    objects: ClassVar[models.Manager[ApplicationContact]] = ScopedManager(
        company="application__enrollment__site__company"
    )
    _default_manager: ClassVar[models.Manager[ApplicationContact]]

    class Meta:
        verbose_name = _("contact (連絡先)")
        verbose_name_plural = _("contacts (連絡先)")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name


class ApplicationAccountHolder(models.Model):
    """An account holder (アカウント利用者) the application lists: the protection system
    administrator or a person they designate, for whom the service provider creates a DSG account
    at ⑥ (from the accepted version). Linked to the company's portal user of the same email, if
    there is one."""

    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="account_holders",
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    name = models.CharField(_("name"), max_length=100)
    department = models.CharField(_("department"), max_length=200, blank=True)
    email = models.EmailField(_("email address"))
    person = models.ForeignKey(
        User,
        verbose_name=_("portal user"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )

    objects: ClassVar[models.Manager[ApplicationAccountHolder]] = ScopedManager(
        company="application__enrollment__site__company"
    )
    _default_manager: ClassVar[models.Manager[ApplicationAccountHolder]]

    class Meta:
        verbose_name = _("account holder (アカウント利用者)")
        verbose_name_plural = _("account holders (アカウント利用者)")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "email"], name="application_account_holder_once"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ReviewDecision(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted (受理)")
    RETURNED = "returned", _("Returned for correction (補正)")


class ApplicationVersion(models.Model):
    """One submission of the application, frozen: what was sent, when, under which 到達番号."""

    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="versions",
    )
    number = models.PositiveSmallIntegerField(_("version"))
    receipt_number = models.CharField(_("receipt number (到達番号)"), max_length=32, unique=True)
    submitted_at = models.DateTimeField(_("submitted at"))
    submitted_by = models.ForeignKey(
        User, verbose_name=_("submitted by"), on_delete=models.PROTECT, related_name="+"
    )
    snapshot = models.JSONField(_("snapshot of every part"), default=dict)
    review_started_at = models.DateTimeField(_("review started at"), null=True, blank=True)
    review_started_by = models.ForeignKey(
        User,
        verbose_name=_("review started by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    decision = models.CharField(
        _("decision"), max_length=16, blank=True, choices=ReviewDecision.choices
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        User,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    objects: ClassVar[models.Manager[ApplicationVersion]] = ScopedManager(
        company="application__enrollment__site__company"
    )
    _default_manager: ClassVar[models.Manager[ApplicationVersion]]

    class Meta:
        verbose_name = _("submitted version of the application")
        verbose_name_plural = _("submitted versions of the application")
        ordering = ["application", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "number"], name="application_version_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application.enrollment} v{self.number} ({self.receipt_number})"


class ReviewComment(models.Model):
    """The reviewer's comment on one part of a submitted version (補正の指摘)."""

    version = models.ForeignKey(
        ApplicationVersion,
        verbose_name=_("submitted version"),
        on_delete=models.CASCADE,
        related_name="comments",
    )
    part = models.CharField(_("part of the application"), max_length=20)
    text = models.TextField(_("comment"), max_length=4000)
    author = models.ForeignKey(
        User, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects: ClassVar[models.Manager[ReviewComment]] = ScopedManager(
        company="version__application__enrollment__site__company"
    )
    _default_manager: ClassVar[models.Manager[ReviewComment]]

    class Meta:
        verbose_name = _("review comment")
        verbose_name_plural = _("review comments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.version} {self.part}"


class StepRecord(models.Model):
    """What happened at a step: who did which transition, when, with what comment or data."""

    enrollment = models.ForeignKey(
        Enrollment,
        verbose_name=_("enrollment case"),
        on_delete=models.CASCADE,
        related_name="records",
    )
    transition = models.CharField(_("transition"), max_length=40)
    step = models.PositiveSmallIntegerField(_("step"))
    from_state = models.CharField(_("from state"), max_length=40, choices=State.choices)
    to_state = models.CharField(_("to state"), max_length=40, choices=State.choices)
    actor = models.ForeignKey(
        User, verbose_name=_("actor"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    performed_on = models.DateField(_("performed on"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    objects: ClassVar[models.Manager[StepRecord]] = ScopedManager(
        company="enrollment__site__company"
    )
    _default_manager: ClassVar[models.Manager[StepRecord]]

    class Meta:
        verbose_name = _("step record")
        verbose_name_plural = _("step records")
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.enrollment} {self.transition}"
