"""The parts of the 加入申請書 and what each still misses: the task list, the rule, the snapshot.

Pure functions over an ``Application`` and its documents; the documents are read once through
``dsg.documents.selectors.documents_of_kinds``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from dsg.documents.models import DocumentKind
from dsg.documents.selectors import documents_of_kinds
from dsg.orgs.japan import prefecture_for_postal_code

if TYPE_CHECKING:
    from .models import Application

COMPLETE, INCOMPLETE, BLOCKED = "complete", "incomplete", "blocked"
STATUS_LABELS = {
    COMPLETE: _("Complete (完了)"),
    INCOMPLETE: _("Not complete (未完了)"),
    BLOCKED: _("Cannot start yet (まだ始められません)"),
}
MAX_CONTACTS = 10
# (postal code, prefecture) of the company's and the site's address.
ADDRESSES = (
    ("company_postal_code", "company_prefecture"),
    ("site_postal_code", "site_prefecture"),
)
MAX_ACCOUNT_HOLDERS = 20


@dataclass(frozen=True)
class Part:
    key: str
    label: Promise
    fields: tuple[str, ...]
    required: tuple[str, ...]
    depends_on: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()  # document kinds uploaded on this part's page


PARTS: tuple[Part, ...] = (
    Part(
        "company",
        _("Company (会社)"),
        (
            "company_corporate_number",
            "company_name",
            "company_postal_code",
            "company_prefecture",
            "company_address",
        ),
        (
            "company_corporate_number",
            "company_name",
            "company_postal_code",
            "company_prefecture",
            "company_address",
        ),
    ),
    Part(
        "site",
        _("Site and handling facility (拠点・取扱施設等)"),
        (
            "site_name",
            "site_postal_code",
            "site_prefecture",
            "site_address",
            "facility_name",
            "facility_description",
        ),
        ("site_name", "site_postal_code", "site_prefecture", "site_address", "facility_name"),
    ),
    Part(
        "contacts",
        _("Protection system administrator and contacts (保護システム管理者・連絡先)"),
        ("psa_name", "psa_department", "psa_phone", "psa_email"),
        ("psa_name", "psa_department", "psa_phone", "psa_email"),
        depends_on=("company",),
    ),
    Part(
        "account_holders",
        _("Account holders (アカウント利用者)"),
        (),
        (),
    ),
    Part(
        "terminals",
        _("Planned terminals (利用端末)"),
        ("planned_terminals", "terminal_models"),
        ("planned_terminals", "terminal_models"),
        depends_on=("site",),
    ),
    Part(
        "schedule",
        _("Start of use, contract and schedule (利用開始・契約・日程)"),
        ("desired_start", "contract_name", "contract_expected_on", "schedule_request"),
        ("desired_start", "contract_name"),
    ),
    Part(
        "requirements",
        _("The four requirements (加入の要件)"),
        ("track_record", "facility_basis", "equipment_confirmed"),
        ("track_record", "facility_basis", "equipment_confirmed"),
        depends_on=("site",),
        documents=("contract_evidence", "facility_exception"),
    ),
    Part(
        "documents",
        _("Attached documents (添付書類)"),
        (),
        (),
        depends_on=("site",),
        documents=("layout", "audit_result"),
    ),
)
PART_OF = {part.key: part for part in PARTS}
PART_KEYS = tuple(PART_OF)
APPLICATION_FIELDS = tuple(name for part in PARTS for name in part.fields)
# Review comments may be about one part or the whole application.
COMMENT_PARTS = (*PART_KEYS, "general")


@dataclass
class Task:
    part: Part
    status: str
    missing: list[Any] = field(default_factory=list)  # plain-language messages
    missing_keys: list[str] = field(default_factory=list)  # field names, document:<kind>

    @property
    def status_label(self) -> Promise:
        return STATUS_LABELS[self.status]


def documents_by_kind(application: Application) -> dict[str, list[Any]]:
    """The case's current documents of the kinds the application uses, newest first."""
    kinds = sorted({kind for part in PARTS for kind in part.documents})
    return documents_of_kinds(application.enrollment, kinds)


