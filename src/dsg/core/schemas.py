"""Schemas shared by the API routers."""

from __future__ import annotations

from ninja import Schema


class Error(Schema):
    detail: str
    code: str
    field: str | None = None


# Every write answers refusals with these; schemathesis holds us to the declared set.
ERRORS = {401: Error, 403: Error, 404: Error, 409: Error, 422: Error}
READ_ERRORS = {401: Error, 404: Error}
