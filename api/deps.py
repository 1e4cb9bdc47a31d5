"""Dependencies shared by the routers, with their `*Dep` aliases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi._compat import ModelField, field_annotation_is_sequence
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from api.settings import Settings
from catalog.dataset import OpenDataset
from catalog.errors import InvalidParameters
from catalog.store import Catalog
from catalog.variables import VariableInfo
from schemas import patterns


async def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


async def get_catalog(request: Request) -> Catalog:
    """The app's catalog."""
    catalog: Catalog = request.app.state.catalog
    return catalog


SettingsDep = Annotated[Settings, Depends(get_settings)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]

DatasetIdPath = Annotated[
    str,
    Path(
        description="Dataset id, as listed by GET /api/v1/datasets.",
        pattern=patterns.DATASET_ID,
        max_length=64,
        examples=["ersst-v5"],
    ),
]
VariableIdPath = Annotated[
    str,
    Path(
        description="Variable id, as listed by GET /api/v1/datasets/{dataset_id}/variables.",
        pattern=patterns.NAME,
        max_length=patterns.NAME_MAX,
        examples=["sst"],
    ),
]


def get_dataset(dataset_id: DatasetIdPath, catalog: CatalogDep) -> Iterator[OpenDataset]:
    """The opened dataset named in the path (404 unknown, 503 unavailable).

    The handler reads inside ``Catalog.reading``: a source that breaks while served is a 503.
    """
    with catalog.reading(dataset_id) as opened:
        yield opened


DatasetDep = Annotated[OpenDataset, Depends(get_dataset, scope="function")]


async def get_dataset_async(dataset_id: DatasetIdPath, catalog: CatalogDep) -> OpenDataset:
    """The opened dataset, without a thread hop when it is open and its source was checked
    lately (the usual case); a check (a stat) or a reopen runs in a thread."""
    if catalog.settled(dataset_id):
        return catalog.dataset(dataset_id)
    return await run_in_threadpool(catalog.dataset, dataset_id)


AsyncDatasetDep = Annotated[OpenDataset, Depends(get_dataset_async)]


def get_variable(dataset: DatasetDep, variable_id: VariableIdPath) -> VariableInfo:
    """The variable named in the path (404 unknown)."""
    return dataset.variable(variable_id)


VariableDep = Annotated[VariableInfo, Depends(get_variable)]


_DECLARED: dict[int, tuple[frozenset[str], frozenset[str]]] = {}


def _declared_query_params(route: APIRoute) -> tuple[frozenset[str], frozenset[str]]:
    """(all query parameter names, the ones that may repeat) of a route, cached per route."""
    key = id(route)  # routes are not hashable; they live as long as the app
    if key not in _DECLARED:
        _DECLARED[key] = _walk_query_params(route)
    return _DECLARED[key]


def route_params(route: object) -> Iterator[tuple[ModelField, str]]:
    """Every (parameter, 'query' or 'path') declared in a route's dependency tree."""
    dependant = getattr(route, "dependant", None)
    pending = [dependant] if dependant is not None else []
    while pending:
        current = pending.pop()
        pending.extend(current.dependencies)
        yield from ((field, "query") for field in current.query_params)
        yield from ((field, "path") for field in current.path_params)


def _walk_query_params(route: APIRoute) -> tuple[frozenset[str], frozenset[str]]:
    """Query parameter names of a route; a query parameter model contributes its fields."""
    names: set[str] = set()
    repeatable: set[str] = set()
    for field, location in route_params(route):
        if location != "query":
            continue
        annotation = field.field_info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            members = [(f.alias or n, f.annotation) for n, f in annotation.model_fields.items()]
        else:
            members = [(field.alias, annotation)]
        for name, member_annotation in members:
            names.add(name)
            if field_annotation_is_sequence(member_annotation):
                repeatable.add(name)
    return frozenset(names), frozenset(repeatable)


async def reject_unknown_query_params(request: Request) -> None:
    """400 for a query parameter the operation does not declare, or a scalar one repeated.

    FastAPI ignores both silently; a client that misspells `limit` as `limt` deserves to know.
    """
    if not request.scope.get("query_string"):  # most requests: nothing to check
        return
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    allowed, repeatable = _declared_query_params(route)
    keys = [key for key, _ in request.query_params.multi_items()]
    problems: list[tuple[str, str, str]] = []
    for key in dict.fromkeys(keys):
        if key not in allowed:
            valid = ", ".join(sorted(allowed)) or "none"
            problems.append((key, f"unknown parameter; this operation accepts: {valid}", "query"))
        elif keys.count(key) > 1 and key not in repeatable:
            problems.append((key, "given more than once; give it once", "query"))
    if problems:
        raise InvalidParameters(problems)
