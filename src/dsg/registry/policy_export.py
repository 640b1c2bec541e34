"""Policies a terminal can enforce, written from the approved registries of one site (§5②③).

The provider's operators configure the terminals (基準: only approved software is started, only
approved removable media are connected). Three formats:

- ``usbguard``: USBGuard rules (usbguard-rules.conf(5)) allowing the site's standing removable
  media by ``id`` (vendor:product), ``serial`` and ``hash`` where the registry has them, each
  commented with the medium's 媒体番号 and custodian, and ending with a ``block`` rule: whatever
  the daemon's ImplicitPolicyTarget says, every other device is blocked.
- ``fapolicyd``: a rules.d file (fapolicyd.rules(5)) of ``sha256hash`` rules, not trust
  entries: a trust file (fapolicyd.trust(5)) names each file by path and size as well as
  hash, and the registry knows neither — the same software sits under other paths on
  different terminals. A ``sha256hash`` rule trusts the bytes wherever they are.
- ``santa``: Santa's rule JSON (``santactl rule --import``, the sync server's rule objects),
  BINARY rules by SHA-256 only: an Authenticode hash or a signer has no Santa equivalent
  (Santa's TEAMID/SIGNINGID rules are macOS code signing).

What is allowed: the site's standing media (a medium leaves with its confirmed disposal),
software approved on a standing terminal of the site and the entries of the mandatory catalogue
in force (導入必須ソフトウェア); what is blocked (fapolicyd and Santa): software declared
preinstalled that is 起動・使用禁止 until approved, or refused. One file serves the whole site,
so a SHA-256 both approved on one terminal and blocked on another is blocked (fail closed, said
in the rule's comment) unless the mandatory catalogue requires it. Software without a SHA-256
cannot be enforced by hash; the header counts it.

The same registry gives the same bytes: rules are sorted by stable keys and nothing carries a
time. The header names the site (拠点番号), the company's 法人番号 and the SHA-256 of the rules
under the header, so two exports are compared by that line alone.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Prefetch, QuerySet

from dsg.audit.services import audit_record
from dsg.orgs.models import Site, User
from dsg.orgs.permissions import require_permission

from .models import (
    CatalogueEntry,
    CatalogueKind,
    RemovableMedium,
    SoftwareCatalogue,
    SoftwareState,
    Terminal,
    TerminalSoftware,
    terminal_ref,
)
from .selectors import STANDING

FORMATS = ("usbguard", "fapolicyd", "santa")
BLOCKED_STATES = (SoftwareState.PROHIBITED, SoftwareState.REFUSED)
# The words of the files: fixed, whatever the language of whoever exports (the same bytes).
STATE_WORDS = {
    SoftwareState.PROHIBITED: "declared, not to be started until approved (起動・使用禁止)",
    SoftwareState.REFUSED: "refused (不承認・使用禁止)",
}


@dataclass(frozen=True)
class PolicyFile:
    """One export: the file's text, the SHA-256 of its rules (as its header prints it)."""

    site_ref: str
    format: str
    text: str
    sha256: str

    @property
    def filename(self) -> str:
        """The name to install it under (the rules.d position is part of the name)."""
        return {
            "usbguard": f"90-dsg-{self.site_ref}.conf",
            "fapolicyd": f"35-dsg-{self.site_ref}.rules",
            "santa": f"dsg-{self.site_ref}.santa.json",
        }[self.format]

    @property
    def content_type(self) -> str:
        if self.format == "santa":
            return "application/json; charset=utf-8"
        return "text/plain; charset=utf-8"


# What a site's policy is made of ------------------------------------------------------------
def policy_media(site: Site) -> QuerySet[RemovableMedium]:
    """The site's standing removable media (a confirmed disposal takes a medium out), with the
    standing terminals each may be used on, in two queries."""
    terminals = Terminal.objects.filter(STANDING).order_by("pk")
    return (
        RemovableMedium.objects.filter(STANDING, site=site)
        .prefetch_related(Prefetch("terminals", queryset=terminals))
        .order_by("pk")
    )


