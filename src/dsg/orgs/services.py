"""Writes to organisations and sites."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dsg.audit.services import audit_record
from dsg.core.errors import RuleViolation
from dsg.notifications.inbox import mail_opt_outs_set

from .japan import normalize_postal_code, prefecture_for_postal_code
from .models import MAIL_LANGUAGES, ApiToken, Organization, Site, User
from .permissions import require_permission

SITE_FIELDS = ("name", "postal_code", "prefecture", "address", "facility")


def _as_rule_violation(error: ValidationError, field: str = "") -> RuleViolation:
    if not hasattr(error, "error_dict"):  # a check of one field (``field``)
        return RuleViolation(error.messages[0], code="invalid", status=422, field=field)
    field, messages = next(iter(error.message_dict.items()))
    if field == NON_FIELD_ERRORS:  # the only model-wide rule of a site: its name is unique
        return _duplicate_site_name()
    return RuleViolation(messages[0], code="invalid", status=422, field=field)


def _duplicate_site_name() -> RuleViolation:
    return RuleViolation(
        _("Your company already has a site with this name."),
        code="invalid",
        status=422,
        field="name",
    )


def site_create(*, actor: User, data: dict[str, Any]) -> Site:
    """A PSA registers a 拠点 of their own company; the address must be in Japan."""
    require_permission(actor=actor, action="site.create")
    site = Site(company=actor.organization, **{k: data.get(k, "") for k in SITE_FIELDS})
    if isinstance(site.postal_code, str):
        site.postal_code = normalize_postal_code(site.postal_code)  # 〒１６２－０８４５ → 162-0845
    try:
        # An empty prefecture is filled from the postal code; one that does not match it is refused.
        site.prefecture = prefecture_for_postal_code(site.postal_code, site.prefecture)
    except ValidationError as error:
        raise _as_rule_violation(error, field="postal_code") from error
    try:
        site.full_clean()
    except ValidationError as error:
        raise _as_rule_violation(error) from error
    try:
        with transaction.atomic():
            site.save()
            audit_record(
                actor=actor,
                action="site.create",
                obj=site,
                company_id=site.company_id,
                after={k: getattr(site, k) for k in SITE_FIELDS},
            )
    except IntegrityError as error:  # a concurrent request registered the same name first
        raise _duplicate_site_name() from error
    return site


TOKEN_DAYS_DEFAULT = 90
TOKEN_DAYS_MAX = 365


def api_token_create(
    *,
    actor: User,
    name: str,
    scope: str = ApiToken.Scope.READ_WRITE,
    days: int = TOKEN_DAYS_DEFAULT,
) -> str:
    """Create a personal API token that reads (``scope`` "read") or reads and writes, valid for
    ``days`` (1–365, 90 by default); the raw token is returned once and never stored."""
    if scope not in ApiToken.Scope.values:
        raise RuleViolation(
            _("Choose what the token may do."), code="invalid", status=422, field="scope"
        )
    if not 1 <= days <= TOKEN_DAYS_MAX:
        raise RuleViolation(
            _("A token is valid for 1 to {days} days.").format(days=TOKEN_DAYS_MAX),
            code="invalid",
            status=422,
            field="days",
        )
    raw = ApiToken.new_raw_token()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=actor,
            name=name.strip()[:100],
            digest=ApiToken.digest_of(raw),
            scope=scope,
            expires_at=timezone.now() + dt.timedelta(days=days),
        )
        audit_record(
            actor=actor,
            action="api_token.create",
            obj=token,
            after={"name": token.name, "scope": scope, "expires_at": token.expires_at},
        )
    return raw


def api_token_revoke(*, token: ApiToken, actor: User, because: str = "owner") -> None:
    with transaction.atomic():
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.revoked_because = because
            token.save(update_fields=["revoked_at", "revoked_because"])
            audit_record(
                actor=actor, action="api_token.revoke", obj=token, after={"because": because}
            )


def tokens_revoke_on_change(user: User, because: str) -> int:
    """Revoke every live token of ``user`` (its password, role or organisation changed, or the
    account was deactivated): one ledger event per token, in the change's transaction."""
    live = list(ApiToken.objects.filter(user=user, revoked_at__isnull=True))
    for token in live:
        api_token_revoke(token=token, actor=user, because=because)
    return len(live)


def company_mfa_delegates_set(
    *, actor: User, company: Organization, required: bool
) -> Organization:
    """The office requires 二要素認証 of a company's 指定する者 too, or no longer: from their next
    request, a delegate without a factor is sent to set one up (dsg.orgs.mfa)."""
    require_permission(actor=actor, action="company.mfa_delegates")
    if not company.is_company:
        raise RuleViolation(_("Only a company has delegates."), code="not_a_company", status=422)
    with transaction.atomic():
        company = Organization.objects.select_for_update().get(pk=company.pk)
        if company.mfa_for_delegates != required:
            company.mfa_for_delegates = required
            company.save(update_fields=["mfa_for_delegates"])
            audit_record(
                actor=actor,
                action="organization.mfa_delegates",
                obj=company,
                company_id=company.pk,
                before={"mfa_for_delegates": not required},
                after={"mfa_for_delegates": required},
            )
    return company


def user_preferences_update(*, actor: User, language: str, mail_off: Iterable[str]) -> User:
    """The person's own choices: the language of their mail and which optional mails they do not
    want mailed (the inbox keeps them all); ledgered. Required mails cannot be turned off."""
    if language not in dict(MAIL_LANGUAGES):
        raise RuleViolation(
            _("Choose Japanese or English."), code="invalid", status=422, field="language"
        )
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=actor.pk)
        off_before, off_after = mail_opt_outs_set(user_id=person.pk, off=mail_off)
        before = {"language": person.language, "mail_off": sorted(off_before)}
        person.language = language
        person.save(update_fields=["language"])
        audit_record(
            actor=actor,
            action="user.preferences",
            obj=person,
            before=before,
            after={"language": language, "mail_off": sorted(off_after)},
        )
    actor.language = language
    return person
