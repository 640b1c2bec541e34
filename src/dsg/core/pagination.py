"""The API's paginated lists: django-ninja's limit/offset pagination with a bounded offset.

Ninja bounds ``limit`` (``NINJA_PAGINATION_MAX_LIMIT``) but not ``offset``: an offset past what
the database's integers hold (2**63 on both) was a 500 ("datatype mismatch" on SQLite, out of
range on PostgreSQL). Past ``MAX_OFFSET`` it is refused with 422 like any invalid parameter,
and the bound is in the published schema.
"""

from __future__ import annotations

from ninja import Field, Schema
from ninja import pagination as ninja_pagination
from ninja.conf import settings

MAX_OFFSET = 2**31 - 1  # far past any list of the portal, within every database's integers


class LimitOffsetPagination(ninja_pagination.LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(settings.PAGINATION_PER_PAGE, ge=1, le=settings.PAGINATION_MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)