def policy_software(site: Site) -> QuerySet[TerminalSoftware]:
    """The software of the site's standing terminals that a policy names by its SHA-256:
    approved, or declared preinstalled and 起動・使用禁止 or refused (one query)."""
    return (
        TerminalSoftware.objects.filter(
            terminal__in=Terminal.objects.filter(STANDING, site=site),
            state__in=[SoftwareState.APPROVED, *BLOCKED_STATES],
        )
        .exclude(sha256="")
        .order_by("sha256", "terminal_id", "pk")
    )


def policy_unhashed_count(site: Site) -> int:
    """Approved software of the site's standing terminals with no SHA-256: not enforceable."""
    return TerminalSoftware.objects.filter(
        terminal__in=Terminal.objects.filter(STANDING, site=site),
        state=SoftwareState.APPROVED,
        sha256="",
    ).count()


def mandatory_catalogue() -> SoftwareCatalogue | None:
    """The mandatory catalogue in force (its latest version), or None before the first."""
    return (
        SoftwareCatalogue.objects.filter(kind=CatalogueKind.MANDATORY).order_by("-version").first()
    )


def catalogue_entries(catalogue: SoftwareCatalogue | None) -> list[CatalogueEntry]:
    if catalogue is None:
        return []
    return list(catalogue.entries.order_by("position"))


