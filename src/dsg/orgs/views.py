from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language

from dsg.core.errors import RuleViolation
from dsg.core.forms import form_refused
from dsg.core.locale import language_cookie_set
from dsg.core.views import Confirmation, confirm_action
from dsg.notifications.kinds import ALWAYS_REQUIRED, DECIDED_BY_OFFICE, required_categories
from dsg.notifications.selectors import mail_choices_of

from . import permissions, selectors, services
from .auth import request_user
from .forms import ApiTokenForm, MailRulesForm, PreferencesForm, SiteForm
from .japan import (
    POSTAL_CODE,
    normalize_postal_code,
    postal_address,
    postal_code_unknown_note,
)

SITE_LIST_PAGE = 50


@login_required
def site_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    sites = selectors.site_list_for(user=user).order_by("company__name", "name", "pk")
    page = Paginator(sites, SITE_LIST_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "orgs/site_list.html",
        {
            "sites": page.object_list,
            "page": page,
            "can_create": permissions.may(user, "site.create"),
        },
    )


@login_required
def site_create(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not permissions.may(user, "site.create"):
        raise RuleViolation(_("Your role is not allowed to do this."), code="forbidden", status=403)
    form = SiteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            site = services.site_create(actor=user, data=form.cleaned_data)
        except RuleViolation as refusal:
            form_refused(form, refusal)
        else:
            messages.success(request, _("The site was registered."))
            return redirect("site_detail", site_id=site.pk)
    return render(request, "orgs/site_form.html", {"form": form})


@login_required
@require_GET
def postal_code_lookup(request: HttpRequest) -> JsonResponse:
    """?code=〒162‐0845 → the prefecture, city and town of Japan Post's data, as JSON (for
    static/dsg/postal.js). Public reference data: any logged-in person may ask; nothing stored."""
    code = normalize_postal_code(request.GET.get("code", ""))
    if not POSTAL_CODE.match(code):
        return JsonResponse(
            {
                "detail": _("A Japanese postal code has 7 digits, as in 162-8870."),
                "code": "postal_code_format",
            },
            status=400,
        )
    found = postal_address(code)
    if found is None:
        return JsonResponse(
            {"found": False, "postal_code": code, "message": str(postal_code_unknown_note(code))}
        )
    return JsonResponse(
        {
            "found": True,
            "postal_code": found.postal_code,
            "prefecture": found.prefecture,
            "prefectures": list(found.prefectures),
            "city": found.city,
            "town": found.town,
            "message": found.label,
        }
    )


@login_required
def api_token_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    _api_user(user)
    form = ApiTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        new_token = services.api_token_create(
            actor=user,
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
            days=form.cleaned_data["days"],
        )
        form = ApiTokenForm()
    tokens = user.api_tokens.all()
    return render(
        request, "orgs/api_tokens.html", {"form": form, "tokens": tokens, "new_token": new_token}
    )


def _api_user(user: object) -> None:
    """The token pages are for the roles that may use the API (not the 利用者)."""
    if not permissions.may_use_api(user):
        raise RuleViolation(_("Your role is not allowed to do this."), code="forbidden", status=403)


@login_required
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    """GET: what revoking the token does (nothing changes); POST: revoke it."""
    user = request_user(request)
    token = selectors.api_token_get_for(user=user, pk=token_id)
    back = reverse("api_tokens")
    confirmation = Confirmation(
        title=_("Revoke the API token"),
        object_label=token.name,
        back=back,
        success=_("The token was revoked."),
        consequence=(
            _(
                "Every script that uses this token is refused from now on. A revoked token "
                "cannot be used again: a script needs a new token."
            ),
        ),
        comment="none",
        crumbs=((_("API tokens"), back),),
        refusal=_("This token is no longer valid.") if token.revoked_at or token.is_expired else "",
    )
    return confirm_action(
        request, confirmation, lambda _data: services.api_token_revoke(token=token, actor=user)
    )


@login_required
def account_settings(request: HttpRequest) -> HttpResponse:
    """The person's own settings: the language of their mail, the optional mails they receive
    (those the office does not require now)."""
    user = request_user(request)
    choices = mail_choices_of(user_id=user.pk)
    optional = [choice.category for choice in choices if not choice.required]
    initial = {
        "language": user.language,
        "receive": [str(c.category) for c in choices if not c.required and c.receive],
    }
    form = PreferencesForm(request.POST or None, initial=initial, optional=optional)
    if request.method == "POST" and form.is_valid():
        receive = set(form.cleaned_data["receive"])
        try:
            services.user_preferences_update(
                actor=user,
                language=form.cleaned_data["language"],
                mail_off=[str(c) for c in optional if str(c) not in receive],
            )
        except RuleViolation as refusal:  # the office made a category required meanwhile
            form.add_error("receive", str(refusal.message))
        else:
            with translation.override(user.language):  # said in the language just chosen
                messages.success(request, _("Your settings were saved."))
            response = redirect("account_settings")
            language_cookie_set(response, user.language)  # the pages follow the choice too
            return response
    required = [choice.category.label for choice in choices if choice.required]
    return render(request, "orgs/account_settings.html", {"form": form, "required": required})


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """The header's switch: Django's ``set_language`` (the cookie, back to the page); for a
    signed-in person it also becomes the language of their mail (ledgered, #12)."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):  # Django knows more languages than the portal
        response.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)
    elif request.user.is_authenticated:
        services.user_preferences_update(actor=request_user(request), language=language)
    return response


@login_required
def office_mail_categories(request: HttpRequest) -> HttpResponse:
    """The office's page: which categories of mail are required (nobody may turn them off)."""
    user = request_user(request)
    if not permissions.may(user, "mail.required"):
        raise RuleViolation(_("Your role is not allowed to do this."), code="forbidden", status=403)
    required = required_categories()
    form = MailRulesForm(
        request.POST or None,
        initial={"required": [str(c) for c in DECIDED_BY_OFFICE if str(c) in required]},
    )
    if request.method == "POST" and form.is_valid():
        services.mail_categories_required_set(actor=user, required=form.cleaned_data["required"])
        messages.success(request, _("The required mails were saved."))
        return redirect("office_mail_categories")
    always = [category.label for category in sorted(ALWAYS_REQUIRED)]
    return render(request, "orgs/office_mail_categories.html", {"form": form, "always": always})
