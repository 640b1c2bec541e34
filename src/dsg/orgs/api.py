from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from django.db.models import F, QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from dsg.core.api_enums import code_labels
from dsg.core.pagination import KeysetPagination, LimitOffsetPagination
from dsg.core.schemas import ERRORS, READ_ERRORS, list_of, row_schema
from dsg.notifications.selectors import mail_choices_of

from . import selectors, services
from .api_auth import SessionLogin
from .auth import request_user
from .japan import PREFECTURES, PostalCodeIn
from .models import MAIL_LANGUAGES, ApiToken, Role, Site, User

router = Router(tags=["organisations"])


class MeOut(Schema):
    id: int
    email: str
    full_name: str
    role: str
    organization_id: int | None
    organization_kind: str | None
    language: str = Field(description="The language of your mail: ja or en")


class SiteIn(Schema):
    name: str = Field(max_length=200)
    postal_code: PostalCodeIn = Field(
        description="162-0845; also typed as 〒１６２－０８４５ (stored normalised)"
    )
    prefecture: str = Field(
        "",
        max_length=2,
        description="JIS prefecture code, 01–47; when empty, filled in from the postal code",
    )
    address: str = Field(max_length=300)
    facility: str = Field("", max_length=300)


class SiteOut(Schema):
    id: int
    company_id: int
    company_name: str
    name: str
    postal_code: str
    prefecture: str
    prefecture_name: str
    address: str
    facility: str

    @staticmethod
    def resolve_company_name(obj: Site) -> str:
        return obj.company.name

    @staticmethod
    def resolve_prefecture_name(obj: Site) -> str:
        return obj.get_prefecture_display()


@router.get("/me", response={200: MeOut, **READ_ERRORS})
def me(request: HttpRequest) -> MeOut:
    user = request_user(request)
    organization = user.organization if user.organization_id else None
    kind = organization.kind if organization is not None else None
    return MeOut(
        id=user.pk,
        email=user.email,
        full_name=user.full_name,
        role=user.role,
        organization_id=user.organization_id,
        organization_kind=kind,
        language=user.language,
    )


# --------------------------------------------------------------------------------------------
# Your language and mail choices (as on 個人設定, #12)
# --------------------------------------------------------------------------------------------


class MailChoiceOut(Schema):
    category: str = Field(description="account, action, reminder or information")
    label: str
    required: bool = Field(description="Required by the office: always mailed")
    receive: bool = Field(description="Mailed to you (every mail is in your notifications)")


class PreferencesOut(Schema):
    language: str = Field(description="The language of your mail and notifications")
    languages: list[str]
    mail: list[MailChoiceOut]


class PreferencesIn(Schema):
    language: str | None = Field(None, max_length=8, description="ja or en; absent: unchanged")
    mail_off: list[str] | None = Field(
        None,
        max_length=10,
        description="Every optional category you do not want mailed (replaces the list); "
        "absent: unchanged. A category the office requires is refused (422).",
    )


def _preferences(user: User) -> PreferencesOut:
    return PreferencesOut(
        language=user.language,
        languages=[code for code, _name in MAIL_LANGUAGES],
        mail=[
            MailChoiceOut(
                category=str(choice.category),
                label=str(choice.category.label),
                required=choice.required,
                receive=choice.receive,
            )
            for choice in mail_choices_of(user_id=user.pk)
        ],
    )


@router.get("/me/preferences", response={200: PreferencesOut, **READ_ERRORS})
def preferences(request: HttpRequest) -> PreferencesOut:
    """Your language and which mails are mailed to you."""
    return _preferences(request_user(request))


@router.patch("/me/preferences", response={200: PreferencesOut, **ERRORS})
def preferences_update(request: HttpRequest, payload: PreferencesIn) -> PreferencesOut:
    """Change your language or the optional mails you turn off; ledgered. An unknown language
    or category, or a required category, is refused (422) and changes nothing."""
    user = services.user_preferences_update(
        actor=request_user(request), language=payload.language, mail_off=payload.mail_off
    )
    return _preferences(user)


_PREFECTURE_NAMES = dict(PREFECTURES)


def _site_row(row: dict[str, Any]) -> dict[str, Any]:
    if "prefecture_name" in row:
        return row
    code = row["prefecture"]
    return {**row, "prefecture_name": _PREFECTURE_NAMES.get(code, code)}


