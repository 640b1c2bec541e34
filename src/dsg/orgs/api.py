from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from dsg.core.pagination import LimitOffsetPagination
from dsg.core.schemas import ERRORS, READ_ERRORS

from . import selectors, services
from .auth import request_user
from .japan import PostalCodeIn
from .models import Site

router = Router(tags=["organisations"])


class MeOut(Schema):
    id: int
    email: str
    full_name: str
    role: str
    organization_id: int | None
    organization_kind: str | None


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
    )


@router.get("/sites", response={200: list[SiteOut], **READ_ERRORS})
@paginate(LimitOffsetPagination)
def site_list(request: HttpRequest) -> QuerySet[Site]:
    """The visible sites, a page at a time (?limit=&offset=)."""
    return selectors.site_list_for(user=request_user(request)).order_by("company_id", "name", "pk")


@router.post("/sites", response={201: SiteOut, **ERRORS})
def site_create(request: HttpRequest, payload: SiteIn) -> Status[Site]:
    return Status(201, services.site_create(actor=request_user(request), data=payload.dict()))


@router.get("/sites/{site_id}", response={200: SiteOut, **READ_ERRORS})
def site_detail(request: HttpRequest, site_id: int) -> Site:
    return selectors.site_get_for(user=request_user(request), pk=site_id)
