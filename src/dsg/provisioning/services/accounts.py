"""⑥ アカウント情報: delivered to the PSA through a one-time link, never in mail.

The link's token exists only in the mail to the company's PSAs (stored as its SHA-256, never in
the ledger, a page or an API answer). Opening it is the receipt of the account information, the
first of a holder's steps at ⑥. A PSA who lost the link asks for the information again: the link
stops working at once, and the provider's new delivery sends a new one."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from dsg.core.errors import NotVisible, RuleViolation
from dsg.core.inputs import required_text
from dsg.enrollment.models import Enrollment, State
from dsg.enrollment.rules import require_state
from dsg.enrollment.services import enrollment_lock
from dsg.orgs import permissions
from dsg.orgs.models import User
from dsg.orgs.permissions import require_permission

from .. import vault
from ..models import AccountDelivery, AccountDeliveryState, AccountHolder
from .common import _audit, _mail, _provider_emails, _psa_emails

REASON_MAX = 2000


def account_link_days() -> int:
    """Days a one-time link stays valid: DSG_ACCOUNT_LINK_DAYS (environment or settings), 7."""
    value = getattr(settings, "DSG_ACCOUNT_LINK_DAYS", None) or os.environ.get(
        "DSG_ACCOUNT_LINK_DAYS"
    )
    return max(1, int(value or 7))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _delivery_context(delivery: AccountDelivery) -> str:
    return f"account-delivery:{delivery.holder_id}:{delivery.token_hash}"


def account_delivery_create(
    *, holder: AccountHolder, actor: User, username: str, password: str
) -> tuple[AccountDelivery, str]:
    """The provider enters a holder's user ID and initial password; they are stored encrypted and
    the PSA gets a mail with a one-time link (the mail never holds them). A new delivery replaces
    a waiting one. Returns the delivery and the raw token (only ever in the mail's link)."""
    require_permission(actor=actor, action="account_delivery.create", obj=holder)
    values = {
        "username": required_text(username, "username", 100),
        "password": required_text(password, "password", 200),
    }
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        locked = enrollment_lock(holder.enrollment)
        require_state(enrollment=locked, states=[State.TERMINAL_SETUP])
        # No select_related: PostgreSQL locks no nullable side of an outer join (person).
        holder = AccountHolder.objects.select_for_update().get(pk=holder.pk)
        _revoke_waiting(holder, actor, locked)
        delivery = AccountDelivery(
            holder=holder,
            enrollment=locked,
            token_hash=token_hash(token),
            created_by=actor,
            expires_at=timezone.now() + dt.timedelta(days=account_link_days()),
        )
        delivery.secret = vault.seal(values, context=_delivery_context(delivery))
        delivery.save()
        _audit(
            actor,
            "account_delivery.create",
            delivery,
            locked,
            {"holder": holder.pk, "expires_at": delivery.expires_at},
        )
        if holder.account_issued_on is None:
            holder.account_issued_on = timezone.localdate()
            holder.save(update_fields=["account_issued_on"])
            _audit(
                actor,
                "account.issue",
                holder,
                locked,
                {"account_issued_on": holder.account_issued_on},
            )
        if holder.reissue_requested_at is not None:  # the PSA's request is answered
            holder.reissue_requested_at, holder.reissue_requested_by = None, None
            holder.save(update_fields=["reissue_requested_at", "reissue_requested_by"])
        _mail(
            enrollment=locked,
            recipients=_psa_emails(locked),
            kind="account_delivery.create",
            subject=_("Account information is waiting in the portal"),
            lines=[
                format_lazy(
                    _(
                        "The service provider has prepared the account information "
                        "(アカウント情報) of {person}. It is waiting in the portal and is not "
                        "sent by mail."
                    ),
                    person=holder.name,
                ),
                format_lazy(
                    _(
                        "Open it once, logged in as the PSA, through this link "
                        "(valid until {expires}):"
                    ),
                    expires=f"{timezone.localtime(delivery.expires_at):%Y-%m-%d %H:%M}",
                ),
                # the code in the #fragment: never sent to a server, never in an access log
                f"{settings.PORTAL_URL}/account-deliveries/open/#{token}",
            ],
        )
    return delivery, token


def account_delivery_for(*, token: str, actor: User) -> AccountDelivery:
    """The delivery behind a link, for the PSA of its company only; anyone else gets a 404."""
    delivery = (
        AccountDelivery.objects.select_related("holder__person", "enrollment__site")
        .filter(token_hash=token_hash(token or ""))
        .first()
    )
    if delivery is None or not permissions.may(actor, "account_delivery.open", delivery):
        raise NotVisible()
    return delivery


def account_delivery_open(*, token: str, actor: User) -> tuple[AccountDelivery, dict[str, str]]:
    """Open the link once: the account information is shown now and destroyed in the same step."""
    delivery = account_delivery_for(token=token, actor=actor)
    with transaction.atomic():
        locked = enrollment_lock(delivery.enrollment)
        delivery = AccountDelivery.objects.select_for_update().get(pk=delivery.pk)
        if delivery.state == AccountDeliveryState.OPENED:
            raise RuleViolation(
                _(
                    "This link was already opened. Ask the service provider to issue the "
                    "account information again if it was lost."
                ),
                code="already_opened",
            )
        if delivery.state == AccountDeliveryState.REVOKED:
            raise RuleViolation(
                _("This link was replaced by a newer one; use the link of the latest mail."),
                code="link_replaced",
            )
        if delivery.is_expired:
            raise RuleViolation(
                _("This link has expired. Ask the service provider to issue it again."),
                code="link_expired",
                status=410,
            )
        if delivery.secret is None:  # only opened and revoked deliveries lose it (refused above)
            raise RuntimeError(f"account delivery {delivery.pk} holds no sealed information")
        values = vault.unseal(delivery.secret, context=_delivery_context(delivery))
        delivery.state, delivery.secret = AccountDeliveryState.OPENED, None
        delivery.opened_by, delivery.opened_at = actor, timezone.now()
        delivery.save(update_fields=["state", "secret", "opened_by", "opened_at"])
        AccountHolder.objects.filter(pk=delivery.holder_id).update(
            account_received_at=delivery.opened_at
        )
        _audit(actor, "account_delivery.open", delivery, locked, {"holder": delivery.holder_id})
    return delivery, values


def _revoke_waiting(holder: AccountHolder, actor: User, enrollment: Enrollment) -> None:
    """The links of ``holder`` not opened yet stop working (their information is destroyed)."""
    for old in AccountDelivery.objects.filter(holder=holder, state=AccountDeliveryState.WAITING):
        old.state, old.secret = AccountDeliveryState.REVOKED, None
        old.save(update_fields=["state", "secret"])
        _audit(actor, "account_delivery.revoke", old, enrollment, {"state": old.state})


def account_delivery_reissue_request(
    *, holder: AccountHolder, actor: User, reason: str = ""
) -> AccountHolder:
    """A PSA who lost the link (or the information) asks the provider to issue the account
    information again. The link not yet opened stops working now; the provider sees the request
    among its tasks and its new delivery answers it."""
    require_permission(actor=actor, action="account_delivery.reissue_request", obj=holder)
    reason = (reason or "").strip()[:REASON_MAX]
    with transaction.atomic():
        locked = enrollment_lock(holder.enrollment)
        require_state(enrollment=locked, states=[State.TERMINAL_SETUP])
        holder = AccountHolder.objects.select_for_update().get(pk=holder.pk)
        if not AccountDelivery.objects.filter(holder=holder).exists():
            raise RuleViolation(
                _(
                    "The service provider has not sent this account information yet; there is "
                    "nothing to issue again."
                ),
                code="not_delivered",
            )
        if holder.reissue_requested_at is not None:
            raise RuleViolation(
                _("The account information of this holder was already asked for again."),
                code="already_requested",
            )
        _revoke_waiting(holder, actor, locked)
        holder.reissue_requested_at, holder.reissue_requested_by = timezone.now(), actor
        holder.save(update_fields=["reissue_requested_at", "reissue_requested_by"])
        _audit(
            actor,
            "account_delivery.reissue_request",
            holder,
            locked,
            {"holder": holder.pk, "reason": reason},
        )
        _mail(
            enrollment=locked,
            recipients=_provider_emails(),
            kind="account_delivery.reissue_request",
            subject=_("The account information is asked for again"),
            lines=[
                format_lazy(
                    _(
                        "The PSA asks for the account information (アカウント情報) of {name} "
                        "again; the earlier link no longer works. Please issue it again in the "
                        "portal."
                    ),
                    name=holder.name,
                )
            ],
        )
    return holder