SiteRow = row_schema(
    SiteOut,
    name="SiteRow",
    doc="""A site of the list: ``SiteOut`` built from its row (``.values()``), not from a model
    instance through per-row resolvers (issue #14, docs/performance.md).""",
    module=__name__,
    derive=_site_row,
)


_SITE_COLUMNS = ("id", "company_id", "name", "postal_code", "prefecture", "address", "facility")


@router.get("/sites", response={200: list_of(SiteRow), **READ_ERRORS})
@paginate(KeysetPagination)
def site_list(request: HttpRequest) -> QuerySet[Any]:
    """The visible sites, a page at a time (?limit=&offset=, or ?cursor= the previous page's
    ``next``)."""
    sites = selectors.site_list_for(user=request_user(request))
    return sites.order_by("company_id", "name", "pk").values(
        *_SITE_COLUMNS, company_name=F("company__name")
    )


@router.post("/sites", response={201: SiteOut, **ERRORS})
def site_create(request: HttpRequest, payload: SiteIn) -> Status[Site]:
    return Status(201, services.site_create(actor=request_user(request), data=payload.dict()))


@router.get("/sites/{site_id}", response={200: SiteOut, **READ_ERRORS})
def site_detail(request: HttpRequest, site_id: int) -> Site:
    return selectors.site_get_for(user=request_user(request), pk=site_id)


# --------------------------------------------------------------------------------------------
# Personal API tokens (as on the token page) and the company's people
# --------------------------------------------------------------------------------------------

TokenScope = enum.Enum("TokenScope", {v: v for v in ApiToken.Scope.values}, type=str)  # type: ignore[misc]  # members from the model's choices
PersonRole = enum.Enum("PersonRole", {v: v for v in Role.values}, type=str)  # type: ignore[misc]  # members from the model's choices
code_labels(TokenScope, ApiToken.Scope.choices)
code_labels(PersonRole, Role.choices)


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=100, description="What the token is for")
    scope: TokenScope = Field(TokenScope(ApiToken.Scope.READ), description="read or read_write")
    days: int = Field(services.TOKEN_DAYS_DEFAULT, ge=1, le=services.TOKEN_DAYS_MAX)


class TokenOut(Schema):
    id: int
    name: str
    scope: TokenScope
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    revoked_because: str


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The token itself: shown this once, never stored")


class PersonOut(Schema):
    id: int
    full_name: str
    email: str
    role: PersonRole


@router.get("/tokens", response={200: list[TokenOut], **READ_ERRORS})
def token_list(request: HttpRequest) -> QuerySet[ApiToken]:
    """Your personal API tokens, newest first (live, expired and revoked), never their value."""
    return selectors.api_tokens_of(user=request_user(request))


@router.post("/tokens", response={201: TokenCreatedOut, **ERRORS}, auth=SessionLogin())
def token_create(request: HttpRequest, payload: TokenIn) -> Status[dict[str, Any]]:
    """Create a personal API token after a session login (with the session's CSRF token): the
    token itself is in this answer only. A call made with a token cannot create one."""
    user = request_user(request)
    raw = services.api_token_create(
        actor=user, name=payload.name, scope=payload.scope.value, days=payload.days
    )
    token = selectors.api_token_of_raw(user=user, raw=raw)
    return Status(201, {**TokenOut.from_orm(token).dict(), "token": raw})


@router.post("/tokens/{token_id}/revoke", response={200: TokenOut, **ERRORS})
def token_revoke(request: HttpRequest, token_id: int) -> ApiToken:
    """Revoke one of your tokens (at once; revoking a revoked token changes nothing)."""
    user = request_user(request)
    token = selectors.api_token_get_for(user=user, pk=token_id)
    services.api_token_revoke(token=token, actor=user)
    return selectors.api_token_get_for(user=user, pk=token_id)


@router.get("/people", response={200: list[PersonOut], **ERRORS})
@paginate(LimitOffsetPagination)
def people_list(request: HttpRequest) -> QuerySet[User]:
    """The active people of your company, by name (the PSA and the person the PSA designates:
    to name account holders and custodians); other roles are refused (403)."""
    return selectors.company_people_for(user=request_user(request))
