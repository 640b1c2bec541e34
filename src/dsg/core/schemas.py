"""Schemas shared by the API routers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from ninja import Schema
from pydantic import BaseModel, create_model, model_validator


class Error(Schema):
    detail: str
    code: str
    field: str | None = None


# Every write answers refusals with these; schemathesis holds us to the declared set.
ERRORS = {401: Error, 403: Error, 404: Error, 409: Error, 422: Error}
READ_ERRORS = {401: Error, 404: Error}


def row_schema(
    out: type[BaseModel],
    *,
    name: str,
    doc: str,
    module: str,
    derive: Callable[[dict[str, Any]], dict[str, Any]],
    **fields: Any,
) -> type[BaseModel]:
    """The schema of a list's rows: ``out``'s fields (types, descriptions, defaults, in order;
    ``fields`` given replace theirs) filled from a ``.values()`` row that ``derive`` completes
    (labels, numbers), instead of from a model instance through ``out``'s per-row resolvers —
    the serialisation that was most of a list's time (issue #14, docs/performance.md). One
    definition of the fields: the list's item and the detail cannot drift apart."""
    declared: dict[str, Any] = {n: (f.annotation, f) for n, f in out.model_fields.items()}
    declared.update(fields)

    def completed(cls: type[BaseModel], row: Any) -> Any:
        return derive(row) if isinstance(row, dict) else row

    model: type[BaseModel] = create_model(
        name,
        __doc__=doc,
        __module__=module,
        __validators__={"_derived": model_validator(mode="before")(completed)},  # type: ignore[dict-item]  # pydantic takes the decorated function
        **declared,
    )
    return model


def list_of(model: type[BaseModel]) -> Any:
    """``list[model]`` for a schema made at run time (``row_schema``), where a type checker
    takes ``list[...]`` for a type expression."""
    return cast(Any, list)[model]
