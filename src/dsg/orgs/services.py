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
from dsg.notifications.kinds import mail_rules_set, required_categories

from .japan import normalize_postal_code, prefecture_for_postal_code
from .models import MAIL_LANGUAGES, ApiToken, Organization, Site, User
from .permissions import may_use_api, require_permission

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


def api_not_for_role() -> RuleViolation:
    return RuleViolation(
        _(
            "The 利用者 role does not use the API: the portal's pages show you what your role "
            "reads. Ask your company's 保護システム管理者 if a script needs access."
        ),
        code="api_not_for_role",
        status=403,
    )


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
    ``days`` (1–365, 90 by default); the raw token is returned once and never stored. The
    利用者 uses no API (#13): refused (403)."""
    if not may_use_api(actor):
        raise api_not_for_role()
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


def user_preferences_update(
    *, actor: User, language: str | None = None, mail_off: Iterable[str] | None = None
) -> User:
    """The person's own choices: the language of their mail (``None``: unchanged) and which
    optional mails they do not want mailed (``None``: unchanged; the inbox keeps them all).
    Ledgered when something changed. An unknown language or category, or a category the office
    requires, is refused (422) and changes nothing."""
    if language is not None and language not in dict(MAIL_LANGUAGES):
        raise RuleViolation(
            _("Choose Japanese (ja) or English (en)."),
            code="language_unknown",
            status=422,
            field="language",
        )
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=actor.pk)
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        if mail_off is not None:
            off_before, off_after = mail_opt_outs_set(user_id=person.pk, off=mail_off)
            if off_before != off_after:
                before["mail_off"], after["mail_off"] = sorted(off_before), sorted(off_after)
        if language is not None and language != person.language:
            before["language"], after["language"] = person.language, language
            person.language = language
            person.save(update_fields=["language"])
        if after:
            audit_record(
                actor=actor, action="user.preferences", obj=person, before=before, after=after
            )
    actor.language = person.language
    return person


def mail_categories_required_set(*, actor: User, required: Iterable[str]) -> frozenset[str]:
    """The office (情報システム管理室) decides which categories of mail are required: always
    mailed, nobody may turn them off; the people who had turned one off receive it again. One
    ledger event per category changed; returns the categories required now."""
    require_permission(actor=actor, action="mail.required")
    with transaction.atomic():
        for rule, removed in mail_rules_set(required=required):
            audit_record(
                actor=actor,
                action="mail.required",
                obj=rule,
                before={"category": rule.category, "required": not rule.required},
                after={"category": rule.category, "required": rule.required, "opt_outs": removed},
            )
        return required_categories()
