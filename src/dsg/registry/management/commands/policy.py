"""`dsg policy export (--site S-000001 | --company 法人番号) --format F [--output PATH]`.

Writes the policy a terminal enforces — USBGuard rules for the approved removable media,
fapolicyd rules or Santa rules for the approved software — from the site's registry
(dsg.registry.policy_export). With --site the file goes to stdout, or to --output FILE; with
--company every open site of the company is written into the directory --output DIR, one file
per site under the name to install it by. Each export is ledgered (`policy.export`, by the
system). The same registry gives the same bytes, so exports can be diffed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django_scopes import scopes_disabled

from dsg.orgs.models import Organization, OrganizationKind, Site
from dsg.registry.policy_export import FORMATS, PolicyFile, policy_export

SITE_REF = re.compile(r"\A(?:S-)?0*(?P<pk>\d+)\Z", re.IGNORECASE)


class Command(BaseCommand):
    help = (
        "Enforceable policy from the approved registries. 'export' writes USBGuard rules "
        "(removable media), fapolicyd rules or Santa rules (software) for one site (--site, "
        "to stdout or --output FILE) or for every open site of a company (--company 法人番号, "
        "into the directory --output DIR); each export is recorded in the audit ledger."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="subcommand", required=True)
        export = commands.add_parser("export", help="write the policy of a site or a company")
        which = export.add_mutually_exclusive_group(required=True)
        which.add_argument("--site", help="the site: its number S-000001 or its id")
        which.add_argument("--company", help="the company's 法人番号 (13 digits): all its sites")
        export.add_argument("--format", required=True, choices=FORMATS, dest="fmt")
        export.add_argument(
            "--output", type=Path, help="the file (--site) or the directory (--company)"
        )

    def handle(self, *args: Any, fmt: str, output: Path | None, **options: Any) -> None:
        with scopes_disabled():  # the command is the system: any company's sites
            sites = self.sites(options["site"], options["company"])
            if options["company"] and output is None:
                raise CommandError("--company writes one file per site: give --output DIRECTORY")
            if not sites:
                self.stdout.write(f"the company {options['company']} has no open site")
            with transaction.atomic():  # a file that cannot be written is not ledgered
                for site in sites:
                    exported = policy_export(site=site, fmt=fmt, actor=None, via="cli")
                    self.write(exported, output, directory=bool(options["company"]))

    def sites(self, site: str | None, company: str | None) -> list[Site]:
        if site is not None:
            match = SITE_REF.match(site.strip())
            found = (
                Site.objects.select_related("company").filter(pk=match["pk"]).first()
                if match
                else None
            )
            if found is None:
                raise CommandError(f"no site {site}", returncode=2)
            return [found]
        organization = Organization.objects.filter(
            kind=OrganizationKind.COMPANY, corporate_number=(company or "").strip()
        ).first()
        if organization is None:
            raise CommandError(f"no company with 法人番号 {company}", returncode=2)
        return list(
            Site.objects.select_related("company")
            .filter(company=organization, closed_on__isnull=True)
            .order_by("pk")
        )

    def write(self, exported: PolicyFile, output: Path | None, *, directory: bool) -> None:
        if output is None:
            self.stdout.write(exported.text, ending="")
            self.stderr.write(f"{exported.site_ref} {exported.format}: sha256 {exported.sha256}")
            return
        path = output / exported.filename if directory else output
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(exported.text.encode())
        except OSError as error:
            raise CommandError(
                f"cannot write {error.filename}: {error.strerror}", returncode=2
            ) from error
        self.stdout.write(
            f"{exported.site_ref} {exported.format}: sha256 {exported.sha256} -> {path}"
        )