def application_field(name: str) -> models.Field[Any, Any]:
    """The column of ``Application`` that holds the part field ``name``."""
    from .models import Application

    field = Application._meta.get_field(name)
    if not isinstance(field, models.Field):  # the parts name columns, never a reverse relation
        raise ImproperlyConfigured(f"{name!r} is not a column of the application")
    return field


def _label(application: Application, name: str) -> Any:
    return application_field(name).verbose_name


def _part_missing(
    application: Application, part: Part, docs: dict[str, list[Any]]
) -> tuple[list[Any], list[str]]:
    messages: list[Any] = []
    keys: list[str] = []
    for name in part.required:
        if getattr(application, name) in ("", None, False):
            keys.append(name)
            if name == "equipment_confirmed":
                messages.append(
                    _(
                        "機器: confirm that the terminals meet the specified specification and "
                        "have no unintended modification."
                    )
                )
            else:
                messages.append(
                    _("“{label}” is not filled in.").format(
                        label=str(_label(application, name)).capitalize()
                    )
                )
    if part.key == "requirements":
        if not docs.get("contract_evidence"):
            keys.append("document:contract_evidence")
            messages.append(
                _(
                    "実績等: upload the evidence of the contracts "
                    "(契約への従事の実績や見込み等を証する資料)."
                )
            )
        if application.facility_basis == "exception" and not docs.get("facility_exception"):
            keys.append("document:facility_exception")
            messages.append(
                _("設備: upload the document of the approved exception (特約条項 第9条第5項).")
            )
    if part.key == "account_holders" and not application.account_holders.exists():
        keys.append("account_holders")
        messages.append(
            _(
                "Name at least one account holder (アカウント利用者): the protection system "
                "administrator or a person they designate."
            )
        )
    if part.key == "schedule":
        _past_dates(application, keys, messages)
    _mismatched_addresses(application, part, keys, messages)
    if part.key == "documents" and not docs.get("layout"):
        keys.append("document:layout")
        messages.append(_("Upload the layout diagram (レイアウト図) of the handling facility."))
    return messages, keys


# The dates that may not have passed when the application is submitted: a draft saved with a
# date that has since passed says so (application_services refuses them when entered).
NOT_PASSED = {
    "desired_start": _("“{label}” ({date}) has passed: enter a date from today on."),
    "contract_expected_on": _(
        "“{label}” ({date}) has passed: enter the new expected date, or leave it empty if the "
        "contract has been concluded."
    ),
}


def _past_dates(application: Application, keys: list[str], messages: list[Any]) -> None:
    today = timezone.localdate()
    for name, message in NOT_PASSED.items():
        day = getattr(application, name)
        if day is not None and day < today:
            keys.append(name)
            messages.append(
                message.format(
                    label=str(_label(application, name)).capitalize(), date=day.isoformat()
                )
            )


def _mismatched_addresses(
    application: Application, part: Part, keys: list[str], messages: list[Any]
) -> None:
    """A draft saved before the postal code was checked against its prefecture says so
    (application_services refuses a mismatch when entered)."""
    for postal, prefecture in ADDRESSES:
        if postal not in part.fields:
            continue
        try:
            prefecture_for_postal_code(
                getattr(application, postal), getattr(application, prefecture)
            )
        except ValidationError as error:
            keys.append(postal)
            messages.append(error.messages[0])


def application_tasks(
    application: Application, docs: dict[str, list[Any]] | None = None
) -> list[Task]:
    """Each part as complete, not complete, or blocked by a part it depends on."""
    docs = documents_by_kind(application) if docs is None else docs
    tasks: dict[str, Task] = {}
    for part in PARTS:
        messages, keys = _part_missing(application, part, docs)
        blockers = [p for p in part.depends_on if tasks[p].status != COMPLETE]
        if blockers:
            first = [_("First complete “{part}”.").format(part=PART_OF[p].label) for p in blockers]
            tasks[part.key] = Task(part, BLOCKED, first + messages, keys)
        else:
            tasks[part.key] = Task(part, INCOMPLETE if keys else COMPLETE, messages, keys)
    return list(tasks.values())


def application_missing(
    application: Application, docs: dict[str, list[Any]] | None = None
) -> list[str]:
    return [key for task in application_tasks(application, docs) for key in task.missing_keys]


