"""二要素認証 pages of the portal's own: the office's page that extends it to a company's
delegates, and the removal of a WebAuthn key, which keeps the last factor of whoever must use MFA
(allauth's own removal view does not ask the adapter)."""

from __future__ import annotations

from typing import Any

from allauth.mfa.adapter import get_adapter
from allauth.mfa.webauthn.views import RemoveWebAuthnView
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from dsg.core.errors import RuleViolation

from . import permissions, services
from .auth import request_user
from .models import Organization, OrganizationKind, Role

PAGE_SIZE = 50


@login_required
def office_mfa(request: HttpRequest) -> HttpResponse:
    """The companies, each with whether its delegates must use 二要素認証 (reviewers)."""
    user = request_user(request)
    if not permissions.may(user, "company.mfa_delegates"):
        raise RuleViolation(_("Your role is not allowed to do this."), code="forbidden", status=403)
    if request.method == "POST":
        return _mfa_delegates_set(request)
    companies = Organization.objects.filter(kind=OrganizationKind.COMPANY).annotate(
        delegates=Count("members", filter=Q(members__role=Role.DELEGATE, members__is_active=True))
    )
    page = Paginator(companies.order_by("name", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "orgs/office_mfa.html", {"companies": page.object_list, "page": page})


def _mfa_delegates_set(request: HttpRequest) -> HttpResponse:
    raw = request.POST.get("company", "")
    if not raw.isdigit() or request.POST.get("required") not in ("0", "1"):
        messages.error(request, _("Choose a company."))
        return redirect("office_mfa")
    company = get_object_or_404(Organization, pk=int(raw), kind=OrganizationKind.COMPANY)
    required = request.POST["required"] == "1"
    services.company_mfa_delegates_set(
        actor=request_user(request), company=company, required=required
    )
    if required:
        note = _("{company}: its delegates must now use two-factor authentication.")
    else:
        note = _("{company}: its delegates no longer need two-factor authentication.")
    messages.success(request, note.format(company=company.name))
    return redirect("office_mfa")


class GuardedRemoveWebAuthnView(RemoveWebAuthnView):
    """allauth's removal of a key, refused when it is the last factor of someone who must keep
    one (the adapter's rule, which allauth asks only when an authenticator app is removed)."""

    def form_valid(self, form: Any) -> HttpResponse:
        authenticator = self.get_object()
        adapter = get_adapter()
        if not adapter.can_delete_authenticator(authenticator):
            messages.error(self.request, str(adapter.error_messages["cannot_delete_authenticator"]))
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


webauthn_remove = GuardedRemoveWebAuthnView.as_view()
