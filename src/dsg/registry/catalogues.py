"""The provider's two software catalogues (§5②): 導入必須ソフトウェア and the ホワイトリスト.

Each is published as a whole, in versions: the latest version is the one in force. Every entry
names the software, its vendor and its version (or a range, see ``versions.py``) and, where
known, the SHA-256 of its file and, for a Windows executable, its Authenticode hash and signer.
The catalogues belong to no company: every signed-in role reads them (a PSA reads the whitelist
to know whether to file a request); the provider's staff publish them. A new version is checked
whole — a refusal names every row at fault and changes nothing — and written in one
transaction with its ledger event and the office's mail.

The workbook side (import and export as .xlsx, export as CSV) is ``catalogue_files.py``.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, cast

from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dsg.audit.services import audit_record
from dsg.core.errors import NotVisible, RuleViolation
from dsg.core.prepared import PreparedCache, PreparedQuery
from dsg.notifications.services import mail_queue
from dsg.orgs.models import Role, User
from dsg.orgs.permissions import require_permission
from dsg.orgs.selectors import emails_of

from .models import CatalogueEntry, CatalogueKind, SoftwareCatalogue
from .versions import fold, version_admits, version_spec

FIELDS = ("name", "vendor", "version", "sha256", "authenticode_sha256", "signer")
REQUIRED = ("name", "vendor", "version")
HASHES = ("sha256", "authenticode_sha256")
LABELS = {
    "name": _("Software name"),
    "vendor": _("Vendor"),
    "version": pgettext_lazy("software", "Version"),
    "sha256": _("SHA-256"),
    "authenticode_sha256": _("Authenticode hash"),
    "signer": _("Signer"),
}
# The catalogues' short names, as the setup media, the files and the mails name them.
SHORT_NAMES = {
    CatalogueKind.MANDATORY: "導入必須ソフトウェア",
    CatalogueKind.WHITELIST: "ホワイトリスト",
}
NAMES = {
    CatalogueKind.MANDATORY: _("Mandatory software (導入必須ソフトウェア)"),
    CatalogueKind.WHITELIST: _("Whitelist (ホワイトリスト)"),
}
MAX_ENTRIES = 5000
MAX_PROBLEMS = 50  # listed in one refusal; the rest are counted
NOTE_MAX = 2000
SEARCH_MAX = 100
MAX_LENGTHS = {"name": 200, "vendor": 200, "version": 100, "signer": 200}  # the model's
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


# Input ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EntryInput:
    """One entry as given: a row of a workbook (``row``: its number in the sheet), of the API's
    list or of the page's rows (``row``: its number in the list, counted from 1)."""

    name: str = ""
    vendor: str = ""
    version: str = ""
    sha256: str = ""
    authenticode_sha256: str = ""
    signer: str = ""
    row: int = 0

    def values(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in FIELDS}


class Places(Protocol):
    """Where an entry came from, as a refusal names it."""

    def cell(self, row: int, name: str) -> Any: ...

    def rows(self, rows: Sequence[int]) -> Any: ...


class ListPlaces:
    """Entries of a list (the API's, the page's rows): "3件目"."""

    def cell(self, row: int, name: str) -> Any:
        return format_lazy(_("Entry {row}"), row=row)

    def rows(self, rows: Sequence[int]) -> Any:
        return format_lazy(_("Entries {rows}"), rows=", ".join(str(r) for r in rows))


@dataclass(frozen=True)
class SheetPlaces:
    """Rows of a sheet: 「シート"ホワイトリスト" 12行目 D列」."""

    sheet: str
    columns: dict[str, str] = field(default_factory=dict)  # field -> column letter

    def cell(self, row: int, name: str) -> Any:
        return format_lazy(
            _('Sheet "{sheet}", row {row}, column {column}'),
            sheet=self.sheet,
            row=row,
            column=self.columns.get(name, "?"),
        )

    def rows(self, rows: Sequence[int]) -> Any:
        return format_lazy(
            _('Sheet "{sheet}", rows {rows}'),
            sheet=self.sheet,
            rows=", ".join(str(r) for r in rows),
        )


class CatalogueInvalid(RuleViolation):
    """A catalogue refused whole: ``problems`` names each row and column at fault; ``cells``
    holds the same faults of single fields as (entry's row, field, message), for a page that
    shows each beside its input."""

    def __init__(
        self,
        problems: list[Any],
        *,
        field: str = "entries",
        cells: Sequence[tuple[int, str, Any]] = (),
    ) -> None:
        shown = [str(p) for p in problems[:MAX_PROBLEMS]]
        if len(problems) > MAX_PROBLEMS:
            shown.append(str(_("… and {count} more.").format(count=len(problems) - MAX_PROBLEMS)))
        super().__init__("\n".join(shown), code="catalogue_invalid", status=422, field=field)
        self.problems = shown
        self.cells = list(cells)