# Text that goes into comments and messages ----------------------------------------------------
def one_line(text: str, limit: int = 200) -> str:
    """``text`` on one line: control and separator characters become spaces (a newline in a
    custodian's name must not end a comment and start a rule)."""
    cleaned = "".join(
        " " if unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"} else ch for ch in text
    )
    cleaned = " ".join(cleaned.split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def _header(site: Site, title: str, install: Iterable[str], digest: str) -> list[str]:
    lines = [
        f"# DSG Portal: {title}",
        f"# Site {site.ref}, company 法人番号 {site.company.corporate_number}",
        "# Written from the portal's registry; changes made here are lost at the next export.",
        *(f"# {line}" for line in install),
        f"# SHA-256 of the lines below this header: {digest}",
    ]
    return lines


def _with_header(site: Site, title: str, install: list[str], body: list[str]) -> tuple[str, str]:
    text = "".join(f"{line}\n" for line in body)
    digest = hashlib.sha256(text.encode()).hexdigest()
    return "\n".join(_header(site, title, install, digest)) + "\n\n" + text, digest


# USBGuard ----------------------------------------------------------------------------------
def usbguard_string(value: str) -> str:
    """A double-quoted USBGuard string: ``"`` and ``\\`` escaped, bytes outside printable
    ASCII as ``\\xNN`` (as ``usbguard generate-policy`` writes them)."""
    out = []
    for byte in value.encode():
        char = chr(byte)
        if char in '"\\':
            out.append("\\" + char)
        elif 0x20 <= byte < 0x7F:
            out.append(char)
        else:
            out.append(f"\\x{byte:02x}")
    return '"' + "".join(out) + '"'


def usbguard_rule(medium: RemovableMedium) -> str:
    rule = f"allow id {medium.vendor_id}:{medium.product_id}"
    if medium.serial_number:
        rule += f" serial {usbguard_string(medium.serial_number)}"
    if medium.usbguard_hash:
        rule += f" hash {usbguard_string(medium.usbguard_hash)}"
    return rule


def _medium_comments(medium: RemovableMedium) -> list[str]:
    terminals = ", ".join(t.ref for t in medium.terminals.all()) or "none standing"
    lines = [
        f"# {medium.ref} {medium.kind} {medium.capacity_gb} GB, "
        f"custodian (管理者): {one_line(medium.custodian)}; terminals: {terminals}"
    ]
    if not medium.unique_device:
        lines.append(
            "# not a unique device: every device with these IDs"
            + (" and serial" if medium.serial_number else "")
            + " is allowed (approved so by the office)"
        )
    return lines


def usbguard_export(*, site: Site, media: Iterable[RemovableMedium]) -> tuple[str, str]:
    """USBGuard rules allowing ``media`` and blocking every other device; (text, sha256)."""
    body: list[str] = []
    for medium in media:
        body += [*_medium_comments(medium), usbguard_rule(medium), ""]
    body += ["# Every other device is blocked.", "block"]
    install = [
        f"Install as /etc/usbguard/rules.d/90-dsg-{site.ref}.conf; the terminal's own devices",
        "(keyboard, hubs: usbguard generate-policy) go in rules.conf or an earlier rules.d file,",
        "for the last rule below blocks every device no rule before it allowed, whatever",
        "ImplicitPolicyTarget says.",
    ]
    return _with_header(site, "USBGuard rules for removable media (可搬記憶媒体)", install, body)


# Software by SHA-256 -----------------------------------------------------------------------
@dataclass
class Binary:
    """One SHA-256 of the site's policy and why: who allows it, who blocks it."""

    sha256: str
    names: set[str] = field(default_factory=set)
    mandatory: list[str] = field(default_factory=list)
    approved: list[str] = field(default_factory=list)
    blocked: dict[str, list[str]] = field(default_factory=dict)  # state -> terminal refs

    @property
    def allowed(self) -> bool:
        """Mandatory software always runs; otherwise one terminal's block blocks it."""
        return bool(self.mandatory) or not self.blocked

    @property
    def label(self) -> str:
        return one_line("; ".join(sorted(self.names)))

    @property
    def reasons(self) -> str:
        parts = [f"mandatory catalogue {ref}" for ref in self.mandatory]
        if self.approved:
            parts.append(f"approved (承認済) on {', '.join(self.approved)}")
        parts += [
            f"{STATE_WORDS[SoftwareState(state)]} on {', '.join(refs)}"
            for state, refs in sorted(self.blocked.items())
        ]
        text = "; ".join(parts)
        if self.approved and self.blocked and not self.mandatory:
            text += "; blocked at the whole site until the office decides alike"
        return text


def binaries(
    *,
    software: Iterable[TerminalSoftware],
    mandatory: Iterable[CatalogueEntry],
    catalogue: SoftwareCatalogue | None,
) -> list[Binary]:
    """The SHA-256s of the policy, sorted, each with its names and reasons."""
    found: dict[str, Binary] = {}
    for entry in mandatory:
        if entry.sha256 and catalogue is not None:
            binary = found.setdefault(entry.sha256, Binary(entry.sha256))
            binary.names.add(f"{entry.name} {entry.version} ({entry.vendor})")
            binary.mandatory.append(f"v{catalogue.version} row {entry.position}")
    for row in software:
        binary = found.setdefault(row.sha256, Binary(row.sha256))
        binary.names.add(f"{row.name} {row.version} ({row.vendor})")
        if row.state == SoftwareState.APPROVED:
            refs = binary.approved
        else:
            refs = binary.blocked.setdefault(str(row.state), [])
        ref = terminal_ref(row.terminal_id)
        if ref not in refs:
            refs.append(ref)
    return [found[key] for key in sorted(found)]


def _unhashed(count: int) -> list[str]:
    if not count:
        return []
    return [f"{count} approved item(s) have no SHA-256 in the registry and are not in this file."]


def fapolicyd_export(*, site: Site, binaries: list[Binary], unhashed: int = 0) -> tuple[str, str]:
    """A fapolicyd rules.d file: deny (audited) the blocked SHA-256s first, then allow the
    approved and mandatory ones; (text, sha256)."""
    blocked = [b for b in binaries if not b.allowed]
    allowed = [b for b in binaries if b.allowed]
    body: list[str] = []
    if blocked:
        body += ["# Not to be started: declared preinstalled and not approved, or refused.", ""]
    for binary in blocked:
        body += [f"# {binary.label}: {binary.reasons}"]
        body += [f"deny_audit perm=execute all : sha256hash={binary.sha256}", ""]
    if allowed:
        body += ["# Approved (承認済) and mandatory (導入必須ソフトウェア).", ""]
    for binary in allowed:
        body += [f"# {binary.label}: {binary.reasons}"]
        body += [f"allow perm=execute all : sha256hash={binary.sha256}", ""]
    install = [
        f"Install as /etc/fapolicyd/rules.d/35-dsg-{site.ref}.rules and run fagenrules --load:",
        "after 30-patterns, before the trust rules (42-trusted-elf) and 90-deny-execute, so a",
        "blocked file is denied even when a package manager installed it.",
        *_unhashed(unhashed),
    ]
    return _with_header(site, "fapolicyd rules for software (ソフトウェア)", install, body[:-1])


def santa_rules(binaries: list[Binary], site: Site) -> list[dict[str, str]]:
    rules = []
    for binary in binaries:
        if binary.allowed:
            policy, message = "ALLOWLIST", f"DSG {site.ref}: {binary.reasons}"
        else:
            policy = "BLOCKLIST"
            message = f"DSG {site.ref}: not to be started on this terminal ({binary.reasons})"
        rules.append(
            {
                "identifier": binary.sha256,
                "policy": policy,
                "rule_type": "BINARY",
                "custom_msg": one_line(f"{binary.label} — {message}", 500),
            }
        )
    return rules


def santa_export(*, site: Site, binaries: list[Binary], unhashed: int = 0) -> tuple[str, str]:
    """Santa's rule JSON; its ``dsg`` object is the header (Santa reads only ``rules``)."""
    rules = santa_rules(binaries, site)
    canonical = json.dumps(rules, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    document = {
        "dsg": {
            "about": "DSG Portal: Santa rules for software (ソフトウェア); santactl rule --import",
            "company_corporate_number": site.company.corporate_number,
            "site": site.ref,
            "rules_sha256": digest,
            "unhashed_approved": unhashed,
        },
        "rules": rules,
    }
    return json.dumps(document, sort_keys=True, ensure_ascii=False, indent=2) + "\n", digest


# The whole export of one site ----------------------------------------------------------------
def policy_render(*, site: Site, fmt: str) -> PolicyFile:
    """The policy of ``site`` in ``fmt``, read from the registry (no permission check)."""
    if fmt == "usbguard":
        text, digest = usbguard_export(site=site, media=policy_media(site))
    elif fmt in ("fapolicyd", "santa"):
        catalogue = mandatory_catalogue()
        found = binaries(
            software=policy_software(site),
            mandatory=catalogue_entries(catalogue),
            catalogue=catalogue,
        )
        export = fapolicyd_export if fmt == "fapolicyd" else santa_export
        text, digest = export(site=site, binaries=found, unhashed=policy_unhashed_count(site))
    else:
        raise ValueError(f"unknown policy format {fmt!r}")
    return PolicyFile(site_ref=site.ref, format=fmt, text=text, sha256=digest)


def policy_export(*, site: Site, fmt: str, actor: User | None, via: str) -> PolicyFile:
    """Export the policy of ``site`` in ``fmt`` and ledger it (``policy.export``). ``actor``
    None is the system: ``dsg policy export``, run by the operator on the server."""
    if actor is not None:
        require_permission(actor=actor, action="policy.export", obj=site)
    with transaction.atomic():
        exported = policy_render(site=site, fmt=fmt)
        audit_record(
            actor=actor,
            action="policy.export",
            obj=site,
            company_id=site.company_id,
            after={"site": site.ref, "format": fmt, "sha256": exported.sha256, "via": via},
        )
    return exported
