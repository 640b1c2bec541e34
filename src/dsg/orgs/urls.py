"""Pages of the organisations part: sites and personal API tokens, included at "" by dsg.urls."""

from __future__ import annotations

from django.urls import path

from . import mail_views, mfa_views, throttle_views, views

urlpatterns = [
    path("sites/", views.site_list, name="site_list"),
    path("sites/new/", views.site_create, name="site_create"),
    path("postal-codes/", views.postal_code_lookup, name="postal_code_lookup"),
    path("account/api-tokens/", views.api_token_list, name="api_tokens"),
    path("account/settings/", views.account_settings, name="account_settings"),  # #12
    # the header's language switch, beside Django's (i18n/setlang/): the cookie, and the
    # signed-in person's mail language (#12)
    path("i18n/switch/", views.language_switch, name="language_switch"),
    path(
        "account/api-tokens/<int:token_id>/revoke/",
        views.api_token_revoke,
        name="api_token_revoke",
    ),
    path("office/mail/", mail_views.office_mail, name="office_mail"),
    path(  # the office decides which mails are required (#12)
        "office/mail/categories/", views.office_mail_categories, name="office_mail_categories"
    ),
    # A throttled login released by a mailed link (dsg.orgs.throttle)
    path("accounts/unlock/", throttle_views.login_unlock, name="login_unlock"),
    path(
        "accounts/unlock/request/",
        throttle_views.login_unlock_request,
        name="login_unlock_request",
    ),
    path("office/mfa/", mfa_views.office_mfa, name="office_mfa"),
    # allauth's key removal, keeping the last factor (included before allauth's URLs: this wins)
    path(
        "accounts/2fa/webauthn/keys/<int:pk>/remove/",
        mfa_views.webauthn_remove,
        name="mfa_remove_webauthn",
    ),
]