def _problem(place: Any, message: Any) -> Any:
    return format_lazy(_("{place}: {problem}"), place=place, problem=message)


def _printable(value: str) -> str:
    """``value`` without control characters (a workbook cannot hold them)."""
    return "".join(
        ch for ch in str(value or "") if unicodedata.category(ch) != "Cc" or ch in "\t\n"
    )


def _clean_text(value: str) -> str:
    return " ".join(_printable(value).split())


def _clean_hash(value: str) -> str:
    return "".join(unicodedata.normalize("NFKC", _printable(value)).split()).lower()


def _field_problem(name: str, value: str) -> Any | None:
    label = LABELS[name]
    if name in REQUIRED and not value:
        return format_lazy(_("{label} is required."), label=label)
    if name in HASHES:
        if value and not _HEX64.match(value):
            return format_lazy(_("{label} must be 64 hexadecimal digits."), label=label)
        return None
    if len(value) > MAX_LENGTHS[name]:
        return format_lazy(
            _("{label} is too long (at most {limit} characters)."),
            label=label,
            limit=MAX_LENGTHS[name],
        )
    if name == "version":
        try:
            version_spec(value)
        except ValueError:
            return format_lazy(
                _(
                    "{label}: write one version, a range such as 1.2 – 1.4, or bounds such as "
                    ">=1.2 or >=1.2, <2.0."
                ),
                label=label,
            )
    return None


def _clean(entry: EntryInput, row: int) -> EntryInput:
    values = {
        name: _clean_hash(value) if name in HASHES else _clean_text(value)
        for name, value in entry.values().items()
    }
    return EntryInput(**values, row=entry.row or row)


def entries_check(entries: Sequence[EntryInput], places: Places | None = None) -> list[EntryInput]:
    """The entries cleaned (spaces trimmed, hashes in lower case), or ``CatalogueInvalid``
    naming every row and column at fault and every set of rows listing the same software."""
    places = places or ListPlaces()
    if not entries:
        raise RuleViolation(
            _("The catalogue has no entries."), code="catalogue_empty", status=422, field="entries"
        )
    if len(entries) > MAX_ENTRIES:
        raise RuleViolation(
            _("A catalogue holds at most {limit} entries.").format(limit=MAX_ENTRIES),
            code="catalogue_too_large",
            status=422,
            field="entries",
        )
    clean = [_clean(entry, n) for n, entry in enumerate(entries, 1)]
    problems: list[Any] = []
    cells: list[tuple[int, str, Any]] = []
    seen: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for entry in clean:
        for name, value in entry.values().items():
            message = _field_problem(name, value)
            if message is not None:
                problems.append(_problem(places.cell(entry.row, name), message))
                cells.append((entry.row, name, message))
        seen[(fold(entry.name), fold(entry.vendor), fold(entry.version))].append(entry.row)
    for rows in seen.values():
        if len(rows) > 1:
            problems.append(
                _problem(
                    places.rows(rows),
                    _("the same software name, vendor and version are listed more than once."),
                )
            )
    if problems:
        raise CatalogueInvalid(problems, cells=cells)
    return clean


def catalogue_digest(entries: Iterable[Any]) -> str:
    """The SHA-256 of the entries in their order (what the ledger records of a version)."""
    rows = [[getattr(entry, name) for name in FIELDS] for entry in entries]
    text = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# Publishing ---------------------------------------------------------------------------------
def _kind(kind: str) -> str:
    if kind not in CatalogueKind.values:
        raise RuleViolation(
            _("There is no such catalogue."), code="catalogue_unknown", status=422, field="kind"
        )
    return kind


def _conflict() -> RuleViolation:
    return RuleViolation(
        _(
            "Another version of this catalogue was published at the same moment: reload and "
            "try again."
        ),
        code="catalogue_conflict",
    )