def application_missing_messages(
    application: Application, docs: dict[str, list[Any]] | None = None
) -> list[Any]:
    """What stops submission, in plain words, part by part ("Part: message")."""
    return [
        _("{part}: {message}").format(part=task.part.label, message=message)
        for task in application_tasks(application, docs)
        if task.status != COMPLETE
        for message in task.missing
    ]


# Snapshot of a submission, and its rows for display, comparison and Excel ---------------------


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def application_snapshot(
    application: Application,
    contacts: list[Any],
    docs: dict[str, list[Any]],
    holders: list[Any] | None = None,
) -> dict[str, Any]:
    """Everything a submission sends: each part's fields, the contacts, the account holders
    (with the portal user each is linked to, if any) and the documents."""
    holders = list(application.account_holders.all()) if holders is None else holders
    return {
        "parts": {
            part.key: {name: _json_value(getattr(application, name)) for name in part.fields}
            for part in PARTS
        },
        "contacts": [
            {"name": c.name, "department": c.department, "phone": c.phone, "email": c.email}
            for c in contacts
        ],
        "account_holders": [
            {"name": h.name, "department": h.department, "email": h.email, "person": h.person_id}
            for h in holders
        ],
        "documents": [
            {"id": d.pk, "kind": d.kind, "filename": d.filename, "sha256": d.sha256}
            for kind in sorted(docs)
            for d in docs[kind]
        ],
        "site_location": {"prefecture": application.site_prefecture, "in_japan": True},
    }


CONTACT_FIELDS = ("name", "department", "phone", "email")
CONTACT_LABELS = {
    "name": _("name"),
    "department": _("department"),
    "phone": _("telephone"),
    "email": _("email address"),
}


ACCOUNT_HOLDER_FIELDS = ("name", "department", "email")


def account_sheet(snapshot: dict[str, Any]) -> dict[str, Any]:
    """What the service provider reads of a submitted version to create the accounts (⑥): the
    protection system administrator, the contacts and the account holders — nothing else."""
    psa = snapshot.get("parts", {}).get("contacts", {})
    return {
        "psa": {name: psa.get(name, "") for name in PART_OF["contacts"].fields},
        "contacts": [
            {name: c.get(name, "") for name in CONTACT_FIELDS} for c in snapshot.get("contacts", [])
        ],
        "account_holders": [
            {name: h.get(name, "") for name in ACCOUNT_HOLDER_FIELDS}
            for h in snapshot.get("account_holders", [])
        ],
    }


def snapshot_rows(snapshot: dict[str, Any]) -> list[tuple[str, str, Any, str]]:
    """(part key, row key, label, display value) for every value of a snapshot."""
    rows: list[tuple[str, str, Any, str]] = []
    for part in PARTS:
        values = snapshot.get("parts", {}).get(part.key, {})
        for name in part.fields:
            model_field = application_field(name)
            rows.append(
                (part.key, name, model_field.verbose_name, display(model_field, values.get(name)))
            )
    for index, contact in enumerate(snapshot.get("contacts", []), start=1):
        for name in CONTACT_FIELDS:
            label = _("Contact {n}: {field}").format(n=index, field=CONTACT_LABELS[name])
            rows.append(("contacts", f"contact_{index}_{name}", label, contact.get(name, "")))
    for index, holder in enumerate(snapshot.get("account_holders", []), start=1):
        for name in ACCOUNT_HOLDER_FIELDS:
            label = _("Account holder {n}: {field}").format(n=index, field=CONTACT_LABELS[name])
            rows.append(
                ("account_holders", f"account_holder_{index}_{name}", label, holder.get(name, ""))
            )
    for document in snapshot.get("documents", []):
        rows.append(
            (
                "requirements"
                if document["kind"] in PART_OF["requirements"].documents
                else "documents",
                f"document_{document['id']}",
                document_kind_label(document["kind"]),
                f"{document['filename']} (SHA-256 {document['sha256'][:16]}…)",
            )
        )
    return rows


def document_kind_label(kind: str) -> Any:
    return dict(DocumentKind.choices).get(kind, kind)


def display(model_field: Any, value: Any) -> str:
    """A stored value as the page shows it: choice labels, はい/いいえ, ISO dates, — for empty."""
    if value in (None, ""):
        return "—"
    if isinstance(value, bool):
        return str(_("Yes")) if value else str(_("No"))
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    return str(value)