def catalogue_publish(
    *,
    kind: str,
    entries: Sequence[EntryInput],
    note: str,
    actor: User,
    places: Places | None = None,
) -> SoftwareCatalogue:
    """The provider publishes a new version of a catalogue (the previous version + 1), which is
    in force from now on: its entries checked whole, written in one transaction with the ledger
    event ``catalogue.publish`` and a mail to the office's reviewers. Entries the same as the
    version in force are refused (nothing to publish)."""
    require_permission(actor=actor, action="catalogue.publish")
    kind = _kind(kind)
    clean = entries_check(entries, places)
    note = (note or "").strip()[:NOTE_MAX]
    digest = catalogue_digest(clean)
    try:
        with transaction.atomic():
            previous = catalogue_in_force(kind)
            if previous is not None and catalogue_digest(previous.entries.all()) == digest:
                raise RuleViolation(
                    _(
                        "The entries are the same as version {version} in force: nothing to "
                        "publish."
                    ).format(version=previous.version),
                    code="catalogue_unchanged",
                    status=422,
                    field="entries",
                )
            catalogue = SoftwareCatalogue.objects.create(
                kind=kind,
                version=previous.version + 1 if previous else 1,
                note=note,
                published_by=actor,
            )
            CatalogueEntry.objects.bulk_create(
                CatalogueEntry(catalogue=catalogue, position=n, **entry.values())
                for n, entry in enumerate(clean, 1)
            )
            _publish_audit(actor, catalogue, len(clean), digest)
            _publish_mail(actor, catalogue, len(clean))
    except IntegrityError as error:
        raise _conflict() from error
    return catalogue


def _publish_audit(actor: User, catalogue: SoftwareCatalogue, count: int, digest: str) -> None:
    audit_record(
        actor=actor,
        action="catalogue.publish",
        obj=catalogue,
        after={
            "kind": catalogue.kind,
            "version": catalogue.version,
            "entries": count,
            "digest": digest,
            "note": catalogue.note,
        },
    )


def catalogue_url(catalogue: SoftwareCatalogue) -> str:
    return f"/catalogues/{catalogue.kind}/v{catalogue.version}/"


def _publish_mail(actor: User, catalogue: SoftwareCatalogue, count: int) -> None:
    """The office's reviewers hear that a new version is in force."""
    name = NAMES[CatalogueKind(catalogue.kind)]
    lines: list[Any] = [
        format_lazy(
            _("{catalogue}: version {version} ({count} entries) is in force from now on."),
            catalogue=name,
            version=catalogue.version,
            count=count,
        )
    ]
    if catalogue.note:
        lines.append(format_lazy(_("What changed: {note}"), note=catalogue.note))
    mail_queue(
        to=emails_of(roles=[Role.REVIEWER]),
        exclude=[actor.email],
        about=f"{SHORT_NAMES[CatalogueKind(catalogue.kind)]} v{catalogue.version}",
        subject=_("a new version of the software catalogue is in force"),
        lines=lines,
        link=catalogue_url(catalogue),
        kind="catalogue.publish",
    )


# Reads ---------------------------------------------------------------------------------------
def catalogue_readable(user: Any) -> None:
    """Every signed-in role reads the catalogues; anyone else is refused (403)."""
    require_permission(actor=user, action="catalogue.read")


def _entries(search: str = "") -> Prefetch[Any]:
    entries = CatalogueEntry.objects.order_by("position")
    search = (search or "").strip()[:SEARCH_MAX]
    if search:
        entries = entries.filter(Q(name__icontains=search) | Q(vendor__icontains=search))
    return Prefetch("entries", queryset=entries)


def _catalogues(kind: str, search: str = "") -> QuerySet[SoftwareCatalogue]:
    return (
        SoftwareCatalogue.objects.filter(kind=kind)
        .select_related("published_by")
        .prefetch_related(_entries(search))
        .order_by("-version")
    )


def catalogue_in_force(kind: str, *, search: str = "") -> SoftwareCatalogue | None:
    """The latest version of the catalogue with its entries (prefetched, in order; only those
    whose name or vendor contains ``search`` when given), or None before the first."""
    return _catalogues(kind, search).first()


def catalogue_version(kind: str, version: int) -> SoftwareCatalogue:
    """One version with its entries; NotVisible (404) when there is none."""
    catalogue = (
        _catalogues(kind).filter(version=version).first() if kind in CatalogueKind.values else None
    )
    if catalogue is None:
        raise NotVisible()
    return catalogue


def catalogue_previous(catalogue: SoftwareCatalogue) -> SoftwareCatalogue | None:
    """The version before ``catalogue`` with its entries, or None for the first."""
    return _catalogues(catalogue.kind).filter(version__lt=catalogue.version).first()


def catalogue_versions(kind: str) -> QuerySet[SoftwareCatalogue]:
    """Every version of the catalogue, newest first, with who published it and its number of
    entries (``entry_count``): one query."""
    return (
        SoftwareCatalogue.objects.filter(kind=kind)
        .select_related("published_by")
        .annotate(entry_count=Count("entries"))
        .order_by("-version")
    )


def catalogues_in_force_summary() -> list[SoftwareCatalogue]:
    """The version in force of each catalogue published so far, with who published it and its
    number of entries (``entry_count``), without the entries: one query, kept compiled (it
    reads no person and no clock; the dashboards of the office and the provider ask it on each
    view, and building and compiling it cost more than running it, #14)."""
    query = _SUMMARY.get(("in_force",), lambda: PreparedQuery(_in_force_summary(), []))
    return cast(list[SoftwareCatalogue], query.objects([]))


_SUMMARY: PreparedCache[PreparedQuery] = PreparedCache(size=4)


def _in_force_summary() -> QuerySet[SoftwareCatalogue]:
    latest = SoftwareCatalogue.objects.filter(kind=OuterRef("kind")).order_by("-version")
    return (
        SoftwareCatalogue.objects.filter(pk=Subquery(latest.values("pk")[:1]))
        .select_related("published_by")
        .annotate(entry_count=Count("entries"))
        .order_by("kind")
    )


def catalogue_match(kind: str, name: str, vendor: str, version: str) -> CatalogueEntry | None:
    """The entry of the catalogue in force that lists the software: the same name and vendor
    (case and full-width letters aside) and ``version`` equal to its version or within its
    range; the first by position, or None."""
    catalogue = catalogue_in_force(kind)
    if catalogue is None:
        return None
    wanted = (fold(name), fold(vendor))
    for entry in catalogue.entries.all():
        if (fold(entry.name), fold(entry.vendor)) == wanted and version_admits(
            entry.version, version
        ):
            return entry
    return None


def whitelist_match(name: str, vendor: str, version: str) -> CatalogueEntry | None:
    """The entry of the ホワイトリスト in force that admits this software, or None: software it
    admits may be installed without a request."""
    return catalogue_match(CatalogueKind.WHITELIST, name, vendor, version)


# Differences between two versions ------------------------------------------------------------
@dataclass(frozen=True)
class Changed:
    before: CatalogueEntry
    after: CatalogueEntry
    fields: tuple[str, ...]  # the fields that differ

    @property
    def parts(self) -> list[tuple[Any, str, str]]:
        """(label, before, after) of each field that differs."""
        return [(LABELS[n], getattr(self.before, n), getattr(self.after, n)) for n in self.fields]


@dataclass(frozen=True)
class CatalogueDiff:
    added: list[CatalogueEntry]
    removed: list[CatalogueEntry]
    changed: list[Changed]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def _identity(entry: CatalogueEntry) -> tuple[str, str, str]:
    return (fold(entry.name), fold(entry.vendor), fold(entry.version))


def _changed(before: CatalogueEntry, after: CatalogueEntry) -> Changed | None:
    fields = tuple(n for n in FIELDS if getattr(before, n) != getattr(after, n))
    return Changed(before, after, fields) if fields else None


def catalogue_diff(
    before: Sequence[CatalogueEntry], after: Sequence[CatalogueEntry]
) -> CatalogueDiff:
    """What a version changed: entries added, removed, and changed — the same software (name,
    vendor, version) with other hashes or signer, or the one entry of a name and vendor on
    each side with another version."""
    old = {_identity(e): e for e in before}
    new = {_identity(e): e for e in after}
    changed = [c for key in old.keys() & new.keys() if (c := _changed(old[key], new[key]))]
    gone = [e for key, e in old.items() if key not in new]
    came = [e for key, e in new.items() if key not in old]
    by_name: dict[tuple[str, str], tuple[list[CatalogueEntry], list[CatalogueEntry]]] = {}
    for side, entries in ((0, gone), (1, came)):
        for entry in entries:
            by_name.setdefault(_identity(entry)[:2], ([], []))[side].append(entry)
    for olds, news in by_name.values():
        if len(olds) == len(news) == 1 and (c := _changed(olds[0], news[0])):
            changed.append(c)
            gone.remove(olds[0])
            came.remove(news[0])
    return CatalogueDiff(
        added=sorted(came, key=lambda e: e.position),
        removed=sorted(gone, key=lambda e: e.position),
        changed=sorted(changed, key=lambda c: c.after.position),
    )


def entries_of(catalogue: SoftwareCatalogue) -> list[EntryInput]:
    """A version's entries as input (to edit and publish again)."""
    return [
        replace(EntryInput(**{n: getattr(e, n) for n in FIELDS}), row=e.position)
        for e in catalogue.entries.all()
    ]
